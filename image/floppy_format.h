// The floppy formats pxelab builds: the standard IBM PC diskettes, with the
// geometry and BPB values DOS FORMAT (and mkfs.fat, and memdisk's size table) use.
// memdisk (syslinux) recognises a floppy by its size and then by the BPB: media byte,
// 512-byte sectors, sectors per track and heads must agree with the size.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace pxelab::image {

struct FloppyFormat {
  std::uint32_t kib;                 // 360, 720, 1200, 1440, 2880
  std::uint16_t total_sectors;       // 512-byte sectors
  std::uint16_t sectors_per_track;
  std::uint16_t heads;
  std::uint8_t media;                // BPB media descriptor, also FAT[0]
  std::uint8_t sectors_per_cluster;
  std::uint16_t root_entries;
  std::uint16_t sectors_per_fat;
  std::uint16_t cylinders() const { return static_cast<std::uint16_t>(total_sectors / (sectors_per_track * heads)); }
  std::uint32_t bytes() const { return std::uint32_t{total_sectors} * 512u; }
};

// The table, smallest first.
std::span<const FloppyFormat> floppy_formats();
std::optional<FloppyFormat> floppy_format_by_kib(std::uint32_t kib);
// "360, 720, 1200, 1440, 2880" for messages and --help.
std::string_view floppy_sizes_text();

}  // namespace pxelab::image
