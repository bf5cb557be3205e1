#include "client/boot_config.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "wire/text.h"

namespace pxelab::client {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits "KEYWORD rest" at the first blank.
std::pair<std::string, std::string_view> keyword(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
  return {wire::lowercase(line.substr(0, i)), trim(line.substr(i))};
}

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    auto comma = s.find(',');
    auto part = trim(s.substr(0, comma));
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

std::string first_word(std::string_view s) {
  s = trim(s);
  auto sp = s.find_first_of(" \t");
  return std::string(s.substr(0, sp));
}

}  // namespace

Result<LoaderConfig> parse_loader_config(std::string_view text) {
  LoaderConfig c;
  LoaderLabel* label = nullptr;
  bool any = false;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    auto [kw, rest] = keyword(line);
    if (kw == "say") {
      c.say.emplace_back(rest);
      any = true;
    } else if (kw == "default") {
      c.default_label = std::string(rest);
      any = true;
    } else if (kw == "label") {
      c.labels.push_back(LoaderLabel{std::string(rest), {}, {}, {}, std::nullopt});
      label = &c.labels.back();
      any = true;
    } else if (label && (kw == "kernel" || kw == "linux" || kw == "com32" || kw == "boot" || kw == "bss" ||
                         kw == "pxe" || kw == "fdimage" || kw == "comboot" || kw == "config")) {
      label->kernel = first_word(rest);
    } else if (label && kw == "initrd") {
      label->initrds = split_commas(rest);
    } else if (label && kw == "append") {
      label->append = std::string(rest);
      // "initrd=a,b" inside APPEND names the initrds too (syslinux.txt).
      std::string_view a = rest;
      while (!a.empty()) {
        auto sp = a.find_first_of(" \t");
        std::string_view word = a.substr(0, sp);
        if (word.rfind("initrd=", 0) == 0) label->initrds = split_commas(word.substr(7));
        if (sp == std::string_view::npos) break;
        a = trim(a.substr(sp));
      }
    } else if (label && kw == "localboot") {
      label->localboot = std::atoi(std::string(rest).c_str());
    }
  }
  if (!any) return make_error("config", 0, "no SAY, DEFAULT or LABEL line: not a pxelinux/extlinux configuration");
  return c;
}

Result<LoaderAction> default_action(const LoaderConfig& config) {
  const LoaderLabel* chosen = nullptr;
  if (!config.default_label.empty()) {
    const std::string want = first_word(config.default_label);
    for (const auto& l : config.labels) {
      if (l.name == want) chosen = &l;
    }
    if (!chosen) {  // DEFAULT as a kernel command line
      LoaderAction a;
      a.label = config.default_label;
      a.files.push_back(want);
      return a;
    }
  } else if (!config.labels.empty()) {
    chosen = &config.labels.front();
  }
  if (!chosen) return make_error("config.default", 0, "no DEFAULT and no LABEL: nothing to boot");
  LoaderAction a;
  a.label = chosen->name;
  if (chosen->localboot) {
    a.local_boot = true;
    return a;
  }
  if (chosen->kernel.empty()) return make_error("config.label", 0, "label '" + chosen->name + "' names no kernel");
  a.files.push_back(chosen->kernel);
  for (const auto& i : chosen->initrds) a.files.push_back(i);
  return a;
}

std::string config_mac_name(const wire::MacAddress& mac) {
  char buf[24];
  const auto& o = mac.octets;
  std::snprintf(buf, sizeof buf, "01-%02x-%02x-%02x-%02x-%02x-%02x", o[0], o[1], o[2], o[3], o[4], o[5]);
  return buf;
}

std::string config_hex_ip(wire::Ipv4Address ip) {
  char buf[12];
  std::snprintf(buf, sizeof buf, "%08X", ip.value);
  return buf;
}

std::string config_uuid_name(const std::vector<std::uint8_t>& g) {
  if (g.size() != 16) return {};
  const wire::ByteView u(g);  // RFC 4122 §3: 4-2-2-2-6 octets
  return wire::hex_octets(u.subspan(0, 4)) + "-" + wire::hex_octets(u.subspan(4, 2)) + "-" +
         wire::hex_octets(u.subspan(6, 2)) + "-" + wire::hex_octets(u.subspan(8, 2)) + "-" + wire::hex_octets(u.subspan(10));
}

std::string path_prefix(const std::optional<std::string>& option210, std::string_view boot_file) {
  if (option210) return *option210;
  auto slash = boot_file.find_last_of('/');
  if (slash == std::string_view::npos) return {};
  return std::string(boot_file.substr(0, slash + 1));
}

namespace {

std::string under(const std::string& prefix, std::string_view name) {
  if (!name.empty() && name.front() == '/') return std::string(name);
  return prefix + std::string(name);
}

void common_guesses(std::vector<std::string>& out, const std::string& dir,
                    const std::optional<std::vector<std::uint8_t>>& uuid, const wire::MacAddress& mac,
                    wire::Ipv4Address ip) {
  if (uuid) out.push_back(dir + config_uuid_name(*uuid));
  out.push_back(dir + config_mac_name(mac));
  const std::string hex = config_hex_ip(ip);
  for (std::size_t n = 8; n >= 1; --n) out.push_back(dir + hex.substr(0, n));
}

}  // namespace

std::vector<std::string> pxelinux_config_names(const std::string& prefix, const std::optional<std::string>& option209,
                                               const std::optional<std::vector<std::uint8_t>>& uuid,
                                               const wire::MacAddress& mac, wire::Ipv4Address ip) {
  std::vector<std::string> out;
  if (option209) out.push_back(under(prefix, *option209));
  const std::string dir = prefix + "pxelinux.cfg/";
  common_guesses(out, dir, uuid, mac, ip);
  out.push_back(dir + "default");
  return out;
}

std::vector<std::string> uboot_config_names(const std::string& prefix, const std::optional<std::string>& option209,
                                            const std::optional<std::vector<std::uint8_t>>& uuid,
                                            const wire::MacAddress& mac, wire::Ipv4Address ip,
                                            const std::vector<std::string>& arch_soc_board) {
  if (option209) return {under(prefix, *option209)};  // FW-31: no fallback
  std::vector<std::string> out;
  const std::string dir = prefix + "pxelinux.cfg/";
  common_guesses(out, dir, uuid, mac, ip);
  for (std::size_t n = arch_soc_board.size(); n >= 1; --n) {
    std::string name = "default";
    for (std::size_t i = 0; i < n; ++i) {
      name.push_back('-');
      name.append(arch_soc_board[i]);
    }
    out.push_back(dir + name);
  }
  out.push_back(dir + "default");
  return out;
}

bool is_ipxe_script(std::string_view content) {
  return content.rfind("#!ipxe", 0) == 0 || content.rfind("#!gpxe", 0) == 0;
}

Result<std::vector<IpxeStep>> parse_ipxe_script(std::string_view content) {
  if (!is_ipxe_script(content)) return make_error("script", 0, "does not start with #!ipxe");
  std::vector<IpxeStep> steps;
  bool first = true;
  while (!content.empty()) {
    auto nl = content.find('\n');
    std::string_view line = trim(content.substr(0, nl));
    content = nl == std::string_view::npos ? std::string_view{} : content.substr(nl + 1);
    if (first) {
      first = false;
      continue;
    }
    if (line.empty() || line.front() == '#' || line.front() == ':') continue;
    if (auto bars = line.find("||"); bars != std::string_view::npos) line = trim(line.substr(0, bars));
    if (auto amps = line.find("&&"); amps != std::string_view::npos) line = trim(line.substr(0, amps));
    auto [kw, rest] = keyword(line);
    // Skip flags such as --autofree, --name x, --timeout 5000 (flags with values are
    // written "--name=x" or come before the URL).
    std::string_view arg = rest;
    while (arg.rfind("--", 0) == 0) {
      auto sp = arg.find_first_of(" \t");
      arg = sp == std::string_view::npos ? std::string_view{} : trim(arg.substr(sp));
    }
    if (kw == "kernel" || kw == "initrd" || kw == "imgfetch" || kw == "module" || kw == "imgload") {
      steps.push_back({IpxeStep::Kind::kFetch, first_word(arg)});
    } else if (kw == "chain" || kw == "chainload") {
      steps.push_back({IpxeStep::Kind::kChain, first_word(arg)});
    } else if (kw == "boot" || kw == "imgexec") {
      steps.push_back({IpxeStep::Kind::kBoot, {}});
    } else if (kw == "exit" || kw == "sanboot" || kw == "poweroff" || kw == "reboot") {
      steps.push_back({IpxeStep::Kind::kExit, std::string(kw)});
    } else if (kw == "echo") {
      steps.push_back({IpxeStep::Kind::kEcho, std::string(rest)});
    }
  }
  return steps;
}

namespace {
// Built by append: `"'" + std::string(...)` trips GCC 12's -Wrestrict false positive at -O3.
std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('\'');
  out.append(s);
  out.push_back('\'');
  return out;
}
}  // namespace

Result<FileRef> resolve_file_ref(std::string_view ref, wire::Ipv4Address default_server, std::string_view base_dir) {
  if (ref.rfind("tftp://", 0) == 0) {
    std::string_view rest = ref.substr(7);
    auto slash = rest.find('/');
    std::string_view host = rest.substr(0, slash);
    if (auto colon = host.find(':'); colon != std::string_view::npos) host = host.substr(0, colon);
    auto ip = wire::Ipv4Address::parse(host);
    if (!ip) return make_error("url", 0, quoted(ref) + ": the emulated client resolves no names, only addresses");
    std::string path = slash == std::string_view::npos ? std::string() : std::string(rest.substr(slash + 1));
    return FileRef{*ip, path};
  }
  if (auto scheme = ref.find("://"); scheme != std::string_view::npos) {
    return make_error("url", 0, quoted(ref) + ": scheme " + std::string(ref.substr(0, scheme)) +
                                    " is not emulated (TFTP only)");
  }
  if (!ref.empty() && ref.front() == '/') return FileRef{default_server, std::string(ref)};
  return FileRef{default_server, std::string(base_dir) + std::string(ref)};
}

}  // namespace pxelab::client
