#include "wire/address.h"

#include <charconv>
#include <cstdio>

namespace pxelab::wire {

std::string MacAddress::to_string() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", octets[0], octets[1],
                octets[2], octets[3], octets[4], octets[5]);
  return buf;
}

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  MacAddress mac;
  for (std::size_t i = 0; i < 6; ++i) {
    if (i > 0) {
      char sep = text[i * 3 - 1];
      if (sep != ':' && sep != '-') return std::nullopt;
    }
    unsigned v = 0;
    auto [ptr, ec] = std::from_chars(text.data() + i * 3, text.data() + i * 3 + 2, v, 16);
    if (ec != std::errc{} || ptr != text.data() + i * 3 + 2) return std::nullopt;
    mac.octets[i] = static_cast<std::uint8_t>(v);
  }
  return mac;
}

std::string Ipv4Address::to_string() const {
  return std::to_string(value >> 24) + "." + std::to_string((value >> 16) & 0xff) + "." +
         std::to_string((value >> 8) & 0xff) + "." + std::to_string(value & 0xff);
}

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  std::uint32_t out = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    if (p == end || *p < '0' || *p > '9') return std::nullopt;
    unsigned v = 0;
    auto [next, ec] = std::from_chars(p, end, v, 10);
    if (ec != std::errc{} || v > 255 || next - p > 3) return std::nullopt;
    out = (out << 8) | v;
    p = next;
  }
  if (p != end) return std::nullopt;
  return Ipv4Address{out};
}

}  // namespace pxelab::wire
