// A FAT12 floppy image held in memory: read (8.3 and VFAT long names, subdirectories)
// and written (8.3 names, see dir_entry.h for the rule). Every operation either
// succeeds or returns an error having changed nothing: all checks (name, existence,
// free space, directory room) come before the first byte is written.
//
// Paths are '/'-separated from the root ("CONFIG/NET.CFG"; a leading '/' is allowed);
// each component matches a short name or a long name, without regard to case.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/boot_sector.h"
#include "image/dir_entry.h"
#include "image/floppy_format.h"
#include "wire/bytes.h"
#include "wire/result.h"

namespace pxelab::image {

inline constexpr std::uint16_t kFatFree = 0x000;
inline constexpr std::uint16_t kFatBad = 0xFF7;
inline constexpr std::uint16_t kFatEndOfChain = 0xFFF;
inline bool fat_is_end(std::uint16_t v) { return v >= 0xFF8; }

// One entry of a directory listing.
struct DirItem {
  std::string name;        // the long name when the entry has one, else the short name
  std::string short_name;  // "NAME.EXT"
  std::string long_name;   // empty without VFAT entries
  ShortEntry entry;
  std::size_t offset = 0;                 // byte offset of the short entry in the image
  std::vector<std::size_t> long_offsets;  // its long-name entries
};

enum class WriteMode : std::uint8_t { Create, Replace };

class FatImage {
 public:
  // Reads the BPB (parse_bpb) and checks the image holds every sector it names.
  static Result<FatImage> open(wire::Bytes bytes);
  // An empty file system of `format` behind `boot_code` (make_boot_sector's rules).
  // `label` may be empty (the BPB then says "NO NAME").
  static Result<FatImage> create(const FloppyFormat& format, wire::ByteView boot_code, const std::string& label,
                                 std::uint32_t volume_id);

  const wire::Bytes& bytes() const { return bytes_; }
  const Bpb& bpb() const { return bpb_; }
  // The volume label: the root directory's label entry, else the BPB's; trimmed.
  std::string label() const;

  Result<std::vector<DirItem>> list(std::string_view dir_path) const;
  Result<DirItem> stat(std::string_view path) const;
  Result<wire::Bytes> read(std::string_view path) const;
  // Every regular file, depth first in directory order, as paths of display names.
  Result<std::vector<std::string>> files() const;

  // Create: the name must be free. Replace: it must be a file.
  Status write_file(std::string_view path, wire::ByteView content, WriteMode mode);
  Status make_dir(std::string_view path);
  // A file, or an empty directory.
  Status remove(std::string_view path);

  std::uint32_t free_clusters() const;
  std::uint16_t fat_get(std::uint32_t cluster, unsigned copy = 0) const;
  // The clusters of a chain from `first`; errors for a free, bad, reserved or
  // out-of-range link and for a loop.
  Result<std::vector<std::uint16_t>> chain(std::uint16_t first) const;
  // Byte offset of a data cluster (2 .. cluster_count()+1).
  std::size_t cluster_offset(std::uint32_t cluster) const;

 private:
  FatImage(wire::Bytes bytes, Bpb bpb) : bytes_(std::move(bytes)), bpb_(std::move(bpb)) {}

  void fat_set(std::uint32_t cluster, std::uint16_t value);  // every FAT copy
  // Byte offsets of the 32-byte slots of a directory (0: the root).
  Result<std::vector<std::size_t>> dir_slots(std::uint16_t dir_cluster) const;
  Result<std::vector<DirItem>> items(std::uint16_t dir_cluster) const;
  // The directory a path names (0: root).
  Result<std::uint16_t> resolve_dir(std::string_view path) const;
  struct Place {
    std::uint16_t dir = 0;
    std::string leaf;
  };
  Result<Place> parent_of(std::string_view path) const;
  std::optional<DirItem> find(std::uint16_t dir, std::string_view name) const;
  // A free slot of `dir`, or nullopt when the directory must grow by a cluster (a
  // subdirectory) — an error for the root, whose size is fixed.
  Result<std::optional<std::size_t>> free_slot(std::uint16_t dir) const;
  std::vector<std::uint16_t> free_list(std::uint32_t n) const;  // the first n free clusters
  // Links `clusters` into a chain ending in EOC, writing `content` into them.
  void write_chain(const std::vector<std::uint16_t>& clusters, wire::ByteView content);
  // Appends one zeroed cluster to directory `dir`'s chain; returns its first slot.
  std::size_t grow_dir(std::uint16_t dir, std::uint16_t cluster);
  Status check_room(std::uint32_t needed) const;

  wire::Bytes bytes_;
  Bpb bpb_;
};

// Splits "A/B/C" into components, dropping empty ones (leading, doubled, trailing '/').
std::vector<std::string_view> split_path(std::string_view path);

}  // namespace pxelab::image
