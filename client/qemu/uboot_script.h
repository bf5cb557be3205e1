// U-Boot's legacy script image (what `mkimage -T script` writes and `source` runs):
// the form of boot.scr.uimg, which U-Boot's distro boot fetches first over DHCP/TFTP
// (boot_script_dhcp). Built here so the TFTP root needs nothing beyond Debian's
// u-boot-qemu package (no u-boot-tools at run time).
//
// Layout (include/image.h, legacy_hdr): a 64-octet big-endian header {magic
// 0x27051956, header CRC32, time, data size, load, entry, data CRC32, os, arch, type,
// compression, name[32]}, then the data: for a script, a 0-terminated list of
// big-endian part sizes (one part here), then the script text.
#pragma once

#include <cstdint>
#include <string_view>

#include "wire/bytes.h"

namespace pxelab::client::qemu {

// CRC-32 (IEEE 802.3, reflected, as zlib's crc32()).
std::uint32_t crc32(wire::ByteView data);

// The image of `script` (os Linux, arch x86_64, type script, no compression, time 0
// so the bytes depend on the text only).
wire::Bytes uboot_script_image(std::string_view script, std::string_view name = "pxelab");

}  // namespace pxelab::client::qemu
