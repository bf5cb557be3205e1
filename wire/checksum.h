// The Internet checksum (RFC 1071): the 16-bit one's complement of the one's
// complement sum of the data taken as big-endian 16-bit words. Used by IPv4 (header)
// and UDP (pseudo-header + datagram).
#pragma once

#include <cstdint>

#include "wire/bytes.h"

namespace pxelab::wire {

// One's complement sum of `data` as big-endian 16-bit words, added to `initial`
// (a previous sum, or any partial sum such as a pseudo-header's), folded to 16 bits,
// not complemented.
// An odd final byte is padded with a zero byte (RFC 1071 §1), so only the last piece
// of a multi-piece sum may have odd length.
// Fast path: 8 bytes per step in native byte order, byte-swapped once at the end
// (the sum is byte-order independent, RFC 1071 §2(B)).
std::uint16_t ones_complement_sum(ByteView data, std::uint32_t initial = 0);

// Adds two one's complement sums (end-around carry), folded to 16 bits.
constexpr std::uint16_t ones_complement_add(std::uint32_t a, std::uint32_t b) {
  std::uint64_t s = std::uint64_t{a} + b;
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(s);
}

// The checksum to store: ~sum. Verification: ones_complement_sum over the covered
// bytes including the stored checksum is 0xffff.
inline std::uint16_t internet_checksum(ByteView data, std::uint32_t initial = 0) {
  return static_cast<std::uint16_t>(~ones_complement_sum(data, initial));
}

// Incremental update (RFC 1624 §3, eqn. 3): the new checksum after one 16-bit word of
// the covered data changed from `old_word` to `new_word`. HC' = ~(~HC + ~m + m').
constexpr std::uint16_t checksum_adjust(std::uint16_t checksum, std::uint16_t old_word,
                                        std::uint16_t new_word) {
  std::uint16_t sum = ones_complement_add(static_cast<std::uint16_t>(~checksum),
                                          static_cast<std::uint16_t>(~old_word));
  sum = ones_complement_add(sum, new_word);
  return static_cast<std::uint16_t>(~sum);
}

}  // namespace pxelab::wire
