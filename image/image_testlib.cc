#include "image/image_testlib.h"

#include <gtest/gtest.h>

namespace pxelab::image::testing {

wire::Bytes minimal_boot_sector() { return halting_boot_sector(); }

FatImage empty_image(std::uint32_t kib, const std::string& label) {
  auto img = FatImage::create(*floppy_format_by_kib(kib), minimal_boot_sector(), label, 0x1234ABCD);
  EXPECT_TRUE(img.ok()) << img.error().to_string();
  return std::move(*img);
}

wire::Bytes text_bytes(std::string_view s) { return wire::Bytes(s.begin(), s.end()); }

}  // namespace pxelab::image::testing
