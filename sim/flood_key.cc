#include "sim/flood_key.h"

namespace pxelab::sim {

namespace {
std::uint64_t mac_value(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 6; ++i) v = (v << 8) | p[i];
  return v;
}
}  // namespace

FloodKey FloodKey::mac(const wire::MacAddress& m) { return {Kind::kMac, mac_value(m.octets.data())}; }

FloodKey FloodKey::boot_reply(std::uint16_t port, const wire::MacAddress& chaddr) {
  return {Kind::kBootReply, std::uint64_t{port} << 48 | mac_value(chaddr.octets.data())};
}

FloodKeys flood_keys_of(wire::ByteView f) {
  FloodKeys out;
  if (f.size() < 14) return out;
  if ((f[0] & 1) == 0) {  // unicast to a MAC the switch has not learned
    out.add({FloodKey::Kind::kMac, mac_value(f.data())});
    return out;
  }
  std::size_t at = 12;
  if (f.size() >= 18 && f[12] == 0x81 && f[13] == 0x00) at = 16;
  if (f.size() < at + 2) return out;
  const std::uint16_t type = wire::load_be16(&f[at]);
  const std::size_t l3 = at + 2;
  if (type == 0x0806) {  // ARP (RFC 826) over Ethernet/IPv4: sender IP at 14, target IP at 24
    if (f.size() < l3 + 28) return out;
    out.add(FloodKey::arp_target({wire::load_be32(&f[l3 + 24])}));
    out.add(FloodKey::arp_sender({wire::load_be32(&f[l3 + 14])}));
    return out;
  }
  if (type != 0x0800 || f.size() < l3 + 20) return out;
  const std::size_t ihl = std::size_t{f[l3] & 0x0fu} * 4;
  const bool fragment = (wire::load_be16(&f[l3 + 6]) & 0x3fff) != 0;  // MF or an offset
  if (f[l3 + 9] != 17 || ihl < 20 || fragment || f.size() < l3 + ihl + 8) return out;
  const std::size_t l4 = l3 + ihl;
  const std::uint16_t port = wire::load_be16(&f[l4 + 2]);
  out.add(FloodKey::udp(port));
  const std::size_t bootp = l4 + 8;
  if (f.size() >= bootp + 34 && f[bootp] == 2) {  // op BOOTREPLY; chaddr at 28
    out.add({FloodKey::Kind::kBootReply, std::uint64_t{port} << 48 | mac_value(&f[bootp + 28])});
  }
  return out;
}

}  // namespace pxelab::sim
