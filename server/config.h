// The reference boot server's configuration, as plain values.
//
// Loaded from TOML by load_server_config() (config_toml.cc); the commented example
// server/example.toml documents every key. Everything here has been validated:
// pools lie inside their subnet, host addresses are unique, T1 < T2 < lease time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/faults.h"
#include "server/lease_journal.h"
#include "sim/schedule.h"
#include "wire/address.h"
#include "wire/bytes.h"
#include "wire/result.h"
#include "wire/wol.h"

namespace pxelab::server {

// What the server answers (FW-21, FW-34 for proxy).
enum class ServerMode : std::uint8_t {
  Dhcp,   // full DHCP (and BOOTP for known hosts)
  Proxy,  // proxyDHCP: PXE clients only, yiaddr = 0, beside another DHCP server
  Bootp,  // BOOTP only (RFC 951): known hosts from the table, no leases
};

// What a machine does at power-on: the seed's "boot locally or from the network by
// default, without user action".
enum class BootMode : std::uint8_t {
  Network,  // boot file straight away
  Local,    // PXE menu with only the local-boot item (type 0), no prompt
  Menu,     // PXE menu (43.9/43.10) with prompt and timeout
  // Network boot one time, then local (FW-47: what pixiecore and Cobbler's
  // pxe_just_once users ask for): answered as Network until the TFTP transfer of the
  // boot file the DHCP answer gave the host completes; the server then sets the host
  // to Local (BootServer::set_boot_mode, logged). Only for hosts and groups: a client
  // without a host entry has nothing to flip, so [boot].default_mode cannot be once.
  Once,
};

std::string_view to_string(ServerMode m);
std::string_view to_string(BootMode m);
// "network", "local", "menu", "once" (the words of the configuration and the control file).
std::optional<BootMode> parse_boot_mode(std::string_view text);

// Inclusive address range of a pool.
struct AddressRange {
  wire::Ipv4Address first;
  wire::Ipv4Address last;
  std::uint32_t size() const { return last.value - first.value + 1; }
  bool contains(wire::Ipv4Address a) const { return first <= a && a <= last; }
};

// An option given in the configuration by code, already encoded.
struct RawOption {
  std::uint8_t code = 0;
  wire::Bytes data;
  bool operator==(const RawOption&) const = default;
};

struct Subnet {
  wire::Ipv4Address network;
  std::uint8_t prefix_length = 24;
  std::vector<AddressRange> pools;
  std::optional<wire::Ipv4Address> router;
  std::vector<wire::Ipv4Address> dns;
  std::string domain;
  std::optional<std::uint32_t> lease_time;  // overrides [server].lease_time
  std::vector<RawOption> options;           // sent when requested (option 55)
  // Sent in every OFFER/ACK whether requested or not: pxelinux's 208-211 are never in
  // a ROM's 55 (FW-30), so a server that waits for the request never delivers them.
  std::vector<RawOption> force_options;

  std::uint32_t mask() const { return prefix_length == 0 ? 0 : ~0u << (32 - prefix_length); }
  bool contains(wire::Ipv4Address a) const { return (a.value & mask()) == network.value; }
};

// Client system architecture (RFC 4578 §2.1, option 93) -> boot file.
using ArchFileMap = std::map<std::uint16_t, std::string>;

// [[group]]: a name hosts can join (host.group) and a boot mode for all of them.
// Precedence: the host's own boot > its group's mode > [boot].default_mode.
struct HostGroup {
  std::string name;
  std::optional<BootMode> mode;  // unset: the members follow [boot].default_mode
};

struct HostEntry {
  wire::MacAddress mac;
  std::optional<wire::Ipv4Address> ip;  // fixed address; else from the pool
  std::string hostname;
  std::optional<BootMode> boot;         // default: its group's mode, else [boot].default_mode
  std::string group;                    // a [[group]] name, or empty
  // `boot` was set by a once flip (not by the configuration or an operator): a later
  // mode for the host's group replaces it, so `group lab once` arms flipped hosts again.
  bool boot_from_once = false;
  std::string file;                     // BIOS (93 = 0) and clients naming no architecture
  ArchFileMap file_by_arch;
  std::string file_any_arch;            // file = { any = ... }: every architecture not listed
  std::map<std::string, std::string> vars;  // free-form, for templated per-host files
};

// A PXE boot menu item (PXE 2.1 §2.2.6, option 43 sub-option 9). Type 0 is local boot.
struct MenuItem {
  std::uint16_t type = 0;
  std::string description;
  // The boot file for this server type (none for local boot). A plain name is a BIOS
  // NBP, as everywhere (PXE-ARCH-FILE); a table gives one per architecture.
  std::string file;
  ArchFileMap file_by_arch;
  std::string file_any_arch;
  bool has_file() const { return !file.empty() || !file_by_arch.empty() || !file_any_arch.empty(); }
};

struct Menu {
  std::string prompt = "Press F8 for boot menu";
  std::uint8_t timeout_s = 5;  // 43.10: seconds before the default (first) item; 255 = wait
  std::vector<MenuItem> items;
};

struct BootConfig {
  ArchFileMap file_by_arch;  // e.g. 0 -> pxelinux.0, 7 -> ipxe.efi
  // BIOS clients and clients naming no architecture (BOOTP, no option 93) when the map
  // has nothing for them; never EFI clients (PXE-ARCH-FILE, RFC 4578 §2.1).
  std::string default_file;
  std::string any_arch_file;  // [boot.file] any = ...: explicitly every other architecture
  // iPXE chainloading without loops (FW-44): clients that already run iPXE (user
  // class "iPXE", option 77, or option 175) get ipxe_script; others get the iPXE
  // binary for their architecture, if one is configured.
  std::string ipxe_script;
  ArchFileMap ipxe_binary_by_arch;
  bool nul_terminate_file = true;  // FW-38
  std::string tftp_server_name;    // option 66; empty: not sent
  // siaddr ("next server", RFC 2131 §2) when the TFTP server is another host (ISC
  // dhcpd's next-server, dnsmasq's dhcp-boot address); nullopt: the server's own address.
  std::optional<wire::Ipv4Address> next_server;
  BootMode default_mode = BootMode::Network;
  Menu menu;
};

struct TftpConfig {
  std::string root;                 // absolute after loading
  std::uint32_t max_transfers = 64;
  std::uint32_t transfer_timeout_s = 30;
  std::uint32_t retransmit_ms = 1000;
  std::uint32_t retries = 5;
  std::uint16_t max_blksize = 1468;  // path MTU 1500 - IPv4 20 - UDP 8 - TFTP 4
  std::uint16_t max_windowsize = 64;
  std::uint16_t rollover_to = 0;     // block after 65535 (RFC 1350 is silent; most use 0)
  bool allow_write = false;          // WRQ accepted (never overwriting) only if true
  std::uint64_t max_write_bytes = 64ull << 20;
  // File contents kept in memory between transfers, least recently used out first.
  // Files that transfers are sending are shared whatever this says.
  std::uint64_t cache_bytes = 256ull << 20;
  // Boot floppy images (names in the root) rendered per host when asked for
  // (server/tftp_templates.h); checked against every host entry at start.
  std::vector<std::string> templates;
};

// [[schedule]]: a timed action `pxelab serve` carries out on the wall clock while it
// serves (DESIGN.md "Schedule"; server/wake_schedule.h runs them). The one action is
// "wake": optionally switch the targets' boot mode first, then send one magic packet
// per target (UDP port `port` to `broadcast`, with `password`).
struct WakeScheduleEntry {
  sim::Schedule when;                    // once or cron, in its zone (default UTC)
  std::vector<wire::MacAddress> macs;    // macs = [...]
  std::string hosts;                     // hosts = "maint-*": [[host]] hostnames ('*' any run)
  std::optional<BootMode> mode;          // set on every target's host entry first
  wire::Ipv4Address broadcast = wire::Ipv4Address::from_octets(255, 255, 255, 255);
  std::uint16_t port = wire::kWolPortDiscard;
  wire::WolPassword password;
  std::string where;                     // "FILE:LINE:COL" of the entry, for its log lines
};

struct ServerConfig {
  std::string source;  // the file it came from
  ServerMode mode = ServerMode::Dhcp;
  wire::Ipv4Address address;  // the server's own address: option 54 and siaddr
  std::uint32_t lease_time = 3600;
  std::optional<std::uint32_t> t1;  // default lease/2 (RFC 2131 §4.4.5)
  std::optional<std::uint32_t> t2;  // default lease*7/8
  std::string lease_file;           // absolute after loading; empty: memory only
  // `pxelab serve`'s control file (server/boot_control.h), absolute after loading;
  // empty: none (--control gives one too).
  std::string control_file;
  FsyncPolicy fsync = FsyncPolicy::EveryRecord;
  std::uint32_t group_commit_ms = 2;
  std::vector<Subnet> subnets;
  std::vector<HostEntry> hosts;
  std::vector<HostGroup> groups;
  std::vector<WakeScheduleEntry> schedules;
  BootConfig boot;
  TftpConfig tftp;
  // [faults]: deliberate misbehaviour for mutation tests and interop scenarios
  // (server/faults.h). Empty for a correct server.
  Faults faults;

  // "FILE:LINE:COL" of a key as loaded ("tftp.root", "server.lease_file"), for errors
  // found after loading (a missing TFTP root, a lease file that cannot be opened);
  // the file name alone when the key was not given.
  std::map<std::string, std::string> key_locations;
  std::string where(const std::string& key) const;

  const HostEntry* find_host(const wire::MacAddress& mac) const;
  const HostGroup* find_group(std::string_view name) const;
  // The mode `host` boots in: host.boot > its group's mode > boot.default_mode
  // (nullptr: a client without an entry, default_mode).
  BootMode boot_mode_of(const HostEntry* host) const;
};

// DHCP option codes the server owns: they are computed per reply (53, 54, 51, 58, 59,
// 52, 61 echoed, 82 echoed) or are the client's (50, 55, 57), or framing (0, 255), and
// are refused in [subnet.options] / [subnet.force_options].
bool server_owned_option(std::uint8_t code);

// Reads and validates a configuration file. Relative paths in it (lease_file,
// tftp.root) are resolved against the file's directory. Errors read
// "FILE:LINE:COL: KEY: what is wrong".
Result<ServerConfig> load_server_config(const std::string& path);
// The same over text; `source` names it in errors and anchors relative paths
// (its directory).
Result<ServerConfig> parse_server_config(std::string_view text, const std::string& source);

// Architecture names accepted wherever an architecture is a key ("x64-efi" or "7").
std::optional<std::uint16_t> parse_arch(std::string_view text);

}  // namespace pxelab::server
