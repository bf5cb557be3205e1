#include "wire/udp.h"

#include <string>

#include "wire/checksum.h"
#include "wire/ipv4.h"

namespace pxelab::wire {

const char* to_string(ChecksumStatus s) {
  switch (s) {
    case ChecksumStatus::kValid: return "valid";
    case ChecksumStatus::kInvalid: return "invalid";
    case ChecksumStatus::kAbsent: return "absent";
    case ChecksumStatus::kUnchecked: return "unchecked";
  }
  return "?";
}

std::uint16_t udp_pseudo_header_sum(Ipv4Address src, Ipv4Address dst, std::uint16_t udp_length) {
  std::uint32_t s = (src.value >> 16) + (src.value & 0xffff) + (dst.value >> 16) + (dst.value & 0xffff) +
                    ip_protocol::kUdp + udp_length;
  return ones_complement_add(s, 0);
}

std::uint16_t udp_checksum(Ipv4Address src, Ipv4Address dst, ByteView datagram) {
  const auto len = static_cast<std::uint16_t>(datagram.size());
  std::uint32_t sum = udp_pseudo_header_sum(src, dst, len);
  if (datagram.size() >= kUdpHeaderSize) {
    // Sum around the checksum field (bytes 6..7) so it counts as zero.
    sum = ones_complement_sum(datagram.first(6), sum);
    sum = ones_complement_sum(datagram.subspan(kUdpHeaderSize), sum);
  } else {
    sum = ones_complement_sum(datagram, sum);
  }
  const auto c = static_cast<std::uint16_t>(~sum);
  return c == 0 ? 0xffff : c;
}

std::size_t UdpRepr::emit(MutableByteView out, std::size_t payload_size, Ipv4Address src, Ipv4Address dst,
                          bool with_checksum, const UdpFaults& faults) const {
  const std::size_t n = kUdpHeaderSize + payload_size;
  if (out.size() < n) return 0;
  std::uint8_t* p = out.data();
  store_be16(p, src_port);
  store_be16(p + 2, dst_port);
  store_be16(p + 4, static_cast<std::uint16_t>(n));
  store_be16(p + 6, 0);
  std::uint16_t sum = 0;
  if (with_checksum || faults.bad_checksum) {
    sum = udp_checksum(src, dst, ByteView(p, n));
    if (faults.bad_checksum) sum = static_cast<std::uint16_t>(sum == 0xffff ? 1 : sum + 1);  // never 0 (absent)
  }
  store_be16(p + 6, sum);
  // The length fault is applied after the checksum so the checksum matches the
  // honest length: the receiver sees exactly one defect.
  if (faults.length) store_be16(p + 4, *faults.length);
  return n;
}

Result<UdpView> UdpView::parse(ByteView datagram) {
  const std::size_t n = datagram.size();
  if (n < kUdpHeaderSize) {
    return make_error("udp.header", 0, std::to_string(n) + " bytes, shorter than the 8-byte header");
  }
  const std::uint16_t len = load_be16(datagram.data() + 4);
  if (len < kUdpHeaderSize) {
    return make_error("udp.length", 4, std::to_string(len) + " is smaller than the 8-byte header");
  }
  if (len > n) {
    return make_error("udp.length", 4,
                      std::to_string(len) + " exceeds the " + std::to_string(n) + " bytes present (truncated)");
  }
  return UdpView(datagram.data());
}

ChecksumStatus UdpView::verify_checksum(Ipv4Address src, Ipv4Address dst) const {
  if (checksum() == 0) return ChecksumStatus::kAbsent;
  const std::uint16_t sum = ones_complement_sum(datagram(), udp_pseudo_header_sum(src, dst, length()));
  return sum == 0xffff ? ChecksumStatus::kValid : ChecksumStatus::kInvalid;
}

}  // namespace pxelab::wire
