// TOML -> ServerConfig. The only file of server/ that includes toml++ (through
// sim/toml_reader.h; it is heavy to compile).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <cerrno>
#include <cstring>

#include "server/config.h"
#include "server/faults_toml.h"
#include "server/schedule_toml.h"
#include "sim/toml_reader.h"
#include "wire/dhcp_options.h"

namespace pxelab::server {

namespace {

using wire::Ipv4Address;
using wire::MacAddress;

// The server's own readers on top of the shared strict reader.
class Reader : public sim::TomlReader {
 public:
  using TomlReader::TomlReader;

  // Table of architecture -> file name. With `any`, the key "any" (every architecture
  // not listed) is accepted and stored there.
  ArchFileMap arch_map(const toml::table& t, const std::string& path, std::string* any = nullptr) {
    ArchFileMap out;
    for (auto&& [k, v] : t) {
      if (any && k.str() == "any") {
        if (auto f = file_name(v, join(path, k.str()))) *any = *f;
        continue;
      }
      auto arch = parse_arch(k.str());
      if (!arch) {
        fail(k.source(), join(path, k.str()), "unknown architecture (a number 0..65535 or one of: bios, ia32-efi, x64-efi, arm32-efi, arm64-efi, x64-efi-http, arm64-efi-http)");
        return out;
      }
      auto f = file_name(v, join(path, k.str()));
      if (!f) return out;
      out[*arch] = *f;
    }
    return out;
  }

  // A boot file name: it travels in the 128-octet `file` field with its NUL (FW-38),
  // so at most 127 octets, none of them NUL; not empty (a zero-length 67 makes EDK2
  // drop the whole packet, FW-07).
  std::optional<std::string> file_name(const toml::node& v, const std::string& key) {
    if (!v.is_string()) {
      fail(v, key, "must be a file name string");
      return std::nullopt;
    }
    std::string f = *v.value<std::string>();
    if (f.empty() || f.size() > 127 || f.find('\0') != std::string::npos) {
      fail(v, key, "a boot file name needs 1..127 octets and no NUL (the 128-octet file field keeps its NUL, FW-38)");
      return std::nullopt;
    }
    return f;
  }
  std::optional<std::string> file_name(const toml::table& t, std::string_view key, const std::string& path) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    return file_name(*n, join(path, key));
  }

  // `once` only where a host entry is there to flip (hosts, groups; not default_mode).
  std::optional<BootMode> boot_mode(const toml::table& t, std::string_view key, const std::string& path,
                                    bool allow_once = true) {
    auto s = string(t, key, path);
    if (!s) return std::nullopt;
    auto m = parse_boot_mode(*s);
    if (m && (*m != BootMode::Once || allow_once)) return m;
    if (m) {
      fail(*t.get(key), join(path, key),
           "'once' needs a host entry to set to local afterwards: give it to hosts (boot) or groups (mode)");
    } else {
      fail(*t.get(key), join(path, key), "'" + *s + "' is not one of: network, local, menu, once");
    }
    return std::nullopt;
  }
};

// "192.0.2.0/24"
std::optional<std::pair<Ipv4Address, std::uint8_t>> parse_cidr(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto a = Ipv4Address::parse(s.substr(0, slash));
  auto len_text = s.substr(slash + 1);
  if (!a || len_text.empty() || len_text.size() > 2) return std::nullopt;
  int len = 0;
  for (char c : len_text) {
    if (c < '0' || c > '9') return std::nullopt;
    len = len * 10 + (c - '0');
  }
  if (len > 32) return std::nullopt;
  return std::make_pair(*a, static_cast<std::uint8_t>(len));
}

// Option value from the configuration: "hex:0a0b0c" for raw bytes, an integer
// (1, 2 or 4 octets by `width` rules: the smallest that fits is NOT guessed; integers
// are written as 4 octets), a dotted address (4 octets), or text.
std::optional<wire::Bytes> encode_option_value(const toml::node& n) {
  wire::Bytes out;
  if (n.is_integer()) {
    auto v = *n.value<std::int64_t>();
    if (v < 0 || v > 0xFFFFFFFFLL) return std::nullopt;
    wire::append_be32(out, static_cast<std::uint32_t>(v));
    return out;
  }
  if (!n.is_string()) return std::nullopt;
  std::string s = *n.value<std::string>();
  if (s.rfind("hex:", 0) == 0) {
    std::string h = s.substr(4);
    h.erase(std::remove(h.begin(), h.end(), ':'), h.end());
    if (h.size() % 2) return std::nullopt;
    for (std::size_t i = 0; i < h.size(); i += 2) {
      unsigned v = 0;
      for (int k = 0; k < 2; ++k) {
        char c = h[i + static_cast<std::size_t>(k)];
        int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (d < 0) return std::nullopt;
        v = v * 16 + static_cast<unsigned>(d);
      }
      out.push_back(static_cast<std::uint8_t>(v));
    }
    return out;
  }
  if (auto a = Ipv4Address::parse(s)) {
    wire::append_be32(out, a->value);
    return out;
  }
  out.assign(s.begin(), s.end());
  return out;
}

std::string resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty()) return p;
  std::filesystem::path path(p);
  if (path.is_absolute()) return path.lexically_normal().string();
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

std::string location(const Reader& r, const toml::node& n) {
  const auto& b = n.source().begin;
  return r.source() + ":" + std::to_string(b.line) + ":" + std::to_string(b.column);
}

// 0.0.0.0 and 255.255.255.255 are never a host's, a router's or a server's address.
void check_unicast(Reader& r, const toml::node& n, const std::string& key, Ipv4Address a) {
  if (a.is_any() || a.is_broadcast()) r.fail(n, key, a.to_string() + " is not a usable unicast address");
}

// RFC 2131 §4.4.5: T1 < T2 < lease time, for [server] and for every subnet with its
// own lease_time. The error points at the key that breaks it: t1 or t2 if set, else
// the lease_time in `t`.
void check_t1_t2(Reader& r, const toml::table& t, const std::string& path, std::uint32_t lease, const ServerConfig& c) {
  std::uint32_t t1 = c.t1.value_or(lease / 2);
  std::uint32_t t2 = c.t2.value_or(static_cast<std::uint32_t>(std::uint64_t{lease} * 7 / 8));
  if (t1 < t2 && t2 < lease) return;
  std::string what = "T1 (" + std::to_string(t1) + ") < T2 (" + std::to_string(t2) + ") < lease_time (" +
                     std::to_string(lease) + ") must hold (RFC 2131 §4.4.5)";
  if (path != "server" && t.get("lease_time")) {
    r.fail(*t.get("lease_time"), path + ".lease_time", what + " with [server] t1/t2");
    return;
  }
  const toml::table* server = path == "server" ? &t : nullptr;
  if (server && c.t1 && server->get("t1") && !(t1 < t2)) r.fail(*server->get("t1"), "server.t1", what);
  else if (server && c.t2 && server->get("t2")) r.fail(*server->get("t2"), "server.t2", what);
  else if (server && c.t1 && server->get("t1")) r.fail(*server->get("t1"), "server.t1", what);
  else if (server && server->get("lease_time")) r.fail(*server->get("lease_time"), "server.lease_time", what);
  else r.fail(t.source(), path, what);
}

// [subnet.options] / [subnet.force_options]: code -> value, checked against the
// option table (FW-07: EDK2 drops a whole packet over one bad length, e.g. a
// zero-length 12) and refused for the codes the server owns.
void read_options(Reader& r, const toml::table& opts, const std::string& path, std::vector<RawOption>& out) {
  for (auto&& [k, v] : opts) {
    std::string key = path + "." + std::string(k.str());
    int code = -1;
    if (!k.str().empty() && k.str().size() <= 3 && std::all_of(k.str().begin(), k.str().end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      code = std::stoi(std::string(k.str()));
    }
    if (code < 1 || code > 254) {
      r.fail(k.source(), key, "option keys are codes 1..254");
      return;
    }
    auto c8 = static_cast<std::uint8_t>(code);
    if (server_owned_option(c8)) {
      r.fail(k.source(), key, "option " + std::to_string(code) + " is set by the server itself (or is the client's) and cannot be configured");
      return;
    }
    auto data = encode_option_value(v);
    if (!data || data->size() > 255) {
      r.fail(v, key, "value must be an integer (4 octets), an address, text, or \"hex:...\" of at most 255 octets");
      return;
    }
    if (auto ok = wire::dhcp::validate_option_length(c8, data->size(), 0); !ok) {
      r.fail(v, key, std::to_string(data->size()) + " octets do not fit option " + std::to_string(code) + ": " + ok.error().message);
      return;
    }
    if (std::any_of(out.begin(), out.end(), [&](const RawOption& o) { return o.code == c8; })) {
      r.fail(k.source(), key, "option " + std::to_string(code) + " is given twice");
      return;
    }
    out.push_back({c8, std::move(*data)});
  }
}

void read_server(Reader& r, const toml::table& t, ServerConfig& c, const std::string& base_dir) {
  const std::string path = "server";
  r.only_keys(t, path, {"mode", "address", "lease_time", "t1", "t2", "lease_file", "control_file", "fsync", "group_commit_ms"});
  if (auto m = r.string(t, "mode", path)) {
    if (*m == "dhcp") c.mode = ServerMode::Dhcp;
    else if (*m == "proxy") c.mode = ServerMode::Proxy;
    else if (*m == "bootp") c.mode = ServerMode::Bootp;
    else r.fail(*t.get("mode"), "server.mode", "'" + *m + "' is not one of: dhcp, proxy, bootp");
  }
  if (auto a = r.address(t, "address", path)) c.address = *a;
  else if (!t.get("address")) r.fail(t.source(), "server.address", "missing: the server's own IPv4 address (option 54, siaddr)");
  if (auto v = r.integer(t, "lease_time", path, 60, 0xFFFFFFFELL)) c.lease_time = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer(t, "t1", path, 1, 0xFFFFFFFELL)) c.t1 = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer(t, "t2", path, 1, 0xFFFFFFFELL)) c.t2 = static_cast<std::uint32_t>(*v);
  if (auto f = r.string(t, "lease_file", path)) {
    c.lease_file = resolve(base_dir, *f);
    c.key_locations["server.lease_file"] = location(r, *t.get("lease_file"));
  }
  if (auto f = r.string(t, "control_file", path)) {
    c.control_file = resolve(base_dir, *f);
    c.key_locations["server.control_file"] = location(r, *t.get("control_file"));
  }
  if (auto f = r.string(t, "fsync", path)) {
    if (*f == "each") c.fsync = FsyncPolicy::EveryRecord;
    else if (*f == "group") c.fsync = FsyncPolicy::Group;
    else if (*f == "none") c.fsync = FsyncPolicy::None;
    else r.fail(*t.get("fsync"), "server.fsync", "'" + *f + "' is not one of: each, group, none");
  }
  if (auto v = r.integer(t, "group_commit_ms", path, 0, 1000)) c.group_commit_ms = static_cast<std::uint32_t>(*v);
  if (t.get("address") && !r.failed()) check_unicast(r, *t.get("address"), "server.address", c.address);
  if (!r.failed()) check_t1_t2(r, t, "server", c.lease_time, c);
}

void read_subnet(Reader& r, const toml::table& t, const std::string& path, Subnet& s) {
  r.only_keys(t, path, {"network", "pool", "router", "dns", "domain", "lease_time", "options", "force_options"});
  auto net = r.string(t, "network", path);
  if (!net) {
    if (!t.get("network")) r.fail(t.source(), path + ".network", "missing (e.g. \"192.0.2.0/24\")");
    return;
  }
  auto cidr = parse_cidr(*net);
  if (!cidr) {
    r.fail(*t.get("network"), path + ".network", "'" + *net + "' is not a network in CIDR form (a.b.c.d/len)");
    return;
  }
  s.network = cidr->first;
  s.prefix_length = cidr->second;
  if ((s.network.value & s.mask()) != s.network.value) {
    r.fail(*t.get("network"), path + ".network", "'" + *net + "' has host bits set");
    return;
  }
  if (const toml::node* pools = t.get("pool")) {
    std::vector<const toml::node*> items;
    if (pools->is_array()) {
      for (const auto& p : *pools->as_array()) items.push_back(&p);
    } else {
      items.push_back(pools);
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
      std::string key = path + ".pool[" + std::to_string(i) + "]";
      auto text = items[i]->value<std::string>();
      if (!text || !items[i]->is_string()) {
        r.fail(*items[i], key, "must be a range string \"first-last\"");
        return;
      }
      auto dash = text->find('-');
      auto first = Ipv4Address::parse(text->substr(0, dash));
      auto last = dash == std::string::npos ? first : Ipv4Address::parse(text->substr(dash + 1));
      if (!first || !last || *last < *first) {
        r.fail(*items[i], key, "'" + *text + "' is not a range \"first-last\" with first <= last");
        return;
      }
      if (!s.contains(*first) || !s.contains(*last)) {
        r.fail(*items[i], key, "'" + *text + "' is not inside " + *net);
        return;
      }
      s.pools.push_back({*first, *last});
    }
  }
  s.router = r.address(t, "router", path);
  s.dns = r.address_list(t, "dns", path);
  if (auto d = r.string(t, "domain", path)) s.domain = *d;
  if (auto v = r.integer(t, "lease_time", path, 60, 0xFFFFFFFELL)) s.lease_time = static_cast<std::uint32_t>(*v);
  if (const toml::table* opts = r.table(t, "options", path)) read_options(r, *opts, path + ".options", s.options);
  if (const toml::table* opts = r.table(t, "force_options", path)) read_options(r, *opts, path + ".force_options", s.force_options);
  for (const auto& f : s.force_options) {
    if (std::any_of(s.options.begin(), s.options.end(), [&](const RawOption& o) { return o.code == f.code; })) {
      r.fail(*t.get("force_options"), path + ".force_options." + std::to_string(f.code), "also in " + path + ".options: give it once");
      return;
    }
  }
  if (s.router && t.get("router") && !r.failed()) check_unicast(r, *t.get("router"), path + ".router", *s.router);
  if (const toml::node* d = t.get("dns"); d && !r.failed()) {
    for (const auto& a : s.dns) check_unicast(r, *d, path + ".dns", a);
  }
}

// [[group]] name = "lab" mode = "local": `groups` ends with the one being read.
void read_group(Reader& r, const toml::table& t, const std::string& path, std::vector<HostGroup>& groups) {
  r.only_keys(t, path, {"name", "mode"});
  HostGroup& g = groups.back();
  auto name = r.string(t, "name", path);
  if (!name || name->empty()) {
    if (!r.failed()) r.fail(t.get("name") ? t.get("name")->source() : t.source(), path + ".name", "missing: every group has a name");
    return;
  }
  for (std::size_t i = 0; i + 1 < groups.size(); ++i) {
    if (groups[i].name == *name) {
      r.fail(*t.get("name"), path + ".name", "group '" + *name + "' is declared twice");
      return;
    }
  }
  g.name = *name;
  g.mode = r.boot_mode(t, "mode", path);
}

void read_host(Reader& r, const toml::table& t, const std::string& path, HostEntry& h) {
  r.only_keys(t, path, {"mac", "ip", "hostname", "boot", "group", "file", "vars"});
  auto mac = r.string(t, "mac", path);
  if (!mac) {
    if (!t.get("mac")) r.fail(t.source(), path + ".mac", "missing (every host is keyed by its MAC address)");
    return;
  }
  auto m = MacAddress::parse(*mac);
  if (!m) {
    r.fail(*t.get("mac"), path + ".mac", "'" + *mac + "' is not a MAC address (52:54:00:12:34:56)");
    return;
  }
  h.mac = *m;
  h.ip = r.address(t, "ip", path);
  if (h.ip && !r.failed()) check_unicast(r, *t.get("ip"), path + ".ip", *h.ip);
  if (auto n = r.string(t, "hostname", path)) h.hostname = *n;
  h.boot = r.boot_mode(t, "boot", path);
  if (auto g = r.string(t, "group", path)) h.group = *g;
  if (const toml::node* f = t.get("file")) {
    if (f->is_string()) h.file = r.file_name(*f, path + ".file").value_or("");
    else if (f->is_table()) h.file_by_arch = r.arch_map(*f->as_table(), path + ".file", &h.file_any_arch);
    else r.fail(*f, path + ".file", "must be a file name or a table architecture -> file name");
  }
  if (const toml::table* vars = r.table(t, "vars", path)) {
    for (auto&& [k, v] : *vars) {
      if (!v.is_string() && !v.is_integer() && !v.is_boolean()) {
        r.fail(v, path + ".vars." + std::string(k.str()), "must be a string, integer or boolean");
        return;
      }
      std::ostringstream text;
      if (v.is_string()) text << *v.value<std::string>();
      else if (v.is_integer()) text << *v.value<std::int64_t>();
      else text << (*v.value<bool>() ? "true" : "false");
      h.vars[std::string(k.str())] = text.str();
    }
  }
}

void read_boot(Reader& r, const toml::table& t, BootConfig& b) {
  const std::string path = "boot";
  r.only_keys(t, path, {"file", "default_file", "ipxe_script", "ipxe_binary", "nul_terminate_file", "tftp_server_name", "next_server", "default_mode", "menu"});
  if (const toml::table* f = r.table(t, "file", path)) b.file_by_arch = r.arch_map(*f, "boot.file", &b.any_arch_file);
  if (auto f = r.file_name(t, "default_file", path)) b.default_file = *f;
  if (auto f = r.file_name(t, "ipxe_script", path)) b.ipxe_script = *f;
  if (const toml::table* f = r.table(t, "ipxe_binary", path)) b.ipxe_binary_by_arch = r.arch_map(*f, "boot.ipxe_binary");
  if (auto v = r.boolean(t, "nul_terminate_file", path)) b.nul_terminate_file = *v;
  if (auto v = r.string(t, "tftp_server_name", path)) b.tftp_server_name = *v;
  b.next_server = r.address(t, "next_server", path);
  if (b.next_server && !r.failed()) check_unicast(r, *t.get("next_server"), "boot.next_server", *b.next_server);
  if (auto m = r.boot_mode(t, "default_mode", path, false)) b.default_mode = *m;
  if (const toml::table* menu = r.table(t, "menu", path)) {
    r.only_keys(*menu, "boot.menu", {"prompt", "timeout", "item"});
    if (auto p = r.string(*menu, "prompt", "boot.menu")) b.menu.prompt = *p;
    if (auto v = r.integer(*menu, "timeout", "boot.menu", 0, 255)) b.menu.timeout_s = static_cast<std::uint8_t>(*v);
    if (const toml::node* items = menu->get("item")) {
      const toml::array* arr = items->as_array();
      if (!arr) {
        r.fail(*items, "boot.menu.item", "must be an array of tables ([[boot.menu.item]])");
        return;
      }
      std::size_t i = 0;
      for (const auto& node : *arr) {
        std::string ipath = "boot.menu.item[" + std::to_string(i++) + "]";
        const toml::table* it = node.as_table();
        if (!it) {
          r.fail(node, ipath, "must be a table");
          return;
        }
        r.only_keys(*it, ipath, {"type", "description", "file"});
        MenuItem item;
        if (auto v = r.integer(*it, "type", ipath, 0, 65535)) item.type = static_cast<std::uint16_t>(*v);
        if (auto d = r.string(*it, "description", ipath)) item.description = *d;
        if (const toml::node* f = it->get("file")) {
          if (f->is_string()) item.file = r.file_name(*f, ipath + ".file").value_or("");
          else if (f->is_table()) item.file_by_arch = r.arch_map(*f->as_table(), ipath + ".file", &item.file_any_arch);
          else r.fail(*f, ipath + ".file", "must be a file name or a table architecture -> file name");
        }
        if (item.description.empty() || item.description.size() > 255) {
          r.fail(*it, ipath + ".description", "needs 1..255 characters (PXE 2.1 §2.2.6 boot menu)");
          return;
        }
        if (item.type != 0 && !item.has_file() && !r.failed()) {
          r.fail(*it, ipath + ".file", "items other than type 0 (local boot) need a boot file");
          return;
        }
        b.menu.items.push_back(std::move(item));
      }
    }
  }
}

void read_tftp(Reader& r, const toml::table& t, TftpConfig& c, const std::string& base_dir,
               std::map<std::string, std::string>& cfg_locations) {
  const std::string path = "tftp";
  r.only_keys(t, path, {"root", "max_transfers", "transfer_timeout", "retransmit_ms", "retries", "max_blksize", "max_windowsize", "rollover_to", "allow_write", "max_write_bytes", "cache_bytes", "templates"});
  if (auto s = r.string(t, "root", path)) {
    c.root = resolve(base_dir, *s);
    cfg_locations["tftp.root"] = location(r, *t.get("root"));
  }
  if (auto v = r.integer(t, "max_transfers", path, 1, 100000)) c.max_transfers = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer(t, "transfer_timeout", path, 1, 3600)) c.transfer_timeout_s = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer(t, "retransmit_ms", path, 10, 60000)) c.retransmit_ms = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer(t, "retries", path, 0, 100)) c.retries = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer(t, "max_blksize", path, 8, 65464)) c.max_blksize = static_cast<std::uint16_t>(*v);  // RFC 2348
  if (auto v = r.integer(t, "max_windowsize", path, 1, 65535)) c.max_windowsize = static_cast<std::uint16_t>(*v);  // RFC 7440
  if (auto v = r.integer(t, "rollover_to", path, 0, 1)) c.rollover_to = static_cast<std::uint16_t>(*v);
  if (auto v = r.boolean(t, "allow_write", path)) c.allow_write = *v;
  if (auto v = r.integer(t, "max_write_bytes", path, 0, std::int64_t{1} << 40)) c.max_write_bytes = static_cast<std::uint64_t>(*v);
  if (auto v = r.integer(t, "cache_bytes", path, 0, std::int64_t{1} << 40)) c.cache_bytes = static_cast<std::uint64_t>(*v);
  if (const toml::node* n = t.get("templates")) {
    cfg_locations["tftp.templates"] = location(r, *n);
    const toml::array* arr = n->as_array();
    if (!arr) r.fail(*n, "tftp.templates", "must be an array of image names");
    for (std::size_t i = 0; arr && i < arr->size(); ++i) {
      const auto* name = arr->get(i)->as_string();
      if (!name || name->get().empty()) {
        r.fail(*arr->get(i), "tftp.templates[" + std::to_string(i) + "]", "must be a non-empty image name");
        continue;
      }
      c.templates.push_back(name->get());
    }
  }
}

// Cross-checks that need the whole file.
void validate(Reader& r, const toml::table& root, ServerConfig& c) {
  if (c.mode == ServerMode::Dhcp && c.subnets.empty()) {
    r.fail(root.source(), "subnet", "mode \"dhcp\" needs at least one [[subnet]]");
    return;
  }
  const toml::array* subnets = root.get("subnet") ? root.get("subnet")->as_array() : nullptr;
  for (std::size_t i = 0; i < c.subnets.size() && subnets; ++i) {
    const auto& s = c.subnets[i];
    const toml::table* st = subnets->get(i) ? subnets->get(i)->as_table() : nullptr;
    if (!st) continue;
    std::string key = "subnet[" + std::to_string(i) + "]";
    for (std::size_t j = 0; j < i; ++j) {
      const auto& o = c.subnets[j];
      // Two prefixes overlap when the shorter one contains the other's network.
      if (s.contains(o.network) || o.contains(s.network)) {
        r.fail(st->get("network") ? *st->get("network") : static_cast<const toml::node&>(*st), key + ".network",
               s.network.to_string() + "/" + std::to_string(s.prefix_length) + " overlaps subnet[" + std::to_string(j) +
                   "] " + o.network.to_string() + "/" + std::to_string(o.prefix_length));
        return;
      }
    }
    if (s.lease_time) {
      check_t1_t2(r, *st, key, *s.lease_time, c);
      if (r.failed()) return;
    }
  }
  std::set<MacAddress> macs;
  std::set<Ipv4Address> ips;
  const toml::array* hosts = root.get("host") ? root.get("host")->as_array() : nullptr;
  for (std::size_t i = 0; i < c.hosts.size(); ++i) {
    const auto& h = c.hosts[i];
    const toml::node& where = hosts ? *hosts->get(i) : static_cast<const toml::node&>(root);
    std::string key = "host[" + std::to_string(i) + "]";
    if (!macs.insert(h.mac).second) {
      r.fail(where, key + ".mac", h.mac.to_string() + " appears twice in the host table");
      return;
    }
    if (!h.ip) continue;
    if (!ips.insert(*h.ip).second) {
      r.fail(where, key + ".ip", h.ip->to_string() + " is given to two hosts");
      return;
    }
    if (c.mode != ServerMode::Proxy &&
        std::none_of(c.subnets.begin(), c.subnets.end(), [&](const Subnet& s) { return s.contains(*h.ip); })) {
      r.fail(where, key + ".ip", h.ip->to_string() + " is in no [[subnet]]");
      return;
    }
  }
}


}  // namespace

Result<ServerConfig> parse_server_config(std::string_view text, const std::string& source) {
  auto parsed = sim::parse_toml(text, source);
  if (!parsed) return parsed.error();
  const toml::table& root = *parsed;
  std::string base_dir = std::filesystem::path(source).parent_path().string();
  if (base_dir.empty()) base_dir = ".";

  Reader r(source);
  ServerConfig c;
  c.source = source;
  r.only_keys(root, "", {"server", "subnet", "group", "host", "boot", "tftp", "faults", "schedule"});
  if (const toml::table* t = r.table(root, "server", "")) read_server(r, *t, c, base_dir);
  else if (!r.failed()) r.fail(root.source(), "server", "missing [server] table");

  auto read_array = [&](std::string_view key, auto&& read_one) {
    const toml::node* n = root.get(key);
    if (!n || r.failed()) return;
    const toml::array* arr = n->as_array();
    if (!arr) {
      r.fail(*n, std::string(key), "must be an array of tables ([[" + std::string(key) + "]])");
      return;
    }
    std::size_t i = 0;
    for (const auto& item : *arr) {
      std::string path = std::string(key) + "[" + std::to_string(i++) + "]";
      if (!item.is_table()) {
        r.fail(item, path, "must be a table");
        return;
      }
      read_one(*item.as_table(), path);
      if (r.failed()) return;
    }
  };
  read_array("subnet", [&](const toml::table& t, const std::string& path) {
    c.subnets.emplace_back();
    read_subnet(r, t, path, c.subnets.back());
  });
  read_array("group", [&](const toml::table& t, const std::string& path) {
    c.groups.emplace_back();
    read_group(r, t, path, c.groups);
  });
  read_array("host", [&](const toml::table& t, const std::string& path) {
    c.hosts.emplace_back();
    read_host(r, t, path, c.hosts.back());
    // The group must be declared ([[group]] anywhere in the file: groups are read first).
    if (!r.failed() && !c.hosts.back().group.empty() && !c.find_group(c.hosts.back().group)) {
      r.fail(*t.get("group"), path + ".group", "no [[group]] named '" + c.hosts.back().group + "'");
    }
  });
  read_array("schedule", [&](const toml::table& t, const std::string& path) {
    c.schedules.emplace_back();
    read_schedule_entry(r, t, path, c.schedules.back());
  });
  if (!r.failed()) {
    if (const toml::table* t = r.table(root, "boot", "")) read_boot(r, *t, c.boot);
  }
  if (!r.failed()) {
    if (const toml::table* t = r.table(root, "tftp", "")) read_tftp(r, *t, c.tftp, base_dir, c.key_locations);
  }
  if (!r.failed()) {
    if (const toml::table* t = r.table(root, "faults", "")) read_faults(r, *t, c.faults);
  }
  if (!r.failed()) validate(r, root, c);
  if (!r.failed()) validate_schedules(r, root, c);
  if (r.failed()) return r.take_error();
  return c;
}

Result<ServerConfig> load_server_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"", 0, "cannot open configuration file: " + std::string(std::strerror(errno)), path};
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_server_config(ss.str(), path);
}

}  // namespace pxelab::server
