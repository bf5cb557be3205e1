// Agent: a sans-I/O protocol machine bound to UDP ports of a Host.
//
// The DHCP server, TFTP server, PXE client, a relay, a WoL sender are agents. An agent
// never reads a clock and never touches a socket: the Host hands it the time with
// every input (a datagram, a timer firing, the start), and it acts only through the
// AgentContext it is given — sending datagrams and setting timers. So an agent runs
// the same on a VirtualClock (deterministic, fast) and a RealtimeClock (QEMU, TAP), and
// a test can drive it with any context.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sim/frame.h"
#include "sim/scheduler.h"
#include "sim/time.h"
#include "wire/address.h"
#include "wire/bytes.h"
#include "wire/result.h"

namespace pxelab::sim {

struct Endpoint {
  wire::Ipv4Address ip;
  std::uint16_t port = 0;
  bool operator==(const Endpoint&) const = default;
};

// A datagram handed to an agent. Borrowed: valid during the call only.
struct Datagram {
  Endpoint src;
  Endpoint dst;
  wire::MacAddress src_mac;  // link-layer addresses, for servers that need them
  wire::MacAddress dst_mac;  // (a DHCP server compares chaddr with the sender's MAC)
  wire::ByteView payload;
  // The segment frame number that carried it (kNoFrameNumber if unknown): what an agent
  // cites when a datagram decides something (client::DecidingFrame).
  std::uint64_t frame = kNoFrameNumber;
};

// A datagram an agent sends. How the destination MAC is chosen:
// - `dst_mac` set: that MAC, no ARP — e.g. a DHCP server answering a client that has
//   no address yet, unicast to yiaddr at chaddr (RFC 2131 §4.1);
// - destination 255.255.255.255 (or 0.0.0.0 in ip): the broadcast MAC;
// - an IPv4 multicast destination: its mapped MAC (RFC 1112 §6.4);
// - otherwise: resolved with ARP (queued until the reply, dropped on timeout).
// The source IP is `src_ip` if set, else the host's address, else 0.0.0.0 (a client
// broadcasting before it has an address, RFC 2131 §4.1).
struct OutgoingDatagram {
  std::uint16_t src_port = 0;
  Endpoint dst;
  wire::ByteView payload;  // copied by send()
  std::optional<wire::MacAddress> dst_mac;
  std::optional<wire::Ipv4Address> src_ip;
};

using TimerId = EventId;

// What an agent may do. Implemented by Host and UdpPort; tests may implement their own.
//
// Seven virtual methods where DESIGN.md asks for small interfaces, kept on purpose
// (issue 9): three are the interface proper (send, set_timer, cancel_timer), pure, and
// all a server agent or a test context implements. The other four are host services
// only a client needs (bind_port, unbind_port, configure_address, resolution_failed);
// they have refusing or empty defaults, so no implementer pays for them unless it
// hosts a client. Splitting them into a second interface would hand every client two
// references to one Host for every call and change each agent's signature, for no
// implementer fewer.
class AgentContext {
 public:
  virtual ~AgentContext() = default;
  // Sends now. An error (returned, nothing sent) if the payload does not fit the MTU.
  virtual Status send(const OutgoingDatagram& datagram) = 0;
  // Calls the agent's on_timer(`tag`) at time `at` (a time in the past: now).
  virtual TimerId set_timer(Time at, std::uint64_t tag) = 0;
  // False if the timer already fired, was cancelled, or is unknown.
  virtual bool cancel_timer(TimerId id) = 0;

  // Host services a client agent needs; Host implements them, a test context need not
  // (the defaults refuse or do nothing). A client binds the ports it sends from (a
  // TFTP client picks a new one per transfer, RFC 1350 §4), configures the address its
  // DHCP exchange bound, and learns whether ARP gave up on an address (PXE-E11).
  // kBootReplyToMe: broadcasts to this port matter only if they are BOOTREPLYs for the
  // host's own MAC (a DHCP client's promise; it lets a 10,000-host segment skip
  // delivering every other client's broadcast OFFER and ACK, sim/flood_key.h).
  enum class PortFilter : std::uint8_t { kAny, kBootReplyToMe };
  virtual Status bind_port(std::uint16_t port, PortFilter /*filter*/ = PortFilter::kAny) {
    return make_error("udp.port", 0, "this context cannot bind port " + std::to_string(port));
  }
  virtual void unbind_port(std::uint16_t /*port*/) {}
  // The address bound, its on-link prefix (0: all on-link) and the router beyond it.
  virtual void configure_address(std::optional<wire::Ipv4Address> /*address*/, std::uint8_t /*prefix_length*/ = 0,
                                 std::optional<wire::Ipv4Address> /*gateway*/ = std::nullopt) {}
  virtual bool resolution_failed(wire::Ipv4Address /*ip*/) const { return false; }

  // The host's link address and IPv4 address (none before it is configured).
  const wire::MacAddress& mac() const { return mac_; }
  std::optional<wire::Ipv4Address> address() const { return address_; }

 protected:
  AgentContext() = default;
  AgentContext(const AgentContext&) = default;
  AgentContext& operator=(const AgentContext&) = default;
  void set_identity(const wire::MacAddress& mac, std::optional<wire::Ipv4Address> address) {
    mac_ = mac;
    address_ = address;
  }

 private:
  wire::MacAddress mac_;
  std::optional<wire::Ipv4Address> address_;
};

class Agent {
 public:
  virtual ~Agent() = default;
  // Called once when the host starts the agent (Host::start), e.g. a client's power-on.
  virtual void start(AgentContext& ctx, Time now) = 0;
  // A datagram arrived at one of the agent's ports.
  virtual void on_datagram(AgentContext& ctx, Time now, const Datagram& datagram) = 0;
  // A timer set through `ctx` fired.
  virtual void on_timer(AgentContext& ctx, Time now, std::uint64_t tag) = 0;
};

}  // namespace pxelab::sim
