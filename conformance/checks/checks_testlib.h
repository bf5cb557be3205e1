// Test helpers for the check catalogue: traces built from frames made with wire/
// encoders (a small lab with a client, a DHCP server, a proxy, a relay), and
// expect_pass / expect_fail over one check.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/checks/catalogue.h"
#include "sim/trace.h"
#include "wire/dhcp_message.h"
#include "wire/dhcp_option_values.h"
#include "wire/frame.h"
#include "wire/pxe_options.h"
#include "wire/tftp.h"

namespace pxelab::conformance::testing {

namespace dhcp = wire::dhcp;
using dhcp::Message;
using dhcp::MessageType;
using wire::Bytes;
using wire::Ipv4Address;
using wire::MacAddress;
using wire::UdpEndpoint;

inline constexpr MacAddress kClientMac{{0x02, 0, 0, 0, 0, 0x10}};
inline constexpr MacAddress kServerMac{{0x02, 0, 0, 0, 0, 0x01}};
inline constexpr MacAddress kProxyMac{{0x02, 0, 0, 0, 0, 0x02}};
inline constexpr MacAddress kRelayMac{{0x02, 0, 0, 0, 0, 0x03}};
inline constexpr MacAddress kRogueMac{{0x02, 0, 0, 0, 0, 0x04}};
inline constexpr Ipv4Address kServerIp = Ipv4Address::from_octets(192, 0, 2, 1);
inline constexpr Ipv4Address kProxyIp = Ipv4Address::from_octets(192, 0, 2, 2);
inline constexpr Ipv4Address kRelayIp = Ipv4Address::from_octets(192, 0, 2, 3);
inline constexpr Ipv4Address kRogueIp = Ipv4Address::from_octets(192, 0, 2, 4);
inline constexpr Ipv4Address kYiaddr = Ipv4Address::from_octets(192, 0, 2, 100);
inline constexpr sim::Time kMs = 1'000'000;

// A trace under construction; every frame advances time by 1 ms.
struct Lab {
  sim::Trace trace;
  sim::Time now = 1'000'000'000;

  void frame(const Bytes& f) {
    trace.add_frame(now, sim::kNoPort, f);
    now += kMs;
  }
  void wait(double seconds) { now += static_cast<sim::Time>(seconds * 1e9); }
  void udp(const UdpEndpoint& src, const UdpEndpoint& dst, wire::ByteView payload) {
    frame(wire::build_udp_frame(src, dst, payload));
  }
  void dhcp(const UdpEndpoint& src, const UdpEndpoint& dst, const Message& m, const dhcp::EmitOptions& eo = {},
            const std::function<void(Bytes&)>& edit = {}) {
    auto b = dhcp::emit(m, eo);
    ASSERT_TRUE(b.ok()) << b.error().to_string();
    if (edit) edit(*b);
    udp(src, dst, *b);
  }
  void tftp(const UdpEndpoint& src, const UdpEndpoint& dst, const wire::TftpPacket& p) {
    udp(src, dst, wire::encode_tftp(p));
  }
};

// Endpoints.
inline UdpEndpoint client68() { return {kClientMac, Ipv4Address::any(), 68}; }
inline UdpEndpoint bcast(std::uint16_t port) { return {MacAddress::broadcast(), Ipv4Address::broadcast(), port}; }
inline UdpEndpoint server67() { return {kServerMac, kServerIp, 67}; }
inline UdpEndpoint proxy67() { return {kProxyMac, kProxyIp, 67}; }
inline UdpEndpoint relay67() { return {kRelayMac, kRelayIp, 67}; }

// Messages.
Message request_msg(MessageType type, std::uint32_t xid = 0x1234);
Message pxe_discover(std::uint16_t arch = 0, std::uint32_t xid = 0x1234);
// A reply copying the request's header, with 53, 54 (server), and for OFFER/ACK with
// an address: 51, 58, 59, 1, 3 (in that order) and 61 echoed.
Message reply_msg(const Message& request, MessageType type, Ipv4Address yiaddr, Ipv4Address server = kServerIp);

// A DORA (broadcast flag set) with hooks on each message before it is sent.
struct DoraHooks {
  std::function<void(Message&)> discover, offer, request, ack;
  std::function<void(UdpEndpoint&)> offer_dst, ack_dst;
  dhcp::EmitOptions discover_emit, offer_emit, ack_emit;
  std::function<void(Bytes&)> ack_bytes;
  bool pxe = false;
  std::uint16_t arch = 0;
};
Lab dora(const DoraHooks& h = {});
void add_dora(Lab& lab, const DoraHooks& h = {});

// A TFTP read of `size` octets from kServerIp (TID 3000) by kYiaddr:2000.
struct TransferSpec {
  std::string file = "pxelinux.0";
  std::size_t size = 1000;
  wire::TftpOptions request;                       // RRQ options
  std::optional<wire::TftpOptions> oack;           // default: echo of the request (if any)
  std::uint16_t server_port = 3000;
  std::uint16_t client_port = 2000;
  bool final_empty_block = true;                   // send the 0-octet block for exact multiples
  std::size_t data_size_override = 0;              // DATA payload size (0: the negotiated blksize)
};
void add_transfer(Lab& lab, const TransferSpec& spec);
UdpEndpoint tftp_client(std::uint16_t port = 2000);
UdpEndpoint tftp_server(std::uint16_t port = 69);

// Runs one check over the lab's trace.
CheckResult judge(const Lab& lab, std::string_view id, Run run = {});

// A lab's trace read as a capture: decoded and grouped once, every check run (what the
// report tests start from). `lab` must outlive it.
Run capture_run(const Lab& lab);
struct CheckedLab {
  explicit CheckedLab(const Lab& lab);
  CheckedLab(const CheckedLab&) = delete;  // `analyzed` points at `run`
  CheckedLab& operator=(const CheckedLab&) = delete;
  Run run;
  AnalyzedRun analyzed;
  std::vector<CheckResult> results;
};
// A result in one line per finding, for assertion messages.
std::string describe(const CheckResult& r);
void expect_pass(const Lab& lab, std::string_view id, Run run = {});
void expect_fail(const Lab& lab, std::string_view id, Run run = {});

}  // namespace pxelab::conformance::testing
