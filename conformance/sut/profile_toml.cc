// TOML -> Profile. The only file of conformance/sut/ that includes toml++.
#include <algorithm>
#include <filesystem>

#include "conformance/sut/profile.h"
#include "sim/toml_reader.h"

namespace pxelab::sut {

namespace {

constexpr std::string_view kTftpOptions[] = {"blksize", "tsize", "timeout", "windowsize"};

int signal_number(const std::string& name) {
  static constexpr std::pair<std::string_view, int> kSignals[] = {
      {"TERM", 15}, {"INT", 2}, {"HUP", 1}, {"QUIT", 3}, {"KILL", 9}, {"USR1", 10}, {"USR2", 12}};
  for (auto [n, v] : kSignals) {
    if (name == n || name == "SIG" + std::string(n)) return v;
  }
  return 0;
}

void read_capabilities(sim::TomlReader& r, const toml::table& t, Capabilities& c) {
  r.only_keys(t, "capabilities", {"dhcp", "proxy_dhcp", "boot_server_4011", "bootp", "relay_option82", "host_table",
                                  "arch_boot_files", "ipxe_script", "menus", "tftp", "uploads", "tftp_options"});
  auto flag = [&](std::string_view key, bool& out) {
    if (auto v = r.boolean(t, key, "capabilities")) out = *v;
  };
  flag("dhcp", c.dhcp);
  flag("proxy_dhcp", c.proxy_dhcp);
  flag("boot_server_4011", c.boot_server_4011);
  flag("bootp", c.bootp);
  flag("relay_option82", c.relay_option82);
  flag("host_table", c.host_table);
  flag("arch_boot_files", c.arch_boot_files);
  flag("ipxe_script", c.ipxe_script);
  flag("menus", c.menus);
  flag("tftp", c.tftp);
  flag("uploads", c.uploads);
  if (auto opts = r.string_list(t, "tftp_options", "capabilities")) {
    for (const auto& o : *opts) {
      if (std::find(std::begin(kTftpOptions), std::end(kTftpOptions), o) == std::end(kTftpOptions)) {
        r.fail(*t.get("tftp_options"), "capabilities.tftp_options", "'" + o + "' is not one of blksize, tsize, timeout, windowsize");
      }
    }
    c.tftp_options = *opts;
  }
}

void read_process(sim::TomlReader& r, const toml::table& t, const std::string& path, ProcessProfile& p) {
  r.only_keys(t, path, {"name", "command", "validate", "ready", "stop_signal", "stop_grace_s"});
  p.name = r.string(t, "name", path).value_or("");
  if (p.name.empty() && !r.failed()) r.fail(t.source(), path + ".name", "every process needs a name");
  p.command = r.string_list(t, "command", path).value_or(std::vector<std::string>{});
  if (p.command.empty() && !r.failed()) r.fail(t.source(), path + ".command", "a process needs a command (an array of arguments)");
  p.validate = r.string_list(t, "validate", path).value_or(std::vector<std::string>{});
  if (const toml::table* ready = r.table(t, "ready", path)) {
    const std::string rp = path + ".ready";
    r.only_keys(*ready, rp, {"udp", "log", "timeout_s"});
    for (auto port : r.integer_list(*ready, "udp", rp, 1, 65535).value_or(std::vector<std::int64_t>{})) {
      p.ready.udp_ports.push_back(static_cast<int>(port));
    }
    p.ready.log = r.string(*ready, "log", rp).value_or("");
    p.ready.timeout_s = r.number(*ready, "timeout_s", rp, 0.1, 600).value_or(10);
    if (p.ready.udp_ports.empty() && p.ready.log.empty() && !r.failed()) {
      r.fail(ready->source(), rp, "a readiness probe needs udp ports or a log pattern");
    }
  } else if (!r.failed()) {
    r.fail(t.source(), path + ".ready", "every process needs a readiness probe (ready = { udp = [67] })");
  }
  if (auto s = r.string(t, "stop_signal", path)) {
    p.stop_signal = signal_number(*s);
    if (p.stop_signal == 0) r.fail(*t.get("stop_signal"), path + ".stop_signal", "'" + *s + "' is not TERM, INT, HUP, QUIT, KILL, USR1 or USR2");
  }
  p.stop_grace_s = r.number(t, "stop_grace_s", path, 0, 120).value_or(5);
}

}  // namespace

bool Capabilities::has_tftp_option(const std::string& o) const {
  return std::find(tftp_options.begin(), tftp_options.end(), o) != tftp_options.end();
}

std::optional<bool> Capabilities::claims(const std::string& name) const {
  const std::pair<std::string_view, bool> flags[] = {
      {"dhcp", dhcp},         {"proxy_dhcp", proxy_dhcp}, {"boot_server_4011", boot_server_4011},
      {"bootp", bootp},       {"relay_option82", relay_option82}, {"host_table", host_table},
      {"arch_boot_files", arch_boot_files}, {"ipxe_script", ipxe_script}, {"menus", menus},
      {"tftp", tftp},         {"uploads", uploads}};
  for (auto [k, v] : flags) {
    if (name == k) return v;
  }
  if (std::find(std::begin(kTftpOptions), std::end(kTftpOptions), name) != std::end(kTftpOptions)) {
    return has_tftp_option(name);
  }
  return std::nullopt;
}

Result<Profile> parse_profile(std::string_view text, const std::string& source) {
  auto parsed = sim::parse_toml(text, source);
  if (!parsed) return parsed.error();
  const toml::table& root = *parsed;
  sim::TomlReader r(source);
  Profile p;
  p.source = source;
  r.only_keys(root, "", {"profile", "capabilities", "config", "process", "logs"});
  if (const toml::table* t = r.table(root, "profile", "")) {
    r.only_keys(*t, "profile", {"name", "description", "kind", "packages", "modes"});
    p.name = r.string(*t, "name", "profile").value_or("");
    p.description = r.string(*t, "description", "profile").value_or("");
    p.kind = r.string(*t, "kind", "profile").value_or("template");
    if (p.kind != "template" && p.kind != "command" && !r.failed()) {
      r.fail(*t->get("kind"), "profile.kind", "'" + p.kind + "' is not template or command");
    }
    p.packages = r.string_list(*t, "packages", "profile").value_or(std::vector<std::string>{});
    p.modes = r.string_list(*t, "modes", "profile").value_or(std::vector<std::string>{"dhcp"});
    for (const auto& m : p.modes) {
      if (m != "dhcp" && m != "proxy") r.fail(*t->get("modes"), "profile.modes", "'" + m + "' is not dhcp or proxy");
    }
  }
  if (p.name.empty() && !r.failed()) r.fail(root.source(), "profile.name", "a profile needs [profile] name");
  if (const toml::table* t = r.table(root, "capabilities", "")) read_capabilities(r, *t, p.capabilities);
  if (const toml::array* configs = r.array(root, "config", "")) {
    for (std::size_t i = 0; i < configs->size(); ++i) {
      const std::string path = "config[" + std::to_string(i) + "]";
      const toml::table* t = (*configs)[i].as_table();
      if (!t) {
        r.fail((*configs)[i], path, "must be a table (a [[config]] entry)");
        break;
      }
      r.only_keys(*t, path, {"file", "template"});
      ConfigTemplate c;
      c.file = r.string(*t, "file", path).value_or("");
      c.text = r.string(*t, "template", path).value_or("");
      if (const toml::node* n = t->get("template")) c.line = static_cast<int>(n->source().begin.line);
      if ((c.file.empty() || c.file.find('/') != std::string::npos || c.file[0] == '.') && !r.failed()) {
        r.fail(t->source(), path + ".file", "a plain file name is needed (it is written in the run directory)");
      }
      p.configs.push_back(std::move(c));
    }
  }
  if (const toml::array* procs = r.array(root, "process", "")) {
    for (std::size_t i = 0; i < procs->size(); ++i) {
      const std::string path = "process[" + std::to_string(i) + "]";
      const toml::table* t = (*procs)[i].as_table();
      if (!t) {
        r.fail((*procs)[i], path, "must be a table (a [[process]] entry)");
        break;
      }
      ProcessProfile pp;
      read_process(r, *t, path, pp);
      p.processes.push_back(std::move(pp));
    }
  }
  if (p.kind == "command" && !p.configs.empty() && !r.failed()) {
    r.fail(root.source(), "config", "a profile of kind \"command\" renders no [[config]]: its config file is --config FILE ({{user_config}})");
  }
  if (p.processes.empty() && !r.failed()) r.fail(root.source(), "process", "a profile needs at least one [[process]]");
  p.logs = r.string_list(root, "logs", "").value_or(std::vector<std::string>{});
  if (r.failed()) return r.take_error();
  return p;
}

Result<Profile> load_profile(const std::string& path) {
  auto text = sim::read_text_file(path);
  if (!text) return text.error();
  return parse_profile(*text, path);
}

Result<Profile> find_profile(const std::string& name_or_path, const std::string& dir) {
  if (name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".toml")) return load_profile(name_or_path);
  const std::string path = dir + "/" + name_or_path + ".toml";
  if (!std::filesystem::exists(path)) {
    std::string known;
    for (const auto& n : shipped_profile_names(dir)) known += (known.empty() ? "" : ", ") + n;
    return Error{"", 0, "no profile '" + name_or_path + "' (shipped: " + known + "; or give a path to a profile file)"};
  }
  return load_profile(path);
}

std::vector<std::string> shipped_profile_names(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".toml") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace pxelab::sut

#include <unistd.h>

#include <cstdlib>

namespace pxelab::sut {
std::string default_profile_dir() {
  if (const char* env = std::getenv("PXELAB_SUT_PROFILE_DIR"); env && *env) return env;
#ifdef PXELAB_SUT_PROFILE_DIR_DEFAULT
  if (::access(PXELAB_SUT_PROFILE_DIR_DEFAULT, R_OK) == 0) return PXELAB_SUT_PROFILE_DIR_DEFAULT;
#endif
  return "conformance/sut/profiles";
}
}  // namespace pxelab::sut
