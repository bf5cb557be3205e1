// One real firmware VM booting against the reference boot server in the simulator:
// the graph behind `pxelab qemu` and `pxelab fidelity`, and the example a scenario
// harness follows for `kind = "qemu"` clients (RealtimeClock, one Segment, the
// BootServer's host and each VM's QemuPort on it, a Trace, QemuVm outcomes).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "client/outcome.h"
#include "client/qemu/firmware_profile.h"
#include "client/qemu/trace_digest.h"
#include "sim/qemu_port.h"
#include "sim/trace.h"
#include "wire/address.h"
#include "wire/result.h"

namespace pxelab::conformance {

struct QemuRunOptions {
  wire::MacAddress mac{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};
  std::string hostname = "lab01";
  double deadline_seconds = 0;  // 0: the profile's
  bool server = true;           // false: nobody answers (the firmware's own failure)
  std::string keep_dir;         // console, QEMU stderr, command, server log, TFTP root copied here
  sim::QemuPort::Transport transport = sim::QemuPort::Transport::kUnix;
  std::string qemu_binary;      // instead of the profile's
  std::vector<std::string> extra_args;
  // TAP devices joined to the VM's segment (LinkPort::open_tap; root): a real server
  // on a bridge behind them answers the real firmware (e.g. dnsmasq, with server off).
  std::vector<std::string> taps;
  // Server: 192.0.2.1, host 192.0.2.10 (RFC 5737 TEST-NET-1; only inside the simulator).
};

struct QemuRunResult {
  client::ClientOutcome outcome;
  std::optional<double> seconds;  // QEMU start -> marker (or failure line)
  sim::Trace trace;               // every frame of the segment
  client::qemu::ClientDigest digest;
  std::string console;
  std::vector<std::string> server_log;
  std::vector<std::string> command;
  bool interrupted = false;       // SIGINT/SIGTERM arrived; the VM was stopped and cleaned up
};

// Files of the TFTP root the profile needs, copied/written into `dir` (exists).
Status assemble_tftp_root(const client::qemu::FirmwareProfile& profile, const std::string& dir);

// The reference server's configuration for one VM of `profile` (TOML text).
std::string qemu_server_config(const client::qemu::FirmwareProfile& profile, const QemuRunOptions& options,
                               const std::string& tftp_root);

// Runs the VM to its outcome. SIGINT/SIGTERM are blocked while it runs and read from
// a signalfd: they stop the VM and return (interrupted = true) after full cleanup.
Result<QemuRunResult> run_qemu_boot(const client::qemu::FirmwareProfile& profile, const QemuRunOptions& options);

// The matching emulated personality (profile.personality, client/personalities) in
// the same scenario: the same server configuration and TFTP root, the same MAC, on a
// VirtualClock (deterministic for `seed`). What fidelity compares against the VM.
struct EmulatedRunResult {
  client::ClientOutcome outcome;
  sim::Trace trace;
};
Result<EmulatedRunResult> run_emulated_boot(const client::qemu::FirmwareProfile& profile, const QemuRunOptions& options,
                                            std::uint64_t seed = 1);

// The frames of `trace` up to and including time `until` (the boot, trimmed).
sim::Trace trim_trace(const sim::Trace& trace, sim::Time until);

}  // namespace pxelab::conformance
