// The boot sector of a FAT12 floppy: the BIOS Parameter Block (DOS 3.31 BPB at byte
// 11, extended BPB with signature 0x29 at byte 36) and the 0x55AA signature at 510.
// Layout as in Microsoft's "FAT: General Overview of On-Disk Format" (fatgen103)
// §"Boot Sector and BPB" and memdisk's BPB probe (syslinux memdisk/setup.c).
#pragma once

#include <cstdint>
#include <string>

#include "image/floppy_format.h"
#include "wire/bytes.h"
#include "wire/result.h"

namespace pxelab::image {

inline constexpr std::size_t kSectorSize = 512;
inline constexpr std::size_t kBpbEnd = 62;  // first byte of boot code after the extended BPB

struct Bpb {
  std::uint8_t jump[3] = {0xEB, 0x3C, 0x90};
  std::string oem = "PXELAB  ";         // 8 bytes
  std::uint16_t bytes_per_sector = 512;
  std::uint8_t sectors_per_cluster = 1;
  std::uint16_t reserved_sectors = 1;
  std::uint8_t fat_count = 2;
  std::uint16_t root_entries = 224;
  std::uint32_t total_sectors = 2880;   // 16-bit field, or the 32-bit one when that is 0
  std::uint8_t media = 0xF0;
  std::uint16_t sectors_per_fat = 9;
  std::uint16_t sectors_per_track = 18;
  std::uint16_t heads = 2;
  std::uint32_t hidden_sectors = 0;
  // Extended BPB (present when ext_signature is 0x28 or 0x29).
  std::uint8_t drive_number = 0x00;      // 0x00: first floppy
  std::uint8_t ext_signature = 0x29;
  std::uint32_t volume_id = 0;
  std::string label = "NO NAME    ";     // 11 bytes
  std::string fs_type = "FAT12   ";      // 8 bytes

  // Derived layout, in sectors from the start of the image.
  std::uint32_t fat_start() const { return reserved_sectors; }
  std::uint32_t root_start() const { return reserved_sectors + std::uint32_t{fat_count} * sectors_per_fat; }
  std::uint32_t root_sectors() const { return (std::uint32_t{root_entries} * 32 + bytes_per_sector - 1) / bytes_per_sector; }
  std::uint32_t data_start() const { return root_start() + root_sectors(); }
  std::uint32_t cluster_bytes() const { return std::uint32_t{sectors_per_cluster} * bytes_per_sector; }
  // Data clusters, numbered 2 .. cluster_count() + 1 (0 if the layout does not fit).
  std::uint32_t cluster_count() const {
    return total_sectors > data_start() && sectors_per_cluster ? (total_sectors - data_start()) / sectors_per_cluster : 0;
  }
};

// The BPB of a standard floppy format.
Bpb bpb_for(const FloppyFormat& format, std::uint32_t volume_id, const std::string& label);

// Reads the BPB of `sector` (at least 512 bytes). Fails only on values that make the
// layout meaningless (zero or non power-of-two sizes, no FAT, regions past the end);
// check_image() (image_check.h) judges the rest, one line per defect.
Result<Bpb> parse_bpb(wire::ByteView sector);

// Writes `bpb` into bytes 0..61 of `sector` (512 bytes), leaving the code after it.
void write_bpb(const Bpb& bpb, wire::MutableByteView sector);

// A boot sector from `code`: a 512-byte program whose bytes 3..61 are room for the
// BPB (nasm: `jmp short start; nop; times 59 db 0`), ending in 0x55AA. Its jump is
// kept; the BPB area is overwritten with `bpb`. Errors name what is wrong with it.
Result<wire::Bytes> make_boot_sector(wire::ByteView code, const Bpb& bpb);

// A boot sector whose code only halts (cli; hlt at 62): for images that emulated ROMs
// "boot" (their FAT12 content is what matters) and for tests.
wire::Bytes halting_boot_sector();

// "FAT12" label text: 11 bytes, upper case, padded with spaces; errors for too long or
// characters DOS refuses in a label.
Result<std::string> volume_label(const std::string& text);

}  // namespace pxelab::image
