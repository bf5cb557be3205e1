#include "wire/ipv4.h"

#include <cstring>
#include <string>

#include "wire/checksum.h"

namespace pxelab::wire {

Ipv4Options Ipv4Options::from(ByteView options) {
  Ipv4Options o;
  o.size = static_cast<std::uint8_t>(options.size() < kIpv4MaxOptionsSize ? options.size() : kIpv4MaxOptionsSize);
  if (o.size > 0) std::memcpy(o.bytes.data(), options.data(), o.size);
  return o;
}

bool Ipv4Options::operator==(const Ipv4Options& o) const {
  return size == o.size && std::memcmp(bytes.data(), o.bytes.data(), size) == 0;
}

std::size_t Ipv4Repr::emit(MutableByteView out, const Ipv4Faults& faults) const {
  const std::size_t hlen = header_size();
  if (out.size() < hlen) return 0;
  std::uint8_t* p = out.data();
  p[0] = static_cast<std::uint8_t>(0x40 | (hlen / 4));
  p[1] = tos;
  store_be16(p + 2, faults.total_length ? *faults.total_length : static_cast<std::uint16_t>(hlen + payload_size));
  store_be16(p + 4, identification);
  const auto flags_frag = static_cast<std::uint16_t>((reserved_flag ? 0x8000u : 0u) | (dont_fragment ? 0x4000u : 0u) |
                                                     (more_fragments ? 0x2000u : 0u) | (fragment_offset & 0x1fffu));
  store_be16(p + 6, flags_frag);
  p[8] = ttl;
  p[9] = protocol;
  store_be16(p + 10, 0);
  store_be32(p + 12, src.value);
  store_be32(p + 16, dst.value);
  if (hlen > kIpv4MinHeaderSize) {
    std::memcpy(p + kIpv4MinHeaderSize, options.bytes.data(), options.size);
    std::memset(p + kIpv4MinHeaderSize + options.size, 0, hlen - kIpv4MinHeaderSize - options.size);
  }
  std::uint16_t sum = internet_checksum(ByteView(p, hlen));
  if (faults.bad_checksum) sum = static_cast<std::uint16_t>(~sum);
  store_be16(p + 10, sum);
  return hlen;
}

Result<Ipv4View> Ipv4View::parse(ByteView packet) {
  const std::size_t n = packet.size();
  if (n < kIpv4MinHeaderSize) {
    return make_error("ipv4.header", 0, std::to_string(n) + " bytes, shorter than the 20-byte minimum header");
  }
  const std::uint8_t* p = packet.data();
  if ((p[0] >> 4) != 4) return make_error("ipv4.version", 0, "version " + std::to_string(p[0] >> 4) + ", expected 4");
  const std::size_t hlen = std::size_t{p[0] & 0x0fu} * 4;
  if (hlen < kIpv4MinHeaderSize) {
    return make_error("ipv4.ihl", 0, "header length " + std::to_string(hlen) + " is below the 20-byte minimum");
  }
  if (hlen > n) {
    return make_error("ipv4.ihl", 0,
                      "header length " + std::to_string(hlen) + " exceeds the " + std::to_string(n) + " bytes present");
  }
  const std::size_t total = load_be16(p + 2);
  if (total < hlen) {
    return make_error("ipv4.total_length", 2,
                      std::to_string(total) + " is smaller than the header (" + std::to_string(hlen) + ")");
  }
  if (total > n) {
    return make_error("ipv4.total_length", 2,
                      std::to_string(total) + " exceeds the " + std::to_string(n) + " bytes present (truncated)");
  }
  return Ipv4View(p, hlen);
}

bool Ipv4View::checksum_ok() const { return ones_complement_sum(ByteView(p_, header_size_)) == 0xffff; }

Ipv4Repr Ipv4View::repr() const {
  Ipv4Repr r;
  r.tos = tos();
  r.identification = identification();
  r.reserved_flag = reserved_flag();
  r.dont_fragment = dont_fragment();
  r.more_fragments = more_fragments();
  r.fragment_offset = fragment_offset();
  r.ttl = ttl();
  r.protocol = protocol();
  r.src = src();
  r.dst = dst();
  r.options = Ipv4Options::from(options());
  r.payload_size = static_cast<std::uint16_t>(total_length() - header_size_);
  return r;
}

}  // namespace pxelab::wire
