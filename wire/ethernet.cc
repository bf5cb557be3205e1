#include "wire/ethernet.h"

#include <cstring>

namespace pxelab::wire {

namespace {
MacAddress load_mac(const std::uint8_t* p) {
  MacAddress m;
  std::memcpy(m.octets.data(), p, 6);
  return m;
}
}  // namespace

std::size_t EthernetRepr::emit(MutableByteView out) const {
  const std::size_t n = header_size();
  if (out.size() < n) return 0;
  std::uint8_t* p = out.data();
  std::memcpy(p, dst.octets.data(), 6);
  std::memcpy(p + 6, src.octets.data(), 6);
  if (vlan) {
    store_be16(p + 12, ethertype::kVlan);
    const auto tci = static_cast<std::uint16_t>(((vlan->pcp & 0x7u) << 13) | (vlan->dei ? 0x1000u : 0u) |
                                                (vlan->vid & 0x0fffu));
    store_be16(p + 14, tci);
    store_be16(p + 16, ethertype);
  } else {
    store_be16(p + 12, ethertype);
  }
  return n;
}

Result<EthernetView> EthernetView::parse(ByteView frame) {
  if (frame.size() < kEthernetHeaderSize) {
    return make_error("ethernet.header", 0,
                      "frame of " + std::to_string(frame.size()) + " bytes is shorter than the 14-byte header");
  }
  if (load_be16(frame.data() + 12) != ethertype::kVlan) return EthernetView(frame, kEthernetHeaderSize);
  if (frame.size() < kEthernetHeaderSize + kVlanTagSize) {
    return make_error("vlan.tag", 12, "802.1Q-tagged frame of " + std::to_string(frame.size()) +
                                          " bytes is shorter than the 18-byte tagged header");
  }
  return EthernetView(frame, kEthernetHeaderSize + kVlanTagSize);
}

MacAddress EthernetView::dst() const { return load_mac(bytes_.data()); }
MacAddress EthernetView::src() const { return load_mac(bytes_.data() + 6); }

VlanTag EthernetView::vlan() const {
  const std::uint16_t tci = load_be16(bytes_.data() + 14);
  return VlanTag{static_cast<std::uint8_t>(tci >> 13), (tci & 0x1000) != 0,
                 static_cast<std::uint16_t>(tci & 0x0fff)};
}

EthernetRepr EthernetView::repr() const {
  EthernetRepr r;
  r.dst = dst();
  r.src = src();
  if (has_vlan()) r.vlan = vlan();
  r.ethertype = ethertype();
  return r;
}

}  // namespace pxelab::wire
