#include "client/qemu/uboot_script.h"

#include <algorithm>

namespace pxelab::client::qemu {

std::uint32_t crc32(wire::ByteView data) {
  std::uint32_t crc = 0xffffffffu;
  for (std::uint8_t b : data) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

wire::Bytes uboot_script_image(std::string_view script, std::string_view name) {
  constexpr std::size_t kHeader = 64;
  wire::Bytes data(8 + script.size());
  wire::store_be32(&data[0], static_cast<std::uint32_t>(script.size()));
  wire::store_be32(&data[4], 0);  // end of the part list
  std::copy(script.begin(), script.end(), data.begin() + 8);

  wire::Bytes image(kHeader + data.size(), 0);
  wire::store_be32(&image[0], 0x27051956);  // IH_MAGIC
  wire::store_be32(&image[12], static_cast<std::uint32_t>(data.size()));
  wire::store_be32(&image[24], crc32(data));
  image[28] = 5;   // IH_OS_LINUX
  image[29] = 24;  // IH_ARCH_X86_64
  image[30] = 6;   // IH_TYPE_SCRIPT
  image[31] = 0;   // IH_COMP_NONE
  std::copy_n(name.begin(), std::min<std::size_t>(name.size(), 31), image.begin() + 32);
  wire::store_be32(&image[4], crc32(wire::ByteView(image.data(), kHeader)));  // with hcrc = 0
  std::copy(data.begin(), data.end(), image.begin() + kHeader);
  return image;
}

}  // namespace pxelab::client::qemu
