// QemuVm: one real firmware booting under QEMU, its NIC on a Segment through a
// QemuPort, its serial console read live, its outcome a client::ClientOutcome.
//
// Lifecycle (all on the caller's RealtimeClock; nothing blocks):
//   start(): a private temporary directory $TMPDIR/pxelab-qemu-<pid>-XXXXXX (the
//   QemuPort's sockets, QEMU's stderr, a fresh copy of the UEFI vars), the port
//   attached to the segment, QEMU forked and exec'd from the profile's template with
//   the serial console on a pipe. The console is scanned line by line:
//     - the profile's marker        -> kBooted, the VM is killed;
//     - a fatal failure pattern     -> kFailed with its code and the console line;
//     - the deadline                -> kPending, code DEADLINE, the VM is killed;
//     - QEMU exits on its own first -> kFailed, code QEMU-EXIT, QEMU's stderr.
//   The VM is done() once its outcome is final and the process is reaped
//   (a pidfd watched by the clock); on_done then runs.
// Cleanup is unconditional: the destructor kills and reaps QEMU if it still runs,
// closes and removes the sockets and the directory (after copying the console, QEMU's
// stderr and the command line to keep_dir, if given). QEMU gets PR_SET_PDEATHSIG =
// SIGKILL, so it dies with the harness even when the harness is killed outright, and
// runs in its own process group, so a terminal's Ctrl-C reaches only the harness
// (which then cleans up). Directories left by a harness that was SIGKILLed are
// swept by the next start() (their owner pid is gone).
//
// A scenario harness starts N of these on one segment and runs the clock until each
// is done() (or its own deadline), then reads outcome() — filled further from the
// segment's trace by fill_outcome_from_trace() (trace_digest.h).
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/outcome.h"
#include "client/qemu/firmware_profile.h"
#include "sim/clock.h"
#include "sim/qemu_port.h"
#include "sim/segment.h"
#include "wire/address.h"
#include "wire/result.h"

namespace pxelab::client::qemu {

inline constexpr std::string_view kCodeQemuExit = "QEMU-EXIT";  // QEMU ended before an outcome

struct VmOptions {
  std::string name;          // ClientOutcome::name; default: the hostname, else the MAC
  wire::MacAddress mac;
  std::string hostname;      // fills ${hostname} in the marker
  sim::Time deadline = 0;    // from start; 0: the profile's deadline_seconds
  std::string keep_dir;      // if set: console.log, qemu.log, command copied there
  sim::QemuPort::Transport transport = sim::QemuPort::Transport::kUnix;
  std::string qemu_binary;   // instead of the profile's (tests: a stand-in)
  std::vector<std::string> extra_args;  // appended to the command line
  sim::LinkParams link;      // the VM's attachment to the segment
};

class QemuVm {
 public:
  // Errors: a missing requirement (names the package), an unwritable temp dir, fork.
  static Result<std::unique_ptr<QemuVm>> start(sim::RealtimeClock& clock, sim::Segment& segment,
                                               const FirmwareProfile& profile, const VmOptions& options);
  ~QemuVm();
  QemuVm(const QemuVm&) = delete;
  QemuVm& operator=(const QemuVm&) = delete;

  // Outcome final and QEMU reaped.
  bool done() const { return final_ && reaped_; }
  // Runs (from inside clock.run()) when done() becomes true.
  void set_on_done(std::function<void()> fn) { on_done_ = std::move(fn); }
  // Ends the VM now; an outcome not yet final becomes kPending / DEADLINE ("stopped").
  void stop(std::string_view why = "stopped by the harness");

  const ClientOutcome& outcome() const { return outcome_; }
  ClientOutcome& outcome() { return outcome_; }
  const FirmwareProfile& profile() const { return profile_; }
  sim::PortIndex port_index() const { return port_index_; }
  const sim::QemuPort& port() const { return *port_; }
  pid_t pid() const { return pid_; }
  const std::string& directory() const { return dir_; }
  const std::vector<std::string>& command() const { return argv_; }
  // The console so far, escape sequences and \r removed.
  const std::string& console() const { return console_; }
  // Seconds from QEMU's start to the marker (booted) or to the failure line.
  std::optional<double> seconds_to_outcome() const;

 private:
  QemuVm(sim::RealtimeClock& clock, const FirmwareProfile& profile);
  Status launch(sim::Segment& segment, const VmOptions& options);
  void on_console();
  void on_line(std::string_view line);
  void on_exit();
  void poll_exit();
  void finish(BootStatus status, std::string_view code, std::string text);
  void kill_now();
  void reap_blocking();
  void cleanup();

  sim::RealtimeClock& clock_;
  FirmwareProfile profile_;
  std::string dir_;
  std::string keep_dir_;
  std::unique_ptr<sim::QemuPort> port_;
  sim::PortIndex port_index_ = sim::kNoPort;
  std::vector<std::string> argv_;
  pid_t pid_ = -1;
  int console_fd_ = -1;
  int pid_fd_ = -1;
  sim::RealtimeClock::WatchId console_watch_{}, pid_watch_{};
  std::optional<sim::EventId> deadline_event_;
  std::optional<sim::EventId> poll_event_;  // without pidfd only
  std::string marker_regex_;
  std::string console_;
  std::string partial_;  // an unfinished console line
  std::string last_line_;
  int serial_log_fd_ = -1;
  ClientOutcome outcome_;
  bool final_ = false;
  bool reaped_ = false;
  std::function<void()> on_done_;
};

// Removes pxelab-qemu-<pid>-* directories under `tmp` whose pid no longer runs (left
// by a harness killed with SIGKILL). Returns how many were removed.
int sweep_stale_directories(const std::string& tmp);

// The console line with ANSI escape sequences, \r and other control bytes removed.
std::string clean_console_line(std::string_view raw);

// `text` with ${hostname} and ${mac} replaced (tftp texts, markers take escaped values).
std::string fill_placeholders(std::string_view text, const std::string& hostname, const wire::MacAddress& mac,
                              bool regex_escape);

}  // namespace pxelab::client::qemu
