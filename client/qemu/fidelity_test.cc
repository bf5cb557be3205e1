// Trace digest and fidelity comparison over synthetic traces (frames built with wire/).
#include "client/qemu/fidelity.h"

#include <gtest/gtest.h>

#include "client/qemu/trace_digest.h"
#include "wire/dhcp_option_values.h"
#include "wire/frame.h"

namespace pxelab::client::qemu {
namespace {

using wire::dhcp::MessageType;

const wire::MacAddress kMac{{0x52, 0x54, 0, 0x12, 0x34, 0x56}};
const wire::MacAddress kServerMac{{0x02, 0x70, 0x78, 192, 0, 2}};
const wire::Ipv4Address kServer{0xc0000201};
const wire::Ipv4Address kClient{0xc000020a};

struct Fw {
  std::uint16_t flags = 0x8000;
  std::vector<wire::dhcp::Option> options = {{93, {0, 7}}, {57, {0x05, 0xc0}}, {60, {'P', 'X', 'E'}}};
  bool same_xid = false;
  std::vector<double> discover_at = {0, 4, 12};
  double request_at = 16;
  bool tsize_probe = true;
};

wire::Bytes dhcp_frame(const wire::dhcp::Message& m, bool from_client) {
  auto payload = wire::dhcp::emit(m);
  wire::UdpEndpoint c{kMac, from_client ? wire::Ipv4Address{} : kClient, 68};
  wire::UdpEndpoint s{from_client ? wire::MacAddress::broadcast() : kServerMac,
                      from_client ? wire::Ipv4Address{0xffffffff} : kServer, 67};
  if (from_client) return wire::build_udp_frame(c, s, *payload);
  return wire::build_udp_frame({kServerMac, kServer, 67}, {kMac, kClient, 68}, *payload);
}

wire::Bytes tftp_frame(const wire::TftpPacket& p, bool from_client, std::uint16_t client_port, std::uint16_t server_port) {
  auto payload = wire::encode_tftp(p);
  wire::UdpEndpoint c{kMac, kClient, client_port};
  wire::UdpEndpoint s{kServerMac, kServer, server_port};
  return from_client ? wire::build_udp_frame(c, s, payload) : wire::build_udp_frame(s, c, payload);
}

sim::Trace make_trace(const Fw& fw) {
  sim::Trace t;
  std::uint32_t xid = 0x1000;
  for (double at : fw.discover_at) {
    wire::dhcp::Message m;
    m.set_mac(kMac);
    m.xid = fw.same_xid ? 0x1000 : xid++;
    m.flags = fw.flags;
    wire::dhcp::set_message_type(m, MessageType::kDiscover);
    for (const auto& o : fw.options) m.set(o.code, o.data);
    t.add_frame(sim::from_seconds(at), 0, dhcp_frame(m, true));
  }
  wire::dhcp::Message offer;
  offer.op = wire::dhcp::kBootReply;
  offer.set_mac(kMac);
  offer.yiaddr = kClient;
  wire::dhcp::set_message_type(offer, MessageType::kOffer);
  wire::dhcp::set_server_id(offer, kServer);
  t.add_frame(sim::from_seconds(fw.request_at - 0.5), 1, dhcp_frame(offer, false));
  wire::dhcp::Message req;
  req.set_mac(kMac);
  req.xid = 0x1000 + static_cast<std::uint32_t>(fw.discover_at.size()) - 1;
  req.flags = fw.flags;
  wire::dhcp::set_message_type(req, MessageType::kRequest);
  for (const auto& o : fw.options) req.set(o.code, o.data);
  t.add_frame(sim::from_seconds(fw.request_at), 0, dhcp_frame(req, true));
  wire::dhcp::Message ack = offer;
  wire::dhcp::set_message_type(ack, MessageType::kAck);
  ack.file = "ipxe.efi";
  t.add_frame(sim::from_seconds(fw.request_at + 0.01), 1, dhcp_frame(ack, false));

  double now = fw.request_at + 1;
  std::uint16_t port = 1500;
  if (fw.tsize_probe) {
    wire::TftpRequest rrq{wire::TftpOpcode::kRrq, "ipxe.efi", "octet", {}};
    rrq.options.set_tsize(0);
    rrq.options.set_blksize(1468);
    t.add_frame(sim::from_seconds(now), 0, tftp_frame(rrq, true, port, 69));
    wire::TftpOack oack;
    oack.options.set_tsize(1000);
    oack.options.set_blksize(1468);
    t.add_frame(sim::from_seconds(now + 0.01), 1, tftp_frame(oack, false, port, 49152));
    t.add_frame(sim::from_seconds(now + 0.02), 0,
                tftp_frame(wire::TftpError{8, "User aborted the transfer"}, true, port, 49152));
    ++port;
  }
  wire::TftpRequest rrq{wire::TftpOpcode::kRrq, "ipxe.efi", "octet", {}};
  rrq.options.set_blksize(1468);
  t.add_frame(sim::from_seconds(now + 0.1), 0, tftp_frame(rrq, true, port, 69));
  wire::TftpOack oack;
  oack.options.set_blksize(1468);
  t.add_frame(sim::from_seconds(now + 0.11), 1, tftp_frame(oack, false, port, 49153));
  wire::Bytes block(1000, 0xab);
  t.add_frame(sim::from_seconds(now + 0.12), 1, tftp_frame(wire::TftpData{1, block}, false, port, 49153));
  t.add_frame(sim::from_seconds(now + 0.13), 1, tftp_frame(wire::TftpData{1, block}, false, port, 49153));  // dup
  return t;
}

TEST(TraceDigest, FindsTheExchangesAndFillsTheOutcome) {
  auto trace = make_trace(Fw{});
  auto d = digest_client(trace, kMac);
  EXPECT_EQ(d.sent(MessageType::kDiscover).size(), 3u);
  EXPECT_EQ(d.sent(MessageType::kRequest).size(), 1u);
  ASSERT_EQ(d.tftp.size(), 2u);
  EXPECT_TRUE(d.tftp[0].client_error);
  EXPECT_EQ(d.tftp[0].client_error->code, 8);
  EXPECT_TRUE(d.tftp[1].complete);
  EXPECT_EQ(d.tftp[1].bytes, 1000u);  // the duplicated block counts once

  ClientOutcome o;
  fill_outcome_from_digest(o, d);
  EXPECT_EQ(o.timeline.first_discover, 0);
  EXPECT_EQ(o.timeline.ack, sim::from_seconds(16.01));
  EXPECT_EQ(o.address, kClient);
  EXPECT_EQ(o.dhcp_server, kServer);
  EXPECT_EQ(o.boot_file, "ipxe.efi");
  EXPECT_EQ(o.retransmissions.discover, 2u);
  ASSERT_EQ(o.images.size(), 1u);
  EXPECT_EQ(o.images[0].size, 1000u);
  EXPECT_EQ(o.images[0].kind, "nbp");

  EXPECT_TRUE(digest_client(trace, wire::MacAddress{{2, 0, 0, 0, 0, 9}}).dhcp.empty());
}

// A simulated run records each frame's fate; the digest is the client's own view, so
// a DISCOVER its link lost is still one it sent (the checks' decoder would skip it).
TEST(TraceDigest, FramesNobodyReceivedStillCount) {
  auto trace = make_trace(Fw{});
  sim::Outcome lost;
  lost.frame = 0;
  lost.fate = sim::Fate::kDropped;
  lost.reason = sim::DropReason::kLoss;
  trace.on_outcome(lost, {});
  auto d = digest_client(trace, kMac);
  EXPECT_EQ(d.sent(MessageType::kDiscover).size(), 3u);
  EXPECT_EQ(d.tftp.size(), 2u);
}

TEST(TraceDigest, GarbageFramesAreCountedNotFatal) {
  sim::Trace t;
  t.add_frame(0, 0, wire::Bytes(5, 0xff));
  wire::UdpEndpoint c{kMac, {}, 68}, s{wire::MacAddress::broadcast(), wire::Ipv4Address{0xffffffff}, 67};
  t.add_frame(1, 0, wire::build_udp_frame(c, s, wire::Bytes(20, 0)));  // too short for BOOTP
  auto d = digest_client(t, kMac);
  EXPECT_TRUE(d.dhcp.empty());
  EXPECT_EQ(d.unparsed, 1u);
}

TEST(Fidelity, SameBehaviourHasNoDifferences) {
  auto a = digest_client(make_trace(Fw{}), kMac);
  Fw jittered;
  jittered.discover_at = {0.3, 4.6, 12.2};  // within 0.5 s / 25 %
  jittered.request_at = 16.4;
  auto b = digest_client(make_trace(jittered), kMac);
  auto r = compare_clients(a, b);
  EXPECT_EQ(r.differences(), 0u) << render(r);
  EXPECT_NE(render(r).find("same   TFTP tsize probe"), std::string::npos) << render(r);
}

TEST(Fidelity, OneAttemptMoreOrLessIsTheSameSchedule) {
  // Under TCG a firmware may catch the first OFFER one DISCOVER later or earlier; the
  // backoff is the same. Two attempts apart is a different schedule.
  Fw base;
  base.discover_at = {0, 4, 12};
  base.request_at = 14;
  Fw one_more = base;
  one_more.discover_at = {0, 4, 12, 28};
  one_more.request_at = 30;
  Fw two_more = base;
  two_more.discover_at = {0, 4, 12, 28, 60};
  two_more.request_at = 62;
  auto a = digest_client(make_trace(base), kMac);
  auto aspect_same = [&](const Fw& fw, const std::string& aspect) {
    auto r = compare_clients(a, digest_client(make_trace(fw), kMac), FidelityOptions{.tolerance_seconds = 100});
    for (const auto& i : r.items) {
      if (i.aspect == aspect) return i.same;
    }
    ADD_FAILURE() << "no aspect " << aspect;
    return false;
  };
  EXPECT_TRUE(aspect_same(one_more, "DISCOVER retry intervals"));
  EXPECT_TRUE(aspect_same(one_more, "DISCOVER secs"));
  EXPECT_FALSE(aspect_same(two_more, "DISCOVER retry intervals"));
}

TEST(Fidelity, EachAspectThatDiffersIsReported) {
  auto a = digest_client(make_trace(Fw{}), kMac);
  Fw other;
  other.flags = 0;
  other.options = {{57, {0x05, 0xc0}}, {93, {0, 7}}, {60, {'P', 'X', 'E'}}};  // order differs
  other.same_xid = true;
  other.discover_at = {0, 1, 3};
  other.request_at = 5;
  other.tsize_probe = false;
  auto b = digest_client(make_trace(other), kMac);
  auto r = compare_clients(a, b);
  auto differs = [&](const std::string& aspect) {
    for (const auto& i : r.items) {
      if (i.aspect == aspect) return !i.same;
    }
    ADD_FAILURE() << "no aspect " << aspect;
    return false;
  };
  EXPECT_TRUE(differs("DISCOVER options"));
  EXPECT_FALSE(differs("DISCOVER 57"));
  EXPECT_TRUE(differs("DISCOVER flags"));
  EXPECT_TRUE(differs("DISCOVER xid policy"));
  EXPECT_TRUE(differs("DISCOVER retry intervals"));
  EXPECT_TRUE(differs("first DISCOVER to REQUEST"));
  EXPECT_TRUE(differs("TFTP tsize probe"));
  EXPECT_TRUE(differs("TFTP RRQ 1 options"));

  FidelityOptions known;
  known.known.push_back({"DISCOVER flags", "FW-02: iPXE sets 0x8000 only when chainloaded", false});
  known.known.push_back({"DISCOVER 60", "listed but the same: stale", false});
  known.known.push_back({"DISCOVER 93", "timing, may match", true});
  auto k = compare_clients(a, b, known);
  EXPECT_EQ(k.differences(), r.differences() - 1);
  EXPECT_NE(render(k).find("known  DISCOVER flags"), std::string::npos) << render(k);
  ASSERT_EQ(k.stale.size(), 1u);  // "sometimes" entries are never stale
  EXPECT_EQ(k.stale[0].aspect, "DISCOVER 60");
  EXPECT_NE(render(k).find("stale  known difference 'DISCOVER 60'"), std::string::npos);
}

}  // namespace
}  // namespace pxelab::client::qemu
