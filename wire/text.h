// Small text helpers the protocol code of every floor shares, one copy each: ASCII
// case folding (TFTP option names are case-insensitive, RFC 2347; file names and
// loader keywords are matched without case), the written form of an xid, and octets
// as lowercase hex.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "wire/bytes.h"

namespace pxelab::wire {

inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

// Whether `s` ends with `suffix` (given in lower case), whatever the case of `s`.
inline bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

// "00ff1a": each octet as two lowercase hex digits, no separator.
inline std::string hex_octets(ByteView octets) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(octets.size() * 2);
  for (std::uint8_t b : octets) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// "0x1a2b3c4d": how logs, consoles and findings write an xid.
inline std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace pxelab::wire
