// What second-stage loaders read after the ROM: pxelinux/extlinux configuration files
// (syslinux doc/syslinux.txt, the same syntax U-Boot's `pxe` reads), the order in
// which pxelinux and U-Boot look for them (FW-30, FW-31), and iPXE scripts. Parsing
// only: the client (pxe_client.h) fetches what these name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/address.h"
#include "wire/result.h"

namespace pxelab::client {

// ---- pxelinux / extlinux configuration -------------------------------------------

struct LoaderLabel {
  std::string name;
  std::string kernel;                 // KERNEL / LINUX / COM32 / ...
  std::vector<std::string> initrds;   // INITRD a,b or APPEND initrd=a,b
  std::string append;
  std::optional<int> localboot;       // LOCALBOOT n
};

struct LoaderConfig {
  std::vector<std::string> say;  // SAY lines, in order (pxelab's QEMU boot marker)
  std::string default_label;     // DEFAULT (a label, or else a kernel command line)
  std::vector<LoaderLabel> labels;
};

// Keywords are case-insensitive; unknown ones (MENU, UI, TIMEOUT...) are ignored as
// pxelinux ignores what it cannot use. Errors: no usable line at all.
Result<LoaderConfig> parse_loader_config(std::string_view text);

// What the loader does with its configuration.
struct LoaderAction {
  bool local_boot = false;         // LOCALBOOT: hand back to the BIOS / next device
  std::vector<std::string> files;  // kernel, then initrds, to fetch
  std::string label;               // the label followed
};
// The DEFAULT label's action; a DEFAULT naming no label is a kernel command line (its
// first word the kernel); without DEFAULT, the first label. Errors: nothing to boot.
Result<LoaderAction> default_action(const LoaderConfig& config);

// ---- where the configuration is looked for --------------------------------------

// "pxelinux.cfg/01-aa-bb-cc-dd-ee-ff"-style pieces (FW-30).
std::string config_mac_name(const wire::MacAddress& mac);  // "01-aa-bb-cc-dd-ee-ff"
std::string config_hex_ip(wire::Ipv4Address ip);           // "C0000264"
std::string config_uuid_name(const std::vector<std::uint8_t>& guid);  // 8-4-4-4-12, lowercase

// The directory a loader prefixes its paths with: option 210 when given, else the boot
// file's directory ("" or "dir/").
std::string path_prefix(const std::optional<std::string>& option210, std::string_view boot_file);

// pxelinux (core/fs/pxe/pxe.c pxe_load_config, FW-30): 209 (then the guesses), UUID,
// 01-MAC, hex IP from 8 digits down to 1, "default"; all under prefix + "pxelinux.cfg/"
// except 209, which is under the prefix.
std::vector<std::string> pxelinux_config_names(const std::string& prefix, const std::optional<std::string>& option209,
                                               const std::optional<std::vector<std::uint8_t>>& uuid,
                                               const wire::MacAddress& mac, wire::Ipv4Address ip);
// U-Boot (cmd/pxe.c, FW-31): only 209 when present (no fallback); else UUID, 01-MAC,
// hex IP 8 -> 1, default-ARCH-SOC-BOARD, default-ARCH-SOC, default-ARCH, default.
std::vector<std::string> uboot_config_names(const std::string& prefix, const std::optional<std::string>& option209,
                                            const std::optional<std::vector<std::uint8_t>>& uuid,
                                            const wire::MacAddress& mac, wire::Ipv4Address ip,
                                            const std::vector<std::string>& arch_soc_board);

// ---- iPXE scripts ------------------------------------------------------------------

struct IpxeStep {
  enum class Kind : std::uint8_t {
    kFetch,  // kernel / initrd / imgfetch / module: fetch `arg`
    kChain,  // chain: fetch `arg` and run it (a script, or an NBP that ends the boot)
    kBoot,   // boot the fetched images
    kExit,   // exit / sanboot: back to the BIOS, i.e. local boot
    kEcho,   // echo text (a QEMU boot marker)
  };
  Kind kind = Kind::kEcho;
  std::string arg;
};
// True if `content` starts with "#!ipxe" (or "#!gpxe").
bool is_ipxe_script(std::string_view content);
// Lines in order; `dhcp`, `set`, labels, `goto` and the rest are skipped (a script's
// control flow is not emulated); `cmd || ...` keeps cmd. Errors: not a script.
Result<std::vector<IpxeStep>> parse_ipxe_script(std::string_view content);

// A file named in a script or a boot file: "tftp://server/path", or a relative name
// resolved against `base_dir` on `default_server`. Other schemes are errors.
struct FileRef {
  wire::Ipv4Address server;
  std::string path;
};
Result<FileRef> resolve_file_ref(std::string_view ref, wire::Ipv4Address default_server, std::string_view base_dir);

}  // namespace pxelab::client
