#include "image/boot_sector.h"

#include <algorithm>
#include <cctype>

namespace pxelab::image {

namespace {

std::uint16_t le16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
std::uint32_t le32(const std::uint8_t* p) { return le16(p) | (std::uint32_t{le16(p + 2)} << 16); }
void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}
void put32(std::uint8_t* p, std::uint32_t v) {
  put16(p, static_cast<std::uint16_t>(v));
  put16(p + 2, static_cast<std::uint16_t>(v >> 16));
}
std::string text(const std::uint8_t* p, std::size_t n) { return std::string(reinterpret_cast<const char*>(p), n); }
void put_text(std::uint8_t* p, const std::string& s, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) p[i] = i < s.size() ? static_cast<std::uint8_t>(s[i]) : ' ';
}
bool power_of_two(std::uint32_t v) { return v && !(v & (v - 1)); }

}  // namespace

Bpb bpb_for(const FloppyFormat& f, std::uint32_t volume_id, const std::string& label) {
  Bpb b;
  b.sectors_per_cluster = f.sectors_per_cluster;
  b.root_entries = f.root_entries;
  b.total_sectors = f.total_sectors;
  b.media = f.media;
  b.sectors_per_fat = f.sectors_per_fat;
  b.sectors_per_track = f.sectors_per_track;
  b.heads = f.heads;
  b.volume_id = volume_id;
  b.label = label.empty() ? "NO NAME    " : label;
  return b;
}

Result<Bpb> parse_bpb(wire::ByteView s) {
  if (s.size() < kSectorSize) {
    return make_error("boot_sector", 0, "truncated: " + std::to_string(s.size()) + " bytes, a boot sector is 512");
  }
  const std::uint8_t* p = s.data();
  Bpb b;
  std::copy(p, p + 3, b.jump);
  b.oem = text(p + 3, 8);
  b.bytes_per_sector = le16(p + 11);
  b.sectors_per_cluster = p[13];
  b.reserved_sectors = le16(p + 14);
  b.fat_count = p[16];
  b.root_entries = le16(p + 17);
  b.total_sectors = le16(p + 19) ? le16(p + 19) : le32(p + 32);
  b.media = p[21];
  b.sectors_per_fat = le16(p + 22);
  b.sectors_per_track = le16(p + 24);
  b.heads = le16(p + 26);
  b.hidden_sectors = le32(p + 28);
  b.drive_number = p[36];
  b.ext_signature = p[38];
  if (b.ext_signature == 0x28 || b.ext_signature == 0x29) {
    b.volume_id = le32(p + 39);
    if (b.ext_signature == 0x29) {
      b.label = text(p + 43, 11);
      b.fs_type = text(p + 54, 8);
    } else {
      b.label.clear();
      b.fs_type.clear();
    }
  } else {
    b.volume_id = 0;
    b.label.clear();
    b.fs_type.clear();
  }
  if (b.bytes_per_sector != 512) {
    return make_error("bpb.bytes_per_sector", 11,
                      std::to_string(b.bytes_per_sector) + " (a floppy, and memdisk, use 512-byte sectors)");
  }
  if (!power_of_two(b.sectors_per_cluster)) {
    return make_error("bpb.sectors_per_cluster", 13, std::to_string(b.sectors_per_cluster) + " is not a power of two");
  }
  if (b.reserved_sectors == 0) return make_error("bpb.reserved_sectors", 14, "0 (the boot sector itself is reserved)");
  if (b.fat_count == 0) return make_error("bpb.fat_count", 16, "0: no FAT");
  if (b.root_entries == 0) return make_error("bpb.root_entries", 17, "0: no root directory (FAT12 has a fixed one)");
  if (b.sectors_per_fat == 0) return make_error("bpb.sectors_per_fat", 22, "0");
  if (b.data_start() >= b.total_sectors) {
    return make_error("bpb.total_sectors", 19,
                      std::to_string(b.total_sectors) + " sectors leave no data area (it starts at sector " +
                          std::to_string(b.data_start()) + ")");
  }
  if (b.cluster_count() >= 4085) {
    return make_error("bpb", 13,
                      std::to_string(b.cluster_count()) + " clusters: that is FAT16 or FAT32, not FAT12 (fewer than 4085)");
  }
  if (std::uint64_t{b.sectors_per_fat} * b.bytes_per_sector * 2 < (std::uint64_t{b.cluster_count()} + 2) * 3) {
    return make_error("bpb.sectors_per_fat", 22,
                      std::to_string(b.sectors_per_fat) + " sectors cannot hold " +
                          std::to_string(b.cluster_count() + 2) + " FAT12 entries");
  }
  return b;
}

void write_bpb(const Bpb& b, wire::MutableByteView s) {
  std::uint8_t* p = s.data();
  std::copy(b.jump, b.jump + 3, p);
  put_text(p + 3, b.oem, 8);
  put16(p + 11, b.bytes_per_sector);
  p[13] = b.sectors_per_cluster;
  put16(p + 14, b.reserved_sectors);
  p[16] = b.fat_count;
  put16(p + 17, b.root_entries);
  put16(p + 19, b.total_sectors <= 0xFFFF ? static_cast<std::uint16_t>(b.total_sectors) : 0);
  p[21] = b.media;
  put16(p + 22, b.sectors_per_fat);
  put16(p + 24, b.sectors_per_track);
  put16(p + 26, b.heads);
  put32(p + 28, b.hidden_sectors);
  put32(p + 32, b.total_sectors > 0xFFFF ? b.total_sectors : 0);
  p[36] = b.drive_number;
  p[37] = 0;
  p[38] = b.ext_signature;
  put32(p + 39, b.volume_id);
  put_text(p + 43, b.label, 11);
  put_text(p + 54, b.fs_type, 8);
}

Result<wire::Bytes> make_boot_sector(wire::ByteView code, const Bpb& bpb) {
  if (code.size() != kSectorSize) {
    return make_error("boot_sector", 0,
                      std::to_string(code.size()) + " bytes: a boot sector program is exactly 512 (nasm: pad with "
                      "`times 510-($-$$) db 0` then `dw 0xAA55`)");
  }
  if (code[510] != 0x55 || code[511] != 0xAA) {
    return make_error("boot_sector", 510, "no 0x55AA boot signature at byte 510: the BIOS would not boot it");
  }
  const bool short_jump = code[0] == 0xEB && code[2] == 0x90 && std::size_t{code[1]} + 2 >= kBpbEnd;
  const bool near_jump = code[0] == 0xE9 && std::size_t{le16(code.data() + 1)} + 3u >= kBpbEnd;
  if (!short_jump && !near_jump) {
    return make_error("boot_sector", 0,
                      "does not start with a jump over the BPB (EB xx 90 or E9 xx xx landing at byte 62 or later): "
                      "the BPB written at bytes 3..61 would be executed");
  }
  wire::Bytes out(code.begin(), code.end());
  Bpb b = bpb;
  std::copy(code.data(), code.data() + 3, b.jump);
  write_bpb(b, out);
  return out;
}

Result<std::string> volume_label(const std::string& in) {
  if (in.size() > 11) return make_error("", 0, "'" + in + "' is longer than 11 characters");
  std::string out;
  for (char c : in) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7F || std::string_view("\"*+,./:;<=>?[\\]|").find(c) != std::string_view::npos) {
      return make_error("", 0, "'" + in + "': a volume label may not hold '" + std::string(1, c) + "'");
    }
    out += static_cast<char>(std::toupper(u));
  }
  out.resize(11, ' ');
  return out;
}

wire::Bytes halting_boot_sector() {
  wire::Bytes b(kSectorSize, 0);
  b[0] = 0xEB;  // jmp short 0x3E, over the BPB
  b[1] = 0x3C;
  b[2] = 0x90;
  b[62] = 0xFA;  // cli
  b[63] = 0xF4;  // hlt
  b[510] = 0x55;
  b[511] = 0xAA;
  return b;
}

}  // namespace pxelab::image
