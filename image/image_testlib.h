// Helpers for tests of floppy images (image/ and the floors above): a minimal boot
// sector and small images built in memory.
#pragma once

#include "image/fat_image.h"
#include "wire/bytes.h"

namespace pxelab::image::testing {

// 512 bytes: EB 3C 90, room for the BPB, `cli; hlt` at 62, 0x55AA at 510.
wire::Bytes minimal_boot_sector();
// An empty image of `kib` (a floppy_formats() size) with that boot sector.
FatImage empty_image(std::uint32_t kib = 1440, const std::string& label = "");
wire::Bytes text_bytes(std::string_view s);

}  // namespace pxelab::image::testing
