// Each server DHCP/BOOTP and relay check: a trace where it passes, one where it fails.
#include "conformance/checks/checks_testlib.h"

namespace pxelab::conformance::testing {
namespace {

namespace code = dhcp::code;

TEST(DhcpChecks, HeaderEcho) {
  expect_pass(dora(), "DHCP-HDR-ECHO");
  expect_fail(dora({.offer = [](Message& m) { m.hops = 1; }}), "DHCP-HDR-ECHO");
  // Relayed: a reply that copies the request's hops is not judged (table 3 has no key
  // word for it, and dnsmasq, Kea and ISC dhcpd all copy it); one that invents hops is.
  const auto relayed = [](std::uint8_t reply_hops) {
    return dora({.discover = [](Message& m) { m.hops = 1; m.giaddr = kRelayIp; },
                 .offer = [=](Message& m) { m.hops = reply_hops; m.giaddr = kRelayIp; },
                 .request = [](Message& m) { m.hops = 1; m.giaddr = kRelayIp; },
                 .ack = [=](Message& m) { m.hops = reply_hops; m.giaddr = kRelayIp; }});
  };
  expect_pass(relayed(1), "DHCP-HDR-ECHO");
  expect_fail(relayed(3), "DHCP-HDR-ECHO");
  expect_fail(dora({.ack = [](Message& m) { m.flags = 0; }}), "DHCP-HDR-ECHO");
}

TEST(DhcpChecks, OfferCiaddr) {
  expect_pass(dora(), "DHCP-OFFER-CIADDR");
  expect_fail(dora({.offer = [](Message& m) { m.ciaddr = kYiaddr; }}), "DHCP-OFFER-CIADDR");
}

Lab nak(const std::function<void(Message&)>& hook, UdpEndpoint dst = bcast(68)) {
  Lab lab;
  Message q = request_msg(MessageType::kRequest);
  dhcp::set_requested_address(q, Ipv4Address::from_octets(198, 51, 100, 7));  // INIT-REBOOT, wrong subnet
  lab.dhcp(client68(), bcast(67), q);
  Message n = reply_msg(q, MessageType::kNak, Ipv4Address::any());
  if (hook) hook(n);
  lab.dhcp(server67(), dst, n);
  return lab;
}

TEST(DhcpChecks, NakFields) {
  expect_pass(nak({}), "DHCP-NAK-FIELDS");
  expect_fail(nak([](Message& m) { m.yiaddr = kYiaddr; }), "DHCP-NAK-FIELDS");
  expect_fail(nak([](Message& m) { dhcp::set_lease_time(m, 60); }), "DHCP-NAK-FIELDS");
}

TEST(DhcpChecks, ServerId) {
  expect_pass(dora(), "DHCP-SERVER-ID");
  expect_fail(dora({.offer = [](Message& m) { m.remove(code::kServerId); }}), "DHCP-SERVER-ID");
  expect_fail(dora({.ack = [](Message& m) { m.remove(code::kLeaseTime); }}), "DHCP-SERVER-ID");
}

Lab inform(const std::function<void(Message&)>& hook) {
  Lab lab;
  Message q = request_msg(MessageType::kInform);
  q.ciaddr = kYiaddr;
  q.flags = 0;
  lab.dhcp({kClientMac, kYiaddr, 68}, server67(), q);
  Message a = reply_msg(q, MessageType::kAck, Ipv4Address::any());
  a.ciaddr = kYiaddr;
  if (hook) hook(a);
  lab.dhcp(server67(), {kClientMac, kYiaddr, 68}, a);
  return lab;
}

TEST(DhcpChecks, InformAck) {
  expect_pass(inform({}), "DHCP-INFORM-ACK");
  expect_fail(inform([](Message& m) { dhcp::set_lease_time(m, 3600); }), "DHCP-INFORM-ACK");
}

TEST(DhcpChecks, NoClientOptions) {
  expect_pass(dora(), "DHCP-NO-CLIENT-OPTS");
  expect_fail(dora({.ack = [](Message& m) { dhcp::set_parameter_request_list(m, {1}); }}), "DHCP-NO-CLIENT-OPTS");
}

TEST(DhcpChecks, ClientIdEcho) {
  expect_pass(dora(), "DHCP-CLIENT-ID-ECHO");
  expect_fail(dora({.offer = [](Message& m) { m.remove(code::kClientId); }}), "DHCP-CLIENT-ID-ECHO");
  expect_fail(dora({.ack = [](Message& m) { m.set(code::kClientId, Bytes{1, 9}); }}), "DHCP-CLIENT-ID-ECHO");
}

TEST(DhcpChecks, Destination) {
  expect_pass(dora(), "DHCP-DEST");
  // Broadcast flag clear: unicast to yiaddr at chaddr passes too.
  expect_pass(dora({.discover = [](Message& m) { m.flags = 0; }, .request = [](Message& m) { m.flags = 0; }}), "DHCP-DEST");
  expect_fail(dora({.ack_dst = [](UdpEndpoint& e) { e = {kClientMac, kYiaddr, 68}; }}), "DHCP-DEST");
  expect_fail(dora({.offer_dst = [](UdpEndpoint& e) { e.port = 67; }}), "DHCP-DEST");
}

TEST(DhcpChecks, NakBroadcast) {
  expect_pass(nak({}), "DHCP-NAK-BCAST");
  expect_fail(nak({}, {kClientMac, Ipv4Address::from_octets(198, 51, 100, 7), 68}), "DHCP-NAK-BCAST");
}

TEST(DhcpChecks, InitReboot) {
  expect_pass(nak({}), "DHCP-INIT-REBOOT");
  expect_fail(nak([](Message& m) {
                dhcp::set_message_type(m, MessageType::kAck);
                m.yiaddr = kYiaddr;
              }),
              "DHCP-INIT-REBOOT");
  // After a DORA bound kYiaddr: INIT-REBOOT for kYiaddr may be ACKed, for another
  // address of the subnet it may not.
  auto after_dora = [](Ipv4Address wanted, MessageType answer) {
    Lab lab = dora();
    Message q = request_msg(MessageType::kRequest);
    q.xid = 0x7777;
    dhcp::set_requested_address(q, wanted);
    lab.dhcp(client68(), bcast(67), q);
    Message r = reply_msg(q, answer, answer == MessageType::kAck ? wanted : Ipv4Address::any());
    lab.dhcp(server67(), bcast(68), r);
    return lab;
  };
  const Ipv4Address other{kYiaddr.value + 1};
  expect_pass(after_dora(kYiaddr, MessageType::kAck), "DHCP-INIT-REBOOT");
  expect_pass(after_dora(other, MessageType::kNak), "DHCP-INIT-REBOOT");
  expect_fail(after_dora(other, MessageType::kAck), "DHCP-INIT-REBOOT");
}

TEST(DhcpChecks, SelectOther) {
  expect_pass(dora(), "DHCP-SELECT-OTHER");
  expect_fail(dora({.request = [](Message& m) { dhcp::set_server_id(m, kRogueIp); }}), "DHCP-SELECT-OTHER");
}

Lab renew_lab(UdpEndpoint ack_dst) {
  Lab lab;
  Message q = request_msg(MessageType::kRequest);
  q.ciaddr = kYiaddr;
  q.flags = 0;
  lab.dhcp({kClientMac, kYiaddr, 68}, server67(), q);
  Message a = reply_msg(q, MessageType::kAck, kYiaddr);
  a.ciaddr = kYiaddr;
  lab.dhcp(server67(), ack_dst, a);
  return lab;
}

TEST(DhcpChecks, Renew) {
  expect_pass(renew_lab({kClientMac, kYiaddr, 68}), "DHCP-RENEW");
  expect_fail(renew_lab(bcast(68)), "DHCP-RENEW");
}

TEST(DhcpChecks, PrlOffer) {
  expect_pass(dora(), "DHCP-PRL-OFFER");
  expect_fail(dora({.offer = [](Message& m) { m.remove(code::kRouter); }}), "DHCP-PRL-OFFER");
}

TEST(DhcpChecks, OptionFormat) {
  expect_pass(dora(), "DHCP-OPT-FORMAT");
  dhcp::EmitOptions no_end;
  no_end.malformations = dhcp::Malformation::kMissingEnd;
  expect_fail(dora({.ack_emit = no_end}), "DHCP-OPT-FORMAT");
  dhcp::EmitOptions bad_len;
  bad_len.malformations = dhcp::Malformation::kWrongOptionLength;
  bad_len.wrong_length_code = code::kServerId;
  bad_len.wrong_length_value = 3;
  expect_fail(dora({.ack_emit = bad_len}), "DHCP-OPT-FORMAT");
}

DoraHooks overloaded(bool drop_file_end) {
  DoraHooks h;
  h.ack = [](Message& m) {
    dhcp::set_host_name(m, std::string(200, 'h'));
    dhcp::set_string(m, code::kDomainName, std::string(150, 'd'));
  };
  if (drop_file_end) {
    h.ack_bytes = [](Bytes& b) {
      for (std::size_t i = dhcp::kFileOffset; i < dhcp::kFileOffset + dhcp::kFileSize; ++i) {
        if (b[i] == code::kEnd) b[i] = code::kPad;
      }
    };
  }
  return h;
}

TEST(DhcpChecks, OverloadEnd) {
  expect_pass(dora(overloaded(false)), "DHCP-OVERLOAD-END");
  expect_fail(dora(overloaded(true)), "DHCP-OVERLOAD-END");
}

TEST(DhcpChecks, MaskBeforeRouter) {
  expect_pass(dora(), "DHCP-MASK-BEFORE-ROUTER");
  expect_fail(dora({.ack = [](Message& m) {
                auto mask = m.find(code::kSubnetMask)->data;
                m.remove(code::kSubnetMask);
                m.set(code::kSubnetMask, mask);
              }}),
              "DHCP-MASK-BEFORE-ROUTER");
}

TEST(DhcpChecks, MaxSize) {
  expect_pass(dora(), "DHCP-MAX-SIZE");
  dhcp::EmitOptions big;
  big.max_message_size = 1500;
  expect_fail(dora({.offer = [](Message& m) { m.set(224, Bytes(400, 1)); }, .offer_emit = big}), "DHCP-MAX-SIZE");
}

TEST(DhcpChecks, T1T2) {
  expect_pass(dora(), "DHCP-T1-T2");
  expect_fail(dora({.ack = [](Message& m) { dhcp::set_renewal_time(m, 4000); }}), "DHCP-T1-T2");
}

Lab bootp(bool pad) {
  Lab lab;
  Message q;
  q.xid = 7;
  q.set_mac(kClientMac);
  dhcp::EmitOptions eo;
  eo.pad_to_bootp_minimum = true;
  lab.dhcp(client68(), bcast(67), q, eo);
  Message r;
  r.op = dhcp::kBootReply;
  r.xid = 7;
  r.chaddr = q.chaddr;
  r.yiaddr = kYiaddr;
  r.siaddr = kServerIp;
  r.file = "pxelinux.0";
  dhcp::set_subnet_mask(r, Ipv4Address::from_octets(255, 255, 255, 0));
  dhcp::EmitOptions ro;
  ro.pad_to_bootp_minimum = pad;
  lab.dhcp(server67(), {kClientMac, kYiaddr, 68}, r, ro);
  return lab;
}

TEST(DhcpChecks, BootpReply) {
  expect_pass(bootp(true), "BOOTP-REPLY");
  expect_fail(bootp(false), "BOOTP-REPLY");
}

// Client on the far side of a relay: DISCOVER, the relay's copy (hops+1, giaddr, 82),
// the server's OFFER to the relay, the relay's delivery.
struct RelayHooks {
  std::function<void(Message&)> forward, offer;
  UdpEndpoint delivery = bcast(68);
};
Lab relay(const RelayHooks& h) {
  Lab lab;
  Message d = request_msg(MessageType::kDiscover);
  lab.dhcp(client68(), bcast(67), d);
  Message f = d;
  f.hops = 1;
  f.giaddr = kRelayIp;
  f.set(code::kRelayAgentInfo, Bytes{1, 3, 'p', '0', '1'});
  if (h.forward) h.forward(f);
  lab.dhcp(relay67(), server67(), f);
  Message o = reply_msg(f, MessageType::kOffer, kYiaddr);
  o.remove(code::kRelayAgentInfo);
  o.set(code::kRelayAgentInfo, Bytes{1, 3, 'p', '0', '1'});
  if (h.offer) h.offer(o);
  lab.dhcp(server67(), relay67(), o);
  Message del = o;
  del.remove(code::kRelayAgentInfo);
  lab.dhcp(relay67(), h.delivery, del);
  return lab;
}

TEST(DhcpChecks, ReplyPadding) {
  dhcp::EmitOptions padded;
  padded.pad_to_bootp_minimum = true;
  expect_pass(dora({.offer_emit = padded, .ack_emit = padded}), "DHCP-REPLY-PADDING");
  expect_fail(dora({.offer_emit = padded}), "DHCP-REPLY-PADDING");  // the ACK is 290-odd octets
}

TEST(DhcpChecks, Relay82Echo) {
  expect_pass(relay({}), "RELAY-82-ECHO");
  expect_fail(relay({.offer = [](Message& m) { m.remove(code::kRelayAgentInfo); }}), "RELAY-82-ECHO");
  expect_fail(relay({.offer = [](Message& m) { dhcp::set_host_name(m, "late"); }}), "RELAY-82-ECHO");
}

TEST(DhcpChecks, RelayHops) {
  expect_pass(relay({}), "RELAY-HOPS");
  expect_fail(relay({.forward = [](Message& m) { m.hops = 0; }}), "RELAY-HOPS");
}

TEST(DhcpChecks, RelayDelivery) {
  expect_pass(relay({}), "RELAY-DELIVERY");
  expect_fail(relay({.delivery = {kClientMac, kYiaddr, 68}}), "RELAY-DELIVERY");
}

TEST(DhcpChecks, DuplicateOffer) {
  expect_pass(dora(), "DHCP-DUP-OFFER");
  Lab lab;
  Message d = request_msg(MessageType::kDiscover);
  lab.dhcp(client68(), bcast(67), d);
  lab.dhcp(client68(), bcast(67), d);
  lab.dhcp(server67(), bcast(68), reply_msg(d, MessageType::kOffer, kYiaddr));
  lab.dhcp(server67(), bcast(68), reply_msg(d, MessageType::kOffer, kYiaddr));  // back to back (dnsmasq ping wait)
  expect_fail(lab, "DHCP-DUP-OFFER");

  // Behind a relay the server's segment shows the relayed DISCOVERs only: each OFFER
  // answers one of them, which is no duplicate.
  Lab relayed;
  Message r = request_msg(MessageType::kDiscover);
  r.giaddr = kRelayIp;
  r.hops = 1;
  Message o = reply_msg(r, MessageType::kOffer, kYiaddr);
  relayed.dhcp(relay67(), server67(), r);
  relayed.dhcp(server67(), relay67(), o);
  relayed.dhcp(relay67(), server67(), r);
  relayed.dhcp(server67(), relay67(), o);
  expect_pass(relayed, "DHCP-DUP-OFFER");
}

TEST(DhcpChecks, Rogue) {
  expect_pass(dora(), "DHCP-ROGUE");
  Lab lab = dora();
  Message d = request_msg(MessageType::kDiscover, 0x99);
  lab.dhcp(client68(), bcast(67), d);
  lab.dhcp({kRogueMac, kRogueIp, 67}, bcast(68), reply_msg(d, MessageType::kOffer, kYiaddr, kRogueIp));
  expect_fail(lab, "DHCP-ROGUE");
  // With the servers under test named, only the others are rogue.
  conformance::Run run;
  run.server_ips = {kRogueIp, kServerIp};
  expect_pass(lab, "DHCP-ROGUE", run);
  run.server_ips = {kServerIp};
  expect_fail(lab, "DHCP-ROGUE", run);
}

TEST(DhcpChecks, NoFragment) {
  expect_pass(dora(), "DHCP-NO-FRAGMENT");
  Lab lab = dora();
  Bytes f = wire::build_udp_frame(server67(), bcast(68), Bytes(600, 0));
  f[14 + 6] |= 0x20;  // IPv4 more-fragments
  lab.frame(f);
  expect_fail(lab, "DHCP-NO-FRAGMENT");
}

}  // namespace
}  // namespace pxelab::conformance::testing
