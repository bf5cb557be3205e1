// Link and network addresses as small value types.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pxelab::wire {

struct MacAddress {
  std::array<std::uint8_t, 6> octets{};

  static constexpr MacAddress broadcast() { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
  bool is_broadcast() const { return *this == broadcast(); }
  bool is_multicast() const { return (octets[0] & 1) != 0; }
  bool is_zero() const { return *this == MacAddress{}; }
  // "52:54:00:12:34:56"
  std::string to_string() const;
  // Accepts "52:54:00:12:34:56" and "52-54-00-12-34-56" (any case).
  static std::optional<MacAddress> parse(std::string_view text);
  auto operator<=>(const MacAddress&) const = default;
};

// IPv4 address held in host byte order (value 0xC0000201 is 192.0.2.1).
struct Ipv4Address {
  std::uint32_t value = 0;

  static constexpr Ipv4Address any() { return {0}; }
  static constexpr Ipv4Address broadcast() { return {0xffffffffu}; }
  static constexpr Ipv4Address from_octets(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return {(std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) | (std::uint32_t{c} << 8) | d};
  }
  bool is_any() const { return value == 0; }
  bool is_broadcast() const { return value == 0xffffffffu; }
  std::string to_string() const;
  // Dotted quad only; nullopt on anything else.
  static std::optional<Ipv4Address> parse(std::string_view text);
  auto operator<=>(const Ipv4Address&) const = default;
};

}  // namespace pxelab::wire
