#include "server/dhcp_responder.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "wire/dhcp_option_values.h"
#include "wire/pxe_options.h"

namespace pxelab::server {
namespace {

namespace dhcp = wire::dhcp;
using dhcp::MessageType;
using wire::Ipv4Address;
using wire::MacAddress;

Ipv4Address ip(const char* s) { return *Ipv4Address::parse(s); }
MacAddress mac(std::uint8_t n) { return MacAddress{{0x52, 0x54, 0x00, 0x00, 0x00, n}}; }

constexpr const char* kConfig = R"(
[server]
address = "192.0.2.1"
lease_time = 3600
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.103"
router = "192.0.2.254"
dns = "192.0.2.53"
[subnet.options]
42 = "192.0.2.123"
[[subnet]]
network = "198.18.5.0/24"
pool = "198.18.5.10-198.18.5.20"
[boot]
default_file = "pxelinux.0"
ipxe_script = "boot.ipxe"
[boot.file]
bios = "pxelinux.0"
x64-efi = "ipxe.efi"
[boot.menu]
prompt = "F8 for menu"
timeout = 7
[[boot.menu.item]]
type = 0
description = "Local disk"
[[boot.menu.item]]
type = 32768
description = "Installer"
file = { bios = "installer.0", x64-efi = "installer.efi" }
[[host]]
mac = "52:54:00:00:00:aa"
ip = "192.0.2.10"
hostname = "fixed"
file = "special.0"
[[host]]
mac = "52:54:00:00:00:bb"
hostname = "menuhost"
boot = "menu"
[[host]]
mac = "52:54:00:00:00:cc"
hostname = "localhost1"
boot = "local"
)";

ServerConfig load(std::string text = kConfig) {
  auto c = parse_server_config(text, "test.toml");
  EXPECT_TRUE(c) << c.error().to_string();
  return std::move(*c);
}

// A client's request, as the emulated clients will build it.
dhcp::Message make_request(MessageType type, MacAddress m, std::uint32_t xid = 0x11223344) {
  dhcp::Message msg;
  msg.xid = xid;
  msg.set_mac(m);
  dhcp::set_message_type(msg, type);
  return msg;
}

void make_pxe(dhcp::Message& m, std::uint16_t arch) {
  char vc[64];
  std::snprintf(vc, sizeof vc, "PXEClient:Arch:%05u:UNDI:003000", arch);
  dhcp::set_vendor_class(m, vc);
  m.set(dhcp::code::kClientArch, dhcp::encode_client_arch({arch}));
  m.set(dhcp::code::kClientNdi, dhcp::encode_client_ndi({1, 3, 0}));
  m.set(dhcp::code::kClientMachineId, dhcp::encode_client_machine_id({}));
}

struct Fixture : ::testing::Test {
  ServerConfig config = load();
  LeaseStore leases = std::move(*LeaseStore::open({}));
  DhcpResponder responder{config, leases};
  std::int64_t now = 1000;

  // Encodes the request, hands the bytes in, and re-parses the reply's bytes: the
  // reply must survive its own encoder.
  Exchange send(const dhcp::Message& m, Arrival arrival = {}) {
    if (arrival.source.mac.is_zero()) arrival.source = {m.mac(), m.ciaddr, 68};
    auto bytes = dhcp::emit(m);
    EXPECT_TRUE(bytes) << bytes.error().to_string();
    auto ex = responder.handle(*bytes, arrival, now);
    if (ex.reply) {
      auto out = dhcp::emit(ex.reply->message, ex.reply->emit);
      EXPECT_TRUE(out) << out.error().to_string();
      if (out) {
        EXPECT_EQ(*out, ex.reply->encoded) << "the reply carries exactly its encoding";
        EXPECT_LE(out->size() + 28, ex.reply->emit.max_message_size);
        EXPECT_GE(out->size(), 300u) << "every reply padded to 300 octets (RFC 1542 §2.1, FW-35)";
        auto back = dhcp::parse(*out);
        EXPECT_TRUE(back) << back.error().to_string();
        if (back) ex.reply->message = *back;
      }
    }
    return ex;
  }

  // DISCOVER + REQUEST; returns the ACK.
  dhcp::Message dora(MacAddress m) {
    auto offer = send(make_request(MessageType::kDiscover, m));
    EXPECT_TRUE(offer.reply) << offer.summary;
    auto req = make_request(MessageType::kRequest, m);
    dhcp::set_server_id(req, ip("192.0.2.1"));
    dhcp::set_requested_address(req, offer.reply->message.yiaddr);
    auto ack = send(req);
    EXPECT_TRUE(ack.reply) << ack.summary;
    EXPECT_EQ(dhcp::message_type(ack.reply->message), MessageType::kAck);
    return ack.reply->message;
  }
};

TEST_F(Fixture, DiscoverGetsAWellFormedOffer) {
  auto req = make_request(MessageType::kDiscover, mac(1));
  req.flags = dhcp::kBroadcastFlag;
  req.secs = 4;
  dhcp::set_parameter_request_list(req, {1, 3, 6, 42});
  dhcp::set_max_message_size(req, 1500);
  auto ex = send(req);
  ASSERT_TRUE(ex.reply) << ex.summary;
  const auto& o = ex.reply->message;
  EXPECT_EQ(dhcp::message_type(o), MessageType::kOffer);
  // DHCP-HDR-ECHO, DHCP-OFFER-CIADDR
  EXPECT_EQ(o.op, dhcp::kBootReply);
  EXPECT_EQ(o.xid, req.xid);
  EXPECT_EQ(o.flags, req.flags);
  EXPECT_EQ(o.chaddr, req.chaddr);
  EXPECT_EQ(o.hops, 0);
  EXPECT_EQ(o.secs, 0);
  EXPECT_TRUE(o.ciaddr.is_any());
  EXPECT_EQ(o.yiaddr, ip("192.0.2.100"));
  EXPECT_EQ(o.siaddr, ip("192.0.2.1"));
  // DHCP-SERVER-ID, DHCP-T1-T2, lease
  EXPECT_EQ(dhcp::server_id(o), ip("192.0.2.1"));
  EXPECT_EQ(dhcp::lease_time(o), 3600u);
  EXPECT_EQ(dhcp::renewal_time(o), 1800u);
  EXPECT_EQ(dhcp::rebinding_time(o), 3150u);
  // DHCP-NO-CLIENT-OPTS
  for (std::uint8_t code : {50, 55, 57}) EXPECT_FALSE(o.has(code)) << int(code);
  // DHCP-MASK-BEFORE-ROUTER
  auto pos = [&](std::uint8_t code) {
    for (std::size_t i = 0; i < o.options.size(); ++i) {
      if (o.options[i].code == code) return static_cast<int>(i);
    }
    return -1;
  };
  ASSERT_GE(pos(1), 0);
  EXPECT_LT(pos(1), pos(3));
  EXPECT_EQ(dhcp::routers(o), std::vector<Ipv4Address>{ip("192.0.2.254")});
  EXPECT_EQ(dhcp::get_ipv4(o, 42), ip("192.0.2.123")) << "requested extra option";
  // Not a PXE client: no 60, no 43 (FW-39)
  EXPECT_FALSE(o.has(dhcp::code::kVendorClassId));
  EXPECT_FALSE(o.has(dhcp::code::kVendorSpecific));
  EXPECT_EQ(o.file, "pxelinux.0");
  // broadcast flag -> broadcast
  EXPECT_EQ(ex.reply->destination.ip, Ipv4Address::broadcast());
  EXPECT_TRUE(ex.reply->destination.mac.is_broadcast());
  EXPECT_EQ(ex.reply->destination.port, 68);
  EXPECT_EQ(ex.reply->emit.max_message_size, 1500u);
  EXPECT_NE(ex.summary.find("OFFER 192.0.2.100"), std::string::npos) << ex.summary;
}

TEST_F(Fixture, ExtraOptionsOnlyWhenRequestedAndTheSameInOfferAndAck) {
  // Not asked for: in neither.
  auto offer = send(make_request(MessageType::kDiscover, mac(1)));
  ASSERT_TRUE(offer.reply);
  EXPECT_FALSE(offer.reply->message.has(42));
  auto ack = dora(mac(1));
  EXPECT_FALSE(ack.has(42));

  // Asked for (55): in the OFFER and in the ACK, with the same value (DHCP-PRL-OFFER).
  auto discover = make_request(MessageType::kDiscover, mac(2));
  dhcp::set_parameter_request_list(discover, {1, 3, 42});
  auto o2 = send(discover);
  ASSERT_TRUE(o2.reply) << o2.summary;
  ASSERT_TRUE(o2.reply->message.has(42));
  EXPECT_EQ(dhcp::get_ipv4(o2.reply->message, 42), ip("192.0.2.123"));
  auto req = make_request(MessageType::kRequest, mac(2));
  dhcp::set_parameter_request_list(req, {1, 3, 42});
  dhcp::set_server_id(req, ip("192.0.2.1"));
  dhcp::set_requested_address(req, o2.reply->message.yiaddr);
  auto a2 = send(req);
  ASSERT_TRUE(a2.reply) << a2.summary;
  EXPECT_EQ(dhcp::message_type(a2.reply->message), MessageType::kAck);
  ASSERT_TRUE(a2.reply->message.has(42));
  EXPECT_EQ(a2.reply->message.find(42)->data, o2.reply->message.find(42)->data);
}

TEST_F(Fixture, SmallMaxMessageSizeUsesOverloadThenShedsExtras) {
  // Two 120-octet extras do not fit the 312-octet options field of a 576-octet reply
  // beside the essentials, but do with sname overloaded (option 52): nothing is shed.
  // (The header file field keeps the boot file name: ROMs read it first, FW-14/15.)
  {
    ServerConfig c2 = config;
    for (std::uint8_t code = 224; code < 226; ++code) c2.subnets[0].options.push_back({code, wire::Bytes(120, code)});
    DhcpResponder spill(c2, leases);
    auto req = make_request(MessageType::kDiscover, mac(8));
    make_pxe(req, 0);
    dhcp::set_parameter_request_list(req, {1, 3, 6, 43, 60, 66, 67, 224, 225});
    dhcp::set_max_message_size(req, 576);
    auto ex = spill.handle(*dhcp::emit(req), Arrival{{mac(8), {}, 68}, 67}, now);
    ASSERT_TRUE(ex.reply) << ex.summary;
    EXPECT_LE(ex.reply->encoded.size() + 28, 576u);  // DHCP-MAX-SIZE
    auto view = dhcp::MessageView::make(ex.reply->encoded);
    ASSERT_TRUE(view);
    auto scan = dhcp::scan_options(*view);
    ASSERT_TRUE(scan) << scan.error().to_string();
    EXPECT_NE(scan->overload, 0) << "option 52 was used";
    auto back = dhcp::parse(ex.reply->encoded);
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_TRUE(back->has(224) && back->has(225)) << "both kept, thanks to the overload";
    EXPECT_EQ(back->file, "pxelinux.0");
  }
  // Five 200-octet options the client asks for cannot fit 576 octets, even in
  // sname/file: the reply sheds extras but keeps what booting needs.
  for (std::uint8_t code = 224; code < 229; ++code) config.subnets[0].options.push_back({code, wire::Bytes(200, code)});
  DhcpResponder big(config, leases);
  auto req = make_request(MessageType::kDiscover, mac(7));
  make_pxe(req, 0);
  dhcp::set_parameter_request_list(req, {1, 3, 6, 43, 60, 66, 67, 224, 225, 226, 227, 228});
  dhcp::set_max_message_size(req, 576);
  auto bytes = dhcp::emit(req);
  auto ex = big.handle(*bytes, Arrival{{mac(7), {}, 68}, 67}, now);
  ASSERT_TRUE(ex.reply) << ex.summary;
  auto out = dhcp::emit(ex.reply->message, ex.reply->emit);
  ASSERT_TRUE(out) << out.error().to_string();
  EXPECT_LE(out->size() + 28, 576u);  // DHCP-MAX-SIZE

  auto back = dhcp::parse(*out);
  ASSERT_TRUE(back);
  EXPECT_EQ(dhcp::message_type(*back), MessageType::kOffer);
  EXPECT_TRUE(back->has(dhcp::code::kVendorSpecific));
  EXPECT_EQ(dhcp::bootfile_name(*back), "pxelinux.0");
  EXPECT_TRUE(back->has(224)) << "as many extras as fit are kept";
  EXPECT_FALSE(back->has(228));

  // With a large 57 everything fits.
  dhcp::set_max_message_size(req, 1500);
  auto roomy = big.handle(*dhcp::emit(req), Arrival{{mac(7), {}, 68}, 67}, now);
  ASSERT_TRUE(roomy.reply);
  for (std::uint8_t code = 224; code < 229; ++code) EXPECT_TRUE(roomy.reply->message.has(code)) << int(code);
}

TEST_F(Fixture, UnicastOfferToYiaddrAtChaddrWithoutBroadcastFlag) {
  auto ex = send(make_request(MessageType::kDiscover, mac(1)));
  ASSERT_TRUE(ex.reply);
  EXPECT_EQ(ex.reply->destination, (wire::UdpEndpoint{mac(1), ip("192.0.2.100"), 68}));
}

TEST_F(Fixture, FullDoraBindsTheLease) {
  auto ack = dora(mac(1));
  EXPECT_EQ(ack.yiaddr, ip("192.0.2.100"));
  EXPECT_EQ(dhcp::lease_time(ack), 3600u);
  const Lease* l = leases.find_by_ip(ip("192.0.2.100"));
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->state, LeaseState::Bound);
  EXPECT_EQ(l->expires, now + 3600);
  EXPECT_EQ(responder.stats().acks, 1u);
  // A second client gets another address.
  EXPECT_EQ(dora(mac(2)).yiaddr, ip("192.0.2.101"));
  // The first client asking again gets its own address back.
  auto again = send(make_request(MessageType::kDiscover, mac(1)));
  EXPECT_EQ(again.reply->message.yiaddr, ip("192.0.2.100"));
  EXPECT_EQ(leases.find_by_ip(ip("192.0.2.100"))->state, LeaseState::Bound) << "an offer does not downgrade a lease";
}

TEST_F(Fixture, RequestForAnotherServerIsIgnoredAndFreesTheOffer) {
  auto offer = send(make_request(MessageType::kDiscover, mac(1)));
  ASSERT_TRUE(offer.reply);
  auto req = make_request(MessageType::kRequest, mac(1));
  dhcp::set_server_id(req, ip("192.0.2.2"));
  dhcp::set_requested_address(req, ip("192.0.2.77"));
  auto ex = send(req);
  EXPECT_FALSE(ex.reply);
  EXPECT_EQ(ex.dropped, DropReason::kOtherServer);
  EXPECT_EQ(leases.find_by_ip(offer.reply->message.yiaddr), nullptr);
}

TEST_F(Fixture, SelectingRequestForAnAddressNotOfferedGetsABroadcastNak) {
  send(make_request(MessageType::kDiscover, mac(1)));
  auto req = make_request(MessageType::kRequest, mac(1));
  dhcp::set_server_id(req, ip("192.0.2.1"));
  dhcp::set_requested_address(req, ip("192.0.2.102"));
  auto ex = send(req);
  ASSERT_TRUE(ex.reply) << ex.summary;
  const auto& n = ex.reply->message;
  EXPECT_EQ(dhcp::message_type(n), MessageType::kNak);
  // DHCP-NAK-FIELDS, DHCP-NAK-BCAST
  EXPECT_TRUE(n.yiaddr.is_any());
  EXPECT_TRUE(n.ciaddr.is_any());
  EXPECT_TRUE(n.siaddr.is_any());
  EXPECT_FALSE(n.has(dhcp::code::kLeaseTime));
  EXPECT_EQ(dhcp::server_id(n), ip("192.0.2.1"));
  EXPECT_EQ(ex.reply->destination.ip, Ipv4Address::broadcast());
}

TEST_F(Fixture, InitRebootUnknownIsSilentWrongSubnetNaksKnownAcks) {
  auto req = make_request(MessageType::kRequest, mac(1));
  dhcp::set_requested_address(req, ip("192.0.2.100"));
  auto silent = send(req);
  EXPECT_FALSE(silent.reply);
  EXPECT_EQ(silent.dropped, DropReason::kUnknownClient);

  dhcp::set_requested_address(req, ip("198.51.100.7"));
  auto wrong = send(req);
  ASSERT_TRUE(wrong.reply);
  EXPECT_EQ(dhcp::message_type(wrong.reply->message), MessageType::kNak);

  auto bound = dora(mac(1));
  dhcp::set_requested_address(req, bound.yiaddr);
  auto ok = send(req);
  ASSERT_TRUE(ok.reply);
  EXPECT_EQ(dhcp::message_type(ok.reply->message), MessageType::kAck);
}

TEST_F(Fixture, RenewIsAckedUnicastToCiaddr) {
  auto bound = dora(mac(1));
  now += 1800;
  auto req = make_request(MessageType::kRequest, mac(1));
  req.ciaddr = bound.yiaddr;
  auto ex = send(req);
  ASSERT_TRUE(ex.reply) << ex.summary;
  EXPECT_EQ(dhcp::message_type(ex.reply->message), MessageType::kAck);
  EXPECT_EQ(ex.reply->message.ciaddr, bound.yiaddr);
  EXPECT_EQ(ex.reply->destination, (wire::UdpEndpoint{mac(1), bound.yiaddr, 68}));
  EXPECT_EQ(leases.find_by_ip(bound.yiaddr)->expires, now + 3600);
}

TEST_F(Fixture, RebindingRequestIsAckedToCiaddr) {
  // REBINDING (RFC 2131 §4.3.2, §4.4.5): broadcast, ciaddr set, no 54 and no 50.
  auto bound = dora(mac(1));
  now += 3200;  // past T2 (3150)
  auto req = make_request(MessageType::kRequest, mac(1));
  req.ciaddr = bound.yiaddr;
  req.flags = dhcp::kBroadcastFlag;
  auto ex = send(req);
  ASSERT_TRUE(ex.reply) << ex.summary;
  EXPECT_EQ(dhcp::message_type(ex.reply->message), MessageType::kAck);
  EXPECT_EQ(ex.reply->message.yiaddr, bound.yiaddr);
  EXPECT_EQ(ex.reply->message.ciaddr, bound.yiaddr);
  EXPECT_EQ(dhcp::lease_time(ex.reply->message), 3600u);
  EXPECT_EQ(ex.reply->destination, (wire::UdpEndpoint{mac(1), bound.yiaddr, 68})) << "ciaddr wins over the broadcast bit";
  EXPECT_EQ(leases.find_by_ip(bound.yiaddr)->expires, now + 3600);
  // A rebinding client this server has no record of gets silence (another server
  // may hold its lease).
  auto stranger = make_request(MessageType::kRequest, mac(9));
  stranger.ciaddr = ip("192.0.2.150");
  stranger.flags = dhcp::kBroadcastFlag;
  EXPECT_EQ(send(stranger).dropped, DropReason::kUnknownClient);
}

TEST_F(Fixture, InformThroughARelayIsAnsweredToGiaddrWithItsSubnet) {
  auto req = make_request(MessageType::kInform, mac(1));
  req.ciaddr = ip("198.18.5.77");
  req.giaddr = ip("198.18.5.1");
  req.hops = 1;
  Arrival from_relay{{mac(0x99), ip("198.18.5.1"), 67}, 67};
  auto ex = send(req, from_relay);
  ASSERT_TRUE(ex.reply) << ex.summary;
  const auto& a = ex.reply->message;
  EXPECT_EQ(dhcp::message_type(a), MessageType::kAck);
  EXPECT_TRUE(a.yiaddr.is_any());  // DHCP-INFORM-ACK
  EXPECT_FALSE(a.has(dhcp::code::kLeaseTime));
  EXPECT_EQ(a.ciaddr, ip("198.18.5.77"));
  EXPECT_EQ(a.giaddr, ip("198.18.5.1"));
  EXPECT_EQ(dhcp::subnet_mask(a), ip("255.255.255.0"));
  EXPECT_FALSE(a.has(dhcp::code::kRouter)) << "the relay's subnet (no router), not ours";
  EXPECT_EQ(ex.reply->destination, (wire::UdpEndpoint{mac(0x99), ip("198.18.5.1"), 67})) << "RFC 2131 §4.1: to giaddr:67";
}

// RFC 2131 §4.1: unicast to yiaddr at chaddr needs chaddr to be an Ethernet MAC.
TEST_F(Fixture, NonEthernetChaddrWithoutBroadcastFlagIsAnsweredByBroadcast) {
  struct Case {
    std::uint8_t htype, hlen;
  } cases[] = {{32, 0}, {6, 8}, {1, 16}};  // InfiniBand (RFC 4390), IEEE 802 with 8 octets, Ethernet with hlen 16
  std::uint8_t n = 0x60;
  for (auto [htype, hlen] : cases) {
    auto req = make_request(MessageType::kDiscover, mac(++n));
    req.htype = htype;
    req.hlen = hlen;
    const std::uint8_t id[] = {0xff, n, 2, 3};
    dhcp::set_client_id(req, id);
    ASSERT_EQ(req.flags & dhcp::kBroadcastFlag, 0);
    auto ex = send(req, Arrival{{mac(n), {}, 68}, 67});
    ASSERT_TRUE(ex.reply) << ex.summary;
    EXPECT_EQ(ex.reply->message.htype, htype);
    EXPECT_EQ(ex.reply->message.hlen, hlen);
    EXPECT_EQ(ex.reply->destination.ip, Ipv4Address::broadcast()) << int(htype) << "/" << int(hlen);
    EXPECT_TRUE(ex.reply->destination.mac.is_broadcast()) << int(htype) << "/" << int(hlen);
  }
  // Ethernet (1/6) is still unicast to chaddr.
  auto eth = send(make_request(MessageType::kDiscover, mac(1)));
  ASSERT_TRUE(eth.reply);
  EXPECT_EQ(eth.reply->destination.mac, mac(1));
}

TEST_F(Fixture, ForcedOptionsGoOutUnrequested) {
  auto req = make_request(MessageType::kDiscover, mac(1));
  make_pxe(req, 0);
  dhcp::set_parameter_request_list(req, {1, 3, 43, 60, 66, 67});
  EXPECT_FALSE(send(req).reply->message.has(209)) << "without [subnet.force_options]: only what is asked for";
  // FW-30: pxelinux's 208-211 are in no ROM's 55; [subnet.force_options] sends them.
  config.subnets[0].force_options.push_back({209, {'l', 'a', 'b', '.', 'c', 'f', 'g'}});
  config.subnets[0].force_options.push_back({210, {'/', 'p', 'x', '/'}});
  DhcpResponder forced(config, leases);
  auto ex = forced.handle(*dhcp::emit(req), Arrival{{mac(1), {}, 68}, 67}, now);
  ASSERT_TRUE(ex.reply) << ex.summary;
  auto back = dhcp::parse(ex.reply->encoded);
  ASSERT_TRUE(back);
  ASSERT_TRUE(back->has(209));
  EXPECT_EQ(back->find(209)->data, (wire::Bytes{'l', 'a', 'b', '.', 'c', 'f', 'g'}));
  EXPECT_TRUE(back->has(210));
  EXPECT_FALSE(back->has(42)) << "ordinary extras still only when requested";
}

TEST_F(Fixture, RenewOfSomeoneElsesAddressIsNaked) {
  auto bound = dora(mac(1));
  auto req = make_request(MessageType::kRequest, mac(2));
  req.ciaddr = bound.yiaddr;
  auto ex = send(req);
  ASSERT_TRUE(ex.reply);
  EXPECT_EQ(dhcp::message_type(ex.reply->message), MessageType::kNak);
  // RFC 2131 §4.1: with giaddr 0 a NAK is broadcast even when ciaddr is set.
  EXPECT_EQ(ex.reply->destination.ip, Ipv4Address::broadcast());
  EXPECT_TRUE(ex.reply->destination.mac.is_broadcast());
}

TEST_F(Fixture, DeclineTakesTheAddressOutOfThePool) {
  auto bound = dora(mac(1));
  auto dec = make_request(MessageType::kDecline, mac(1));
  dhcp::set_requested_address(dec, bound.yiaddr);
  dhcp::set_server_id(dec, ip("192.0.2.1"));
  auto ex = send(dec);
  EXPECT_FALSE(ex.reply);
  EXPECT_EQ(ex.dropped, DropReason::kNone);
  EXPECT_EQ(leases.find_by_ip(bound.yiaddr)->state, LeaseState::Declined);
  auto next = send(make_request(MessageType::kDiscover, mac(1)));
  ASSERT_TRUE(next.reply);
  EXPECT_NE(next.reply->message.yiaddr, bound.yiaddr);
}

TEST_F(Fixture, ReleaseFreesTheAddress) {
  auto bound = dora(mac(1));
  auto rel = make_request(MessageType::kRelease, mac(1));
  rel.ciaddr = bound.yiaddr;
  dhcp::set_server_id(rel, ip("192.0.2.1"));
  EXPECT_FALSE(send(rel).reply);
  EXPECT_EQ(leases.find_by_ip(bound.yiaddr)->state, LeaseState::Released);
  EXPECT_EQ(responder.stats().releases, 1u);
}

TEST_F(Fixture, InformGetsAckWithoutLease) {
  auto req = make_request(MessageType::kInform, mac(1));
  req.ciaddr = ip("192.0.2.200");
  auto ex = send(req);
  ASSERT_TRUE(ex.reply);
  const auto& a = ex.reply->message;
  EXPECT_EQ(dhcp::message_type(a), MessageType::kAck);
  EXPECT_TRUE(a.yiaddr.is_any());  // DHCP-INFORM-ACK
  EXPECT_FALSE(a.has(dhcp::code::kLeaseTime));
  EXPECT_FALSE(a.has(dhcp::code::kRenewalTime));
  EXPECT_EQ(ex.reply->destination, (wire::UdpEndpoint{mac(1), ip("192.0.2.200"), 68}));
}

TEST_F(Fixture, RelayedRequestUsesGiaddrSubnetAndEchoes82Last) {
  auto req = make_request(MessageType::kDiscover, mac(1));
  req.giaddr = ip("198.18.5.1");
  req.hops = 1;
  dhcp::RelayAgentInfo info;
  info.suboptions.push_back({1, {'p', 'o', 'r', 't', '7'}});
  info.suboptions.push_back({2, {0xde, 0xad}});
  req.set(dhcp::code::kRelayAgentInfo, *dhcp::encode_relay_agent_info(info));
  Arrival from_relay{{mac(0x99), ip("198.18.5.1"), 67}, 67};
  auto ex = send(req, from_relay);
  ASSERT_TRUE(ex.reply) << ex.summary;
  const auto& o = ex.reply->message;
  EXPECT_EQ(o.yiaddr, ip("198.18.5.10"));
  EXPECT_EQ(o.giaddr, ip("198.18.5.1"));
  EXPECT_EQ(o.options.back().code, dhcp::code::kRelayAgentInfo);  // RELAY-82-ECHO
  EXPECT_EQ(o.options.back().data, req.find(dhcp::code::kRelayAgentInfo)->data);
  EXPECT_EQ(ex.reply->destination, (wire::UdpEndpoint{mac(0x99), ip("198.18.5.1"), 67}));

  // A NAK through the relay goes to giaddr with the broadcast bit set.
  auto bad = make_request(MessageType::kRequest, mac(1));
  bad.giaddr = ip("198.18.5.1");
  dhcp::set_server_id(bad, ip("192.0.2.1"));
  dhcp::set_requested_address(bad, ip("198.18.5.15"));
  auto nak = send(bad, from_relay);
  ASSERT_TRUE(nak.reply);
  EXPECT_EQ(dhcp::message_type(nak.reply->message), MessageType::kNak);
  EXPECT_EQ(nak.reply->message.flags & dhcp::kBroadcastFlag, dhcp::kBroadcastFlag);
  EXPECT_EQ(nak.reply->destination.ip, ip("198.18.5.1"));

  auto nowhere = make_request(MessageType::kDiscover, mac(2));
  nowhere.giaddr = ip("203.0.113.1");
  auto none = send(nowhere, from_relay);
  EXPECT_EQ(none.dropped, DropReason::kNoSubnet);
}

TEST_F(Fixture, ClientIdIsEchoedAndKeysTheLease) {
  auto req = make_request(MessageType::kDiscover, mac(1));
  const std::uint8_t id[] = {0xff, 1, 2, 3};
  dhcp::set_client_id(req, id);
  auto ex = send(req);
  ASSERT_TRUE(ex.reply);
  ASSERT_TRUE(dhcp::client_id(ex.reply->message));  // DHCP-CLIENT-ID-ECHO
  EXPECT_EQ(*dhcp::client_id(ex.reply->message), wire::Bytes(std::begin(id), std::end(id)));
  EXPECT_NE(leases.find_by_client(client_key_for(std::string("\xff\x01\x02\x03", 4), mac(1))), nullptr);
}

TEST_F(Fixture, PoolExhaustionIsCountedAndFixedHostsStillServed) {
  for (std::uint8_t n = 1; n <= 4; ++n) dora(mac(n));
  auto ex = send(make_request(MessageType::kDiscover, mac(5)));
  EXPECT_FALSE(ex.reply);
  EXPECT_EQ(ex.dropped, DropReason::kPoolExhausted);
  EXPECT_EQ(responder.stats().drops[static_cast<std::size_t>(DropReason::kPoolExhausted)], 1u);
  auto fixed = dora(mac(0xaa));
  EXPECT_EQ(fixed.yiaddr, ip("192.0.2.10"));
  EXPECT_EQ(fixed.file, "special.0");
  EXPECT_EQ(dhcp::host_name(fixed), "fixed");
}

TEST_F(Fixture, PxeClientsGetTheFileForTheirArchitecture) {
  auto efi = make_request(MessageType::kDiscover, mac(1));
  make_pxe(efi, 7);
  dhcp::set_parameter_request_list(efi, {1, 3, 43, 60, 66, 67});
  auto ex = send(efi);
  ASSERT_TRUE(ex.reply) << ex.summary;
  const auto& o = ex.reply->message;
  EXPECT_EQ(o.file, "ipxe.efi");  // PXE-ARCH-FILE
  EXPECT_EQ(dhcp::bootfile_name(o), "ipxe.efi");
  EXPECT_EQ(o.find(dhcp::code::kBootfileName)->data.back(), 0) << "NUL-terminated 67 (FW-38)";
  EXPECT_EQ(o.siaddr, ip("192.0.2.1"));  // PXE-SIADDR
  EXPECT_EQ(dhcp::vendor_class(o), "PXEClient");
  auto v = dhcp::decode_pxe_vendor_options(o.find(dhcp::code::kVendorSpecific)->data);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->discovery_control, dhcp::discovery::kUseBootfile);

  auto bios = make_request(MessageType::kDiscover, mac(2));
  make_pxe(bios, 0);
  EXPECT_EQ(send(bios).reply->message.file, "pxelinux.0");
}

// PXE-ARCH-FILE (RFC 4578 §2.1): default_file and a host's plain `file` are BIOS
// files; an EFI architecture without a mapped file gets no file, and no 60/43 that
// would make its ROM wait for a boot server (FW-39).
TEST_F(Fixture, EfiArchitecturesWithoutAMappedFileGetNoBiosFile) {
  for (std::uint16_t arch : {9, 11, 6, 10, 16}) {
    auto req = make_request(MessageType::kDiscover, mac(1));  // one client, five ROMs
    make_pxe(req, arch);
    dhcp::set_parameter_request_list(req, {1, 3, 43, 60, 66, 67});
    auto ex = send(req);
    ASSERT_TRUE(ex.reply) << ex.summary;  // still an address: it is a DHCP server
    const auto& o = ex.reply->message;
    EXPECT_EQ(dhcp::message_type(o), MessageType::kOffer);
    EXPECT_TRUE(o.file.empty()) << "arch " << arch << " got " << o.file;
    EXPECT_FALSE(o.has(dhcp::code::kBootfileName)) << arch;
    EXPECT_FALSE(o.has(dhcp::code::kVendorClassId)) << arch;
    EXPECT_FALSE(o.has(dhcp::code::kVendorSpecific)) << arch;
  }
  // No option 93 and no arch in 60 (e.g. U-Boot, FW-03): default_file still applies.
  auto plain = make_request(MessageType::kDiscover, mac(0x31));
  dhcp::set_vendor_class(plain, "U-Boot.armv8");
  EXPECT_EQ(send(plain).reply->message.file, "pxelinux.0");
}

TEST_F(Fixture, HostPlainFileGoesToBiosOnlyTheArchMapToOthers) {
  auto bios = make_request(MessageType::kDiscover, mac(0xaa));
  make_pxe(bios, 0);
  EXPECT_EQ(send(bios).reply->message.file, "special.0");
  auto efi = make_request(MessageType::kDiscover, mac(0xaa));
  make_pxe(efi, 7);
  EXPECT_EQ(send(efi).reply->message.file, "ipxe.efi") << "the arch map, not the host's BIOS file";
  auto arm = make_request(MessageType::kDiscover, mac(0xaa));
  make_pxe(arm, 11);
  auto ex = send(arm);
  ASSERT_TRUE(ex.reply);
  EXPECT_TRUE(ex.reply->message.file.empty()) << ex.reply->message.file;
}

TEST(DhcpResponderArch, AnyIsTheExplicitEveryArchitectureFallback) {
  auto config = *parse_server_config(R"(
[server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.110"
[boot]
default_file = "pxelinux.0"
[boot.file]
x64-efi = "ipxe.efi"
any = "generic.efi"
[[host]]
mac = "52:54:00:00:00:aa"
file = { bios = "h.0", any = "h-any.efi" }
)", "any.toml");
  auto leases = std::move(*LeaseStore::open({}));
  DhcpResponder responder(config, leases);
  auto file_for = [&](std::uint8_t m, std::uint16_t arch) {
    auto req = make_request(MessageType::kDiscover, mac(m));
    make_pxe(req, arch);
    auto ex = responder.handle(*dhcp::emit(req), Arrival{{mac(m), {}, 68}, 67}, 0);
    EXPECT_TRUE(ex.reply) << ex.summary;
    return ex.reply ? ex.reply->message.file : std::string("(none)");
  };
  EXPECT_EQ(file_for(1, 0), "pxelinux.0");
  EXPECT_EQ(file_for(2, 7), "ipxe.efi");
  EXPECT_EQ(file_for(3, 11), "generic.efi");
  EXPECT_EQ(file_for(4, 9), "generic.efi");
  EXPECT_EQ(file_for(0xaa, 0), "h.0");
  EXPECT_EQ(file_for(0xaa, 11), "h-any.efi");
}

TEST_F(Fixture, IpxeClientsGetTheScriptNeverTheBinaryAgain) {
  config.boot.ipxe_binary_by_arch[7] = "ipxe.efi";
  auto rom = make_request(MessageType::kDiscover, mac(1));
  make_pxe(rom, 7);
  EXPECT_EQ(send(rom).reply->message.file, "ipxe.efi");  // chainload
  auto ipxe = make_request(MessageType::kDiscover, mac(1));
  make_pxe(ipxe, 7);
  dhcp::UserClass uc{dhcp::UserClass::Form::kRaw, {"iPXE"}};  // FW-02
  ipxe.set(dhcp::code::kUserClass, *dhcp::encode_user_class(uc));
  EXPECT_EQ(send(ipxe).reply->message.file, "boot.ipxe");  // PXE-CHAINLOAD-LOOP
  auto ipxe175 = make_request(MessageType::kDiscover, mac(1));
  make_pxe(ipxe175, 7);
  ipxe175.set(dhcp::code::kIpxeEncapsulated, {0x10, 1, 1});
  EXPECT_EQ(send(ipxe175).reply->message.file, "boot.ipxe");
}

TEST_F(Fixture, MenuHostGetsAMenuAndTheFileThrough4011) {
  auto req = make_request(MessageType::kDiscover, mac(0xbb));
  make_pxe(req, 7);
  auto ex = send(req);
  ASSERT_TRUE(ex.reply);
  EXPECT_TRUE(ex.reply->message.file.empty());
  auto v = dhcp::decode_pxe_vendor_options(ex.reply->message.find(dhcp::code::kVendorSpecific)->data);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->discovery_control, 3);
  ASSERT_TRUE(v->boot_menu);
  ASSERT_EQ(v->boot_menu->size(), 2u);
  EXPECT_EQ((*v->boot_menu)[0].type, 0);
  EXPECT_EQ((*v->boot_menu)[1].description, "Installer");
  ASSERT_TRUE(v->boot_servers);
  EXPECT_EQ((*v->boot_servers)[0].type, 0x8000);
  EXPECT_EQ((*v->boot_servers)[0].addresses, std::vector<Ipv4Address>{ip("192.0.2.1")});
  EXPECT_EQ(v->menu_prompt->timeout, 7);
  EXPECT_EQ(v->menu_prompt->prompt, "F8 for menu");

  // Boot server discovery (FW-16, FW-19): REQUEST from port 4011 to our 4011.
  auto bs = make_request(MessageType::kRequest, mac(0xbb), 0x5555);
  make_pxe(bs, 7);
  bs.ciaddr = ip("192.0.2.100");
  dhcp::PxeVendorOptions item;
  item.boot_item = dhcp::BootItem{0x8000, 0};
  bs.set(dhcp::code::kVendorSpecific, *dhcp::encode_pxe_vendor_options(item));
  Arrival at4011{{mac(0xbb), ip("192.0.2.100"), 4011}, 4011};
  auto ack = send(bs, at4011);
  ASSERT_TRUE(ack.reply) << ack.summary;
  EXPECT_EQ(dhcp::message_type(ack.reply->message), MessageType::kAck);
  EXPECT_EQ(ack.reply->message.file, "installer.efi") << "the item's file for architecture 7 (PXE-ARCH-FILE)";
  EXPECT_EQ(ack.reply->source_port, 4011);
  EXPECT_EQ(ack.reply->destination, at4011.source);  // FW-18
  auto echoed = dhcp::decode_pxe_vendor_options(ack.reply->message.find(dhcp::code::kVendorSpecific)->data);
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->boot_item, item.boot_item);

  // iPXE asks from port 68 (FW-17): the answer goes back to 68.
  Arrival from68{{mac(0xbb), ip("192.0.2.100"), 68}, 4011};
  EXPECT_EQ(send(bs, from68).reply->destination.port, 68);

  // Fault boot_server_reply_broadcast: the regression that answers 4011 at
  // 255.255.255.255:68, which EDK2 (listening on 4011) never sees.
  config.faults.set(Fault::kBootServerReplyBroadcast);
  auto broken = send(bs, at4011);
  ASSERT_TRUE(broken.reply) << broken.summary;
  EXPECT_EQ(broken.reply->destination, (wire::UdpEndpoint{MacAddress::broadcast(), Ipv4Address::broadcast(), 68}));
  config.faults = {};

  item.boot_item = dhcp::BootItem{0x1234, 0};
  bs.set(dhcp::code::kVendorSpecific, *dhcp::encode_pxe_vendor_options(item));
  auto unknown = send(bs, at4011);
  EXPECT_FALSE(unknown.reply);
  EXPECT_EQ(unknown.dropped, DropReason::kUnknownBootItem);

  // A BIOS client gets the BIOS file; an architecture the item has no file for
  // gets nothing rather than a binary it cannot run.
  item.boot_item = dhcp::BootItem{0x8000, 0};
  bs.set(dhcp::code::kVendorSpecific, *dhcp::encode_pxe_vendor_options(item));
  make_pxe(bs, 0);
  auto bios = send(bs, at4011);
  ASSERT_TRUE(bios.reply) << bios.summary;
  EXPECT_EQ(bios.reply->message.file, "installer.0");
  make_pxe(bs, 11);
  auto arm = send(bs, at4011);
  EXPECT_FALSE(arm.reply);
  EXPECT_EQ(arm.dropped, DropReason::kUnknownBootItem);
}

TEST_F(Fixture, LocalBootHostGetsOnlyTheLocalItemWithTimeoutZero) {
  auto req = make_request(MessageType::kDiscover, mac(0xcc));
  make_pxe(req, 0);
  auto ex = send(req);
  ASSERT_TRUE(ex.reply);
  EXPECT_TRUE(ex.reply->message.file.empty());
  auto v = dhcp::decode_pxe_vendor_options(ex.reply->message.find(dhcp::code::kVendorSpecific)->data);
  ASSERT_TRUE(v);
  ASSERT_TRUE(v->boot_menu);
  EXPECT_EQ(*v->boot_menu, (std::vector<dhcp::BootMenuEntry>{{0, "Local boot"}}));
  EXPECT_EQ(v->menu_prompt->timeout, 0);
}

TEST_F(Fixture, BootpRequestFromAKnownHostGetsA300OctetBootreply) {
  dhcp::Message req;
  req.xid = 42;
  req.set_mac(mac(0xaa));
  auto ex = send(req);
  ASSERT_TRUE(ex.reply) << ex.summary;
  auto bytes = dhcp::emit(ex.reply->message, ex.reply->emit);
  ASSERT_TRUE(bytes);
  EXPECT_GE(bytes->size(), 300u);  // BOOTP-REPLY
  const auto& r = ex.reply->message;
  EXPECT_TRUE(r.is_bootp());
  EXPECT_EQ(r.yiaddr, ip("192.0.2.10"));
  EXPECT_EQ(r.siaddr, ip("192.0.2.1"));
  EXPECT_EQ(r.file, "special.0");
  EXPECT_EQ(ex.reply->destination, (wire::UdpEndpoint{mac(0xaa), ip("192.0.2.10"), 68}));

  dhcp::Message stranger;
  stranger.set_mac(mac(0x42));
  EXPECT_EQ(send(stranger).dropped, DropReason::kUnknownClient);
}

TEST_F(Fixture, BootpOnlyModeAnswersDhcpClientsInTheTableWithBootreplies) {
  // RFC 1534 §2: a BOOTP server takes a DHCPDISCOVER or DHCPREQUEST for a BOOTREQUEST.
  config.mode = ServerMode::Bootp;
  auto ex = send(make_request(MessageType::kDiscover, mac(0xaa)));
  ASSERT_TRUE(ex.reply) << ex.summary;
  EXPECT_TRUE(ex.reply->message.is_bootp());
  EXPECT_EQ(ex.reply->message.yiaddr, ip("192.0.2.10"));
  EXPECT_EQ(ex.reply->message.file, "special.0");
  EXPECT_TRUE(send(make_request(MessageType::kRequest, mac(0xaa))).reply);
  EXPECT_EQ(send(make_request(MessageType::kDiscover, mac(0x42))).dropped, DropReason::kUnknownClient);
  EXPECT_EQ(send(make_request(MessageType::kRelease, mac(0xaa))).dropped, DropReason::kWrongMode);
}

TEST_F(Fixture, SelectingWithoutARecordCommitsAFreeAddressAndNaksATakenOne) {
  // The server restarted (or the offer hold expired) between OFFER and REQUEST.
  auto req = make_request(MessageType::kRequest, mac(0x61));
  dhcp::set_server_id(req, ip("192.0.2.1"));
  dhcp::set_requested_address(req, ip("192.0.2.103"));
  auto ex = send(req);
  ASSERT_TRUE(ex.reply) << ex.summary;
  EXPECT_EQ(dhcp::message_type(ex.reply->message), MessageType::kAck);
  EXPECT_EQ(ex.reply->message.yiaddr, ip("192.0.2.103"));
  // The same address for another client: taken, so NAK.
  auto other = make_request(MessageType::kRequest, mac(0x62));
  dhcp::set_server_id(other, ip("192.0.2.1"));
  dhcp::set_requested_address(other, ip("192.0.2.103"));
  auto ex2 = send(other);
  ASSERT_TRUE(ex2.reply) << ex2.summary;
  EXPECT_EQ(dhcp::message_type(ex2.reply->message), MessageType::kNak);
}

TEST_F(Fixture, MalformedAndServerMessagesAreDroppedWithAReason) {
  const std::uint8_t junk[] = {1, 2, 3};
  auto ex = responder.handle(junk, Arrival{}, now);
  EXPECT_EQ(ex.dropped, DropReason::kMalformed);
  EXPECT_NE(ex.summary.find("dhcp.header"), std::string::npos) << ex.summary;
  auto offer = make_request(MessageType::kOffer, mac(1));
  offer.op = dhcp::kBootReply;
  EXPECT_EQ(send(offer).dropped, DropReason::kNotARequest);
  EXPECT_EQ(responder.stats().drops[static_cast<std::size_t>(DropReason::kMalformed)], 1u);
}

TEST(DhcpResponderProxy, AnswersPxeClientsOnlyWithYiaddrZero) {
  auto config = *parse_server_config(R"(
[server]
mode = "proxy"
address = "192.0.2.2"
[boot.file]
x64-efi = "ipxe.efi"
)", "proxy.toml");
  auto leases = std::move(*LeaseStore::open({}));
  DhcpResponder responder(config, leases);
  auto req = make_request(MessageType::kDiscover, mac(1));
  make_pxe(req, 7);
  auto ex = responder.handle(*dhcp::emit(req), Arrival{{mac(1), {}, 68}, 67}, 0);
  ASSERT_TRUE(ex.reply) << ex.summary;
  const auto& o = ex.reply->message;
  EXPECT_TRUE(o.yiaddr.is_any());  // PXE-PROXY-OFFER
  EXPECT_EQ(dhcp::vendor_class(o), "PXEClient");
  EXPECT_EQ(dhcp::server_id(o), ip("192.0.2.2"));  // PXE-SERVER-ID-PROXY
  EXPECT_EQ(o.siaddr, ip("192.0.2.2"));
  EXPECT_EQ(o.file, "ipxe.efi");
  EXPECT_TRUE(o.has(dhcp::code::kClientMachineId));  // FW-34
  EXPECT_FALSE(o.has(dhcp::code::kLeaseTime));
  EXPECT_EQ(ex.reply->destination.ip, Ipv4Address::broadcast());  // FW-21

  // Relayed: the proxy offer goes to giaddr:67 (FW-21; a broadcast behind a relay is
  // lost, bootimus#129), with yiaddr 0 and giaddr echoed.
  auto relayed = make_request(MessageType::kDiscover, mac(4));
  make_pxe(relayed, 7);
  relayed.giaddr = ip("198.18.7.1");
  relayed.hops = 1;
  auto via = responder.handle(*dhcp::emit(relayed), Arrival{{mac(0x99), ip("198.18.7.1"), 67}, 67}, 0);
  ASSERT_TRUE(via.reply) << via.summary;
  EXPECT_TRUE(via.reply->message.yiaddr.is_any());
  EXPECT_EQ(via.reply->message.giaddr, ip("198.18.7.1"));
  EXPECT_EQ(via.reply->message.file, "ipxe.efi");
  EXPECT_EQ(via.reply->destination, (wire::UdpEndpoint{mac(0x99), ip("198.18.7.1"), 67}));

  auto plain = make_request(MessageType::kDiscover, mac(2));
  EXPECT_EQ(responder.handle(*dhcp::emit(plain), Arrival{}, 0).dropped, DropReason::kWrongMode);
  // PXE-ARCH-FILE: nothing for arm64 EFI (11) or x64 EFI alt (9): no proxy offer.
  for (std::uint16_t arch : {9, 11}) {
    auto arm = make_request(MessageType::kDiscover, mac(3));
    make_pxe(arm, arch);
    auto silent = responder.handle(*dhcp::emit(arm), Arrival{{mac(3), {}, 68}, 67}, 0);
    EXPECT_FALSE(silent.reply) << arch;
    EXPECT_EQ(silent.dropped, DropReason::kNoBootFile) << silent.summary;
  }
  auto r67 = make_request(MessageType::kRequest, mac(1));
  make_pxe(r67, 7);
  dhcp::set_server_id(r67, ip("192.0.2.50"));
  EXPECT_EQ(responder.handle(*dhcp::emit(r67), Arrival{}, 0).dropped, DropReason::kOtherServer);
  // The proxy's 4011 answer (BINL, no 43.71) carries the boot file.
  auto binl = make_request(MessageType::kRequest, mac(1));
  make_pxe(binl, 7);
  binl.ciaddr = ip("192.0.2.77");
  auto ack = responder.handle(*dhcp::emit(binl), Arrival{{mac(1), ip("192.0.2.77"), 4011}, 4011}, 0);
  ASSERT_TRUE(ack.reply) << ack.summary;
  EXPECT_EQ(ack.reply->message.file, "ipxe.efi");
  EXPECT_EQ(ack.reply->destination.port, 4011);
}

// boot.next_server: siaddr names another TFTP host (ISC next-server); option 54 stays
// this server. A firmware then asks that host for its file (FW-12, FW-37).
TEST(DhcpResponderNextServer, SiaddrNamesTheConfiguredTftpHost) {
  auto config = *parse_server_config(R"(
[server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = ["192.0.2.100-192.0.2.199"]
[boot]
next_server = "192.0.2.2"
[boot.file]
any = "ipxe.efi"
)", "next.toml");
  auto leases = std::move(*LeaseStore::open({}));
  DhcpResponder responder(config, leases);
  auto req = make_request(MessageType::kDiscover, mac(1));
  make_pxe(req, 7);
  auto ex = responder.handle(*dhcp::emit(req), Arrival{{mac(1), {}, 68}, 67}, 0);
  ASSERT_TRUE(ex.reply) << ex.summary;
  EXPECT_EQ(ex.reply->message.siaddr, ip("192.0.2.2"));
  EXPECT_EQ(dhcp::server_id(ex.reply->message), ip("192.0.2.1"));
  EXPECT_EQ(ex.reply->message.file, "ipxe.efi");
}

TEST(DhcpResponderDurability, AckWaitsForGroupCommit) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "pxelab-resp-XXXXXX").string();
  std::string dir = ::mkdtemp(tmpl.data());
  auto config = load();
  auto leases = std::move(*LeaseStore::open({dir + "/j", FsyncPolicy::Group}));
  DhcpResponder responder(config, leases);
  auto offer = responder.handle(*dhcp::emit(make_request(MessageType::kDiscover, mac(1))), Arrival{}, 0);
  ASSERT_TRUE(offer.reply);
  EXPECT_EQ(offer.reply->durable_seq, 0u) << "offers are not journalled";
  auto req = make_request(MessageType::kRequest, mac(1));
  dhcp::set_server_id(req, ip("192.0.2.1"));
  dhcp::set_requested_address(req, offer.reply->message.yiaddr);
  auto ack = responder.handle(*dhcp::emit(req), Arrival{}, 0);
  ASSERT_TRUE(ack.reply);
  EXPECT_EQ(ack.reply->durable_seq, 1u);
  EXPECT_LT(leases.durable_seq(), ack.reply->durable_seq) << "not yet durable: the ACK must wait";
  ASSERT_TRUE(leases.flush());
  EXPECT_GE(leases.durable_seq(), ack.reply->durable_seq);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pxelab::server
