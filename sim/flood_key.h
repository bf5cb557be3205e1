// Flood keys: which flooded frames (broadcast, multicast, unknown unicast) a port can
// possibly act on. A Port that declares its keys (Port::subscribe_flood) is handed
// only the flooded frames that carry one of them, when its link is ideal; the others
// it would have ignored anyway, so nothing it does changes - only the work of
// delivering every broadcast to every port of a 10,000-machine segment goes away.
// Trace outcomes are still recorded for every port (Segment::at_switch).
//
// A frame's keys (flood_keys_of):
//   unicast destination MAC       -> kMac(dst)
//   ARP                           -> kArpTarget(target IP), kArpSender(sender IP)
//                                    (RFC 826: a host acts on ARP naming it as target,
//                                    or from a sender it has cached: the merge step)
//   IPv4/UDP (no fragment)        -> kUdp(dst port); and for a BOOTREPLY (op 2)
//                                    kBootReply(dst port, chaddr)
//   anything else                 -> none (a Host ignores it)
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "wire/address.h"
#include "wire/bytes.h"

namespace pxelab::sim {

struct FloodKey {
  enum class Kind : std::uint8_t { kMac, kArpTarget, kArpSender, kUdp, kBootReply };
  Kind kind = Kind::kMac;
  std::uint64_t value = 0;  // MAC (48 bits), IPv4, port, or port << 48 | MAC

  static FloodKey mac(const wire::MacAddress& m);
  static FloodKey arp_target(wire::Ipv4Address ip) { return {Kind::kArpTarget, ip.value}; }
  static FloodKey arp_sender(wire::Ipv4Address ip) { return {Kind::kArpSender, ip.value}; }
  static FloodKey udp(std::uint16_t port) { return {Kind::kUdp, port}; }
  static FloodKey boot_reply(std::uint16_t port, const wire::MacAddress& chaddr);

  bool operator==(const FloodKey&) const = default;
};

struct FloodKeyHash {
  std::size_t operator()(const FloodKey& k) const {
    return std::hash<std::uint64_t>{}(k.value * 0x9e3779b97f4a7c15ull + static_cast<std::uint64_t>(k.kind));
  }
};

// At most 3 keys per frame.
struct FloodKeys {
  FloodKey keys[3];
  std::size_t count = 0;
  void add(FloodKey k) { keys[count++] = k; }
};
FloodKeys flood_keys_of(wire::ByteView frame);

}  // namespace pxelab::sim
