#include "wire/checksum.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace pxelab::wire {
namespace {

// Straightforward RFC 1071 §4.1 reference: 16-bit big-endian words, 32-bit
// accumulator, fold at the end.
std::uint16_t reference_sum(ByteView data) {
  std::uint32_t sum = 0;
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += static_cast<std::uint32_t>((data[i] << 8) | data[i + 1]);
  if (i < data.size()) sum += static_cast<std::uint32_t>(data[i] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

TEST(Checksum, Rfc1071WorkedExample) {
  // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2.
  const std::uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(ones_complement_sum(data), 0xddf2);
  EXPECT_EQ(internet_checksum(data), 0x220d);
}

TEST(Checksum, KnownIpv4Header) {
  // A textbook header: 4500 0073 0000 4000 4011 [b861] c0a8 0001 c0a8 00c7.
  std::uint8_t h[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                      0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(internet_checksum(h), 0xb861);
  h[10] = 0xb8;
  h[11] = 0x61;
  EXPECT_EQ(ones_complement_sum(h), 0xffff);  // verification: sums to all ones
}

TEST(Checksum, EmptyAndOddLengths) {
  EXPECT_EQ(ones_complement_sum({}), 0);
  const std::uint8_t one[] = {0xab};
  EXPECT_EQ(ones_complement_sum(one), 0xab00);
  const std::uint8_t three[] = {0x12, 0x34, 0x56};
  EXPECT_EQ(ones_complement_sum(three), 0x1234 + 0x5600);
}

TEST(Checksum, MatchesReferenceOnRandomBuffersOfEveryLengthAndAlignment) {
  std::mt19937_64 rng(1071);
  std::vector<std::uint8_t> buf(600);
  for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
  for (std::size_t off = 0; off < 8; ++off) {
    for (std::size_t len = 0; len + off <= buf.size(); ++len) {
      ByteView v(buf.data() + off, len);
      ASSERT_EQ(ones_complement_sum(v), reference_sum(v)) << "off " << off << " len " << len;
    }
  }
  std::vector<std::uint8_t> ones(4096, 0xff);  // carries at every step
  EXPECT_EQ(ones_complement_sum(ones), reference_sum(ones));
}

TEST(Checksum, InitialValueChainsEvenPieces) {
  std::vector<std::uint8_t> buf(101);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::uint8_t>(i * 37 + 11);
  ByteView all(buf);
  const std::uint16_t chained = ones_complement_sum(all.subspan(40), ones_complement_sum(all.first(40)));
  EXPECT_EQ(chained, ones_complement_sum(all));
  EXPECT_EQ(ones_complement_sum(all, 0xffffffffu), ones_complement_add(ones_complement_sum(all), 0xffffffffu));
}

TEST(Checksum, IncrementalAdjustMatchesRecomputation) {
  std::mt19937_64 rng(1624);
  for (int i = 0; i < 2000; ++i) {
    std::uint8_t h[20];
    for (auto& b : h) b = static_cast<std::uint8_t>(rng());
    h[10] = h[11] = 0;
    const std::uint16_t before = internet_checksum(h);
    const std::size_t word = (rng() % 9) * 2;  // any word but the checksum's
    const std::size_t at = word >= 10 ? word + 2 : word;
    const auto old_word = static_cast<std::uint16_t>((h[at] << 8) | h[at + 1]);
    const auto new_word = static_cast<std::uint16_t>(rng());
    h[at] = static_cast<std::uint8_t>(new_word >> 8);
    h[at + 1] = static_cast<std::uint8_t>(new_word);
    const std::uint16_t adjusted = checksum_adjust(before, old_word, new_word);
    // RFC 1624 §3: eqn. 3 may give 0x0000 where recomputation gives 0xffff (or vice
    // versa): both are "zero" and both verify.
    h[10] = static_cast<std::uint8_t>(adjusted >> 8);
    h[11] = static_cast<std::uint8_t>(adjusted);
    ASSERT_EQ(ones_complement_sum(h), 0xffff) << i;
  }
}

}  // namespace
}  // namespace pxelab::wire
