// Test helpers for the DHCP tests: hand-assembled golden messages.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "wire/bytes.h"

namespace pxelab::wire::dhcp::testing {

// The 236-octet fixed header, field by field (RFC 2131 figure 1), with chaddr
// 52:54:00:12:34:56 and empty sname/file.
inline Bytes golden_header(std::uint8_t op, std::uint32_t xid, std::uint16_t secs, std::uint16_t flags,
                           std::initializer_list<std::uint8_t> ci_yi_si_gi = {}) {
  Bytes b = {
      op, 0x01, 0x06, 0x00,                                // op, htype, hlen, hops
      std::uint8_t(xid >> 24), std::uint8_t(xid >> 16), std::uint8_t(xid >> 8), std::uint8_t(xid),
      std::uint8_t(secs >> 8), std::uint8_t(secs), std::uint8_t(flags >> 8), std::uint8_t(flags),
  };
  Bytes addrs(16, 0);  // ciaddr, yiaddr, siaddr, giaddr
  std::size_t i = 0;
  for (auto x : ci_yi_si_gi) addrs[i++] = x;
  append(b, addrs);
  Bytes chaddr = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  append(b, chaddr);
  b.resize(236, 0);  // sname (64) + file (128)
  return b;
}

inline void put_text(Bytes& b, std::size_t offset, std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) b[offset + i] = static_cast<std::uint8_t>(text[i]);
}

inline Bytes concat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (auto p : parts) append(out, p);
  return out;
}

inline Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

}  // namespace pxelab::wire::dhcp::testing
