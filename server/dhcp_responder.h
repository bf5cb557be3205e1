// The DHCP/BOOTP/proxyDHCP/boot-server (4011) protocol logic of the reference server,
// as a pure function of (request, where it came from, time) -> (reply, where it goes,
// lease changes). No clock, no socket: the server agent (dhcp_agent.h) feeds it
// datagrams and sends what it returns; tests call it directly.
//
// What it implements, with the rule each part follows:
//  - DISCOVER -> OFFER, REQUEST (selecting, init-reboot, renewing, rebinding) ->
//    ACK/NAK/silence, DECLINE, RELEASE, INFORM (RFC 2131 §4.3);
//  - BOOTP requests (no option 53) from hosts in the table -> BOOTREPLY (RFC 951,
//    RFC 1542), padded to 300 octets;
//  - reply addressing (RFC 2131 §4.1, RFC 1542 §5.4; check DHCP-DEST);
//  - relayed requests: subnet from giaddr, reply to giaddr:67, 82 echoed last
//    (RFC 3046 §2.2);
//  - PXE: boot file by architecture, siaddr always (FW-12, FW-37), 43 (boot_choice.h),
//    60 "PXEClient" echoed to PXE clients only (FW-39);
//  - proxy mode: offers with yiaddr 0 to PXE clients only (FW-21, FW-34);
//  - 4011 REQUESTs answered to the request's source address and port (FW-16..18).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/address_pool.h"
#include "server/config.h"
#include "server/lease_store.h"
#include "wire/dhcp_message.h"
#include "wire/dhcp_option_values.h"
#include "wire/frame.h"
#include "wire/ports.h"

namespace pxelab::server {

// Why a request got no reply. Every drop is counted by reason.
enum class DropReason : std::uint8_t {
  kNone,             // it was answered (or needs no answer: DECLINE, RELEASE)
  kMalformed,        // does not parse (the error is in the summary)
  kNotARequest,      // op is not BOOTREQUEST, or a server-to-client message type
  kWrongMode,        // e.g. DHCP in BOOTP-only mode, a non-PXE client in proxy mode
  kOtherServer,      // REQUEST selecting another server (RFC 2131 §4.3.2)
  kUnknownClient,    // no record of the client where silence is required
  kNoSubnet,         // giaddr/ciaddr in no configured subnet
  kPoolExhausted,    // no address left to offer
  kUnknownBootItem,  // 4011 REQUEST for a menu type we do not serve (PXE-4011-ACK)
  kLeaseNotDurable,  // the journal write failed: no ACK may leave
  kCannotEncode,     // the reply could not be encoded even after shedding options
  kNoBootFile,       // proxy mode: no boot file for the client's architecture (PXE-ARCH-FILE)
  kLocalBoot,        // a BOOTP request from a host in local mode: silence is its local boot (FW-47)
  kCount,
};
std::string_view to_string(DropReason r);

// Where a datagram came from and which of our ports it reached.
struct Arrival {
  wire::UdpEndpoint source;
  std::uint16_t local_port = wire::kDhcpServerPort;
};

struct Reply {
  wire::dhcp::Message message;
  wire::dhcp::EmitOptions emit;
  wire::Bytes encoded;  // `message` encoded with `emit`: what goes on the wire
  wire::UdpEndpoint destination;  // mac is broadcast for broadcast replies
  std::uint16_t source_port = wire::kDhcpServerPort;
  // Send only once LeaseStore::durable_seq() has reached this (0: at once).
  std::uint64_t durable_seq = 0;
};

struct Exchange {
  std::optional<Reply> reply;
  DropReason dropped = DropReason::kNone;
  std::string summary;  // one log line: "DISCOVER 52:54:00:00:00:01 xid 0x1 -> OFFER 192.0.2.100 ..."
};

struct ResponderStats {
  std::uint64_t requests = 0;
  std::uint64_t offers = 0, acks = 0, naks = 0, bootp_replies = 0, boot_server_acks = 0;
  std::uint64_t declines = 0, releases = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(DropReason::kCount)> drops{};
};

class DhcpResponder {
 public:
  // `config` and `leases` must outlive the responder.
  DhcpResponder(const ServerConfig& config, LeaseStore& leases);

  // Parses `datagram` and answers it. `now` is in seconds on the lease clock.
  Exchange handle(wire::ByteView datagram, const Arrival& arrival, std::int64_t now);
  Exchange handle(const wire::dhcp::Message& request, const Arrival& arrival, std::int64_t now);

  const ResponderStats& stats() const { return stats_; }

  // How long an offered address stays set aside for the client that was offered it.
  static constexpr std::int64_t kOfferHoldSeconds = 60;
  // How long a declined address stays out of the pool (RFC 2131 §4.3.3 leaves it open).
  static constexpr std::int64_t kDeclineHoldSeconds = 600;

 private:
  struct Context;  // one request in flight (defined in the .cc)

  Exchange on_discover(Context& c);
  Exchange on_request(Context& c);
  Exchange on_decline(Context& c);
  Exchange on_release(Context& c);
  Exchange on_inform(Context& c);
  Exchange on_bootp(Context& c);
  Exchange on_proxy_offer(Context& c);
  Exchange on_boot_server(Context& c);

  // `check_pool` false only for fault init_reboot_ack_any (server/faults.h).
  Exchange ack(Context& c, wire::Ipv4Address yiaddr, bool check_pool = true);
  Exchange nak(Context& c, std::string why);
  Exchange drop(Context& c, DropReason reason, std::string why);
  Exchange answer(Context& c, Reply reply, std::string what);

  wire::dhcp::Message reply_header(const Context& c) const;
  // An OFFER or ACK with the network options, the boot information and its destination.
  Reply configured_reply(const Context& c, wire::dhcp::MessageType type, wire::Ipv4Address ciaddr,
                         wire::Ipv4Address yiaddr, bool with_lease) const;
  void add_network_options(const Context& c, wire::dhcp::Message& m, bool with_lease) const;
  void add_boot(const Context& c, wire::dhcp::Message& m, const std::string& file_override = {}) const;
  void finish(const Context& c, wire::dhcp::Message& m) const;
  wire::UdpEndpoint destination(const Context& c, const wire::dhcp::Message& reply, bool is_nak) const;
  AddressPool* pool_for(const Subnet* subnet);
  // RFC 2131 §4.3.1: giaddr's subnet for a relayed request, else ours. Computed once
  // per request into the Context.
  const Subnet* subnet_for(const wire::dhcp::Message& request) const;
  std::uint32_t lease_time_for(const Subnet* subnet) const;

  const ServerConfig& config_;
  LeaseStore& leases_;
  std::vector<AddressPool> pools_;  // one per subnet, same order as config_.subnets
  ResponderStats stats_;
};

}  // namespace pxelab::server
