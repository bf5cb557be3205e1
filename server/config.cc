// ServerConfig's small helpers that need no TOML: names of the modes, architecture
// names (parse_arch), the options the server owns, key locations, the host table.
// The TOML reader is config_toml.cc.
#include "server/config.h"

namespace pxelab::server {

namespace {

// RFC 4578 §2.1 and the IANA "Processor Architecture Types" registry.
struct ArchName {
  std::uint16_t code;
  std::string_view name;
};
constexpr ArchName kArchNames[] = {
    {0, "bios"},          {6, "ia32-efi"},  {7, "x64-efi"},   {9, "x64-efi-alt"},
    {10, "arm32-efi"},    {11, "arm64-efi"}, {16, "x64-efi-http"}, {19, "arm64-efi-http"},
};

}  // namespace

std::string_view to_string(ServerMode m) {
  switch (m) {
    case ServerMode::Dhcp: return "dhcp";
    case ServerMode::Proxy: return "proxy";
    case ServerMode::Bootp: return "bootp";
  }
  return "?";
}

std::string_view to_string(BootMode m) {
  switch (m) {
    case BootMode::Network: return "network";
    case BootMode::Local: return "local";
    case BootMode::Menu: return "menu";
    case BootMode::Once: return "once";
  }
  return "?";
}

std::optional<BootMode> parse_boot_mode(std::string_view text) {
  for (BootMode m : {BootMode::Network, BootMode::Local, BootMode::Menu, BootMode::Once}) {
    if (to_string(m) == text) return m;
  }
  return std::nullopt;
}

std::optional<std::uint16_t> parse_arch(std::string_view text) {
  for (const auto& a : kArchNames) {
    if (a.name == text) return a.code;
  }
  if (text.empty() || text.size() > 5) return std::nullopt;
  std::uint32_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (v > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

bool server_owned_option(std::uint8_t code) {
  switch (code) {
    case 0: case 50: case 51: case 52: case 53: case 54: case 55: case 57: case 58: case 59: case 61: case 82: case 255:
      return true;
    default:
      return false;
  }
}

std::string ServerConfig::where(const std::string& key) const {
  auto it = key_locations.find(key);
  return it == key_locations.end() ? source : it->second;
}

const HostEntry* ServerConfig::find_host(const wire::MacAddress& mac) const {
  for (const auto& h : hosts) {
    if (h.mac == mac) return &h;
  }
  return nullptr;
}

const HostGroup* ServerConfig::find_group(std::string_view name) const {
  for (const auto& g : groups) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

BootMode ServerConfig::boot_mode_of(const HostEntry* host) const {
  if (host == nullptr) return boot.default_mode;
  if (host->boot) return *host->boot;
  if (const HostGroup* g = host->group.empty() ? nullptr : find_group(host->group); g && g->mode) return *g->mode;
  return boot.default_mode;
}

}  // namespace pxelab::server
