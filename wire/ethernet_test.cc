#include "wire/ethernet.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace pxelab::wire {
namespace {

using ::testing::ElementsAreArray;

const MacAddress kA{{0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc}};
const MacAddress kB{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};

// dst, src, EtherType 0x0806, then 2 payload bytes.
const std::vector<std::uint8_t> kUntagged = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54,
                                             0x00, 0xaa, 0xbb, 0xcc, 0x08, 0x06, 0xde, 0xad};
// dst, src, TPID 0x8100, TCI (PCP 6, DEI 1, VID 0x123) = 0xd123, EtherType 0x0800.
const std::vector<std::uint8_t> kTagged = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0xaa,
                                           0xbb, 0xcc, 0x81, 0x00, 0xd1, 0x23, 0x08, 0x00, 0x45};

TEST(Ethernet, ParsesUntaggedGolden) {
  auto v = EthernetView::parse(kUntagged);
  ASSERT_TRUE(v) << v.error().to_string();
  EXPECT_EQ(v->dst(), kB);
  EXPECT_EQ(v->src(), kA);
  EXPECT_FALSE(v->has_vlan());
  EXPECT_EQ(v->ethertype(), ethertype::kArp);
  EXPECT_EQ(v->header_size(), 14u);
  EXPECT_THAT(v->payload(), ElementsAreArray({0xde, 0xad}));
}

TEST(Ethernet, ParsesTaggedGolden) {
  auto v = EthernetView::parse(kTagged);
  ASSERT_TRUE(v) << v.error().to_string();
  ASSERT_TRUE(v->has_vlan());
  EXPECT_EQ(v->vlan(), (VlanTag{6, true, 0x123}));
  EXPECT_EQ(v->ethertype(), ethertype::kIpv4);
  EXPECT_EQ(v->header_size(), 18u);
  EXPECT_THAT(v->payload(), ElementsAreArray({0x45}));
}

TEST(Ethernet, EmitsGoldenBytesAndRoundTrips) {
  for (const auto* golden : {&kUntagged, &kTagged}) {
    auto v = EthernetView::parse(*golden);
    ASSERT_TRUE(v);
    const EthernetRepr r = v->repr();
    std::vector<std::uint8_t> out(r.header_size());
    ASSERT_EQ(r.emit(out), r.header_size());
    EXPECT_THAT(out, ElementsAreArray(golden->begin(), golden->begin() + static_cast<long>(r.header_size())));
    auto again = EthernetView::parse(out);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->repr(), r);
  }
}

TEST(Ethernet, EmitMasksOutOfRangeTagFields) {
  EthernetRepr r{kB, kA, VlanTag{0xff, false, 0xffff}, 0x0800};
  std::uint8_t out[18];
  ASSERT_EQ(r.emit(out), 18u);
  EXPECT_EQ(out[14], 0xef);  // PCP 7, DEI 0, VID 0xfff
  EXPECT_EQ(out[15], 0xff);
}

TEST(Ethernet, EmitRefusesShortBuffer) {
  EthernetRepr r{kB, kA, VlanTag{}, 0x0800};
  std::uint8_t out[17];
  EXPECT_EQ(r.emit(out), 0u);
}

TEST(Ethernet, ShortFramesFailWithFieldAndOffset) {
  auto e = EthernetView::parse(ByteView(kUntagged).first(13));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().field, "ethernet.header");
  EXPECT_EQ(e.error().offset, 0u);
  auto t = EthernetView::parse(ByteView(kTagged).first(17));
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().field, "vlan.tag");
  EXPECT_EQ(t.error().offset, 12u);
}

TEST(Ethernet, EveryPrefixParsesOrFailsCleanly) {
  for (const auto* golden : {&kUntagged, &kTagged}) {
    for (std::size_t n = 0; n <= golden->size(); ++n) {
      // An exact-size copy so that AddressSanitizer sees any read past the end.
      const std::vector<std::uint8_t> prefix(golden->begin(), golden->begin() + static_cast<long>(n));
      auto v = EthernetView::parse(prefix);
      if (v) {
        EXPECT_LE(v->header_size(), n);
        (void)v->repr();
      } else {
        EXPECT_FALSE(v.error().field.empty());
      }
    }
  }
}

}  // namespace
}  // namespace pxelab::wire
