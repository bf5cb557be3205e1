// IPv4 header (RFC 791 §3.1). Options are kept as opaque bytes (skipped by IHL);
// fragments are recognised and flagged (RFC 791 §2.3), never reassembled; the header
// checksum is verified and reported, not enforced (RFC 1122 §3.2.1.2 says drop; the
// harness wants to see and report such frames).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "wire/address.h"
#include "wire/bytes.h"
#include "wire/result.h"

namespace pxelab::wire {

inline constexpr std::size_t kIpv4MinHeaderSize = 20;
inline constexpr std::size_t kIpv4MaxOptionsSize = 40;

namespace ip_protocol {
inline constexpr std::uint8_t kIcmp = 1;
inline constexpr std::uint8_t kTcp = 6;
inline constexpr std::uint8_t kUdp = 17;
}  // namespace ip_protocol

// Header options (RFC 791 §3.1 "Options"), stored inline so a Repr never allocates.
// Emitted as-is and zero-padded to a multiple of 4 bytes.
struct Ipv4Options {
  std::array<std::uint8_t, kIpv4MaxOptionsSize> bytes{};
  std::uint8_t size = 0;

  ByteView view() const { return ByteView(bytes.data(), size); }
  // Precondition: options.size() <= 40.
  static Ipv4Options from(ByteView options);
  bool operator==(const Ipv4Options& o) const;
};

// Deliberate faults for Ipv4Repr::emit (fault injection).
struct Ipv4Faults {
  bool bad_checksum = false;               // store the correct checksum with all bits flipped
  std::optional<std::uint16_t> total_length;  // store this instead of the true total length
};

// A parsed IPv4 header. The derived fields (IHL, total length, checksum) are not
// stored: emit() computes them.
struct Ipv4Repr {
  std::uint8_t tos = 0;  // DSCP (6 bits) + ECN (2 bits)
  std::uint16_t identification = 0;
  bool reserved_flag = false;  // must be zero (RFC 791); kept for exact round trips
  bool dont_fragment = false;
  bool more_fragments = false;
  std::uint16_t fragment_offset = 0;  // in 8-octet units, 0..8191
  std::uint8_t ttl = 64;
  std::uint8_t protocol = ip_protocol::kUdp;
  Ipv4Address src;
  Ipv4Address dst;
  Ipv4Options options;
  std::uint16_t payload_size = 0;  // bytes after the header (total length - IHL*4)

  bool is_fragment() const { return more_fragments || fragment_offset != 0; }
  std::size_t header_size() const { return kIpv4MinHeaderSize + ((options.size + 3u) & ~3u); }
  // Writes the header (header_size() bytes) with a correct checksum unless `faults`
  // says otherwise; returns header_size(), or 0 if `out` is shorter. The payload is
  // the caller's to write after it.
  std::size_t emit(MutableByteView out, const Ipv4Faults& faults = {}) const;
  bool operator==(const Ipv4Repr&) const = default;
};

class Ipv4View {
 public:
  // Checks: the 20-byte header fits ("ipv4.header" at 0), version 4 ("ipv4.version"
  // at 0), IHL >= 5 and the header fits ("ipv4.ihl" at 0), IHL*4 <= total length <=
  // buffer size ("ipv4.total_length" at 2). Bytes after total length (Ethernet
  // padding) are ignored. A bad checksum is not an error: see checksum_ok().
  static Result<Ipv4View> parse(ByteView packet);

  std::size_t header_size() const { return header_size_; }
  std::uint8_t tos() const { return p_[1]; }
  std::uint16_t total_length() const { return load_be16(p_ + 2); }
  std::uint16_t identification() const { return load_be16(p_ + 4); }
  bool reserved_flag() const { return (p_[6] & 0x80) != 0; }
  bool dont_fragment() const { return (p_[6] & 0x40) != 0; }
  bool more_fragments() const { return (p_[6] & 0x20) != 0; }
  std::uint16_t fragment_offset() const { return load_be16(p_ + 6) & 0x1fff; }
  bool is_fragment() const { return more_fragments() || fragment_offset() != 0; }
  std::uint8_t ttl() const { return p_[8]; }
  std::uint8_t protocol() const { return p_[9]; }
  std::uint16_t checksum() const { return load_be16(p_ + 10); }
  Ipv4Address src() const { return {load_be32(p_ + 12)}; }
  Ipv4Address dst() const { return {load_be32(p_ + 16)}; }
  ByteView options() const { return ByteView(p_ + kIpv4MinHeaderSize, header_size_ - kIpv4MinHeaderSize); }
  // True if the header sums to 0xffff (RFC 1071).
  bool checksum_ok() const;
  // Bytes [IHL*4, total length): the padding after total length is excluded.
  ByteView payload() const { return ByteView(p_ + header_size_, total_length() - header_size_); }
  Ipv4Repr repr() const;

 private:
  Ipv4View(const std::uint8_t* p, std::size_t header_size) : p_(p), header_size_(header_size) {}
  const std::uint8_t* p_;
  std::size_t header_size_;
};

}  // namespace pxelab::wire
