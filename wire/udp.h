// UDP (RFC 768) over IPv4: the 8-byte header and the checksum over the IPv4
// pseudo-header + header + data. A zero checksum field means "no checksum"
// (RFC 768; allowed over IPv4, RFC 1122 §4.1.3.4); a computed zero is sent as 0xffff.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "wire/address.h"
#include "wire/bytes.h"
#include "wire/result.h"

namespace pxelab::wire {

inline constexpr std::size_t kUdpHeaderSize = 8;

enum class ChecksumStatus : std::uint8_t {
  kValid,
  kInvalid,
  kAbsent,     // UDP checksum field zero: sender computed none
  kUnchecked,  // the parser was asked not to verify
};
const char* to_string(ChecksumStatus s);

// One's complement sum of the UDP/IPv4 pseudo-header (RFC 768): source, destination,
// zero + protocol 17, UDP length. Not complemented; feed to ones_complement_sum.
std::uint16_t udp_pseudo_header_sum(Ipv4Address src, Ipv4Address dst, std::uint16_t udp_length);

// The checksum to store for `datagram` (header + data, with its checksum field
// counted as zero whatever it holds): never 0 (0 is sent as 0xffff).
std::uint16_t udp_checksum(Ipv4Address src, Ipv4Address dst, ByteView datagram);

// Deliberate faults for UdpRepr::emit.
struct UdpFaults {
  bool bad_checksum = false;                 // store the correct checksum + 1 (never 0)
  std::optional<std::uint16_t> length;       // store this instead of the true length
};

struct UdpRepr {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;

  // Writes the header for a datagram whose `payload` is already in place at
  // out[8, 8 + payload_size), then the checksum over pseudo-header + header +
  // payload (or 0 if !with_checksum). Returns 8 + payload_size, or 0 if `out` is
  // shorter. Precondition: 8 + payload_size <= 65535.
  std::size_t emit(MutableByteView out, std::size_t payload_size, Ipv4Address src, Ipv4Address dst,
                   bool with_checksum = true, const UdpFaults& faults = {}) const;
  bool operator==(const UdpRepr&) const = default;
};

class UdpView {
 public:
  // Checks: the header fits ("udp.header" at 0), 8 <= length <= buffer size
  // ("udp.length" at 4). Bytes after `length` are ignored.
  static Result<UdpView> parse(ByteView datagram);

  std::uint16_t src_port() const { return load_be16(p_); }
  std::uint16_t dst_port() const { return load_be16(p_ + 2); }
  std::uint16_t length() const { return load_be16(p_ + 4); }
  std::uint16_t checksum() const { return load_be16(p_ + 6); }
  ByteView payload() const { return ByteView(p_ + kUdpHeaderSize, length() - kUdpHeaderSize); }
  // Header + payload (length() bytes).
  ByteView datagram() const { return ByteView(p_, length()); }
  ChecksumStatus verify_checksum(Ipv4Address src, Ipv4Address dst) const;
  UdpRepr repr() const { return UdpRepr{src_port(), dst_port()}; }

 private:
  explicit UdpView(const std::uint8_t* p) : p_(p) {}
  const std::uint8_t* p_;
};

}  // namespace pxelab::wire
