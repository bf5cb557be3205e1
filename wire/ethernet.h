// Ethernet II header (IEEE 802.3 §3.2.6 EtherType framing) with an optional single
// IEEE 802.1Q VLAN tag (TPID 0x8100). The frame as captured: no preamble, no FCS.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "wire/address.h"
#include "wire/bytes.h"
#include "wire/result.h"

namespace pxelab::wire {

namespace ethertype {
inline constexpr std::uint16_t kIpv4 = 0x0800;
inline constexpr std::uint16_t kArp = 0x0806;
inline constexpr std::uint16_t kWakeOnLan = 0x0842;
inline constexpr std::uint16_t kVlan = 0x8100;  // IEEE 802.1Q tag protocol identifier
}  // namespace ethertype

inline constexpr std::size_t kEthernetHeaderSize = 14;
inline constexpr std::size_t kVlanTagSize = 4;
// Shortest frame on the wire without FCS (64 - 4); shorter frames are padded.
inline constexpr std::size_t kEthernetMinFrameSize = 60;

// 802.1Q tag control information: PCP (3 bits), DEI (1 bit), VID (12 bits).
struct VlanTag {
  std::uint8_t pcp = 0;    // priority code point, 0..7
  bool dei = false;        // drop eligible indicator
  std::uint16_t vid = 0;   // VLAN identifier, 0..4095
  bool operator==(const VlanTag&) const = default;
};

// A parsed Ethernet header. `ethertype` is the inner type when a tag is present.
struct EthernetRepr {
  MacAddress dst;
  MacAddress src;
  std::optional<VlanTag> vlan;
  std::uint16_t ethertype = 0;

  std::size_t header_size() const { return kEthernetHeaderSize + (vlan ? kVlanTagSize : 0); }
  // Writes header_size() bytes at the start of `out`; returns that size, or 0 (and
  // writes nothing) if `out` is shorter. Out-of-range pcp/vid are masked to their width.
  std::size_t emit(MutableByteView out) const;
  bool operator==(const EthernetRepr&) const = default;
};

// A validated view of an Ethernet frame: parse() checks the header (and tag) fit;
// after that no accessor can fail or read outside the buffer.
class EthernetView {
 public:
  // Errors: "ethernet.header" at 0 (shorter than 14 bytes), "vlan.tag" at 12
  // (TPID 0x8100 but shorter than 18 bytes). Error offsets throughout wire/ are the
  // byte position of the offending field within the buffer given to the parser.
  static Result<EthernetView> parse(ByteView frame);

  MacAddress dst() const;
  MacAddress src() const;
  bool has_vlan() const { return header_size_ != kEthernetHeaderSize; }
  // Precondition: has_vlan().
  VlanTag vlan() const;
  std::uint16_t ethertype() const { return load_be16(bytes_.data() + header_size_ - 2); }
  std::size_t header_size() const { return header_size_; }
  // Everything after the header, including any padding the link added.
  ByteView payload() const { return bytes_.subspan(header_size_); }
  ByteView bytes() const { return bytes_; }
  EthernetRepr repr() const;

 private:
  EthernetView(ByteView bytes, std::size_t header_size) : bytes_(bytes), header_size_(header_size) {}
  ByteView bytes_;
  std::size_t header_size_;
};

}  // namespace pxelab::wire
