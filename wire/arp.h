// ARP for IPv4 over Ethernet (RFC 826): the 28-byte packet carried with EtherType
// 0x0806. Only hardware type 1 (Ethernet, hlen 6) and protocol 0x0800 (IPv4, plen 4)
// are accepted; any operation code is kept (1 request, 2 reply).
#pragma once

#include <cstddef>
#include <cstdint>

#include "wire/address.h"
#include "wire/bytes.h"
#include "wire/result.h"

namespace pxelab::wire {

inline constexpr std::size_t kArpPacketSize = 28;

enum class ArpOperation : std::uint16_t { kRequest = 1, kReply = 2 };

struct ArpRepr {
  ArpOperation operation = ArpOperation::kRequest;
  MacAddress sender_mac;
  Ipv4Address sender_ip;
  MacAddress target_mac;  // zero in a request (RFC 826 "don't care"; usual practice)
  Ipv4Address target_ip;

  // "Who has target_ip? Tell sender_ip."
  static ArpRepr request(MacAddress sender_mac, Ipv4Address sender_ip, Ipv4Address target_ip);
  // "sender_ip is at sender_mac", answering `request`.
  static ArpRepr reply_to(const ArpRepr& request, MacAddress my_mac);

  // Writes 28 bytes; returns 28, or 0 if `out` is shorter.
  std::size_t emit(MutableByteView out) const;
  bool operator==(const ArpRepr&) const = default;
};

class ArpView {
 public:
  // Errors: "arp.packet" at 0 (shorter than 28 bytes), "arp.htype" at 0,
  // "arp.ptype" at 2, "arp.hlen" at 4, "arp.plen" at 5. Bytes after 28 (Ethernet
  // padding) are ignored.
  static Result<ArpView> parse(ByteView packet);

  ArpOperation operation() const { return static_cast<ArpOperation>(load_be16(p_ + 6)); }
  MacAddress sender_mac() const;
  Ipv4Address sender_ip() const { return {load_be32(p_ + 14)}; }
  MacAddress target_mac() const;
  Ipv4Address target_ip() const { return {load_be32(p_ + 24)}; }
  ArpRepr repr() const;

 private:
  explicit ArpView(const std::uint8_t* p) : p_(p) {}
  const std::uint8_t* p_;
};

}  // namespace pxelab::wire
