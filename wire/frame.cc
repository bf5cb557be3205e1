#include "wire/frame.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace pxelab::wire {

namespace {

std::size_t eth_header_size(const FrameOptions& opts) {
  return kEthernetHeaderSize + (opts.vlan ? kVlanTagSize : 0);
}

// Applies padding and truncation to a frame of `n` meaningful bytes at `p` whose
// buffer holds at least the returned size.
std::size_t finish(std::uint8_t* p, std::size_t n, const FrameOptions& opts) {
  if (opts.pad_to_minimum && n < kEthernetMinFrameSize) {
    std::memset(p + n, 0, kEthernetMinFrameSize - n);
    n = kEthernetMinFrameSize;
  }
  if (opts.faults.truncate_to && *opts.faults.truncate_to < n) n = *opts.faults.truncate_to;
  return n;
}

std::size_t padded(std::size_t n, const FrameOptions& opts) {
  return opts.pad_to_minimum ? std::max(n, kEthernetMinFrameSize) : n;
}

Error shifted(Error e, std::size_t by) {
  e.offset += by;
  return e;
}

}  // namespace

std::size_t udp_payload_offset(const FrameOptions& opts) {
  return eth_header_size(opts) + kIpv4MinHeaderSize + kUdpHeaderSize;
}

std::size_t udp_frame_size(std::size_t payload_size, const FrameOptions& opts) {
  return padded(udp_payload_offset(opts) + payload_size, opts);
}

std::size_t write_udp_frame_headers(MutableByteView out, const UdpEndpoint& src, const UdpEndpoint& dst,
                                    std::size_t payload_size, const FrameOptions& opts) {
  // Padding is written even when the frame is then truncated: size the check on the
  // untruncated frame.
  if (payload_size > kMaxUdpPayloadSize || out.size() < udp_frame_size(payload_size, opts)) return 0;
  const std::size_t eth_len = eth_header_size(opts);
  const std::size_t udp_len = kUdpHeaderSize + payload_size;
  std::uint8_t* p = out.data();

  EthernetRepr eth{dst.mac, src.mac, opts.vlan, ethertype::kIpv4};
  eth.emit(out);

  // UDP first: its checksum covers the payload but not the IPv4 header.
  UdpRepr udp{src.port, dst.port};
  UdpFaults udp_faults{opts.faults.bad_udp_checksum, opts.faults.udp_length};
  udp.emit(out.subspan(eth_len + kIpv4MinHeaderSize), payload_size, src.ip, dst.ip, opts.udp_checksum,
           udp_faults);

  Ipv4Repr ip;
  ip.tos = opts.tos;
  ip.identification = opts.ip_id;
  ip.dont_fragment = opts.dont_fragment;
  ip.ttl = opts.ttl;
  ip.protocol = ip_protocol::kUdp;
  ip.src = src.ip;
  ip.dst = dst.ip;
  ip.payload_size = static_cast<std::uint16_t>(udp_len);
  ip.emit(out.subspan(eth_len), Ipv4Faults{opts.faults.bad_ip_checksum, opts.faults.ip_total_length});

  return finish(p, eth_len + kIpv4MinHeaderSize + udp_len, opts);
}

std::size_t write_udp_frame(MutableByteView out, const UdpEndpoint& src, const UdpEndpoint& dst,
                            ByteView payload, const FrameOptions& opts) {
  if (payload.size() > kMaxUdpPayloadSize || out.size() < udp_frame_size(payload.size(), opts)) return 0;
  std::uint8_t* at = out.data() + udp_payload_offset(opts);
  if (payload.data() != at && !payload.empty()) std::memcpy(at, payload.data(), payload.size());
  return write_udp_frame_headers(out, src, dst, payload.size(), opts);
}

Bytes build_udp_frame(const UdpEndpoint& src, const UdpEndpoint& dst, ByteView payload, const FrameOptions& opts) {
  Bytes out(udp_frame_size(payload.size(), opts));
  out.resize(write_udp_frame(out, src, dst, payload, opts));
  return out;
}

Result<UdpFrameView> parse_udp_frame(ByteView frame, const UdpFrameParseOptions& opts) {
  auto eth = EthernetView::parse(frame);
  if (!eth) return eth.error();
  const std::size_t ip_at = eth->header_size();
  if (eth->ethertype() != ethertype::kIpv4) {
    return make_error("ethernet.ethertype", ip_at - 2,
                      "EtherType " + std::to_string(eth->ethertype()) + " is not IPv4 (2048)");
  }
  auto ip = Ipv4View::parse(eth->payload());
  if (!ip) return shifted(ip.error(), ip_at);
  if (ip->protocol() != ip_protocol::kUdp) {
    return make_error("ipv4.protocol", ip_at + 9, "protocol " + std::to_string(ip->protocol()) + " is not UDP (17)");
  }
  if (ip->is_fragment()) {
    return make_error("ipv4.fragment_offset", ip_at + 6,
                      "a fragment (MF " + std::to_string(ip->more_fragments()) + ", offset " +
                          std::to_string(ip->fragment_offset()) + "): fragments are not reassembled");
  }
  const std::size_t udp_at = ip_at + ip->header_size();
  auto udp = UdpView::parse(ip->payload());
  if (!udp) return shifted(udp.error(), udp_at);

  UdpFrameView v;
  v.eth = eth->repr();
  v.ip = ip->repr();
  v.ip_checksum_ok = ip->checksum_ok();
  v.udp = udp->repr();
  v.udp_length = udp->length();
  v.udp_checksum = udp->checksum();
  if (udp->checksum() == 0) {
    v.udp_checksum_status = ChecksumStatus::kAbsent;
  } else if (opts.verify_udp_checksum) {
    v.udp_checksum_status = udp->verify_checksum(v.ip.src, v.ip.dst);
  }
  v.payload = udp->payload();
  return v;
}

std::size_t write_arp_frame(MutableByteView out, MacAddress eth_dst, const ArpRepr& arp, const FrameOptions& opts) {
  const std::size_t eth_len = eth_header_size(opts);
  if (out.size() < padded(eth_len + kArpPacketSize, opts)) return 0;
  EthernetRepr eth{eth_dst, arp.sender_mac, opts.vlan, ethertype::kArp};
  eth.emit(out);
  arp.emit(out.subspan(eth_len));
  return finish(out.data(), eth_len + kArpPacketSize, opts);
}

Bytes build_arp_frame(MacAddress eth_dst, const ArpRepr& arp, const FrameOptions& opts) {
  Bytes out(padded(eth_header_size(opts) + kArpPacketSize, opts));
  out.resize(write_arp_frame(out, eth_dst, arp, opts));
  return out;
}

Result<ArpFrameView> parse_arp_frame(ByteView frame) {
  auto eth = EthernetView::parse(frame);
  if (!eth) return eth.error();
  const std::size_t at = eth->header_size();
  if (eth->ethertype() != ethertype::kArp) {
    return make_error("ethernet.ethertype", at - 2,
                      "EtherType " + std::to_string(eth->ethertype()) + " is not ARP (2054)");
  }
  auto arp = ArpView::parse(eth->payload());
  if (!arp) return shifted(arp.error(), at);
  return ArpFrameView{eth->repr(), arp->repr()};
}

}  // namespace pxelab::wire
