// libFuzzer target for the L2-L4 decoders: Ethernet/802.1Q, ARP, IPv4, UDP, and
// parse_udp_frame / parse_arp_frame. Whatever parses must re-emit to something that
// parses back to the same values (abort otherwise).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "wire/arp.h"
#include "wire/ethernet.h"
#include "wire/frame.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

namespace {

using namespace pxelab::wire;

void check(bool ok) {
  if (!ok) std::abort();
}

void fuzz_ethernet(ByteView in) {
  auto eth = EthernetView::parse(in);
  if (!eth) return;
  const EthernetRepr r = eth->repr();
  std::vector<std::uint8_t> out(r.header_size());
  check(r.emit(out) == r.header_size());
  check(std::memcmp(out.data(), in.data(), out.size()) == 0);  // emit(parse(b)) == b
  auto again = EthernetView::parse(out);
  check(again.ok() && again->repr() == r);
}

void fuzz_arp(ByteView in) {
  auto arp = ArpView::parse(in);
  if (!arp) return;
  std::uint8_t out[kArpPacketSize];
  check(arp->repr().emit(out) == kArpPacketSize);
  check(std::memcmp(out, in.data(), kArpPacketSize) == 0);
  auto again = ArpView::parse(out);
  check(again.ok() && again->repr() == arp->repr());
}

void fuzz_ipv4(ByteView in) {
  auto ip = Ipv4View::parse(in);
  if (!ip) return;
  const Ipv4Repr r = ip->repr();
  std::vector<std::uint8_t> out(r.header_size() + r.payload_size);
  check(r.emit(out) == ip->header_size());
  if (r.payload_size > 0) std::memcpy(out.data() + r.header_size(), ip->payload().data(), r.payload_size);
  auto again = Ipv4View::parse(out);
  check(again.ok() && again->repr() == r && again->checksum_ok());
  // Every byte but the checksum matches the input (a valid checksum may also differ
  // between its two one's complement zeros).
  check(std::memcmp(out.data(), in.data(), 10) == 0);
  check(std::memcmp(out.data() + 12, in.data() + 12, out.size() - 12) == 0);
}

void fuzz_udp(ByteView in) {
  auto udp = UdpView::parse(in);
  if (!udp) return;
  const Ipv4Address src{0xc0000201}, dst{0xffffffff};
  std::vector<std::uint8_t> out(udp->length());
  const std::size_t n = udp->payload().size();
  if (n > 0) std::memcpy(out.data() + kUdpHeaderSize, udp->payload().data(), n);
  check(udp->repr().emit(out, n, src, dst) == out.size());
  auto again = UdpView::parse(out);
  check(again.ok() && again->repr() == udp->repr() && again->verify_checksum(src, dst) == ChecksumStatus::kValid);
}

void fuzz_udp_frame(ByteView in) {
  auto v = parse_udp_frame(in);
  if (!v) return;
  check(v->payload.data() >= in.data() && v->payload.data() + v->payload.size() <= in.data() + in.size());
  FrameOptions o;
  o.vlan = v->eth.vlan;
  o.tos = v->ip.tos;
  o.ttl = v->ip.ttl;
  o.ip_id = v->ip.identification;
  o.dont_fragment = v->ip.dont_fragment;
  o.udp_checksum = v->udp_checksum_status != ChecksumStatus::kAbsent;
  o.pad_to_minimum = false;
  const Bytes f = build_udp_frame(v->source(), v->destination(), v->payload, o);
  auto w = parse_udp_frame(f);
  check(w.ok());
  check(w->eth == v->eth && w->source() == v->source() && w->destination() == v->destination());
  check(w->ip.tos == v->ip.tos && w->ip.ttl == v->ip.ttl && w->ip.identification == v->ip.identification &&
        w->ip.dont_fragment == v->ip.dont_fragment && w->ip_checksum_ok);
  check(w->payload.size() == v->payload.size() &&
        (v->payload.empty() || std::memcmp(w->payload.data(), v->payload.data(), v->payload.size()) == 0));
  check(w->udp_checksum_status ==
        (o.udp_checksum ? ChecksumStatus::kValid : ChecksumStatus::kAbsent));
}

void fuzz_arp_frame(ByteView in) {
  auto v = parse_arp_frame(in);
  if (!v) return;
  FrameOptions o;
  o.vlan = v->eth.vlan;
  auto w = parse_arp_frame(build_arp_frame(v->eth.dst, v->arp, o));
  check(w.ok() && w->arp == v->arp && w->eth.dst == v->eth.dst && w->eth.vlan == v->eth.vlan);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView in(data, size);
  fuzz_ethernet(in);
  fuzz_arp(in);
  fuzz_ipv4(in);
  fuzz_udp(in);
  fuzz_udp_frame(in);
  fuzz_arp_frame(in);
  // The same bytes behind a 14-byte header are also fed to the L3/L4 parsers above,
  // so one corpus of whole frames exercises everything.
  if (size > kEthernetHeaderSize) {
    auto eth = EthernetView::parse(in);
    if (eth) {
      fuzz_arp(eth->payload());
      fuzz_ipv4(eth->payload());
      auto ip = Ipv4View::parse(eth->payload());
      if (ip) fuzz_udp(ip->payload());
    }
  }
  return 0;
}
