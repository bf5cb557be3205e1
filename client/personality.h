// Personality: everything that makes one firmware's PXE client behave like itself on
// the wire - what it sends, when it retries, which offer it takes, where it looks for
// the boot file, how it speaks TFTP and how it fails. Plain data, loaded from a TOML
// file in client/personalities/ (personality_toml.cc; the files document every key
// and cite the FW-nn entries of shared/FIRMWARE.md they encode). The one state machine
// (pxe_client.h) reads these fields; it has no per-firmware code paths beyond the
// named policies below, each of which is an algorithm a firmware family implements.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/failure_reason.h"
#include "sim/time.h"
#include "wire/ports.h"
#include "wire/result.h"

namespace pxelab::client {

enum class PersonalityKind : std::uint8_t {
  kRom,     // starts at power-on: a NIC boot ROM or the PXE code of a BIOS/UEFI
  kLoader,  // a second stage started by a ROM (pxelinux; iPXE when chainloaded)
};

// How the client identifies itself in 97 (RFC 4578 §2.3).
enum class MachineIdPolicy : std::uint8_t {
  kNone,     // no option 97 (some Intel ROMs, FW-32; U-Boot without pxeuuid, FW-03)
  kZeros,    // type 0 + 16 zero octets (EDK2 without an SMBIOS UUID, FW-01)
  kFromMac,  // type 0 + a GUID derived from the MAC (a machine with an SMBIOS UUID)
};

// What goes into the secs field (RFC 2131 §2; DHCP-CLIENT-SECS).
enum class SecsPolicy : std::uint8_t {
  kSeconds,      // seconds since the client began (PXE 2.1, U-Boot)
  kReuseFirst,   // seconds since start in DISCOVER; REQUEST reuses the DISCOVER's (FW-01)
  kIpxePacked,   // (count << 2) | (offer ? 2 : 0) | (proxy ? 1 : 0) (FW-02)
  kZero,
};

enum class XidPolicy : std::uint8_t {
  kPerSession,  // one xid for every retry of a DHCP session (EDK2, iPXE)
  kPerAttempt,  // a new xid per DISCOVER (U-Boot: and replies to the last few are accepted, FW-03)
};

enum class NakPolicy : std::uint8_t {
  kFail,     // PXE fails (EDK2, FW-06)
  kRestart,  // back to DISCOVER at once (RFC 2131 §4.4.1; iPXE, PXE 2.1)
  kIgnore,   // ignored; the REQUEST timeout then restarts (U-Boot, FW-04)
};

// Offer collection and selection algorithms (shared/FIRMWARE.md part B).
enum class SelectionPolicy : std::uint8_t {
  kEdk2,   // collect until the DISCOVER timer expires, then priority classes (FW-08, FW-10, FW-11)
  kIpxe,   // once an offer is held, REQUEST at the first event after proxy_wait (FW-13)
  kFirst,  // the first usable offer at once (U-Boot FW-04; BOOTP PROMs)
  kPxe21,  // PXE 2.1: collect through the first DISCOVER timeout; wait up to
           // proxy_wait_rounds timeouts for a PXE offer or proxy when the DHCP offers
           // carry no boot file (iPXE config/dhcp.h quoting the spec)
};

// When the client asks a proxyDHCP / boot server on port 4011 (FW-16, FW-17, FW-39).
enum class ProxyRequestPolicy : std::uint8_t {
  kNever,  // U-Boot: reads siaddr and file of the proxy offer only (FW-22)
  kBinl,   // EDK2 / PXE 2.1: when the chosen PXE offer has neither a boot file nor
           // PXE10 sub-options (DhcpBinl, FW-11) - also an ordinary offer echoing PXEClient (FW-39)
  kIpxe,   // iPXE: when the proxy offer lacks both (siaddr + file) and 43.9 (FW-17)
};

// Boot server discovery and menus (43.6-43.10; FW-19, FW-20).
enum class MenuPolicy : std::uint8_t {
  kNone,  // no PXE menus (U-Boot, BOOTP PROMs)
  kEdk2,  // PXE10 offers only; no 43.9 and not (bit3 + file) selects local boot (FW-20)
  kIpxe,  // a menu only with 43.9 and not (bit3 + file)
};

// Where the boot file name and the TFTP server come from (FW-12, FW-14, FW-15, FW-05).
enum class FileSource : std::uint8_t { kOption67, kFileField };
enum class ServerSource : std::uint8_t { kBootServerList, kSiaddr, kServerId, kOption66 };

// Reading an option-67 value that lacks its NUL (FW-38).
enum class UnterminatedName : std::uint8_t {
  kStopAtEnd,  // the value as sent (RFC 2132 §2)
  kReadPast,   // old Intel PXE 2.1: reads one octet past the value into the RRQ name
};

// How strictly an OACK is checked (FW-25, FW-27, FW-28, FW-29).
enum class OackPolicy : std::uint8_t {
  kTolerant,  // iPXE: unknown or garbled options ignored
  kEdk2,      // unrequested option, blksize/windowsize above the request, changed timeout -> ERROR 4
  kUboot,     // blksize above the request or timeout != requested -> ERROR 8
  kPxelinux,  // any option not asked, or blksize outside 64..2048 -> abort
};

// What a loader does after it is running (kind = loader, or a ROM's own script step).
enum class LoaderPolicy : std::uint8_t {
  kNone,        // the NBP is the end of the boot
  kPxelinux,    // pxelinux: ldlinux, config lookup FW-30, config, its files
  kIpxeScript,  // iPXE: fetch and run the boot script (chain/kernel/initrd/boot)
  kUbootPxe,    // U-Boot `pxe get` (FW-31) then `pxe boot`
};

// How the loader begins: reuse the ROM's DHCP packets or ask again.
enum class LoaderStart : std::uint8_t {
  kCachedDhcp,  // pxelinux reads the ROM's cached packets 1-2-3 (FW-15)
  kNewDhcp,     // iPXE chainloaded: a fresh DHCP with its own identity (FW-44)
};

struct TftpOptionRequest {
  std::string name;
  std::string value;
  bool operator==(const TftpOptionRequest&) const = default;
};

struct DhcpIdentity {
  bool bootp_only = false;  // RFC 951 BOOTREQUEST: no option 53, 300-octet message
  std::vector<std::uint8_t> parameter_request_list;  // 55, in order (a fingerprint)
  std::optional<std::uint16_t> max_message_size;     // 57
  std::optional<std::uint16_t> request_max_message_size;  // 57 in REQUESTs, when it differs (EDK2)
  std::optional<std::string> vendor_class;           // 60
  std::optional<std::uint16_t> arch;                 // 93
  std::optional<std::vector<std::uint8_t>> ndi;      // 94: type, major, minor
  MachineIdPolicy machine_id = MachineIdPolicy::kNone;  // 97
  std::optional<std::string> user_class;             // 77
  bool user_class_raw = true;                        // iPXE's raw form (FW-02) vs RFC 3004
  std::vector<std::uint8_t> ipxe_features;           // 175 feature sub-options (FW-02); empty: no 175
  bool client_id = false;                            // 61 = type 1 + MAC
  // Order of the options in every request (a fingerprint as much as 55 is); codes
  // not listed follow in pxelab's default order.
  std::vector<std::uint8_t> option_order;
  bool broadcast = true;                             // flags 0x8000
  bool broadcast_when_chainloaded = false;           // iPXE: 0x8000 once the NIC has IPv4 (FW-02)
  SecsPolicy secs = SecsPolicy::kSeconds;
  XidPolicy xid = XidPolicy::kPerSession;
  std::uint32_t accept_previous_xids = 0;            // U-Boot: replies to the last N xids (FW-03)
};

struct DhcpTiming {
  std::vector<sim::Time> discover_timeouts;  // wait after each DISCOVER; fail after the last
  double discover_jitter = 0;                // ± fraction of each timeout (U-Boot ±10 %)
  bool restart_after_discover_failure = false;  // U-Boot starts over instead of failing
  // After the last DISCOVER/BOOTREQUEST timeout with no offer, the ROM hands back to
  // the BIOS, which boots the next device (the local disk): the outcome is local boot
  // with the no_offers text, not a failure. The bootp-prom's (FW-47: a BOOTP PROM is
  // sent to its disk by silence).
  bool local_boot_after_no_offers = false;
  std::vector<sim::Time> request_timeouts;   // wait after each REQUEST
  sim::Time proxy_wait = 0;                  // kIpxe: hold an offer this long for a proxy
  std::uint32_t proxy_wait_rounds = 0;       // kPxe21: DISCOVER timeouts to wait for a proxy
  std::uint32_t max_offers = 16;             // EDK2 keeps at most 16 (FW-08)
};

struct DhcpRules {
  SelectionPolicy selection = SelectionPolicy::kFirst;
  std::optional<std::uint32_t> max_reply_size;  // larger replies ignored (EDK2 1472, FW-01)
  bool require_server_id = false;               // offers without 54 dropped (FW-09)
  bool strict_option_lengths = false;           // a bad known-option length drops the packet (FW-07)
  bool ack_must_match_server = false;           // ACK/NAK from another server-id ignored (FW-06)
  bool decline_on_mismatch = false;             // ACK yiaddr != offer -> DECLINE (FW-06)
  NakPolicy on_nak = NakPolicy::kRestart;
  bool honour_overload = true;                  // option 52 (iPXE: no, FW-14)
  bool require_src_port_67 = false;             // U-Boot and iPXE filter on it (FW-05, FW-13)
  std::string bootfile_prefix;                  // U-Boot CONFIG_SYS_BOOTFILE_PREFIX (FW-04)
};

struct BootRules {
  std::vector<FileSource> file_from{FileSource::kOption67, FileSource::kFileField};
  std::vector<ServerSource> server_from{ServerSource::kSiaddr, ServerSource::kServerId};
  UnterminatedName unterminated_name = UnterminatedName::kStopAtEnd;
  MenuPolicy menu = MenuPolicy::kNone;
  ProxyRequestPolicy proxy_request = ProxyRequestPolicy::kNever;
  std::uint16_t proxy_source_port = wire::kDhcpClientPort;  // EDK2: 4011 (FW-16); iPXE: 68 (FW-17)
  std::vector<ServerSource> proxy_to{ServerSource::kSiaddr, ServerSource::kServerId};
  std::vector<sim::Time> proxy_timeouts;  // port 4011 tries (EDK2 1/2/3/4 s, iPXE 2 s)
  std::uint16_t proxy_reply_port = wire::kPxeBootServerPort;  // iPXE accepts replies only from 4011 (FW-17); 0: any
  std::vector<sim::Time> discovery_timeouts;  // boot server discovery per server (PXE 2.1 1/2/3/4 s)
};

struct TftpRules {
  std::vector<TftpOptionRequest> options;  // in RRQ order
  bool tsize_probe = false;                // EDK2: RRQ1 with tsize, ERROR 8 after the OACK, RRQ2 without (FW-23)
  bool skip_probe_with_option13 = false;   // FW-23: option 13 gives the size
  bool needs_tsize = false;                // FW-24: fails unless the size is known
  OackPolicy oack = OackPolicy::kTolerant;
  std::vector<sim::Time> timeouts;         // wait for each packet; fail after the last
  std::pair<std::uint16_t, std::uint16_t> source_ports{1024, 65535};
  std::uint16_t abort_code = 0;            // ERROR sent on abort
  std::string abort_message = "TFTP Aborted";
  std::uint16_t oack_refusal_code = 8;     // ERROR sent when the OACK is refused (EDK2 4, U-Boot 8)
  std::string oack_refusal_message = "Option negotiation refused";
  bool same_server_ip = false;             // replies must come from the RRQ's address (FW-29)
  bool foreign_tid_error = true;           // ERROR 5 to a foreign TID (RFC 1350 §4); EDK2 drops silently (FW-26)
};

// How a firmware reports each way a boot can fail: reason -> "CODE: text" as printed
// on its screen ("no_offers" -> "PXE-E51: No DHCP or proxyDHCP offers were received.").
// Reasons and their defaults are the table in failure.cc.
// A personality's own text per failure reason ("PXE-E51: ..."), keyed by the enum.
using FailureTexts = std::map<FailureReason, std::string>;

struct LoaderRules {
  LoaderPolicy policy = LoaderPolicy::kNone;
  LoaderStart start = LoaderStart::kCachedDhcp;
  bool fetch_ldlinux = false;  // pxelinux 6 loads ldlinux.c32 beside itself first
  // U-Boot's default-ARCH-SOC-BOARD lookup names (FW-31), e.g. {"x86", "qemu", "qemu"}.
  std::vector<std::string> arch_soc_board;
  std::uint32_t max_chain = 8; // chained stages before the boot counts as a loop (FW-44)
};

struct Personality {
  std::string id;         // file name stem: "edk2-x64"
  std::string firmware;   // what it models: "EDK2 OVMF 2022.11 PxeBcDxe (x64)"
  std::vector<std::string> sources;    // repository/file of the behaviour
  std::vector<std::string> behaviours; // FW-nn ids it encodes
  PersonalityKind kind = PersonalityKind::kRom;
  DhcpIdentity identity;
  DhcpTiming timing;
  DhcpRules dhcp;
  BootRules boot;
  TftpRules tftp;
  LoaderRules loader;
  // NBP name (basename, lower case) -> the personality that runs it: pxelinux.0 ->
  // pxelinux, undionly.kpxe -> ipxe-bios. Other NBPs end the boot once loaded.
  std::map<std::string, std::string> stage2;
  FailureTexts failures;
  std::uint32_t arp_attempts = 3;
  sim::Time arp_retry = sim::seconds(1);

};

// All personalities of a directory, by id.
using PersonalitySet = std::map<std::string, Personality, std::less<>>;

// Reads one file. Errors read "FILE:LINE:COL: KEY: what is wrong"; unknown keys are
// errors. The id is the file's stem.
Result<Personality> load_personality(const std::string& path);
Result<Personality> parse_personality(std::string_view text, const std::string& source);
// Every *.toml of `dir`; checks that stage2 names refer to personalities in the set.
Result<PersonalitySet> load_personalities(const std::string& dir);
// The directory shipped with pxelab: $PXELAB_PERSONALITIES, else the source tree's
// client/personalities (compiled in), else <binary dir>/../share/pxelab/personalities.
std::string default_personality_dir();

}  // namespace pxelab::client
