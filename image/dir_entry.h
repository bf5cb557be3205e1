// FAT directory entries: the 32-byte short entry (8.3 name, attributes, first cluster,
// size) and the VFAT long-name entries in front of it (fatgen103 §"FAT Long Directory
// Entries"), read-only here: pxelab writes 8.3 names only.
//
// The name rule for writing (`pxelab image add/mkdir`): a name is stored as its 8.3
// short name, upper-cased (DOS compares names without case, mtools and Linux show
// them in upper or lower case); after upper-casing it must be a base of 1-8 and an
// optional extension of 1-3 characters from A-Z 0-9 ! # $ % & ' ( ) - @ ^ _ ` { } ~.
// Anything else (a long name, spaces, a second dot, non-ASCII) is refused with the
// rule in the message, never silently shortened to NAME~1.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wire/bytes.h"
#include "wire/result.h"

namespace pxelab::image {

inline constexpr std::size_t kDirEntrySize = 32;

enum Attr : std::uint8_t {
  kAttrReadOnly = 0x01,
  kAttrHidden = 0x02,
  kAttrSystem = 0x04,
  kAttrVolume = 0x08,
  kAttrDirectory = 0x10,
  kAttrArchive = 0x20,
  kAttrLongName = 0x0F,
};

using ShortName = std::array<std::uint8_t, 11>;  // "NAME    EXT"

// The rule above; the error message states it.
Result<ShortName> to_short_name(std::string_view name);
// "NAME.EXT" (no padding; the 0x05 lead byte read as 0xE5).
std::string short_name_text(const ShortName& n);
// The checksum a long-name entry carries of its short entry (fatgen103).
std::uint8_t short_name_checksum(const ShortName& n);
// Characters allowed in a short name (above 0x7F is allowed on disk, OEM code page).
bool short_name_char_ok(std::uint8_t c);

struct ShortEntry {
  ShortName name{};
  std::uint8_t attr = 0;
  std::uint16_t first_cluster = 0;
  std::uint32_t size = 0;
  std::uint16_t time = 0;
  std::uint16_t date = 0;
  bool is_dir() const { return attr & kAttrDirectory; }
  bool is_volume() const { return (attr & kAttrVolume) && attr != kAttrLongName; }
  bool is_dot() const { return name[0] == '.'; }
};

// `p` points at 32 bytes.
ShortEntry decode_short_entry(const std::uint8_t* p);
void encode_short_entry(const ShortEntry& e, std::uint8_t* p);

// Collects the long-name entries before a short entry. Feed each 32-byte slot in
// order: take() returns the long name when `p` is the short entry its run belongs to
// (sequence complete, checksum matches), else an empty string; a broken run is
// dropped (as Windows and Linux do: the short name stands).
class LongNameCollector {
 public:
  // A long-name slot. Returns false when the slot does not continue a run correctly.
  bool add(const std::uint8_t* p);
  std::string take(const ShortName& short_name);
  void reset() { parts_ = {}; expected_ = 0; have_ = false; }

 private:
  std::array<std::u16string, 20> parts_{};
  std::uint8_t expected_ = 0;  // next sequence number wanted (counting down)
  std::uint8_t count_ = 0;
  std::uint8_t checksum_ = 0;
  bool have_ = false;
};

// The fixed timestamp pxelab writes (2000-01-01 00:00): images are byte-identical for
// identical input.
inline constexpr std::uint16_t kFixedDate = ((2000 - 1980) << 9) | (1 << 5) | 1;

}  // namespace pxelab::image
