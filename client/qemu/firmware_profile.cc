// TOML -> FirmwareProfile. toml++ reports syntax errors by exception; they are caught
// here and turned into Error values (as in server/config_toml.cc).
#include "client/qemu/firmware_profile.h"

#include <toml++/toml.h>

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "wire/address.h"

namespace pxelab::client::qemu {

namespace {

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}
  bool failed() const { return error_.has_value(); }
  Error take() { return std::move(*error_); }

  void fail(const toml::source_region& where, const std::string& key, std::string what) {
    if (error_) return;
    error_ = Error{key, 0, std::move(what),
                   source_ + ":" + std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column)};
  }

  void only_keys(const toml::table& t, const std::string& path, std::initializer_list<std::string_view> allowed) {
    for (auto&& [k, v] : t) {
      if (std::find(allowed.begin(), allowed.end(), k.str()) != allowed.end()) continue;
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      fail(k.source(), path.empty() ? std::string(k.str()) : path + "." + std::string(k.str()),
           "unknown key (expected one of: " + list + ")");
      return;
    }
  }

  std::string string(const toml::table& t, std::string_view key, const std::string& path, bool required) {
    const toml::node* n = t.get(key);
    std::string name = path.empty() ? std::string(key) : path + "." + std::string(key);
    if (!n) {
      if (required) fail(t.source(), name, "missing");
      return {};
    }
    if (auto s = n->value<std::string>()) {
      // A required string must say something: an empty id, marker or boot file would
      // make a profile nothing can be launched or judged by (found by fuzz_firmware_profile).
      if (required && s->empty()) fail(n->source(), name, "must not be empty");
      return *s;
    }
    fail(n->source(), name, "must be a string");
    return {};
  }

  double number(const toml::table& t, std::string_view key, double fallback) {
    const toml::node* n = t.get(key);
    if (!n) return fallback;
    if (auto d = n->value<double>(); d && *d > 0) return *d;
    fail(n->source(), std::string(key), "must be a positive number of seconds");
    return fallback;
  }

  std::vector<std::string> strings(const toml::table& t, std::string_view key) {
    std::vector<std::string> out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    const toml::array* a = n->as_array();
    if (!a) {
      fail(n->source(), std::string(key), "must be an array of strings");
      return out;
    }
    for (const auto& e : *a) {
      if (auto s = e.value<std::string>()) out.push_back(*s);
      else fail(e.source(), std::string(key), "must be an array of strings");
    }
    return out;
  }

  // { path = "...", package = "..." }
  RequiredFile required(const toml::node& n, const std::string& path) {
    const toml::table* t = n.as_table();
    if (!t) {
      fail(n.source(), path, "must be a table { path = \"...\", package = \"...\" }");
      return {};
    }
    only_keys(*t, path, {"path", "package"});
    return RequiredFile{string(*t, "path", path, true), string(*t, "package", path, true)};
  }

  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::optional<Error> error_;
};

// The sections are read in this order and Reader keeps the first error, so a profile
// with several mistakes reports the same one it always did.

// The top-level keys, id, description, personality and arch (option 93).
void read_identity(Reader& r, const toml::table& root, FirmwareProfile& p) {
  r.only_keys(root, "", {"id", "description", "arch", "personality", "qemu", "args", "requires", "vars_template",
                         "marker", "marker_status", "marker_partial_line", "failure", "expected_seconds", "deadline_seconds", "server", "tftp", "known", "fidelity_scope"});
  p.id = r.string(root, "id", "", true);
  p.description = r.string(root, "description", "", false);
  p.personality = r.string(root, "personality", "", false);
  if (const toml::node* a = root.get("arch")) {
    auto v = a->value<std::int64_t>();
    if (!v || *v < 0 || *v > 0xffff) r.fail(a->source(), "arch", "must be an option 93 code, 0..65535");
    else p.arch = static_cast<std::uint16_t>(*v);
  } else {
    r.fail(root.source(), "arch", "missing");
  }
}

// How it is launched and judged: qemu, args, requires, vars_template, marker, times.
void read_launch(Reader& r, const toml::table& root, FirmwareProfile& p) {
  if (const toml::node* q = root.get("qemu")) p.qemu = r.required(*q, "qemu");
  else r.fail(root.source(), "qemu", "missing");
  p.args = r.strings(root, "args");
  if (p.args.empty() && !r.failed()) r.fail(root.source(), "args", "missing (the QEMU command line)");
  if (const toml::node* req = root.get("requires")) {
    if (const toml::array* a = req->as_array()) {
      for (const auto& e : *a) p.requires_files.push_back(r.required(e, "requires"));
    } else {
      r.fail(req->source(), "requires", "must be an array of { path, package }");
    }
  }
  if (const toml::node* v = root.get("vars_template")) p.vars_template = r.required(*v, "vars_template");
  p.marker = r.string(root, "marker", "", true);
  if (const toml::node* n = root.get("marker_partial_line")) {
    if (auto b = n->value<bool>()) p.marker_partial_line = *b;
    else r.fail(n->source(), "marker_partial_line", "must be true or false");
  }
  if (const std::string st = r.string(root, "marker_status", "", false); st == "local-boot") {
    p.marker_local_boot = true;
  } else if (!st.empty() && st != "booted") {
    r.fail(root.get("marker_status")->source(), "marker_status", "'" + st + "' is not one of: booted, local-boot");
  }
  p.expected_seconds = r.number(root, "expected_seconds", p.expected_seconds);
  p.deadline_seconds = r.number(root, "deadline_seconds", p.deadline_seconds);
}

// The array of tables `key` ([[failure]], [[tftp]], [[known]]): `each` gets every
// table and its path ("tftp[2]"); an entry that is no table fails.
template <typename Each>
void read_tables(Reader& r, const toml::table& root, const std::string& key, Each&& each) {
  const toml::node* n = root.get(key);
  if (!n) return;
  const toml::array* a = n->as_array();
  if (!a) r.fail(n->source(), key, "must be an array of tables ([[" + key + "]])");
  for (std::size_t i = 0; a && i < a->size(); ++i) {
    const toml::table* t = (*a)[i].as_table();
    std::string path = key + "[" + std::to_string(i) + "]";
    if (!t) {
      r.fail((*a)[i].source(), path, "must be a table");
      continue;
    }
    each(*t, path);
  }
}

void read_failures(Reader& r, const toml::table& root, FirmwareProfile& p) {
  read_tables(r, root, "failure", [&](const toml::table& t, const std::string& path) {
    r.only_keys(t, path, {"pattern", "code", "fatal"});
    FailurePattern fp{r.string(t, "pattern", path, true), r.string(t, "code", path, true), true};
    if (const toml::node* fat = t.get("fatal")) {
      if (auto b = fat->value<bool>()) fp.fatal = *b;
      else r.fail(fat->source(), path + ".fatal", "must be true or false");
    }
    p.failures.push_back(std::move(fp));
  });
}

// [server]: what the reference server hands this firmware.
void read_server(Reader& r, const toml::table& root, FirmwareProfile& p) {
  const toml::node* s = root.get("server");
  if (!s) {
    r.fail(root.source(), "server", "missing ([server] boot_file = ...)");
    return;
  }
  const toml::table* t = s->as_table();
  if (!t) {
    r.fail(s->source(), "server", "must be a table");
    return;
  }
  r.only_keys(*t, "server", {"boot_file", "ipxe_script", "tftp_server_name", "no_siaddr", "next_server", "nothing_to_boot"});
  if (const toml::node* nb = t->get("nothing_to_boot")) {
    if (auto b = nb->value<bool>()) p.nothing_to_boot = *b;
    else r.fail(nb->source(), "server.nothing_to_boot", "must be true or false");
  }
  if (p.nothing_to_boot && t->get("boot_file")) {
    r.fail(t->get("boot_file")->source(), "server.boot_file", "not with nothing_to_boot = true (the server names no boot file)");
  }
  p.boot_file = r.string(*t, "boot_file", "server", !p.nothing_to_boot);
  p.ipxe_script = r.string(*t, "ipxe_script", "server", false);
  p.tftp_server_name = r.string(*t, "tftp_server_name", "server", false);
  p.next_server = r.string(*t, "next_server", "server", false);
  if (const toml::node* ns = t->get("no_siaddr")) {
    if (auto b = ns->value<bool>()) p.no_siaddr = *b;
    else r.fail(ns->source(), "server.no_siaddr", "must be true or false");
  }
  if (!p.next_server.empty() && !wire::Ipv4Address::parse(p.next_server)) {
    r.fail(t->get("next_server")->source(), "server.next_server", "'" + p.next_server + "' is not an IPv4 address");
  }
}

// [[tftp]]: the files of the TFTP root, from a package's path or as text.
void read_tftp(Reader& r, const toml::table& root, FirmwareProfile& p) {
  read_tables(r, root, "tftp", [&](const toml::table& t, const std::string& path) {
    r.only_keys(t, path, {"name", "path", "package", "text", "wrap"});
    TftpEntry e;
    e.name = r.string(t, "name", path, true);
    std::string from = r.string(t, "path", path, false);
    e.text = r.string(t, "text", path, false);
    e.wrap = r.string(t, "wrap", path, false);
    if (!e.wrap.empty() && e.wrap != "uboot-script") r.fail(t.source(), path + ".wrap", "unknown (expected: uboot-script)");
    if (!from.empty()) e.from = RequiredFile{from, r.string(t, "package", path, true)};
    if (from.empty() == !t.contains("text")) r.fail(t.source(), path, "needs exactly one of path (+ package) or text");
    if (e.name.empty() || e.name.front() == '/' || e.name.find("..") != std::string::npos) {
      r.fail(t.source(), path + ".name", "must be a relative path inside the TFTP root");
    }
    p.tftp.push_back(std::move(e));
  });
}

// fidelity_scope and [[known]]: how the emulated client is compared with this firmware.
void read_fidelity(Reader& r, const toml::table& root, FirmwareProfile& p) {
  if (std::string scope = r.string(root, "fidelity_scope", "", false); !scope.empty()) {
    if (scope == "nbp") p.fidelity_until_nbp = true;
    else if (scope != "all") r.fail(root.get("fidelity_scope")->source(), "fidelity_scope", "must be \"all\" or \"nbp\"");
  }
  read_tables(r, root, "known", [&](const toml::table& t, const std::string& path) {
    r.only_keys(t, path, {"aspect", "reason", "sometimes"});
    KnownDifference k{r.string(t, "aspect", path, true), r.string(t, "reason", path, true), false};
    if (const toml::node* so = t.get("sometimes")) k.sometimes = so->value<bool>().value_or(false);
    p.known.push_back(std::move(k));
  });
}

}  // namespace

Result<FirmwareProfile> parse_firmware_profile(std::string_view text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    return Error{"", 0, std::string(e.description()), source + ":" + std::to_string(b.line) + ":" + std::to_string(b.column)};
  }
  Reader r(source);
  FirmwareProfile p;
  p.source = source;
  read_identity(r, root, p);
  read_launch(r, root, p);
  read_failures(r, root, p);
  read_server(r, root, p);
  read_tftp(r, root, p);
  read_fidelity(r, root, p);
  if (r.failed()) return r.take();
  return p;
}

Result<FirmwareProfile> load_firmware_profile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"", 0, "cannot read firmware profile " + path};
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_firmware_profile(ss.str(), path);
}

std::string default_profile_dir() {
  if (const char* env = std::getenv("PXELAB_FIRMWARE_DIR"); env && *env) return env;
#ifdef PXELAB_FIRMWARE_DIR_DEFAULT
  if (::access(PXELAB_FIRMWARE_DIR_DEFAULT, R_OK) == 0) return PXELAB_FIRMWARE_DIR_DEFAULT;
#endif
  return "client/qemu/firmware";
}

std::vector<std::string> list_firmware_profiles(const std::string& dir) {
  std::vector<std::string> ids;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return ids;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".toml") == 0) ids.push_back(name.substr(0, name.size() - 5));
  }
  ::closedir(d);
  std::sort(ids.begin(), ids.end());
  return ids;
}

Result<FirmwareProfile> find_firmware_profile(const std::string& dir, const std::string& id) {
  auto ids = list_firmware_profiles(dir);
  if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
    std::string known;
    for (const auto& i : ids) known += (known.empty() ? "" : ", ") + i;
    return Error{"", 0, "no firmware profile '" + id + "' in " + dir + (known.empty() ? " (none there)" : " (known: " + known + ")")};
  }
  auto p = load_firmware_profile(dir + "/" + id + ".toml");
  if (p && p->id != id) return Error{"id", 0, "profile " + dir + "/" + id + ".toml says id = '" + p->id + "'"};
  return p;
}

std::string resolve_qemu_binary(const FirmwareProfile& profile) {
  const std::string& bin = profile.qemu.path;
  if (bin.find('/') != std::string::npos) return ::access(bin.c_str(), X_OK) == 0 ? bin : std::string();
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + bin;
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

std::vector<std::string> missing_requirements(const FirmwareProfile& profile) {
  std::vector<std::string> missing;
  auto need = [&](const RequiredFile& f) {
    if (::access(f.path.c_str(), R_OK) != 0) missing.push_back(f.path + " (package " + f.package + ")");
  };
  if (resolve_qemu_binary(profile).empty()) missing.push_back(profile.qemu.path + " (package " + profile.qemu.package + ")");
  for (const auto& f : profile.requires_files) need(f);
  if (profile.vars_template) need(*profile.vars_template);
  for (const auto& t : profile.tftp) {
    if (t.from) need(*t.from);
  }
  return missing;
}

}  // namespace pxelab::client::qemu
