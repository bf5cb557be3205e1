// Strict reading of TOML input files (server configuration, personalities, scenarios):
// typed getters that record the first error as "FILE:LINE:COL: KEY: what is wrong",
// and unknown keys as errors (a typo is never a silent default).
//
// Include only from the *_toml.cc file of a folder: toml++ is heavy to compile.
// toml++ reports syntax errors by exception; parse_toml() turns them into values, so
// nothing above these files sees an exception.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/address.h"
#include "wire/result.h"

namespace pxelab::sim {

// Parses `text`; a syntax error becomes "SOURCE:LINE:COL: what toml++ said".
Result<toml::table> parse_toml(std::string_view text, const std::string& source);
// Reads the whole file first: a missing or unreadable file is an error naming it.
Result<std::string> read_text_file(const std::string& path);

class TomlReader {
 public:
  explicit TomlReader(std::string source) : source_(std::move(source)) {}

  bool failed() const { return error_.has_value(); }
  Error take_error() { return std::move(*error_); }
  const std::string& source() const { return source_; }

  // Records an error unless one is recorded already (the first is the one to read).
  void fail(const toml::source_region& where, std::string key, std::string what);
  void fail(const toml::node& n, std::string key, std::string what) { fail(n.source(), std::move(key), std::move(what)); }

  // Every key of `t` must be in `allowed`.
  void only_keys(const toml::table& t, const std::string& path, std::initializer_list<std::string_view> allowed);
  static std::string join(const std::string& path, std::string_view key);

  // Getters: nullopt (and nothing recorded) when the key is absent; nullopt and an
  // error when it has the wrong type or is out of range.
  const toml::table* table(const toml::table& t, std::string_view key, const std::string& path);
  const toml::array* array(const toml::table& t, std::string_view key, const std::string& path);
  std::optional<std::string> string(const toml::table& t, std::string_view key, const std::string& path);
  std::optional<bool> boolean(const toml::table& t, std::string_view key, const std::string& path);
  std::optional<std::int64_t> integer(const toml::table& t, std::string_view key, const std::string& path,
                                      std::int64_t min, std::int64_t max);
  // An integer or a float, within [min, max].
  std::optional<double> number(const toml::table& t, std::string_view key, const std::string& path, double min,
                               double max);
  // One of `names`; returns its index.
  std::optional<std::size_t> choice(const toml::table& t, std::string_view key, const std::string& path,
                                    std::initializer_list<std::string_view> names);
  std::optional<std::vector<std::string>> string_list(const toml::table& t, std::string_view key,
                                                      const std::string& path);
  std::optional<std::vector<std::int64_t>> integer_list(const toml::table& t, std::string_view key,
                                                        const std::string& path, std::int64_t min, std::int64_t max);
  std::optional<std::vector<double>> number_list(const toml::table& t, std::string_view key, const std::string& path,
                                                 double min, double max);

  std::optional<wire::Ipv4Address> address(const toml::node& n, const std::string& key);
  std::optional<wire::Ipv4Address> address(const toml::table& t, std::string_view key, const std::string& path);
  // A string or an array of strings, each an address.
  std::vector<wire::Ipv4Address> address_list(const toml::table& t, std::string_view key, const std::string& path);
  std::optional<wire::MacAddress> mac(const toml::table& t, std::string_view key, const std::string& path);

 private:
  std::optional<double> number_value(const toml::node& n, const std::string& key, double min, double max);

  std::string source_;
  std::optional<Error> error_;
};

}  // namespace pxelab::sim
