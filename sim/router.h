// Router: an IPv4 router between segments, built from one Host per interface (the
// simulator keeps a single network stack). A datagram that reaches an interface's MAC
// but is addressed to another IP goes out of the interface whose prefix holds that IP,
// with its source address and ports unchanged (no TTL, no ICMP, no fragmentation:
// what a boot path needs to cross a router, and no more). Agents bound on the
// interfaces - a DHCP relay on port 67 (server/dhcp_relay.h) - see the datagrams
// addressed to the router itself or broadcast on their segment.
//
// Directed broadcasts (to the all-ones host address of an interface's subnet, e.g.
// 192.0.3.255 for 192.0.3.0/24, arriving from another interface): RFC 1812 §5.3.5.2
// lets a router put them on that subnet as link-layer broadcasts; RFC 2644 says it
// must not by default (smurf amplification). So each interface forwards them only
// when its `directed_broadcast` is set (Cisco's `ip directed-broadcast`); else they
// are dropped and counted. A remote Wake-on-LAN across a router needs it on.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/clock.h"
#include "sim/host.h"

namespace pxelab::sim {

struct RouterInterface {
  std::string name;  // e.g. "lan", "servers"
  wire::MacAddress mac;
  wire::Ipv4Address address;
  std::uint8_t prefix_length = 24;
  bool directed_broadcast = false;  // forward directed broadcasts onto this subnet
};

struct RouterCounters {
  std::uint64_t forwarded = 0;
  std::uint64_t delivered_locally = 0;  // to another interface's own address
  std::uint64_t no_route = 0;  // no interface holds the destination
  std::uint64_t directed_broadcasts = 0;          // put on their subnet as L2 broadcasts
  std::uint64_t directed_broadcasts_dropped = 0;  // that interface does not forward them
};

class Router final : public Forwarder {
 public:
  Router(Clock& clock, const std::vector<RouterInterface>& interfaces);
  ~Router() override;
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  std::size_t interface_count() const { return interfaces_.size(); }
  Host& host(std::size_t i) { return *hosts_[i]; }
  const RouterInterface& interface(std::size_t i) const { return interfaces_[i]; }
  // The interface whose prefix holds `ip`, if any.
  std::optional<std::size_t> interface_for(wire::Ipv4Address ip) const;
  // The interface whose address is `ip`, if any.
  std::optional<std::size_t> interface_with_address(wire::Ipv4Address ip) const;

  void forward(Host& from, const wire::UdpFrameView& datagram) override;
  const RouterCounters& counters() const { return counters_; }

 private:
  class Sender;  // the agent the router sends forwarded datagrams as
  std::vector<RouterInterface> interfaces_;
  std::vector<std::unique_ptr<Host>> hosts_;
  std::unique_ptr<Sender> sender_;
  RouterCounters counters_;
};

}  // namespace pxelab::sim
