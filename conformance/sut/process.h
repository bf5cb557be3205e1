// Processes of a server under test: started by hand (never as a system service) inside
// the run's network namespace, each in its own process group, killed when pxelab dies
// (PR_SET_PDEATHSIG) and stopped with a signal, a grace period and then SIGKILL. Their
// stdout and stderr go to one log file each, which is kept with the run's outputs.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "wire/result.h"

namespace pxelab::sut {

struct ProcessSpec {
  std::string name;               // for messages ("dnsmasq", "validate dnsmasq")
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  std::string netns;              // run inside this namespace (`ip netns exec`); empty: here
  std::string log_path;           // stdout+stderr appended here; empty: /dev/null
  std::string cwd;                // empty: the current directory
};

// How a process ended, as a person reads it: "exited 1", "killed by signal 9".
std::string describe_wait_status(int status);

class Process {
 public:
  static Result<Process> start(const ProcessSpec& spec);
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  // Kills the group (SIGKILL) if it still runs, and reaps it.
  ~Process();

  pid_t pid() const { return pid_; }
  const ProcessSpec& spec() const { return spec_; }
  // The wait status once it has exited (reaped here); nullopt while it runs.
  std::optional<int> poll();
  // Sends `sig` to its process group, waits up to `grace_s`, then SIGKILLs the group.
  // Returns the wait status.
  int stop(int sig, double grace_s);

 private:
  explicit Process(ProcessSpec spec, pid_t pid) : spec_(std::move(spec)), pid_(pid) {}
  ProcessSpec spec_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

struct Completed {
  int status = 0;          // wait status
  bool timed_out = false;  // killed after `timeout_s`
  std::string output;      // what it wrote (stdout + stderr), at most 64 KiB
  bool succeeded() const;
};

// Runs a command to its end (killed after `timeout_s`); its output is also appended to
// spec.log_path when one is given.
Result<Completed> run_to_completion(ProcessSpec spec, double timeout_s);

// The last `n` lines of a file (for "the SUT's last log lines" in a verdict).
std::string tail_lines(const std::string& path, std::size_t n);

}  // namespace pxelab::sut
