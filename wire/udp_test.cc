#include "wire/udp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "wire/checksum.h"

namespace pxelab::wire {
namespace {

using ::testing::ElementsAreArray;

const Ipv4Address kSrc = Ipv4Address::from_octets(192, 0, 2, 10);
const Ipv4Address kDst = Ipv4Address::broadcast();

// 68 -> 67, length 13, checksum 0xf970 (computed independently), "hello".
const std::vector<std::uint8_t> kHello = {0x00, 0x44, 0x00, 0x43, 0x00, 0x0d, 0xf9, 0x70,
                                          'h',  'e',  'l',  'l',  'o'};

TEST(Udp, ParsesGoldenAndVerifiesChecksum) {
  auto v = UdpView::parse(kHello);
  ASSERT_TRUE(v) << v.error().to_string();
  EXPECT_EQ(v->src_port(), 68);
  EXPECT_EQ(v->dst_port(), 67);
  EXPECT_EQ(v->length(), 13);
  EXPECT_EQ(v->checksum(), 0xf970);
  EXPECT_EQ(v->payload().size(), 5u);
  EXPECT_EQ(v->verify_checksum(kSrc, kDst), ChecksumStatus::kValid);
  EXPECT_EQ(v->verify_checksum(kDst, kSrc), ChecksumStatus::kValid);  // sum is symmetric
  EXPECT_EQ(v->verify_checksum(kSrc, Ipv4Address::from_octets(192, 0, 2, 1)), ChecksumStatus::kInvalid);
  EXPECT_EQ(udp_checksum(kSrc, kDst, kHello), 0xf970);
}

TEST(Udp, EmitsGoldenAroundPlacedPayload) {
  std::vector<std::uint8_t> out(13);
  std::copy(kHello.begin() + 8, kHello.end(), out.begin() + 8);
  ASSERT_EQ((UdpRepr{68, 67}.emit(out, 5, kSrc, kDst)), 13u);
  EXPECT_EQ(out, kHello);
}

TEST(Udp, ZeroChecksumMeansAbsent) {
  std::vector<std::uint8_t> out(13);
  UdpRepr{68, 67}.emit(out, 5, kSrc, kDst, /*with_checksum=*/false);
  EXPECT_EQ(out[6], 0);
  EXPECT_EQ(out[7], 0);
  EXPECT_EQ(UdpView::parse(out)->verify_checksum(kSrc, kDst), ChecksumStatus::kAbsent);
}

TEST(Udp, ComputedZeroIsSentAsAllOnes) {
  // Choose the last payload word so that the checksum comes out 0: RFC 768 says
  // send 0xffff instead.
  std::vector<std::uint8_t> d = {0x12, 0x34, 0x56, 0x78, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00};
  const std::uint16_t sum = ones_complement_sum(d, udp_pseudo_header_sum(kSrc, kDst, 10));
  // Adding word w makes the sum sum+w; we want ~(sum+w) == 0, i.e. sum+w == 0xffff.
  const auto w = static_cast<std::uint16_t>(0xffff - sum);
  d[8] = static_cast<std::uint8_t>(w >> 8);
  d[9] = static_cast<std::uint8_t>(w);
  EXPECT_EQ(udp_checksum(kSrc, kDst, d), 0xffff);
  UdpRepr{0x1234, 0x5678}.emit(d, 2, kSrc, kDst);
  EXPECT_EQ(d[6], 0xff);
  EXPECT_EQ(d[7], 0xff);
  EXPECT_EQ(UdpView::parse(d)->verify_checksum(kSrc, kDst), ChecksumStatus::kValid);
}

TEST(Udp, OddPayloadLengths) {
  for (std::size_t n = 0; n < 40; ++n) {
    std::vector<std::uint8_t> d(8 + n);
    for (std::size_t i = 0; i < n; ++i) d[8 + i] = static_cast<std::uint8_t>(0xa5 ^ (i * 13));
    UdpRepr{1000, 2000}.emit(d, n, kSrc, kDst);
    auto v = UdpView::parse(d);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->verify_checksum(kSrc, kDst), ChecksumStatus::kValid) << n;
  }
}

TEST(Udp, Faults) {
  std::vector<std::uint8_t> out(13);
  std::copy(kHello.begin() + 8, kHello.end(), out.begin() + 8);
  UdpRepr{68, 67}.emit(out, 5, kSrc, kDst, true, UdpFaults{.bad_checksum = true});
  EXPECT_EQ(UdpView::parse(out)->verify_checksum(kSrc, kDst), ChecksumStatus::kInvalid);
  EXPECT_EQ(out[7], 0x71);

  UdpRepr{68, 67}.emit(out, 5, kSrc, kDst, true, UdpFaults{.length = 100});
  auto v = UdpView::parse(out);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().field, "udp.length");
  EXPECT_EQ(v.error().offset, 4u);
}

TEST(Udp, LengthChecks) {
  auto b = kHello;
  b[5] = 7;
  auto small = UdpView::parse(b);
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().field, "udp.length");
  b[5] = 9;  // shorter than the buffer: the rest is ignored
  auto v = UdpView::parse(b);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->payload().size(), 1u);
  auto h = UdpView::parse(ByteView(kHello).first(7));
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().field, "udp.header");
  EXPECT_EQ(h.error().offset, 0u);
}

TEST(Udp, EveryPrefixParsesOrFailsCleanly) {
  for (std::size_t n = 0; n <= kHello.size(); ++n) {
    const std::vector<std::uint8_t> prefix(kHello.begin(), kHello.begin() + static_cast<long>(n));
    auto v = UdpView::parse(prefix);
    EXPECT_EQ(v.ok(), n == kHello.size()) << n;
    if (v) {
      EXPECT_EQ(v->verify_checksum(kSrc, kDst), ChecksumStatus::kValid);
    }
  }
}

}  // namespace
}  // namespace pxelab::wire
