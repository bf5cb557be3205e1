// Wake-on-LAN magic packet (AMD "Magic Packet Technology", 1995): 6 bytes of 0xff,
// then the target MAC 16 times, then optionally a 4- or 6-byte SecureOn password.
// Carried in a UDP datagram (port 9 "discard", also 7 "echo"; any port works) or
// directly in an Ethernet frame with EtherType 0x0842.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "wire/address.h"
#include "wire/bytes.h"
#include "wire/ethernet.h"
#include "wire/frame.h"
#include "wire/result.h"

namespace pxelab::wire {

inline constexpr std::uint16_t kWolPortDiscard = 9;
inline constexpr std::uint16_t kWolPortEcho = 7;
inline constexpr std::size_t kWolMagicSize = 102;  // 6 + 16 * 6

// SecureOn password: empty (size 0), or 4 or 6 bytes.
struct WolPassword {
  std::array<std::uint8_t, 6> bytes{};
  std::uint8_t size = 0;

  ByteView view() const { return ByteView(bytes.data(), size); }
  // Precondition: p.size() is 0, 4 or 6.
  static WolPassword from(ByteView p);
  bool operator==(const WolPassword& o) const {
    return size == o.size && std::equal(bytes.begin(), bytes.begin() + size, o.bytes.begin());
  }
};

// A SecureOn password as people write it (ether-wake, wakeonlan): six hex bytes like
// a MAC ("aa:bb:cc:dd:ee:ff", '-' also) or four decimal bytes like an IPv4 address
// ("192.168.1.1"). Error "wol.password" saying what is expected.
Result<WolPassword> parse_wol_password(std::string_view text);

struct WolRepr {
  MacAddress target;
  WolPassword password;

  std::size_t size() const { return kWolMagicSize + password.size; }
  // Writes size() bytes; returns size(), or 0 if `out` is shorter.
  std::size_t emit(MutableByteView out) const;
  Bytes encode() const;
  bool operator==(const WolRepr&) const = default;
};

// Parses a magic packet that fills `payload` exactly (a UDP payload, or an
// EtherType 0x0842 frame's payload less Ethernet padding: see parse_wol_frame).
// Errors: "wol.sync" at 0 (missing or not 6 x 0xff), "wol.mac" at 6 + 6k
// (repetition k missing or different from the first), "wol.password" at 102
// (trailing bytes that are not 0, 4 or 6 long).
Result<WolRepr> parse_wol(ByteView payload);

enum class WolCarrier : std::uint8_t { kEthernet, kUdp };

struct WolFrameView {
  WolCarrier carrier = WolCarrier::kEthernet;
  EthernetRepr eth;
  std::optional<UdpFrameView> udp;  // set for kUdp
  WolRepr wol;
};

// A magic packet in either carrier. For EtherType 0x0842 the payload has no length
// field, so trailing zero padding up to the 60-byte minimum frame is not possible
// (14 + 102 > 60) and any bytes after the magic packet are the password.
// Errors: EthernetView's, "ethernet.ethertype" (neither 0x0842 nor IPv4/UDP),
// parse_udp_frame's, and parse_wol's (offsets from the frame start).
Result<WolFrameView> parse_wol_frame(ByteView frame);

// EtherType 0x0842 frame from `src` to `dst` (broadcast, usually). Only opts.vlan and
// faults.truncate_to apply.
Bytes build_wol_ether_frame(MacAddress src, MacAddress dst, const WolRepr& wol, const FrameOptions& opts = {});
// UDP carrier, usually to 255.255.255.255 (or a directed broadcast) port 9.
Bytes build_wol_udp_frame(const UdpEndpoint& src, const UdpEndpoint& dst, const WolRepr& wol,
                          const FrameOptions& opts = {});

}  // namespace pxelab::wire
