// Helpers shared by the check functions (checks_*.cc): who sent a message, which
// request a reply answers, typed option reads over DecodedTrace, finding text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/checks/check.h"
#include "wire/address.h"
#include "wire/text.h"

namespace pxelab::conformance::util {

namespace msgtype {
inline constexpr std::uint8_t kDiscover = 1, kOffer = 2, kRequest = 3, kDecline = 4, kAck = 5, kNak = 6,
                              kRelease = 7, kInform = 8;
}

std::string_view type_name(std::uint8_t type);  // "DHCPOFFER", "BOOTREPLY", ...
std::string ip(wire::Ipv4Address a);
using wire::hex32;  // wire/text.h
std::string frame_ref(std::uint32_t frame);  // "frame 12" (1-based)
// " flags 0 (request 32768);"
inline std::string fmt_field(const char* name, std::uint64_t seen, std::uint64_t want) {
  return std::string(" ") + name + " " + std::to_string(seen) + " (expected " + std::to_string(want) + ");";
}

// Sender classes, decided once by group_transactions() (trace_decode.h SenderBits).
// A reply from a server (port 67 or 4011), not a relay passing one on.
inline bool server_reply(const Analysis&, const DhcpMsg& m) { return (m.sender & kFromServer) != 0; }
// A relay delivering a reply to the client (RFC 1542 §5.4): from 67 to 68, from giaddr.
inline bool relay_delivery(const Analysis&, const DhcpMsg& m) { return (m.sender & kRelayDelivery) != 0; }
// A request as the client sent it (source port 68, or any request to 4011 that is
// not a relay's forward).
inline bool client_request(const Analysis&, const DhcpMsg& m) { return (m.sender & kFromClient) != 0; }
inline bool boot_server_exchange(const Analysis&, const DhcpMsg& m) { return (m.sender & kBootServerPort) != 0; }

// The request `reply_index` answers: the last BOOTREQUEST of the same transaction
// before it, preferring one whose giaddr matches (what the server received).
const DhcpMsg* request_for(const Analysis& a, std::uint32_t reply_index);
// Every server reply with its request (request may be null when not captured).
template <class Fn>
void for_each_server_reply(const Analysis& a, Fn&& fn) {
  const auto& dhcp = a.d().dhcp;
  for (std::uint32_t i : a.g().server_replies) {
    const DhcpMsg& m = dhcp[i];
    fn(m, m.request == kNone ? nullptr : &dhcp[static_cast<std::size_t>(m.request)]);
  }
}

// Option reads; nullopt when absent or of the wrong size.
std::optional<std::uint8_t> u8(const Analysis& a, const DhcpMsg& m, std::uint8_t code);
std::optional<std::uint16_t> u16(const Analysis& a, const DhcpMsg& m, std::uint8_t code);
std::optional<std::uint32_t> u32(const Analysis& a, const DhcpMsg& m, std::uint8_t code);
std::optional<wire::Ipv4Address> ipv4(const Analysis& a, const DhcpMsg& m, std::uint8_t code);
// The string value without trailing NULs (RFC 2132 §2).
std::optional<std::string> str(const Analysis& a, const DhcpMsg& m, std::uint8_t code);
bool pxe_client(const Analysis& a, const DhcpMsg& m);   // 60 starts with "PXEClient"
bool ipxe_client(const Analysis& a, const DhcpMsg& m);  // 77 holds "iPXE", or 175 present (FW-02)
// The boot file a reply names: 67 beats the file field (FW-12); "" if none.
std::string boot_file(const Analysis& a, const DhcpMsg& m);
// The server's identity: option 54, else the IP source.
wire::Ipv4Address server_identity(const Analysis& a, const DhcpMsg& m);

// A finding about one DHCP message (its client and transaction).
void fail(Judge& j, const Analysis& a, const DhcpMsg& m, std::vector<std::uint64_t> frames, std::string message);
void fail(Judge& j, const Analysis& a, const TftpTransfer& t, std::vector<std::uint64_t> frames, std::string message);

}  // namespace pxelab::conformance::util
