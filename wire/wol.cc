#include "wire/wol.h"

#include <cstring>
#include <string>
#include <utility>

namespace pxelab::wire {

WolPassword WolPassword::from(ByteView p) {
  WolPassword w;
  w.size = static_cast<std::uint8_t>(p.size() <= 6 ? p.size() : 6);
  if (w.size > 0) std::memcpy(w.bytes.data(), p.data(), w.size);
  return w;
}

std::size_t WolRepr::emit(MutableByteView out) const {
  const std::size_t n = size();
  if (out.size() < n) return 0;
  std::uint8_t* p = out.data();
  std::memset(p, 0xff, 6);
  for (std::size_t i = 0; i < 16; ++i) std::memcpy(p + 6 + 6 * i, target.octets.data(), 6);
  std::memcpy(p + kWolMagicSize, password.bytes.data(), password.size);
  return n;
}

Bytes WolRepr::encode() const {
  Bytes out(size());
  emit(out);
  return out;
}

Result<WolPassword> parse_wol_password(std::string_view text) {
  if (auto mac = MacAddress::parse(text)) return WolPassword::from(ByteView(mac->octets.data(), 6));
  if (auto ip = Ipv4Address::parse(text)) {
    const std::uint8_t b[4] = {static_cast<std::uint8_t>(ip->value >> 24), static_cast<std::uint8_t>(ip->value >> 16),
                               static_cast<std::uint8_t>(ip->value >> 8), static_cast<std::uint8_t>(ip->value)};
    return WolPassword::from(ByteView(b, 4));
  }
  std::string message(1, '\'');  // built by append: GCC 12's -Wrestrict misfires on + (PR 105651)
  message.append(text);
  message.append("' is not a SecureOn password: 6 hex bytes (aa:bb:cc:dd:ee:ff) or 4 decimal (1.2.3.4)");
  return make_error("wol.password", 0, std::move(message));
}

Result<WolRepr> parse_wol(ByteView b) {
  static constexpr std::uint8_t kSync[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  if (b.size() < 6 || std::memcmp(b.data(), kSync, 6) != 0) {
    return make_error("wol.sync", 0, "no synchronization stream of 6 x 0xff");
  }
  WolRepr r;
  for (std::size_t i = 0; i < 16; ++i) {
    const std::size_t at = 6 + 6 * i;
    if (b.size() < at + 6) {
      return make_error("wol.mac", at, "magic packet ends after " + std::to_string(i) + " of 16 MAC repetitions");
    }
    if (i == 0) {
      std::memcpy(r.target.octets.data(), b.data() + at, 6);
    } else if (std::memcmp(b.data() + at, r.target.octets.data(), 6) != 0) {
      return make_error("wol.mac", at, "MAC repetition " + std::to_string(i + 1) + " differs from the first");
    }
  }
  const std::size_t rest = b.size() - kWolMagicSize;
  if (rest != 0 && rest != 4 && rest != 6) {
    return make_error("wol.password", kWolMagicSize,
                      std::to_string(rest) + " bytes after the magic packet: a SecureOn password has 4 or 6");
  }
  r.password = WolPassword::from(b.subspan(kWolMagicSize));
  return r;
}

Result<WolFrameView> parse_wol_frame(ByteView frame) {
  auto eth = EthernetView::parse(frame);
  if (!eth) return eth.error();
  WolFrameView v;
  v.eth = eth->repr();
  if (eth->ethertype() == ethertype::kWakeOnLan) {
    auto wol = parse_wol(eth->payload());
    if (!wol) {
      Error e = wol.error();
      e.offset += eth->header_size();
      return e;
    }
    v.carrier = WolCarrier::kEthernet;
    v.wol = *wol;
    return v;
  }
  if (eth->ethertype() != ethertype::kIpv4) {
    return make_error("ethernet.ethertype", eth->header_size() - 2,
                      "EtherType " + std::to_string(eth->ethertype()) + " carries no Wake-on-LAN packet");
  }
  auto udp = parse_udp_frame(frame);
  if (!udp) return udp.error();
  auto wol = parse_wol(udp->payload);
  if (!wol) {
    Error e = wol.error();
    e.offset += static_cast<std::size_t>(udp->payload.data() - frame.data());
    return e;
  }
  v.carrier = WolCarrier::kUdp;
  v.udp = *udp;
  v.wol = *wol;
  return v;
}

Bytes build_wol_ether_frame(MacAddress src, MacAddress dst, const WolRepr& wol, const FrameOptions& opts) {
  EthernetRepr eth{dst, src, opts.vlan, ethertype::kWakeOnLan};
  Bytes out(eth.header_size() + wol.size());
  const std::size_t h = eth.emit(out);
  wol.emit(MutableByteView(out).subspan(h));
  if (opts.faults.truncate_to && *opts.faults.truncate_to < out.size()) out.resize(*opts.faults.truncate_to);
  return out;
}

Bytes build_wol_udp_frame(const UdpEndpoint& src, const UdpEndpoint& dst, const WolRepr& wol,
                          const FrameOptions& opts) {
  std::uint8_t payload[kWolMagicSize + 6];
  const std::size_t n = wol.emit(payload);
  return build_udp_frame(src, dst, ByteView(payload, n), opts);
}

}  // namespace pxelab::wire
