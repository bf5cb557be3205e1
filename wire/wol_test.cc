#include "wire/wol.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace pxelab::wire {
namespace {

const MacAddress kTarget{{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}};
const MacAddress kSender{{0x52, 0x54, 0x00, 0x00, 0x00, 0x01}};

std::vector<std::uint8_t> magic(std::vector<std::uint8_t> password = {}) {
  std::vector<std::uint8_t> b(6, 0xff);
  for (int i = 0; i < 16; ++i) b.insert(b.end(), kTarget.octets.begin(), kTarget.octets.end());
  b.insert(b.end(), password.begin(), password.end());
  return b;
}

TEST(Wol, EmitsAndParsesPayloadWithAndWithoutPassword) {
  const std::vector<std::vector<std::uint8_t>> passwords = {{}, {1, 2, 3, 4}, {1, 2, 3, 4, 5, 6}};
  for (const auto& pw : passwords) {
    WolRepr r{kTarget, WolPassword::from(pw)};
    EXPECT_EQ(r.encode(), magic(pw));
    auto p = parse_wol(magic(pw));
    ASSERT_TRUE(p) << p.error().to_string();
    EXPECT_EQ(*p, r);
    EXPECT_EQ(p->password.size, pw.size());
  }
}

TEST(Wol, PasswordsAsPeopleWriteThem) {
  auto six = parse_wol_password("aa:bb:cc:dd:ee:01");
  ASSERT_TRUE(six);
  EXPECT_EQ(six->size, 6);
  EXPECT_EQ(six->bytes, (std::array<std::uint8_t, 6>{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01}));
  auto four = parse_wol_password("192.168.1.2");
  ASSERT_TRUE(four);
  EXPECT_EQ(four->size, 4);
  EXPECT_EQ(four->bytes[0], 192);
  EXPECT_EQ(four->bytes[3], 2);
  for (const char* bad : {"", "secret", "aa:bb:cc", "1.2.3", "300.1.1.1"}) {
    auto r = parse_wol_password(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().to_string().find("not a SecureOn password"), std::string::npos) << r.error().to_string();
  }
}

TEST(Wol, MalformedPayloads) {
  auto b = magic();
  b[3] = 0xfe;
  auto e = parse_wol(b);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().field, "wol.sync");
  EXPECT_EQ(e.error().offset, 0u);

  b = magic();
  b[6 + 6 * 7 + 2] ^= 1;
  e = parse_wol(b);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().field, "wol.mac");
  EXPECT_EQ(e.error().offset, 48u);

  b = magic({1, 2, 3});
  e = parse_wol(b);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().field, "wol.password");
  EXPECT_EQ(e.error().offset, 102u);

  b = magic();
  b.resize(100);
  e = parse_wol(b);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().field, "wol.mac");
  EXPECT_EQ(e.error().offset, 96u);
}

TEST(Wol, EthernetCarrier) {
  const WolRepr r{kTarget, WolPassword::from(std::vector<std::uint8_t>{9, 8, 7, 6})};
  const Bytes f = build_wol_ether_frame(kSender, MacAddress::broadcast(), r);
  ASSERT_EQ(f.size(), 14u + 106u);
  EXPECT_EQ(f[12], 0x08);
  EXPECT_EQ(f[13], 0x42);
  auto v = parse_wol_frame(f);
  ASSERT_TRUE(v) << v.error().to_string();
  EXPECT_EQ(v->carrier, WolCarrier::kEthernet);
  EXPECT_EQ(v->wol, r);
  EXPECT_EQ(v->eth.src, kSender);
  EXPECT_FALSE(v->udp);
}

TEST(Wol, UdpCarrierOnPorts9And7WithVlan) {
  for (std::uint16_t port : {kWolPortDiscard, kWolPortEcho}) {
    const WolRepr r{kTarget, {}};
    FrameOptions opts;
    opts.vlan = VlanTag{0, false, 100};
    const Bytes f = build_wol_udp_frame({kSender, Ipv4Address::from_octets(192, 0, 2, 1), 40000},
                                        {MacAddress::broadcast(), Ipv4Address::broadcast(), port}, r, opts);
    auto v = parse_wol_frame(f);
    ASSERT_TRUE(v) << v.error().to_string();
    EXPECT_EQ(v->carrier, WolCarrier::kUdp);
    ASSERT_TRUE(v->udp);
    EXPECT_EQ(v->udp->udp.dst_port, port);
    EXPECT_EQ(v->eth.vlan->vid, 100);
    EXPECT_EQ(v->wol, r);
  }
}

TEST(Wol, FrameErrorsAreOffsetFromFrameStart) {
  const WolRepr r{kTarget, {}};
  Bytes f = build_wol_ether_frame(kSender, MacAddress::broadcast(), r);
  f[14 + 6 + 6 * 15] ^= 1;
  auto e = parse_wol_frame(f);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().field, "wol.mac");
  EXPECT_EQ(e.error().offset, 14u + 96u);

  Bytes u = build_wol_udp_frame({kSender, Ipv4Address::from_octets(192, 0, 2, 1), 40000},
                                {MacAddress::broadcast(), Ipv4Address::broadcast(), 9}, r);
  u[42] = 0;
  e = parse_wol_frame(u);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().field, "wol.sync");
  EXPECT_EQ(e.error().offset, 42u);

  Bytes arp(60, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  e = parse_wol_frame(arp);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().field, "ethernet.ethertype");
}

TEST(Wol, EveryPrefixParsesOrFailsCleanly) {
  const WolRepr r{kTarget, WolPassword::from(std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6})};
  for (const Bytes& f :
       {build_wol_ether_frame(kSender, MacAddress::broadcast(), r),
        build_wol_udp_frame({kSender, Ipv4Address::from_octets(192, 0, 2, 1), 1},
                            {MacAddress::broadcast(), Ipv4Address::broadcast(), 9}, r)}) {
    for (std::size_t n = 0; n <= f.size(); ++n) {
      const std::vector<std::uint8_t> prefix(f.begin(), f.begin() + static_cast<long>(n));
      auto v = parse_wol_frame(prefix);
      if (v) {
        EXPECT_EQ(v->wol.target, kTarget);
      }
    }
  }
}

}  // namespace
}  // namespace pxelab::wire
