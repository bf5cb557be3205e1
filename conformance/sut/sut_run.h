// One server under test for one run: its network (network.h), its rendered config files,
// its own config validation, its processes started in order inside the namespace, each
// one ready before the next, and its stop. Every failure names the step (render,
// validate, start, ready), what was seen and the SUT's last log lines.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conformance/sut/network.h"
#include "conformance/sut/process.h"
#include "conformance/sut/profile.h"
#include "conformance/sut/template.h"
#include "server/config.h"
#include "sim/clock.h"

namespace pxelab::sut {

struct SutOptions {
  std::string run_dir;      // rendered configs, leases and logs go here (kept)
  std::string tftp_root;    // the TFTP root made for the run
  std::string user_config;  // --config FILE: copied into run_dir, {{user_config}}
  std::string registry_dir = kDefaultRegistryDir;
  std::vector<wire::Ipv4Address> extra_addresses;  // more addresses on the bridge
  std::optional<wire::Ipv4Address> gateway;  // the SUT's default route: a relay, for relayed subnets
};

// A failure of one step, as a verdict shows it.
struct SetupFailure {
  std::string step;     // render | validate | start | ready | network
  std::string process;  // the process concerned ("" for network/render)
  std::string seen;     // what was seen
  std::string log_tail; // the SUT's last log lines
  std::string to_string() const;
};

class ServerUnderTest {
 public:
  // Creates the network, renders, validates, starts and waits for readiness, on the
  // wall clock before the run starts. On failure everything made is removed again.
  static Result<std::unique_ptr<ServerUnderTest>> start(sim::RealtimeClock& clock, const Profile& profile,
                                                        const server::ServerConfig& model, const SutOptions& o);
  ~ServerUnderTest();

  const Profile& profile() const { return profile_; }
  sim::LinkPort& port() { return network_->port(); }
  const Network& network() const { return *network_; }
  // A process that exited while it should run (a crash mid-run): what and its last lines.
  std::optional<SetupFailure> exited() ;
  // Stops the processes (last started first), keeps their logs, removes the network.
  Status stop();
  // Stops only the processes (the network and its TAP stay: a restart behind the same
  // port), and starts them again, each ready before the next.
  void stop_processes();
  Status restart_processes();
  bool running() const { return !processes_.empty(); }
  std::vector<std::string> log_files() const;
  const std::vector<std::string>& rendered_files() const { return rendered_; }

 private:
  ServerUnderTest(Profile profile, SutOptions o) : profile_(std::move(profile)), options_(std::move(o)) {}
  Status render(const server::ServerConfig& model);
  Status validate();
  Status start_processes();
  std::optional<std::string> wait_ready(Process& p, const ProcessProfile& pp);
  std::string log_path(const std::string& process) const;
  std::string last_lines() const;

  Profile profile_;
  SutOptions options_;
  TemplateScope scope_;
  std::unique_ptr<Network> network_;
  std::vector<Process> processes_;
  std::vector<std::vector<std::string>> commands_;  // rendered, per process
  std::vector<std::string> rendered_;
  std::vector<std::string> extra_logs_;
  bool stopped_ = false;
};

}  // namespace pxelab::sut
