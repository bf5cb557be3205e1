// What a client gets to boot: who it is (PXE? which architecture? already iPXE?),
// which file, and the PXE vendor options (43) that steer its ROM. Pure functions of
// the request and the configuration.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "server/config.h"
#include "wire/dhcp_message.h"
#include "wire/pxe_options.h"

namespace pxelab::server {

struct ClientIdentity {
  bool pxe = false;                // option 60 starts with "PXEClient" (PXE 2.1 §2.2.1)
  std::optional<std::uint16_t> arch;  // 93's first type, else the Arch field of 60
  bool ipxe = false;               // user class (77) "iPXE" or option 175 (FW-44)
  std::string vendor_class;        // 60 as sent, for the log
};

ClientIdentity identify_client(const wire::dhcp::Message& request);

// Local boot for clients already running iPXE (FW-47): a script the TFTP source
// generates (TftpFileSource serves both names). BIOS: `sanboot --no-describe --drive
// 0x80` boots the first hard disk through INT 13h (FOG's and MAAS's default); EFI:
// `exit` returns to the firmware, whose boot manager tries the next boot option.
inline constexpr std::string_view kLocalBootScriptBios = "pxelab/local-bios.ipxe";
inline constexpr std::string_view kLocalBootScriptEfi = "pxelab/local-efi.ipxe";
std::string local_boot_ipxe_script(bool efi);

// What the once flip (BootServer) waits for after a boot file was given to a host:
//  - an iPXE binary (boot.ipxe_binary, or a file named like an iPXE build:
//    undionly.kpxe, ipxe.efi, snponly.efi...): nothing, iPXE asks DHCP again and the
//    file of that answer is the boot (FW-44);
//  - pxelinux (pxelinux.0, lpxelinux.0): its generated configuration (FW-30: the
//    01-MAC or hex-IP name), so pxelinux still reads the network one;
//  - anything else: the file itself.
bool is_ipxe_binary(const ServerConfig& config, std::string_view file);
bool is_pxelinux(std::string_view file);

struct BootDecision {
  BootMode mode = BootMode::Network;
  std::string file;  // empty: nothing to download (local boot, or nothing configured)
  // Option 43 for PXE clients; nullopt for others (they ignore it or choke on it).
  std::optional<wire::dhcp::PxeVendorOptions> vendor;
  // A PXE client in network mode whose architecture has no file (PXE-ARCH-FILE): no
  // file and no vendor options; a proxy does not answer it at all.
  bool no_file_for_arch = false;
  std::string why;  // how the file was chosen, for the log: "arch 7", "iPXE script", "host lab01"
  // The host is in once mode: answered as Network (mode), and flipped to local by the
  // server when `file` has been served to it.
  bool once = false;
};

// The boot for `client` (host entry if the table knows its MAC, else nullptr):
//  - file: an iPXE client gets boot.ipxe_script (FW-44: never the iPXE binary again);
//    else the host's file for its architecture, the host's plain file (BIOS or no
//    architecture only), the host's `any` file, the iPXE binary for the architecture
//    (chainloading), boot.file for the architecture, default_file (BIOS or no
//    architecture only), boot.file.any. PXE-ARCH-FILE: a file not mapped to the
//    client's architecture never goes to an EFI client unless `any` says so.
//  - mode network: 43 = {6: use-bootfile} so PXE ROMs skip discovery (FW-20); with no
//    file at all, no 43 (and the responder sends no 60): a plain DHCP answer (FW-39);
//    mode menu: 43 = {6: 3 (unicast only), 8: this server per item type, 9: items,
//    10: prompt} and the file comes from the 4011 exchange (FW-19);
//    mode local: 43 = {6: 3, 9: [local boot], 10: timeout 0} and no file, which makes
//    EDK2 and PXE ROMs take the local-boot item at once (FW-20, PXE-MENU-LOCAL); an
//    iPXE client instead gets the generated local-boot script (kLocalBootScript*,
//    FW-47) with 43 = {6: use-bootfile}; a non-PXE client no file;
//    mode once: as network (d.once set); the mode is ServerConfig::boot_mode_of().
BootDecision choose_boot(const ServerConfig& config, const HostEntry* host, const ClientIdentity& client);

// The file for a boot server (4011) REQUEST asking for menu item `type`
// (43.71); nullopt: no such item, so no answer (PXE-4011-ACK).
// The file for boot server type `type` and the client's architecture (93); none for
// type 0 (local boot), an unknown type, or an architecture the item has no file for.
std::optional<std::string> file_for_menu_item(const ServerConfig& config, std::uint16_t type,
                                              std::optional<std::uint16_t> arch);

}  // namespace pxelab::server
