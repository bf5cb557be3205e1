#include "wire/arp.h"

#include <cstring>
#include <string>

namespace pxelab::wire {

namespace {
constexpr std::uint16_t kHtypeEthernet = 1;
constexpr std::uint16_t kPtypeIpv4 = 0x0800;

MacAddress load_mac(const std::uint8_t* p) {
  MacAddress m;
  std::memcpy(m.octets.data(), p, 6);
  return m;
}
}  // namespace

ArpRepr ArpRepr::request(MacAddress sender_mac, Ipv4Address sender_ip, Ipv4Address target_ip) {
  return ArpRepr{ArpOperation::kRequest, sender_mac, sender_ip, MacAddress{}, target_ip};
}

ArpRepr ArpRepr::reply_to(const ArpRepr& req, MacAddress my_mac) {
  return ArpRepr{ArpOperation::kReply, my_mac, req.target_ip, req.sender_mac, req.sender_ip};
}

std::size_t ArpRepr::emit(MutableByteView out) const {
  if (out.size() < kArpPacketSize) return 0;
  std::uint8_t* p = out.data();
  store_be16(p, kHtypeEthernet);
  store_be16(p + 2, kPtypeIpv4);
  p[4] = 6;
  p[5] = 4;
  store_be16(p + 6, static_cast<std::uint16_t>(operation));
  std::memcpy(p + 8, sender_mac.octets.data(), 6);
  store_be32(p + 14, sender_ip.value);
  std::memcpy(p + 18, target_mac.octets.data(), 6);
  store_be32(p + 24, target_ip.value);
  return kArpPacketSize;
}

Result<ArpView> ArpView::parse(ByteView packet) {
  if (packet.size() < kArpPacketSize) {
    return make_error("arp.packet", 0, std::to_string(packet.size()) + " bytes, an Ethernet/IPv4 ARP packet has 28");
  }
  const std::uint8_t* p = packet.data();
  if (load_be16(p) != kHtypeEthernet) {
    return make_error("arp.htype", 0, "hardware type " + std::to_string(load_be16(p)) + ", expected 1 (Ethernet)");
  }
  if (load_be16(p + 2) != kPtypeIpv4) {
    return make_error("arp.ptype", 2, "protocol type " + std::to_string(load_be16(p + 2)) + ", expected 0x0800 (IPv4)");
  }
  if (p[4] != 6) return make_error("arp.hlen", 4, "hardware length " + std::to_string(p[4]) + ", expected 6");
  if (p[5] != 4) return make_error("arp.plen", 5, "protocol length " + std::to_string(p[5]) + ", expected 4");
  return ArpView(p);
}

MacAddress ArpView::sender_mac() const { return load_mac(p_ + 8); }
MacAddress ArpView::target_mac() const { return load_mac(p_ + 18); }

ArpRepr ArpView::repr() const {
  return ArpRepr{operation(), sender_mac(), sender_ip(), target_mac(), target_ip()};
}

}  // namespace pxelab::wire
