// A server under test as a scenario's server (scenario_server.h): a profile's daemons in
// a network namespace (conformance/sut/), reached through a TAP LinkPort attached to the
// site's segment. Only on the wall clock (ServerSite::realtime). Its frames pass the
// segment's links, trace and pcap exactly as the reference server's do.
//
// start() is the whole set-up (network, rendered config, the server's own config check,
// processes, readiness); an error names the step. stop() stops the daemons and removes
// the namespace (a restart builds a fresh one behind a new port). A daemon that dies
// during the run ends the run through `on_exit` (the verdict names it and shows its last
// log lines) instead of leaving the clients to time out.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conformance/scenario/scenario_server.h"
#include "conformance/sut/sut_run.h"

namespace pxelab::conformance {

class SutServer final : public ScenarioServer {
 public:
  SutServer(ServerSite site, sut::Profile profile, server::ServerConfig model, sut::SutOptions options);
  ~SutServer() override;

  Status start() override;
  void stop() override;
  ServerReport report() const override;

  const sut::Profile& profile() const { return profile_; }
  // Called once (from inside the clock) when a daemon exits while it should run.
  void set_on_exit(std::function<void(const sut::SetupFailure&)> f) { on_exit_ = std::move(f); }
  const std::optional<sut::SetupFailure>& exit_failure() const { return exit_failure_; }
  std::vector<std::string> log_files() const;
  std::vector<std::string> rendered_files() const;
  const std::string& run_dir() const { return options_.run_dir; }  // rendered config and logs

 private:
  void watch_processes();

  ServerSite site_;
  sut::Profile profile_;
  server::ServerConfig model_;
  sut::SutOptions options_;
  std::unique_ptr<sut::ServerUnderTest> sut_;
  std::vector<ServerInstance> instances_;
  std::vector<std::string> logs_, rendered_;
  std::optional<sut::SetupFailure> exit_failure_;
  std::function<void(const sut::SetupFailure&)> on_exit_;
  std::optional<sim::EventId> watch_event_;
  int incarnation_ = 0;
};

}  // namespace pxelab::conformance
