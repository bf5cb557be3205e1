#include "server/boot_choice.h"

#include <charconv>

#include "wire/dhcp_option_values.h"

namespace pxelab::server {

namespace dhcp = wire::dhcp;

namespace {

// "PXEClient:Arch:00007:UNDI:003000" -> 7 (PXE 2.1 §2.2.1 class identifier).
std::optional<std::uint16_t> arch_from_vendor_class(std::string_view v) {
  constexpr std::string_view kPrefix = "PXEClient:Arch:";
  if (v.substr(0, kPrefix.size()) != kPrefix || v.size() < kPrefix.size() + 5) return std::nullopt;
  unsigned value = 0;
  const char* first = v.data() + kPrefix.size();
  auto [ptr, ec] = std::from_chars(first, first + 5, value);
  if (ec != std::errc{} || ptr != first + 5 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

const std::string* lookup(const ArchFileMap& map, std::optional<std::uint16_t> arch) {
  if (!arch) return nullptr;
  auto it = map.find(*arch);
  return it == map.end() ? nullptr : &it->second;
}

// The file for `client` (the order in boot_choice.h) into d.file, d.why and
// d.no_file_for_arch.
void choose_file(const ServerConfig& config, const HostEntry* host, const ClientIdentity& client, BootDecision& d) {
  // PXE-ARCH-FILE (RFC 4578 §2.1): a file named without an architecture (default_file,
  // a host's plain `file`) is a BIOS NBP; it goes to BIOS clients (93 = 0) and to
  // clients that name no architecture (BOOTP, U-Boot without 93, FW-03), never to EFI.
  // Every other architecture needs a file mapped for it, or the explicit `any` entry.
  const bool bios_compatible = !client.arch || *client.arch == 0;
  const std::string* file = nullptr;
  auto any = [](const std::string& f) { return f.empty() ? nullptr : &f; };
  if (client.ipxe && !config.boot.ipxe_script.empty()) {
    file = &config.boot.ipxe_script;
    d.why = "iPXE client: script (FW-44)";
  } else if (host && (file = lookup(host->file_by_arch, client.arch))) {
    d.why = "host " + host->hostname + " arch " + std::to_string(*client.arch);
  } else if (host && bios_compatible && !host->file.empty()) {
    file = &host->file;
    d.why = "host " + host->hostname;
  } else if (host && (file = any(host->file_any_arch))) {
    d.why = "host " + host->hostname + " (any architecture)";
  } else if (!client.ipxe && (file = lookup(config.boot.ipxe_binary_by_arch, client.arch))) {
    d.why = "chainload iPXE for arch " + std::to_string(*client.arch);
  } else if ((file = lookup(config.boot.file_by_arch, client.arch))) {
    d.why = "arch " + std::to_string(*client.arch);
  } else if (bios_compatible && !config.boot.default_file.empty()) {
    file = &config.boot.default_file;
    d.why = client.arch ? "default (BIOS)" : "default";
  } else if ((file = any(config.boot.any_arch_file))) {
    d.why = "boot.file.any";
  } else if (client.arch) {
    d.no_file_for_arch = true;
    d.why = "no boot file for arch " + std::to_string(*client.arch) + " (PXE-ARCH-FILE)";
  }
  if (file) d.file = *file;
}

}  // namespace

namespace {
std::string_view basename_of(std::string_view f) {
  auto slash = f.find_last_of("/\\");
  return slash == std::string_view::npos ? f : f.substr(slash + 1);
}
}  // namespace

bool is_ipxe_binary(const ServerConfig& config, std::string_view file) {
  for (const auto& [arch, binary] : config.boot.ipxe_binary_by_arch) {
    if (binary == file) return true;
  }
  // The builds iPXE's own documentation names (ipxe.org/howto/chainloading).
  constexpr std::string_view kBuilds[] = {"undionly.kpxe", "undionly.kkpxe", "ipxe.pxe", "ipxe.kpxe", "ipxe.kkpxe",
                                          "ipxe.efi", "snponly.efi", "snp.efi", "ipxe-x86_64.efi", "ipxe-arm64.efi"};
  const std::string_view base = basename_of(file);
  for (auto b : kBuilds) {
    if (base == b) return true;
  }
  return false;
}

bool is_pxelinux(std::string_view file) {
  const std::string_view base = basename_of(file);
  return base == "pxelinux.0" || base == "lpxelinux.0";
}

std::string local_boot_ipxe_script(bool efi) {
  if (efi) {
    return "#!ipxe\n# pxelab: local boot (FW-47): back to the UEFI boot manager, which tries the next boot option\n"
           "echo pxelab: local boot, exit to the firmware\nexit\n";
  }
  return "#!ipxe\n# pxelab: local boot (FW-47): the first hard disk through INT 13h\n"
         "echo pxelab: local boot, sanboot drive 0x80\nsanboot --no-describe --drive 0x80\n";
}

ClientIdentity identify_client(const dhcp::Message& request) {
  ClientIdentity id;
  id.vendor_class = dhcp::vendor_class(request).value_or("");
  id.pxe = dhcp::is_pxe_client(request);
  if (const auto* opt = request.find(dhcp::code::kClientArch)) {
    if (auto types = dhcp::decode_client_arch(opt->data); types && !types->empty()) id.arch = types->front();
  }
  if (!id.arch) id.arch = arch_from_vendor_class(id.vendor_class);
  if (const auto* opt = request.find(dhcp::code::kUserClass)) {
    if (auto uc = dhcp::decode_user_class(opt->data)) {
      for (const auto& c : uc->classes) id.ipxe = id.ipxe || c == "iPXE";
    }
  }
  id.ipxe = id.ipxe || request.has(dhcp::code::kIpxeEncapsulated);
  return id;
}

BootDecision choose_boot(const ServerConfig& config, const HostEntry* host, const ClientIdentity& client) {
  BootDecision d;
  d.mode = config.boot_mode_of(host);
  if (d.mode == BootMode::Once) {
    d.mode = BootMode::Network;  // network this time; BootServer flips it when served
    d.once = true;
  }
  choose_file(config, host, client, d);
  if (d.once) d.why += " (once: local after this boot)";

  // FW-47: iPXE boots the local disk by a script of its own (sanboot / exit), whether
  // it is the ROM or was chainloaded; a menu's local item would make it exit to the
  // BIOS, which is not the same as booting the disk on every machine.
  if (client.ipxe && d.mode == BootMode::Local) {
    const bool efi = client.arch && *client.arch != 0;
    d.file = std::string(efi ? kLocalBootScriptEfi : kLocalBootScriptBios);
    d.no_file_for_arch = false;
    d.why = efi ? "local boot: iPXE exit (FW-47)" : "local boot: iPXE sanboot 0x80 (FW-47)";
    if (client.pxe) {
      d.vendor.emplace();
      d.vendor->discovery_control = dhcp::discovery::kUseBootfile;
    }
    return d;
  }
  // Clients already in iPXE run the script whatever the menu says: the menu was the
  // ROM's business (FW-44).
  if (client.ipxe && !config.boot.ipxe_script.empty()) d.mode = BootMode::Network;
  if (!client.pxe) {
    if (d.mode == BootMode::Local) d.file.clear();  // nothing to boot over the network
    return d;
  }
  // Nothing this client can run: answer as a plain DHCP server would (no 60, no 43),
  // so the ROM neither downloads a foreign binary nor waits for a boot server (FW-39).
  if (d.no_file_for_arch && d.mode == BootMode::Network) return d;

  dhcp::PxeVendorOptions v;
  switch (d.mode) {
    case BootMode::Network:
      if (d.file.empty()) {
        // Nothing to boot: answer as the plain DHCP server we are for this client,
        // without 60 "PXEClient" or 43, which would send it to 4011 (FW-39,
        // PXE-NO-FALSE-PXECLIENT) - a proxy beside us may have its boot file.
        d.why = "no boot file configured: a plain DHCP answer";
        return d;
      }
      v.discovery_control = dhcp::discovery::kUseBootfile;
      break;
    case BootMode::Menu: {
      d.no_file_for_arch = false;  // the menu items' files come through 4011
      v.discovery_control = dhcp::discovery::kNoBroadcast | dhcp::discovery::kNoMulticast;
      std::vector<dhcp::BootServer> servers;
      std::vector<dhcp::BootMenuEntry> menu;
      for (const auto& item : config.boot.menu.items) {
        menu.push_back({item.type, item.description});
        if (item.type != 0) servers.push_back({item.type, {config.address}});
      }
      if (menu.empty()) menu.push_back({0, "Local boot"});
      if (!servers.empty()) v.boot_servers = servers;
      v.boot_menu = menu;
      v.menu_prompt = dhcp::MenuPrompt{config.boot.menu.timeout_s, config.boot.menu.prompt};
      d.file.clear();  // chosen through the menu and the 4011 exchange
      d.why = "menu";
      break;
    }
    case BootMode::Local:
      d.no_file_for_arch = false;  // nothing to download anyway
      v.discovery_control = dhcp::discovery::kNoBroadcast | dhcp::discovery::kNoMulticast;
      v.boot_menu = std::vector<dhcp::BootMenuEntry>{{0, "Local boot"}};
      v.menu_prompt = dhcp::MenuPrompt{0, "Booting from local disk"};
      d.file.clear();
      d.why = "local boot";
      break;
    case BootMode::Once: break;  // mapped to Network above
  }
  d.vendor = std::move(v);
  return d;
}

std::optional<std::string> file_for_menu_item(const ServerConfig& config, std::uint16_t type,
                                              std::optional<std::uint16_t> arch) {
  for (const auto& item : config.boot.menu.items) {
    if (item.type != type || type == 0) continue;
    if (arch) {
      if (auto it = item.file_by_arch.find(*arch); it != item.file_by_arch.end()) return it->second;
    }
    if (!item.file_any_arch.empty()) return item.file_any_arch;
    // A plain name is a BIOS NBP: for BIOS clients and those that name no
    // architecture, never for EFI ones (PXE-ARCH-FILE).
    if (!item.file.empty() && (!arch || *arch == 0)) return item.file;
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace pxelab::server
