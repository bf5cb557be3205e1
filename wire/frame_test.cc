#include "wire/frame.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string_view>
#include <vector>

namespace pxelab::wire {
namespace {

using ::testing::ElementsAreArray;

ByteView text(std::string_view s) { return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }

const UdpEndpoint kClient{{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}}, Ipv4Address::from_octets(192, 0, 2, 10), 68};
const UdpEndpoint kBroadcast{MacAddress::broadcast(), Ipv4Address::broadcast(), 67};

// Hand-assembled: Ethernet / IPv4 (id 0x1234, TTL 64) / UDP 68 -> 67 "hello",
// checksums computed independently; padded to 60 bytes.
const std::vector<std::uint8_t> kGoldenHello = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x00,  // eth
    0x45, 0x00, 0x00, 0x21, 0x12, 0x34, 0x00, 0x00, 0x40, 0x11, 0xa6, 0x8e,              // ip
    0xc0, 0x00, 0x02, 0x0a, 0xff, 0xff, 0xff, 0xff,                                      //
    0x00, 0x44, 0x00, 0x43, 0x00, 0x0d, 0xf9, 0x70,                                      // udp
    'h',  'e',  'l',  'l',  'o',                                                         // payload
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0};  // padding to 60

TEST(Frame, BuildsGoldenBytes) {
  FrameOptions opts;
  opts.ip_id = 0x1234;
  const Bytes frame = build_udp_frame(kClient, kBroadcast, text("hello"), opts);
  EXPECT_THAT(frame, ElementsAreArray(kGoldenHello));
}

TEST(Frame, WritesInPlaceWithoutCopyingAnAlreadyPlacedPayload) {
  std::uint8_t buf[1518] = {};
  FrameOptions opts;
  opts.ip_id = 0x1234;
  std::memcpy(buf + udp_payload_offset(opts), "hello", 5);
  const std::size_t n =
      write_udp_frame(buf, kClient, kBroadcast, ByteView(buf + udp_payload_offset(opts), 5), opts);
  ASSERT_EQ(n, kGoldenHello.size());
  EXPECT_THAT(std::vector<std::uint8_t>(buf, buf + n), ElementsAreArray(kGoldenHello));
  std::uint8_t buf2[1518] = {};
  std::memcpy(buf2 + udp_payload_offset(opts), "hello", 5);
  ASSERT_EQ(write_udp_frame_headers(buf2, kClient, kBroadcast, 5, opts), n);
  EXPECT_THAT(std::vector<std::uint8_t>(buf2, buf2 + n), ElementsAreArray(kGoldenHello));
}

TEST(Frame, RefusesTooSmallBuffers) {
  std::uint8_t buf[59];
  EXPECT_EQ(write_udp_frame(buf, kClient, kBroadcast, text("hello")), 0u);
}

TEST(Frame, ParsesGolden) {
  auto v = parse_udp_frame(kGoldenHello);
  ASSERT_TRUE(v) << v.error().to_string();
  EXPECT_EQ(v->source(), kClient);
  EXPECT_EQ(v->destination(), kBroadcast);
  EXPECT_FALSE(v->eth.vlan);
  EXPECT_EQ(v->ip.identification, 0x1234);
  EXPECT_EQ(v->ip.ttl, 64);
  EXPECT_TRUE(v->ip_checksum_ok);
  EXPECT_EQ(v->udp_checksum, 0xf970);
  EXPECT_EQ(v->udp_checksum_status, ChecksumStatus::kValid);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(v->payload.data()), v->payload.size()), "hello");
  EXPECT_EQ(v->payload.data(), kGoldenHello.data() + 42);  // a view, not a copy
  EXPECT_TRUE(v->checksums_ok());
}

TEST(Frame, VlanTaggedRoundTrip) {
  FrameOptions opts;
  opts.vlan = VlanTag{5, true, 42};
  opts.ttl = 1;
  opts.dont_fragment = true;
  opts.ip_id = 7;
  const Bytes frame = build_udp_frame(kClient, kBroadcast, text("x"), opts);
  ASSERT_EQ(frame.size(), 60u);
  EXPECT_EQ(frame[12], 0x81);
  EXPECT_EQ(frame[13], 0x00);
  auto v = parse_udp_frame(frame);
  ASSERT_TRUE(v) << v.error().to_string();
  ASSERT_TRUE(v->eth.vlan);
  EXPECT_EQ(*v->eth.vlan, (VlanTag{5, true, 42}));
  EXPECT_EQ(v->ip.ttl, 1);
  EXPECT_TRUE(v->ip.dont_fragment);
  EXPECT_EQ(v->payload.size(), 1u);
  EXPECT_TRUE(v->checksums_ok());
}

TEST(Frame, ArpRoundTrip) {
  const ArpRepr req = ArpRepr::request(kClient.mac, kClient.ip, Ipv4Address::from_octets(192, 0, 2, 1));
  const Bytes frame = build_arp_frame(MacAddress::broadcast(), req);
  ASSERT_EQ(frame.size(), 60u);
  auto v = parse_arp_frame(frame);
  ASSERT_TRUE(v) << v.error().to_string();
  EXPECT_EQ(v->arp, req);
  EXPECT_EQ(v->eth.src, kClient.mac);
  EXPECT_EQ(v->eth.dst, MacAddress::broadcast());
}


TEST(Frame, EachFaultYieldsItsDefect) {
  const auto payload = text("payload!");
  FrameOptions o;
  o.faults.bad_ip_checksum = true;
  auto v = parse_udp_frame(build_udp_frame(kClient, kBroadcast, payload, o));
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->ip_checksum_ok);
  EXPECT_EQ(v->udp_checksum_status, ChecksumStatus::kValid);

  o = {};
  o.faults.bad_udp_checksum = true;
  v = parse_udp_frame(build_udp_frame(kClient, kBroadcast, payload, o));
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->ip_checksum_ok);
  EXPECT_EQ(v->udp_checksum_status, ChecksumStatus::kInvalid);
  EXPECT_FALSE(v->checksums_ok());

  o = {};
  o.udp_checksum = false;
  v = parse_udp_frame(build_udp_frame(kClient, kBroadcast, payload, o));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->udp_checksum_status, ChecksumStatus::kAbsent);
  EXPECT_TRUE(v->checksums_ok());

  o = {};
  o.faults.ip_total_length = 1000;
  v = parse_udp_frame(build_udp_frame(kClient, kBroadcast, payload, o));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().field, "ipv4.total_length");
  EXPECT_EQ(v.error().offset, 16u);

  o = {};
  o.faults.udp_length = 7;
  v = parse_udp_frame(build_udp_frame(kClient, kBroadcast, payload, o));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().field, "udp.length");
  EXPECT_EQ(v.error().offset, 38u);

  o = {};
  o.vlan = VlanTag{.vid = 7};
  o.faults.truncate_to = 40;
  const Bytes cut = build_udp_frame(kClient, kBroadcast, payload, o);
  EXPECT_EQ(cut.size(), 40u);
  v = parse_udp_frame(cut);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().field, "ipv4.total_length");
  EXPECT_EQ(v.error().offset, 20u);
}

TEST(Frame, RejectsWhatIsNotUnfragmentedUdpOverIpv4) {
  const ArpRepr req = ArpRepr::request(kClient.mac, kClient.ip, kBroadcast.ip);
  auto v = parse_udp_frame(build_arp_frame(MacAddress::broadcast(), req));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().field, "ethernet.ethertype");
  EXPECT_EQ(v.error().offset, 12u);

  Bytes f = build_udp_frame(kClient, kBroadcast, text("hello"));
  f[14 + 9] = ip_protocol::kTcp;
  v = parse_udp_frame(f);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().field, "ipv4.protocol");
  EXPECT_EQ(v.error().offset, 23u);

  f = build_udp_frame(kClient, kBroadcast, text("hello"));
  f[14 + 6] = 0x20;  // MF
  v = parse_udp_frame(f);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().field, "ipv4.fragment_offset");
  EXPECT_EQ(v.error().offset, 20u);

  f = build_udp_frame(kClient, kBroadcast, text("hello"));
  f[14 + 7] = 0x01;  // offset 8
  v = parse_udp_frame(f);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().field, "ipv4.fragment_offset");

  auto a = parse_arp_frame(build_udp_frame(kClient, kBroadcast, text("hello")));
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().field, "ethernet.ethertype");
}

TEST(Frame, ChecksumVerificationCanBeSkipped) {
  FrameOptions o;
  o.faults.bad_udp_checksum = true;
  const Bytes f = build_udp_frame(kClient, kBroadcast, text("hello"), o);
  auto v = parse_udp_frame(f, UdpFrameParseOptions{.verify_udp_checksum = false});
  ASSERT_TRUE(v);
  EXPECT_EQ(v->udp_checksum_status, ChecksumStatus::kUnchecked);
}

TEST(Frame, SizesAndOffsets) {
  EXPECT_EQ(udp_payload_offset(), 42u);
  FrameOptions tagged;
  tagged.vlan = VlanTag{};
  EXPECT_EQ(udp_payload_offset(tagged), 46u);
  EXPECT_EQ(udp_frame_size(0), 60u);
  EXPECT_EQ(udp_frame_size(300), 342u);
  FrameOptions unpadded;
  unpadded.pad_to_minimum = false;
  EXPECT_EQ(udp_frame_size(0, unpadded), 42u);
  EXPECT_EQ(build_udp_frame(kClient, kBroadcast, {}, unpadded).size(), 42u);
  std::vector<std::uint8_t> big(kMaxUdpPayloadSize + 1);
  EXPECT_TRUE(build_udp_frame(kClient, kBroadcast, big).empty());
  big.resize(kMaxUdpPayloadSize);
  const Bytes f = build_udp_frame(kClient, kBroadcast, big);
  ASSERT_EQ(f.size(), 14u + 65535u);
  auto v = parse_udp_frame(f);
  ASSERT_TRUE(v) << v.error().to_string();
  EXPECT_EQ(v->payload.size(), kMaxUdpPayloadSize);
  EXPECT_TRUE(v->checksums_ok());
}

TEST(Frame, EveryPrefixParsesOrFailsCleanly) {
  FrameOptions tagged;
  tagged.vlan = VlanTag{1, false, 2};
  for (const Bytes& f : {build_udp_frame(kClient, kBroadcast, text("prefix test payload")),
                         build_udp_frame(kClient, kBroadcast, text("tagged"), tagged),
                         build_arp_frame(MacAddress::broadcast(), ArpRepr::request(kClient.mac, kClient.ip, {}))}) {
    for (std::size_t n = 0; n <= f.size(); ++n) {
      const std::vector<std::uint8_t> prefix(f.begin(), f.begin() + static_cast<long>(n));
      auto u = parse_udp_frame(prefix);
      if (u) {
        EXPECT_LE(u->payload.data() + u->payload.size(), prefix.data() + n);
      } else {
        EXPECT_LE(u.error().offset, f.size());
      }
      (void)parse_arp_frame(prefix);
    }
  }
}

}  // namespace
}  // namespace pxelab::wire
