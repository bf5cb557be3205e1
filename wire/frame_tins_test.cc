// Cross-check with an independent implementation: libtins decodes what pxelab
// emits, field by field, and pxelab decodes what libtins builds. libtins recomputes
// checksums when it serializes, so "libtins re-serializes our frame to the same
// bytes" proves our IPv4 and UDP checksums are the ones it computes.
#include <tins/tins.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wire/frame.h"

namespace pxelab::wire {
namespace {

Tins::HWAddress<6> tins_mac(const MacAddress& m) { return Tins::HWAddress<6>(m.to_string()); }
Tins::IPv4Address tins_ip(Ipv4Address a) { return Tins::IPv4Address(a.to_string()); }

const UdpEndpoint kClient{{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}}, Ipv4Address::from_octets(198, 18, 0, 10), 68};
const UdpEndpoint kServer{{{0x52, 0x54, 0x00, 0xab, 0xcd, 0xef}}, Ipv4Address::from_octets(198, 18, 0, 1), 67};

std::vector<std::uint8_t> payload_of(std::size_t n) {
  std::vector<std::uint8_t> p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return p;
}

// Asserts libtins decodes `frame` (a pxelab UDP frame) to the same values pxelab
// wrote, and re-serializes it to the same bytes.
void expect_tins_agrees(const Bytes& frame, const UdpEndpoint& src, const UdpEndpoint& dst,
                        const std::vector<std::uint8_t>& payload, const FrameOptions& opts) {
  Tins::EthernetII eth(frame.data(), static_cast<std::uint32_t>(frame.size()));
  EXPECT_EQ(eth.src_addr().to_string(), src.mac.to_string());
  EXPECT_EQ(eth.dst_addr().to_string(), dst.mac.to_string());
  const Tins::IP* ip = nullptr;
  if (opts.vlan) {
    EXPECT_EQ(eth.payload_type(), 0x8100);
    const auto* q = eth.find_pdu<Tins::Dot1Q>();
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->id(), opts.vlan->vid);
    EXPECT_EQ(q->priority(), opts.vlan->pcp);
    EXPECT_EQ(q->cfi(), opts.vlan->dei ? 1 : 0);
    EXPECT_EQ(q->payload_type(), 0x0800);
  } else {
    EXPECT_EQ(eth.payload_type(), 0x0800);
  }
  ip = eth.find_pdu<Tins::IP>();
  ASSERT_NE(ip, nullptr);
  EXPECT_EQ(ip->version(), 4);
  EXPECT_EQ(ip->head_len(), 5);
  EXPECT_EQ(ip->tos(), opts.tos);
  EXPECT_EQ(ip->tot_len(), 28 + payload.size());
  EXPECT_EQ(ip->id(), opts.ip_id);
  EXPECT_EQ((ip->flags() & Tins::IP::DONT_FRAGMENT) != 0, opts.dont_fragment);
  EXPECT_EQ((ip->flags() & Tins::IP::MORE_FRAGMENTS) != 0, false);
  EXPECT_EQ(ip->fragment_offset(), 0);
  EXPECT_EQ(ip->ttl(), opts.ttl);
  EXPECT_EQ(ip->protocol(), 17);
  EXPECT_EQ(ip->src_addr().to_string(), src.ip.to_string());
  EXPECT_EQ(ip->dst_addr().to_string(), dst.ip.to_string());
  const auto* udp = eth.find_pdu<Tins::UDP>();
  ASSERT_NE(udp, nullptr);
  EXPECT_EQ(udp->sport(), src.port);
  EXPECT_EQ(udp->dport(), dst.port);
  EXPECT_EQ(udp->length(), 8 + payload.size());
  const auto* raw = eth.find_pdu<Tins::RawPDU>();
  if (payload.empty()) {
    EXPECT_TRUE(raw == nullptr || raw->payload().empty());
  } else {
    ASSERT_NE(raw, nullptr);
    EXPECT_EQ(raw->payload(), payload);
  }
  // Checksum validity: libtins recomputes both checksums when it serializes, so
  // compare the stored values with what it computes.
  Tins::EthernetII copy = eth;
  const Tins::PDU::serialization_type again = copy.serialize();
  Tins::EthernetII reparsed(again.data(), static_cast<std::uint32_t>(again.size()));
  EXPECT_EQ(reparsed.rfind_pdu<Tins::IP>().checksum(), ip->checksum());
  if (opts.udp_checksum) {
    EXPECT_EQ(reparsed.rfind_pdu<Tins::UDP>().checksum(), udp->checksum());
  } else {
    EXPECT_EQ(udp->checksum(), 0);
  }
}

TEST(TinsCrossCheck, TinsDecodesWhatPxelabEmits) {
  for (std::size_t n : {0u, 1u, 5u, 17u, 300u, 1472u}) {
    for (bool tagged : {false, true}) {
      FrameOptions opts;
      opts.ip_id = static_cast<std::uint16_t>(0x4000 + n);
      opts.ttl = static_cast<std::uint8_t>(n % 255 + 1);
      opts.tos = 0x10;
      opts.dont_fragment = n % 2 == 1;
      if (tagged) opts.vlan = VlanTag{3, n % 2 == 0, static_cast<std::uint16_t>(100 + n)};
      const auto payload = payload_of(n);
      const Bytes frame = build_udp_frame(kClient, kServer, payload, opts);
      SCOPED_TRACE("payload " + std::to_string(n) + (tagged ? " tagged" : ""));
      expect_tins_agrees(frame, kClient, kServer, payload, opts);
    }
  }
  FrameOptions no_sum;
  no_sum.udp_checksum = false;
  const auto payload = payload_of(9);
  expect_tins_agrees(build_udp_frame(kClient, kServer, payload, no_sum), kClient, kServer, payload, no_sum);
}

TEST(TinsCrossCheck, TinsDecodesPxelabArp) {
  const ArpRepr req = ArpRepr::request(kClient.mac, kClient.ip, kServer.ip);
  const Bytes frame = build_arp_frame(MacAddress::broadcast(), req);
  Tins::EthernetII eth(frame.data(), static_cast<std::uint32_t>(frame.size()));
  const auto& arp = eth.rfind_pdu<Tins::ARP>();
  EXPECT_EQ(arp.opcode(), Tins::ARP::REQUEST);
  EXPECT_EQ(arp.hw_addr_format(), 1);
  EXPECT_EQ(arp.prot_addr_format(), 0x0800);
  EXPECT_EQ(arp.hw_addr_length(), 6);
  EXPECT_EQ(arp.prot_addr_length(), 4);
  EXPECT_EQ(arp.sender_hw_addr().to_string(), kClient.mac.to_string());
  EXPECT_EQ(arp.sender_ip_addr().to_string(), kClient.ip.to_string());
  EXPECT_EQ(arp.target_hw_addr().to_string(), "00:00:00:00:00:00");
  EXPECT_EQ(arp.target_ip_addr().to_string(), kServer.ip.to_string());

  const Bytes reply = build_arp_frame(kClient.mac, ArpRepr::reply_to(req, kServer.mac));
  Tins::EthernetII eth2(reply.data(), static_cast<std::uint32_t>(reply.size()));
  const auto& rep = eth2.rfind_pdu<Tins::ARP>();
  EXPECT_EQ(rep.opcode(), Tins::ARP::REPLY);
  EXPECT_EQ(rep.sender_hw_addr().to_string(), kServer.mac.to_string());
  EXPECT_EQ(rep.sender_ip_addr().to_string(), kServer.ip.to_string());
  EXPECT_EQ(rep.target_hw_addr().to_string(), kClient.mac.to_string());
  EXPECT_EQ(rep.target_ip_addr().to_string(), kClient.ip.to_string());
  EXPECT_EQ(eth2.dst_addr().to_string(), kClient.mac.to_string());
}

TEST(TinsCrossCheck, PxelabDecodesWhatTinsBuilds) {
  for (std::size_t n : {0u, 3u, 64u, 548u, 1400u}) {
    for (bool tagged : {false, true}) {
      SCOPED_TRACE("payload " + std::to_string(n) + (tagged ? " tagged" : ""));
      const auto payload = payload_of(n);
      Tins::IP ip(tins_ip(kServer.ip), tins_ip(kClient.ip));
      ip.id(static_cast<std::uint16_t>(0x1000 + n));
      ip.ttl(32);
      ip.tos(0x28);
      ip.flags(Tins::IP::DONT_FRAGMENT);
      Tins::UDP udp(kServer.port, kClient.port);
      Tins::EthernetII pkt = Tins::EthernetII(tins_mac(kServer.mac), tins_mac(kClient.mac));
      if (tagged) {
        Tins::Dot1Q q(static_cast<std::uint16_t>(42 + n));
        q.priority(5);
        q.cfi(1);
        pkt = pkt / q / ip / udp;
      } else {
        pkt = pkt / ip / udp;
      }
      if (n > 0) pkt /= Tins::RawPDU(payload);
      const Tins::PDU::serialization_type bytes = pkt.serialize();

      auto v = parse_udp_frame(bytes);
      ASSERT_TRUE(v) << v.error().to_string();
      EXPECT_EQ(v->eth.src, kClient.mac);
      EXPECT_EQ(v->eth.dst, kServer.mac);
      EXPECT_EQ(v->eth.vlan.has_value(), tagged);
      if (tagged) {
        EXPECT_EQ(*v->eth.vlan, (VlanTag{5, true, static_cast<std::uint16_t>(42 + n)}));
      }
      EXPECT_EQ(v->ip.identification, 0x1000 + n);
      EXPECT_EQ(v->ip.ttl, 32);
      EXPECT_EQ(v->ip.tos, 0x28);
      EXPECT_TRUE(v->ip.dont_fragment);
      EXPECT_FALSE(v->ip.more_fragments);
      EXPECT_EQ(v->ip.src, kClient.ip);
      EXPECT_EQ(v->ip.dst, kServer.ip);
      EXPECT_EQ(v->source(), kClient);
      EXPECT_EQ(v->destination(), kServer);
      EXPECT_TRUE(v->ip_checksum_ok);
      EXPECT_EQ(v->udp_checksum_status, ChecksumStatus::kValid);
      EXPECT_EQ(std::vector<std::uint8_t>(v->payload.begin(), v->payload.end()), payload);

      // And pxelab emits the very same bytes from the parsed values, up to the
      // padding: libtins pads a tagged frame to 64 bytes (60 before the tag was
      // inserted), pxelab pads every frame to 60.
      FrameOptions opts;
      opts.pad_to_minimum = false;
      opts.vlan = v->eth.vlan;
      opts.tos = v->ip.tos;
      opts.ttl = v->ip.ttl;
      opts.ip_id = v->ip.identification;
      opts.dont_fragment = v->ip.dont_fragment;
      const Bytes ours = build_udp_frame(v->source(), v->destination(), v->payload, opts);
      ASSERT_LE(ours.size(), bytes.size());
      EXPECT_EQ(ours, Bytes(bytes.begin(), bytes.begin() + static_cast<long>(ours.size())));
      for (std::size_t i = ours.size(); i < bytes.size(); ++i) EXPECT_EQ(bytes[i], 0) << i;
    }
  }
}

TEST(TinsCrossCheck, PxelabDecodesTinsArp) {
  const Tins::EthernetII req = Tins::ARP::make_arp_request(tins_ip(kServer.ip), tins_ip(kClient.ip),
                                                            tins_mac(kClient.mac));
  Tins::PDU::serialization_type b = const_cast<Tins::EthernetII&>(req).serialize();
  auto v = parse_arp_frame(b);
  ASSERT_TRUE(v) << v.error().to_string();
  EXPECT_EQ(v->arp, ArpRepr::request(kClient.mac, kClient.ip, kServer.ip));
  EXPECT_EQ(v->eth.dst, MacAddress::broadcast());
  EXPECT_EQ(Bytes(b.begin(), b.end()), build_arp_frame(MacAddress::broadcast(), v->arp));

  Tins::EthernetII rep = Tins::ARP::make_arp_reply(tins_ip(kClient.ip), tins_ip(kServer.ip),
                                                   tins_mac(kClient.mac), tins_mac(kServer.mac));
  b = rep.serialize();
  auto r = parse_arp_frame(b);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->arp.operation, ArpOperation::kReply);
  EXPECT_EQ(r->arp.sender_mac, kServer.mac);
  EXPECT_EQ(r->arp.sender_ip, kServer.ip);
  EXPECT_EQ(r->arp.target_mac, kClient.mac);
  EXPECT_EQ(r->arp.target_ip, kClient.ip);
  EXPECT_EQ(r->eth.dst, kClient.mac);
}

}  // namespace
}  // namespace pxelab::wire
