#include "wire/checksum.h"

#include <bit>
#include <cstring>

namespace pxelab::wire {

std::uint16_t ones_complement_sum(ByteView data, std::uint32_t initial) {
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
  // Native-order accumulation: 32-bit words into a 64-bit accumulator cannot
  // overflow for any buffer shorter than 2^32 words (16 GiB).
  std::uint64_t acc = 0;
  while (n >= 16) {
    std::uint32_t w[4];
    std::memcpy(w, p, 16);
    acc += std::uint64_t{w[0]} + w[1] + w[2] + w[3];
    p += 16;
    n -= 16;
  }
  while (n >= 4) {
    std::uint32_t w;
    std::memcpy(&w, p, 4);
    acc += w;
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    std::uint16_t w;
    std::memcpy(&w, p, 2);
    acc += w;
    p += 2;
    n -= 2;
  }
  if (n == 1) {
    const std::uint8_t last[2] = {*p, 0};
    std::uint16_t w;
    std::memcpy(&w, last, 2);
    acc += w;
  }
  // Fold 64 -> 16 bits.
  acc = (acc & 0xffffffffu) + (acc >> 32);
  acc = (acc & 0xffffffffu) + (acc >> 32);
  std::uint32_t s = static_cast<std::uint32_t>(acc);
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  auto sum = static_cast<std::uint16_t>(s);
  if constexpr (std::endian::native == std::endian::little) {
    sum = static_cast<std::uint16_t>((sum >> 8) | (sum << 8));
  }
  return ones_complement_add(sum, initial);
}

}  // namespace pxelab::wire
