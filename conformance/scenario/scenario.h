// A scenario: the network, the servers, relays and clients on it, a schedule of
// faults, a deadline and what is expected - as plain values, loaded from a TOML file
// (scenario_toml.cc; the format is documented with an annotated example in
// conformance/scenarios/README.md). Every error names the file, line and key.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/outcome.h"
#include "server/config.h"
#include "server/faults.h"
#include "sim/link_params.h"
#include "sim/schedule.h"
#include "sim/time_zone.h"
#include "wire/address.h"
#include "wire/wol.h"
#include "wire/result.h"

namespace pxelab::conformance {

// Link parameters a scenario may set; unset ones keep the segment's (or the default).
struct LinkSpec {
  std::optional<double> latency_ms, jitter_ms, bandwidth_mbps;
  std::optional<std::uint32_t> queue_frames, mtu;
  std::optional<double> loss, duplicate, reorder, corrupt;
  // `base` with what this spec sets.
  sim::LinkParams apply(sim::LinkParams base) const;
};

struct SegmentSpec {
  std::string name;
  LinkSpec link;  // every attachment's default
};

// A file in a server's TFTP root, made for the run.
struct FileSpec {
  std::string name;
  std::optional<std::uint64_t> size;  // that many pseudo-random octets
  std::optional<std::string> text;    // this text
  std::string from;                   // a copy of this file (made absolute at load: the
                                      // scenario's directory for a relative path)
  bool boot_sector = false;           // with `size`: 0x55AA at 510 (a floppy image)
  // A FAT12 floppy image of this size (KiB; image/floppy_format.h) holding
  // `floppy_files` (path -> text; "DIR/NAME.EXT" makes the directory) behind a
  // halting boot sector; the server's [tftp].templates may personalize it per host.
  std::optional<std::uint32_t> floppy_kib;
  std::string floppy_label;
  std::vector<std::pair<std::string, std::string>> floppy_files;
};

struct ServerSpec {
  std::string name;
  std::string segment;
  std::string config_path;  // a server configuration file (relative to the scenario)...
  std::string config_text;  // ...or one written inline
  int config_line = 0;      // where config_text starts in the scenario (for errors)
  std::vector<FileSpec> files;             // the TFTP root (a fresh directory per run)
  std::vector<std::string> qemu_assets;    // firmware profiles whose boot files are added
  LinkSpec link;
  std::optional<wire::Ipv4Address> gateway;  // its router, for relayed clients
  bool tftp = true;
  // A rogue or foreign server the scenario puts on the wire: checks see it as a server
  // the scenario did not name (DHCP-ROGUE finds it). Its own replies are judged like
  // any server's, so a rogue with MUST failures of its own needs checks_fail or
  // no_must_failures = false.
  bool rogue = false;
  // [[sut]]: run by this SUT profile (conformance/sut/profiles: a name or a path) in a
  // network namespace behind a TAP, rendered from the same config; the run is then on
  // the wall clock. user_config: a file the profile names as {{user_config}}.
  std::string sut_profile;
  std::string sut_user_config;
  // [[sut]] requires: capabilities the scenario needs (conformance/sut/profile.h's
  // names: "proxy_dhcp", "bootp", "relay_option82", ...). pxelab conform reports a
  // scenario whose profile does not claim one as not applicable, with the reason.
  std::vector<std::string> sut_requires;
  int line = 0;
};

struct RelayInterfaceSpec {
  std::string segment;
  wire::Ipv4Address address;
  std::uint8_t prefix_length = 24;
  // Forward directed broadcasts for this interface's subnet onto it as link-layer
  // broadcasts (Cisco's `ip directed-broadcast`; RFC 1812 §5.3.5.2). Off by default,
  // as RFC 2644 asks: a remote wake (issue 11) needs it on the clients' side.
  bool directed_broadcast = false;
};

struct RelaySpec {
  std::string name;
  std::vector<RelayInterfaceSpec> interfaces;
  std::vector<wire::Ipv4Address> servers;
  bool option82 = true;
  std::string remote_id;
  std::uint8_t max_hops = 4;
  server::RelayFaults faults;  // `faults = ["relay_decrement_hops", ...]` (server/faults.h)
};

// Host-table entries a client group adds to a server's configuration.
struct HostSpec {
  std::string server;
  std::optional<wire::Ipv4Address> ip;  // the first; the next client gets the next address
  std::string hostname;                 // "{n}" (here, in file and in vars) becomes the client's number
  std::optional<server::BootMode> boot;  // network | local | menu | once; unset: the server's default
  std::string group;                     // a [[group]] of the server's configuration, or empty
  std::string file;
  std::map<std::string, std::string> vars;
};

// What powers on: an emulated ROM (client/pxe_client.h), real firmware under QEMU
// (client/qemu) or the conformance probe (client/probe_client.h).
enum class ClientKind : std::uint8_t { kEmulated, kQemu, kProbe };
std::string_view to_string(ClientKind kind);  // "emulated", "qemu", "probe": the file's words

struct ClientSpec {
  std::string name;         // group name; clients are NAME-1, NAME-2, ...
  ClientKind kind = ClientKind::kEmulated;
  std::string personality;  // emulated
  std::string firmware;     // qemu: a profile of client/qemu/firmware
  std::vector<std::string> probe_steps;  // probe: which steps (empty: all)
  std::string probe_file;                // probe: file to fetch if the ACK names none
  bool broadcast_flag = true;            // probe: 0x8000 on its DHCP messages
  std::uint32_t count = 1;
  std::string segment;
  wire::MacAddress mac;     // the first; then +1 per client
  double power_on = 0;      // seconds
  double spread = 0;        // power-on uniform in [power_on, power_on + spread]
  // Emulated: off at the start, powered on only by a Wake-on-LAN magic packet for its
  // MAC (a wake event) with exactly this SecureOn password (wire/wol.h; none: size 0).
  bool powered_off = false;
  wire::WolPassword wake_password;
  LinkSpec link;
  std::optional<HostSpec> host;
  int line = 0;
};

enum class EventAction : std::uint8_t { kLinkDown, kLinkUp, kLoss, kServerStop, kServerStart, kBootMode, kWake, kReboot };
std::string_view to_string(EventAction action);  // "link-down", ...: the file's words

struct EventSpec {
  double at = 0;
  EventAction action = EventAction::kLinkDown;
  std::string target;  // a server, relay or client group name
  double loss = 0;     // loss: the probability...
  double duration = 0; // ...for this long (0: for good)
  // boot-mode: the new mode of every host entry of the target client group, on the
  // group's host.server (network tonight for maintenance, local again tomorrow).
  // With `group`: the target is a server and the mode is that of its [[group]] `group`.
  server::BootMode mode = server::BootMode::Network;
  std::string group;
  // wake: a magic packet (UDP port 9) for every client of the target group, with this
  // SecureOn password (none: size 0), to 255.255.255.255 on the group's segment - or
  // to `broadcast` (a directed broadcast such as 192.0.3.255) from a console on segment
  // `from` (default the group's): through a relay's router if the address is beyond it.
  wire::WolPassword password;
  std::optional<wire::Ipv4Address> broadcast;
  std::string from;
  // wake with `mode`: every host entry of the group gets this boot mode first (the
  // maintenance night: network, then the magic packets).
  std::optional<server::BootMode> wake_mode;
  // Instead of `at`: every match of this schedule (cron in `zone`, default the
  // scenario's [clock] zone) inside the run fires the event; needs [clock] start.
  std::optional<sim::Schedule> schedule;
  int line = 0;
};

// [clock]: the wall time at virtual t = 0, so cron events can be placed. start is a
// local time in `zone` (a skipped one means the jump, a repeated one its first time).
struct ScenarioClock {
  sim::CivilTime start;
  sim::TimeZone zone;
  sim::UnixSeconds start_utc = 0;
};

struct OutcomeExpectation {
  std::string clients;  // a group name, or "*"
  std::optional<client::BootStatus> status;  // booted | failed | local-boot | pending; unset: any
  std::string code;     // e.g. PXE-E51; empty: any
  std::string boot_file;  // the NBP the client chose; empty: any
  std::optional<double> at_least;  // the share of the group that must match (default: all)
  std::optional<double> within;  // seconds from power-on
  // A text file of the floppy the client booted holds this, with ${ip} (its address)
  // and ${mac} (its MAC) filled in per client: proof that each got its own floppy.
  std::string floppy_text;
  // Which boot of each client (1: the first; a reboot event starts another); unset: the last.
  std::optional<std::uint32_t> boot;
};

struct Expectations {
  bool declared = false;                  // an [expect] table was written
  std::optional<double> all_booted_within;  // every client booted or local boot by then
  std::vector<OutcomeExpectation> outcomes;
  std::vector<std::string> checks_pass;   // must pass (not fail anywhere, judged somewhere)
  std::vector<std::string> checks_fail;   // must be found failing
  // No MUST check on a server or relay fails, but those in checks_fail (client-role
  // checks are judged only when named in checks_pass / checks_fail).
  bool no_must_failures = true;
};

struct Scenario {
  std::string source;  // the file
  std::string dir;     // its directory (relative paths)
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  double deadline = 300;  // seconds
  std::vector<SegmentSpec> segments;
  std::vector<ServerSpec> servers;
  std::vector<RelaySpec> relays;
  std::vector<ClientSpec> clients;
  std::vector<EventSpec> events;
  std::optional<ScenarioClock> clock;
  Expectations expect;

  std::uint32_t client_count() const;
  bool uses_qemu() const;
  bool uses_sut() const;  // a [[sut]]: the run is on the wall clock
};

Result<Scenario> load_scenario(const std::string& path);
Result<Scenario> parse_scenario(std::string_view text, const std::string& source);

}  // namespace pxelab::conformance
