#include "wire/arp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace pxelab::wire {
namespace {

using ::testing::ElementsAreArray;

const MacAddress kClientMac{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};
const MacAddress kServerMac{{0x52, 0x54, 0x00, 0x00, 0x00, 0x01}};
const Ipv4Address kClientIp = Ipv4Address::from_octets(192, 0, 2, 10);
const Ipv4Address kServerIp = Ipv4Address::from_octets(192, 0, 2, 1);

// Who has 192.0.2.1? Tell 192.0.2.10.
const std::vector<std::uint8_t> kRequest = {
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,  // htype, ptype, hlen, plen, op
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 192,  0,    2, 10,  // sender
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 192,  0,    2, 1};  // target
const std::vector<std::uint8_t> kReply = {
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,           //
    0x52, 0x54, 0x00, 0x00, 0x00, 0x01, 192,  0,    2, 1,     //
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 192,  0,    2, 10};

TEST(Arp, EmitsGoldenRequestAndReply) {
  const ArpRepr req = ArpRepr::request(kClientMac, kClientIp, kServerIp);
  std::vector<std::uint8_t> out(28);
  ASSERT_EQ(req.emit(out), 28u);
  EXPECT_THAT(out, ElementsAreArray(kRequest));
  const ArpRepr rep = ArpRepr::reply_to(req, kServerMac);
  ASSERT_EQ(rep.emit(out), 28u);
  EXPECT_THAT(out, ElementsAreArray(kReply));
}

TEST(Arp, ParsesGoldenAndRoundTrips) {
  for (const auto* golden : {&kRequest, &kReply}) {
    auto v = ArpView::parse(*golden);
    ASSERT_TRUE(v) << v.error().to_string();
    std::vector<std::uint8_t> out(28);
    v->repr().emit(out);
    EXPECT_EQ(out, *golden);
  }
  auto v = ArpView::parse(kReply);
  EXPECT_EQ(v->operation(), ArpOperation::kReply);
  EXPECT_EQ(v->sender_mac(), kServerMac);
  EXPECT_EQ(v->sender_ip(), kServerIp);
  EXPECT_EQ(v->target_mac(), kClientMac);
  EXPECT_EQ(v->target_ip(), kClientIp);
}

TEST(Arp, IgnoresEthernetPadding) {
  std::vector<std::uint8_t> padded = kRequest;
  padded.resize(46, 0);
  auto v = ArpView::parse(padded);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->repr(), ArpRepr::request(kClientMac, kClientIp, kServerIp));
}

TEST(Arp, UnknownOperationIsKept) {
  std::vector<std::uint8_t> b = kRequest;
  b[7] = 9;
  auto v = ArpView::parse(b);
  ASSERT_TRUE(v);
  EXPECT_EQ(static_cast<int>(v->operation()), 9);
}

struct Malformed {
  std::size_t byte;
  std::uint8_t value;
  const char* field;
  std::size_t offset;
};

TEST(Arp, MalformedFieldsAreNamed) {
  const Malformed cases[] = {
      {1, 6, "arp.htype", 0}, {2, 0x86, "arp.ptype", 2}, {4, 8, "arp.hlen", 4}, {5, 16, "arp.plen", 5}};
  for (const auto& c : cases) {
    std::vector<std::uint8_t> b = kRequest;
    b[c.byte] = c.value;
    auto v = ArpView::parse(b);
    ASSERT_FALSE(v) << c.field;
    EXPECT_EQ(v.error().field, c.field);
    EXPECT_EQ(v.error().offset, c.offset);
  }
}

TEST(Arp, EveryPrefixParsesOrFailsCleanly) {
  for (std::size_t n = 0; n < kRequest.size(); ++n) {
    const std::vector<std::uint8_t> prefix(kRequest.begin(), kRequest.begin() + static_cast<long>(n));
    auto v = ArpView::parse(prefix);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().field, "arp.packet");
  }
}

}  // namespace
}  // namespace pxelab::wire
