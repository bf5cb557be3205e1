#include "sim/toml_reader.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace pxelab::sim {

Result<toml::table> parse_toml(std::string_view text, const std::string& source) {
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Error{"", 0, std::string(e.description()),
                 source + ":" + std::to_string(where.line) + ":" + std::to_string(where.column)};
  }
}

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"", 0, "cannot open the file (missing or unreadable)", path};
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error{"", 0, "read error", path};
  return ss.str();
}

void TomlReader::fail(const toml::source_region& where, std::string key, std::string what) {
  if (error_) return;
  error_ = Error{std::move(key), 0, std::move(what),
                 source_ + ":" + std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column)};
}

std::string TomlReader::join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

void TomlReader::only_keys(const toml::table& t, const std::string& path,
                           std::initializer_list<std::string_view> allowed) {
  for (auto&& [k, v] : t) {
    if (std::find(allowed.begin(), allowed.end(), k.str()) != allowed.end()) continue;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    fail(k.source(), join(path, k.str()), "unknown key (expected one of: " + list + ")");
    return;
  }
}

const toml::table* TomlReader::table(const toml::table& t, std::string_view key, const std::string& path) {
  const toml::node* n = t.get(key);
  if (!n) return nullptr;
  if (!n->is_table()) {
    fail(*n, join(path, key), "must be a table");
    return nullptr;
  }
  return n->as_table();
}

const toml::array* TomlReader::array(const toml::table& t, std::string_view key, const std::string& path) {
  const toml::node* n = t.get(key);
  if (!n) return nullptr;
  if (!n->is_array()) {
    fail(*n, join(path, key), "must be a list [...]");
    return nullptr;
  }
  return n->as_array();
}

std::optional<std::string> TomlReader::string(const toml::table& t, std::string_view key, const std::string& path) {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  if (n->is_string()) return n->value<std::string>();
  fail(*n, join(path, key), "must be a string");
  return std::nullopt;
}

std::optional<bool> TomlReader::boolean(const toml::table& t, std::string_view key, const std::string& path) {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  if (n->is_boolean()) return n->value<bool>();
  fail(*n, join(path, key), "must be true or false");
  return std::nullopt;
}

std::optional<std::int64_t> TomlReader::integer(const toml::table& t, std::string_view key, const std::string& path,
                                                std::int64_t min, std::int64_t max) {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  if (!n->is_integer()) {
    fail(*n, join(path, key), "must be an integer");
    return std::nullopt;
  }
  std::int64_t v = *n->value<std::int64_t>();
  if (v < min || v > max) {
    fail(*n, join(path, key), std::to_string(v) + " is out of range " + std::to_string(min) + ".." + std::to_string(max));
    return std::nullopt;
  }
  return v;
}

std::optional<double> TomlReader::number_value(const toml::node& n, const std::string& key, double min, double max) {
  if (!n.is_integer() && !n.is_floating_point()) {
    fail(n, key, "must be a number");
    return std::nullopt;
  }
  double v = n.is_integer() ? static_cast<double>(*n.value<std::int64_t>()) : *n.value<double>();
  if (!(v >= min && v <= max)) {
    std::ostringstream ss;
    ss << v << " is out of range " << min << ".." << max;
    fail(n, key, ss.str());
    return std::nullopt;
  }
  return v;
}

std::optional<double> TomlReader::number(const toml::table& t, std::string_view key, const std::string& path,
                                         double min, double max) {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  return number_value(*n, join(path, key), min, max);
}

std::optional<std::size_t> TomlReader::choice(const toml::table& t, std::string_view key, const std::string& path,
                                              std::initializer_list<std::string_view> names) {
  auto s = string(t, key, path);
  if (!s) return std::nullopt;
  std::size_t i = 0;
  std::string list;
  for (auto name : names) {
    if (name == *s) return i;
    list += (list.empty() ? "" : ", ") + std::string(name);
    ++i;
  }
  fail(*t.get(key), join(path, key), "'" + *s + "' is not one of: " + list);
  return std::nullopt;
}

std::optional<std::vector<std::string>> TomlReader::string_list(const toml::table& t, std::string_view key,
                                                                const std::string& path) {
  const toml::array* a = array(t, key, path);
  if (!a) return std::nullopt;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const toml::node& n = *a->get(i);
    if (!n.is_string()) {
      fail(n, join(path, key) + "[" + std::to_string(i) + "]", "must be a string");
      return std::nullopt;
    }
    out.push_back(*n.value<std::string>());
  }
  return out;
}

std::optional<std::vector<std::int64_t>> TomlReader::integer_list(const toml::table& t, std::string_view key,
                                                                  const std::string& path, std::int64_t min,
                                                                  std::int64_t max) {
  const toml::array* a = array(t, key, path);
  if (!a) return std::nullopt;
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const toml::node& n = *a->get(i);
    const std::string k = join(path, key) + "[" + std::to_string(i) + "]";
    if (!n.is_integer()) {
      fail(n, k, "must be an integer");
      return std::nullopt;
    }
    std::int64_t v = *n.value<std::int64_t>();
    if (v < min || v > max) {
      fail(n, k, std::to_string(v) + " is out of range " + std::to_string(min) + ".." + std::to_string(max));
      return std::nullopt;
    }
    out.push_back(v);
  }
  return out;
}

std::optional<std::vector<double>> TomlReader::number_list(const toml::table& t, std::string_view key,
                                                           const std::string& path, double min, double max) {
  const toml::array* a = array(t, key, path);
  if (!a) return std::nullopt;
  std::vector<double> out;
  for (std::size_t i = 0; i < a->size(); ++i) {
    auto v = number_value(*a->get(i), join(path, key) + "[" + std::to_string(i) + "]", min, max);
    if (!v) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

std::optional<wire::Ipv4Address> TomlReader::address(const toml::node& n, const std::string& key) {
  if (n.is_string()) {
    std::string s = *n.value<std::string>();
    if (auto a = wire::Ipv4Address::parse(s)) return a;
    fail(n, key, "'" + s + "' is not an IPv4 address (a.b.c.d)");
    return std::nullopt;
  }
  fail(n, key, "must be an IPv4 address string");
  return std::nullopt;
}

std::optional<wire::Ipv4Address> TomlReader::address(const toml::table& t, std::string_view key,
                                                     const std::string& path) {
  const toml::node* n = t.get(key);
  return n ? address(*n, join(path, key)) : std::nullopt;
}

std::vector<wire::Ipv4Address> TomlReader::address_list(const toml::table& t, std::string_view key,
                                                        const std::string& path) {
  std::vector<wire::Ipv4Address> out;
  const toml::node* n = t.get(key);
  if (!n) return out;
  if (n->is_string()) {
    if (auto a = address(*n, join(path, key))) out.push_back(*a);
    return out;
  }
  if (!n->is_array()) {
    fail(*n, join(path, key), "must be an address or a list of addresses");
    return out;
  }
  std::size_t i = 0;
  for (const auto& item : *n->as_array()) {
    if (auto a = address(item, join(path, key) + "[" + std::to_string(i++) + "]")) out.push_back(*a);
  }
  return out;
}

std::optional<wire::MacAddress> TomlReader::mac(const toml::table& t, std::string_view key, const std::string& path) {
  auto s = string(t, key, path);
  if (!s) return std::nullopt;
  if (auto m = wire::MacAddress::parse(*s)) return m;
  fail(*t.get(key), join(path, key), "'" + *s + "' is not a MAC address (aa:bb:cc:dd:ee:ff)");
  return std::nullopt;
}

}  // namespace pxelab::sim
