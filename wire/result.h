// Errors as values. Every parser and fallible operation in pxelab returns
// Result<T>: either a T or an Error that names what failed and where.
// (std::expected would do, but Debian's clang 14, used for libFuzzer, cannot
// compile libstdc++'s <expected>.)
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <variant>

namespace pxelab {

// What went wrong and where. For wire parsers `field` names the field
// ("ipv4.total_length", "dhcp.option[52].length") and `offset` is the byte offset
// from the start of the buffer handed to the parser. For text inputs (scenario and
// configuration files) `location` is "FILE:LINE:COLUMN" and `field` the key path.
struct Error {
  std::string field;
  std::size_t offset = 0;
  std::string message;
  std::string location;

  // "ipv4.total_length at byte 2: 18 is smaller than the header (20)"
  // "server.toml:12:9: subnet[0].pool: 192.0.3.1 is outside 192.0.2.0/24"
  std::string to_string() const {
    if (!location.empty()) return location + ": " + (field.empty() ? "" : field + ": ") + message;
    std::string s = field;
    if (!field.empty()) s += " at byte " + std::to_string(offset) + ": ";
    return s + message;
  }
};

inline Error make_error(std::string field, std::size_t offset, std::string message) {
  return Error{std::move(field), offset, std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}      // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Precondition: ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // Precondition: !ok().
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// For operations with nothing to return but success.
struct Ok {};
using Status = Result<Ok>;

}  // namespace pxelab
