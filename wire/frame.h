// Whole Ethernet frames in one call: Ethernet (+802.1Q) / IPv4 / UDP, and Ethernet /
// ARP. This is the layer the simulator's Host and the DHCP/TFTP agents use.
//
// Hot path contract: write_udp_frame(), write_udp_frame_headers(), write_arp_frame()
// and parse_udp_frame() / parse_arp_frame() never allocate (except to describe an
// error) and touch each byte once or twice (copy + checksum).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "wire/address.h"
#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"
#include "wire/result.h"
#include "wire/udp.h"

namespace pxelab::wire {

struct UdpEndpoint {
  MacAddress mac;
  Ipv4Address ip;
  std::uint16_t port = 0;
  bool operator==(const UdpEndpoint&) const = default;
};

// Deliberate defects for fault injection. Each one alone yields exactly that defect.
struct FrameFaults {
  bool bad_ip_checksum = false;                 // IPv4 header checksum with all bits flipped
  bool bad_udp_checksum = false;                // UDP checksum off by one (never 0 = absent)
  std::optional<std::uint16_t> ip_total_length;  // written instead of the true value
  std::optional<std::uint16_t> udp_length;       // written instead of the true value
  std::optional<std::size_t> truncate_to;        // only the first N bytes of the frame
};

struct FrameOptions {
  std::optional<VlanTag> vlan;  // 802.1Q tag, e.g. VlanTag{.vid = 10}
  std::uint8_t tos = 0;
  std::uint8_t ttl = 64;
  std::uint16_t ip_id = 0;
  bool dont_fragment = false;
  bool udp_checksum = true;    // false: write 0, "no checksum" (RFC 768)
  bool pad_to_minimum = true;  // zero-pad to 60 bytes as a NIC does (IEEE 802.3 §4.2.3.3)
  FrameFaults faults;
};

// 65535 - 20 (IPv4 header) - 8 (UDP header).
inline constexpr std::size_t kMaxUdpPayloadSize = 65507;

// Where the UDP payload starts in a frame built with `opts` (42, or 46 with a tag).
std::size_t udp_payload_offset(const FrameOptions& opts = {});
// Bytes write_udp_frame() needs and writes: headers + payload, padded to 60 if asked,
// cut to faults.truncate_to if smaller.
std::size_t udp_frame_size(std::size_t payload_size, const FrameOptions& opts = {});

// Writes a whole frame into `out`; returns its size, or 0 (nothing promised about
// `out`) if `out` is smaller than udp_frame_size() or payload exceeds
// kMaxUdpPayloadSize. `payload` may already sit at out[udp_payload_offset(opts)]
// (then it is not copied) but must not otherwise overlap `out`.
std::size_t write_udp_frame(MutableByteView out, const UdpEndpoint& src, const UdpEndpoint& dst,
                            ByteView payload, const FrameOptions& opts = {});
// The same for a payload the caller has already encoded in place at
// out[udp_payload_offset(opts), + payload_size): only headers (and padding) are written.
std::size_t write_udp_frame_headers(MutableByteView out, const UdpEndpoint& src, const UdpEndpoint& dst,
                                    std::size_t payload_size, const FrameOptions& opts = {});
// Allocating convenience for tests, samples and the cold path.
Bytes build_udp_frame(const UdpEndpoint& src, const UdpEndpoint& dst, ByteView payload,
                      const FrameOptions& opts = {});

// A parsed Ethernet/IPv4/UDP frame. `payload` borrows from the parsed buffer.
struct UdpFrameView {
  EthernetRepr eth;  // eth.vlan holds the 802.1Q tag, if any
  Ipv4Repr ip;
  bool ip_checksum_ok = false;
  UdpRepr udp;
  std::uint16_t udp_length = 0;
  std::uint16_t udp_checksum = 0;  // as found; 0 means none
  ChecksumStatus udp_checksum_status = ChecksumStatus::kUnchecked;
  ByteView payload;

  UdpEndpoint source() const { return {eth.src, ip.src, udp.src_port}; }
  UdpEndpoint destination() const { return {eth.dst, ip.dst, udp.dst_port}; }
  bool checksums_ok() const {
    return ip_checksum_ok && udp_checksum_status != ChecksumStatus::kInvalid;
  }
};

struct UdpFrameParseOptions {
  bool verify_udp_checksum = true;  // false: status kUnchecked (or kAbsent), saves a pass
};

// Parses Ethernet (+ one 802.1Q tag) / IPv4 / UDP. Errors (offsets from the frame
// start): those of EthernetView, Ipv4View and UdpView, plus "ethernet.ethertype"
// (not IPv4), "ipv4.protocol" (not UDP), "ipv4.fragment_offset" (a fragment: MF set
// or offset != 0; not reassembled). Bad checksums are reported, not errors.
Result<UdpFrameView> parse_udp_frame(ByteView frame, const UdpFrameParseOptions& opts = {});

// Ethernet/ARP. The Ethernet source is arp.sender_mac; `eth_dst` is usually broadcast
// for a request and the requester's MAC for a reply. Only opts.vlan,
// opts.pad_to_minimum and faults.truncate_to apply. Returns the size, or 0 if `out`
// is too small (needs up to 64 bytes).
std::size_t write_arp_frame(MutableByteView out, MacAddress eth_dst, const ArpRepr& arp,
                            const FrameOptions& opts = {});
Bytes build_arp_frame(MacAddress eth_dst, const ArpRepr& arp, const FrameOptions& opts = {});

struct ArpFrameView {
  EthernetRepr eth;
  ArpRepr arp;
};
// Errors: EthernetView's, "ethernet.ethertype" (not ARP), ArpView's (offsets from
// the frame start).
Result<ArpFrameView> parse_arp_frame(ByteView frame);

}  // namespace pxelab::wire
