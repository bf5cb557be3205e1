// What an emulated ROM "boots" when its boot file is a floppy image (the seed's
// virtual boot floppy; FW-48): it checks the boot signature and the BPB, reads the
// FAT12 file system and records what the per-host personalization put there, so a
// storm of emulated machines proves each got its own floppy (issue 11).
//
// Fed in order as the TFTP blocks arrive, it keeps only what it needs — the boot
// sector, FATs and root directory, then the clusters of the small root files — never
// the whole image: a storm downloads thousands of floppies at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wire/bytes.h"
#include "wire/result.h"

namespace pxelab::client {

// A small text file of the floppy's root directory, as the boot code would read it.
struct FloppyTextFile {
  std::string name;     // the long name when the entry has one, else "NAME.EXT"
  std::string content;  // printable ASCII, tab, CR and LF only
};

struct FloppyContent {
  std::string label;               // the volume label ("NO NAME" when none)
  std::string fs_type;             // the BPB's file system type, trimmed ("FAT12")
  std::uint32_t kib = 0;           // total sectors × bytes per sector / 1024
  std::vector<std::string> root;   // the root directory: files, and directories with a trailing '/'
  std::vector<FloppyTextFile> text;  // its text files of up to kMaxTextFile octets
};

class FloppyReader {
 public:
  static constexpr std::size_t kMaxTextFile = 512;
  static constexpr std::size_t kMaxTextFiles = 8;
  // More than any floppy format's boot sector + FATs + root directory (2880 KiB: 17 KiB).
  static constexpr std::size_t kMaxMetadata = 64 << 10;

  // The next bytes of the image, in order.
  void feed(wire::ByteView data);
  // Once the last block arrived: the content, or why this is no bootable FAT12 floppy
  // ("no FAT12 file system: ...", "truncated: ...", a FAT chain out of range).
  Result<FloppyContent> finish() const;

 private:
  void take_metadata(wire::ByteView& data);
  void select_files();
  void keep_clusters(wire::ByteView data);
  std::uint16_t fat_entry(std::uint32_t cluster) const;

  std::uint64_t offset_ = 0;   // octets fed so far
  wire::Bytes metadata_;       // [0, metadata_end_)
  std::size_t metadata_end_ = 512;
  bool have_bpb_ = false;
  bool selected_ = false;
  std::string error_;          // the first reason it cannot be a FAT12 floppy
  std::uint64_t image_bytes_ = 0;  // as the BPB says
  struct Kept {
    std::uint64_t offset;      // in the image
    wire::Bytes bytes;         // one cluster, filled as it streams by
  };
  std::vector<Kept> kept_;     // sorted by offset
  // The layout, from the BPB.
  std::uint32_t cluster_bytes_ = 512;
  std::uint64_t data_start_ = 0;
  std::size_t fat_offset_ = 0;
  std::size_t root_offset_ = 0;
  std::size_t root_entries_ = 0;
  std::uint32_t cluster_count_ = 0;
};

}  // namespace pxelab::client
