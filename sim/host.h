// Host: the simulator's only network stack — one MAC, an optional IPv4 address, ARP,
// and IPv4/UDP demultiplexing to agents bound to ports. A Host is a Port: attach it to
// a Segment. Nothing else (no routing, no fragmentation, no ICMP, no TCP): a datagram
// larger than the MTU is refused, a datagram to a port nobody is bound to is counted
// and dropped, an IPv4 destination is always resolved on the link (no gateway).
//
// Receiving: frames to the host's MAC or broadcast/multicast are accepted; an IPv4/UDP
// datagram with bad checksums is dropped; one addressed to the host's IP, to
// 255.255.255.255, or — while the host has no address — to any IP (a DHCP server
// unicasts the offer to yiaddr, RFC 2131 §4.1) goes to the agent bound to its port.
// ARP (RFC 826): requests for the host's address are answered; replies and requests
// naming an address already cached refresh it; a request's sender is learned when it
// asks for us. Resolution queues datagrams per address and retries; after
// `arp.attempts` unanswered requests the queued datagrams are dropped and counted.
// Hot path (ARP resolved): no heap allocation per datagram either way.
// A Host must outlive every run() of its clock (its timers point to it).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sim/agent.h"
#include "sim/arp_table.h"
#include "sim/clock.h"
#include "sim/port.h"
#include "wire/address.h"
#include "wire/bytes.h"
#include "wire/frame.h"
#include "wire/result.h"
#include "wire/wol.h"

namespace pxelab::sim {

struct ArpConfig {
  Time retry_interval = seconds(1);
  int attempts = 3;                  // requests sent before giving up
  Time cache_lifetime = seconds(60);
  std::size_t max_queued = 64;       // datagrams queued per unresolved address
};

struct HostConfig {
  wire::MacAddress mac;
  std::optional<wire::Ipv4Address> address;
  // The on-link network and the router beyond it. prefix_length 0: every address is
  // on the link (a host on one segment needs nothing more). With a prefix and a
  // gateway, datagrams to addresses outside the prefix go to the gateway's MAC.
  std::uint8_t prefix_length = 0;
  std::optional<wire::Ipv4Address> gateway;
  std::uint32_t mtu = 1500;  // largest IPv4 packet
  ArpConfig arp;
  // Skip flooded frames this host would ignore (sim/flood_key.h). Off only to prove in
  // tests that it changes nothing.
  bool filter_floods = true;
};

// Receives datagrams a host is handed at its MAC but addressed to another IP: what a
// router does with them (sim/router.h). One virtual method.
class Forwarder {
 public:
  virtual ~Forwarder() = default;
  virtual void forward(class Host& from, const wire::UdpFrameView& datagram) = 0;
};

struct HostCounters {
  std::uint64_t frames_received = 0;
  std::uint64_t frames_not_for_us = 0;    // another MAC (flooded unicast) or IP
  std::uint64_t frames_malformed = 0;     // unparsable, or bad IPv4/UDP checksum
  std::uint64_t frames_unhandled = 0;     // neither ARP nor IPv4/UDP
  std::uint64_t datagrams_delivered = 0;  // handed to an agent
  std::uint64_t datagrams_no_listener = 0;
  std::uint64_t datagrams_sent = 0;       // put on the link (after resolution)
  std::uint64_t send_errors = 0;          // refused by send()
  std::uint64_t arp_requests_sent = 0;
  std::uint64_t arp_replies_sent = 0;
  std::uint64_t arp_failures = 0;         // datagrams dropped: no ARP reply in time
  std::uint64_t datagrams_forwarded = 0;  // handed to the forwarder (another IP at our MAC)
  std::uint64_t magic_packets_ignored = 0;  // powered off and armed: not for us / wrong password
};

class Host final : public Port {
 public:
  Host(Clock& clock, const HostConfig& config);
  ~Host() override;

  const wire::MacAddress& mac() const { return config_.mac; }
  std::optional<wire::Ipv4Address> address() const { return config_.address; }
  // E.g. after a DHCP client is bound; nullopt to unconfigure. Clears the ARP cache.
  void set_address(std::optional<wire::Ipv4Address> address);
  // The on-link prefix and the gateway (see HostConfig); 0 / nullopt: all on-link.
  void set_route(std::uint8_t prefix_length, std::optional<wire::Ipv4Address> gateway);
  // Where a datagram to `ip` is sent at the link layer: `ip` itself, or the gateway.
  wire::Ipv4Address next_hop(wire::Ipv4Address ip) const;
  // A powered-off host receives nothing, sends nothing, and its agents' timers do not
  // fire (a server stopped mid-run; its object lives on so that no event dangles).
  // Powering on again does not restart its agents.
  void set_powered(bool on) { powered_ = on; }
  bool powered() const { return powered_; }
  // Wake-on-LAN while powered off (the NIC stays on standby power): a magic packet for
  // this host's MAC (either carrier, wire/wol.h) with exactly `password` (size 0: none)
  // powers it on and calls `on_wake` once; a different MAC, a wrong or missing
  // password, or any other frame does nothing. Disarmed after the wake.
  void arm_wake_on_lan(wire::WolPassword password, std::function<void()> on_wake);

  // Makes this host hand datagrams for other IPs to `forwarder` (nullptr: count and drop).
  void set_forwarder(Forwarder* forwarder) { forwarder_ = forwarder; }

  // Binds `agent` to UDP `port`; an error if the port is taken. An agent may hold
  // several ports (DHCP 67 and PXE 4011). The agent must outlive the host's runs.
  Status bind(std::uint16_t port, Agent& agent, AgentContext::PortFilter filter = AgentContext::PortFilter::kAny);
  void unbind(std::uint16_t port);
  // Whether the last resolution of `ip` ran out of attempts (no reply since).
  bool arp_failed(wire::Ipv4Address ip) const { return arp_failed_.contains(next_hop(ip).value); }
  // Calls agent.start() at time `at` (default now); binding is not required.
  void start(Agent& agent, std::optional<Time> at = std::nullopt);

  // Hands `datagram` to the agent bound to its destination port, as if it had arrived
  // (a router delivering a datagram addressed to another of its interfaces). False if
  // no agent is bound there.
  bool deliver(const Datagram& datagram);

  // Sends as `agent` would through its context (for harness code and tests).
  Status send(Agent& agent, const OutgoingDatagram& datagram);

  std::optional<wire::MacAddress> arp_cache_lookup(wire::Ipv4Address ip) const;
  const HostCounters& counters() const { return counters_; }

  void receive(const FrameView& frame) override;
  bool transmits_valid_checksums() const override { return true; }

 private:
  class Context;
  using ArpEntry = ArpTable::Entry;
  struct Pending {
    std::vector<wire::Bytes> frames;  // built, destination MAC to be filled in
    int requests_sent = 0;
    EventId retry;
  };

  Context& context_for(Agent& agent);
  void unbind_agent_port(std::uint16_t port, const Context& ctx);
  Status send_from(Context& ctx, const OutgoingDatagram& datagram);
  void handle_arp(wire::ByteView frame);
  void handle_ipv4(const FrameView& frame);
  void send_arp_request(wire::Ipv4Address target);
  void arp_retry(wire::Ipv4Address target);
  void arp_resolved(wire::Ipv4Address ip, const wire::MacAddress& mac);
  const ArpEntry* cached(wire::Ipv4Address ip) const;

  Clock& clock_;
  HostConfig config_;
  std::vector<std::unique_ptr<Context>> contexts_;
  struct Binding {
    std::uint16_t port;
    Context* context;
    FloodKey key;  // what this binding subscribed (flood_key.h)
  };
  std::vector<Binding> bindings_;  // sorted by port
  // A server binding thousands of TFTP ports finds a port's context in one lookup
  // (allocated once bindings pass kPortTableThreshold; 512 KiB).
  static constexpr std::size_t kPortTableThreshold = 64;
  std::unique_ptr<Context*[]> port_table_;
  void rebuild_port_table();
  void subscribe_arp_sender(wire::Ipv4Address ip);
  ArpTable arp_cache_;
  std::unordered_map<std::uint32_t, Pending> pending_;
  std::unordered_set<std::uint32_t> arp_failed_;  // gave up resolving; cleared when one answers
  wire::Bytes tx_buffer_;
  HostCounters counters_;
  Forwarder* forwarder_ = nullptr;
  bool powered_ = true;
  struct WakeOnLan {
    wire::WolPassword password;
    std::function<void()> on_wake;
  };
  std::optional<WakeOnLan> wol_;
  void standby_receive(const FrameView& frame);
};

}  // namespace pxelab::sim
