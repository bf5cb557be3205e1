// A BOOTP/DHCP relay agent on a router (RFC 1542 §4, RFC 3046): requests broadcast on
// a client segment go to the configured servers with giaddr and option 82; replies to
// giaddr come back to the client segment, option 82 removed. Bound to port 67 on every
// interface of a sim::Router.
//
// Requests: dropped when hops has reached max_hops (RFC 1542 §4.1.1) or giaddr is one
// of ours (a loop); hops is incremented; giaddr is set only if it is zero; option 82
// (circuit-id = the arrival interface's name, remote-id when configured) is added
// before END unless the request already carries one (RFC 3046 §2.1). Bytes are patched
// in place, so everything else reaches the server as the client sent it.
// Replies (RFC 1542 §5.4, RFC 3046 §2.2): to the interface whose address is giaddr;
// broadcast to 255.255.255.255:68 if the broadcast flag is set or yiaddr is zero, else
// unicast to yiaddr:68 at chaddr.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/agent.h"
#include "sim/router.h"

namespace pxelab::server {

struct RelayConfig {
  std::vector<wire::Ipv4Address> servers;  // where requests go (port 67)
  std::uint8_t max_hops = 4;               // RFC 1542 §4.1.1 suggests 4 as the default
  bool add_option82 = true;
  std::string remote_id;                   // 82.2; empty: only the circuit id
};

struct RelayCounters {
  std::uint64_t requests_relayed = 0;
  std::uint64_t replies_relayed = 0;
  std::uint64_t dropped_hops = 0;
  std::uint64_t dropped_loop = 0;
  std::uint64_t dropped_malformed = 0;
  std::uint64_t dropped_no_route = 0;  // no interface on-link with a server / giaddr not ours
  std::uint64_t dropped_too_big = 0;   // the datagram to send did not fit the link's MTU
};

class DhcpRelayAgent final : public sim::Agent {
 public:
  // Binds port 67 on every interface of `router` and starts there; both must outlive
  // the agent's runs.
  DhcpRelayAgent(sim::Router& router, RelayConfig config);

  void start(sim::AgentContext& ctx, sim::Time now) override;
  void on_datagram(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) override;
  void on_timer(sim::AgentContext&, sim::Time, std::uint64_t) override {}

  const RelayCounters& counters() const { return counters_; }

 private:
  void relay_request(std::size_t arrival, wire::ByteView bytes);
  void relay_reply(wire::ByteView bytes);

  sim::Router& router_;
  RelayConfig config_;
  std::vector<sim::AgentContext*> contexts_;  // by interface index
  RelayCounters counters_;
};

// Adds `option` before the END of the options field (after the last option when END
// is missing); RFC 3046 §2.1 wants 82 last. Empty on a message without the cookie.
wire::Bytes insert_option_before_end(wire::ByteView message, std::uint8_t code, wire::ByteView value);
// Removes every instance of `code` from the options field.
wire::Bytes remove_option(wire::ByteView message, std::uint8_t code);

}  // namespace pxelab::server
