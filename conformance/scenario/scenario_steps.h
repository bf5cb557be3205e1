// The steps of a scenario run (DESIGN.md's data flow of `pxelab run`) and the plain
// data between them. run_scenario (scenario_runner.cc) is the list of steps:
//
//   plan_run          scenario_validate.cc  personalities, firmware profiles, work dir
//   build_network     scenario_network.cc   the clock, one segment + trace per segment
//   place_servers     scenario_servers.cc   each server behind ScenarioServer, started
//   place_relays      scenario_relays.cc    a router + DHCP relay agent per relay
//   place_clients     scenario_clients.cc   emulated ROMs, probes, QEMU VMs
//   schedule_events   scenario_events.cc    link faults, server stop/start
//   run_clock         scenario_runner.cc    until every client is done or the deadline
//   collect_outcomes  scenario_outcomes.cc  each client's outcome and deciding frame
//   check_segments    scenario_outcomes.cc  the check catalogue over each segment's trace
//   judge             scenario_judge.cc     the expectations
//
// A new server kind is one more ScenarioServer (scenario_server.h) made in
// place_servers; a new client source is one more branch of place_clients.
#pragma once

#include <signal.h>

#include <cstdint>
#include <optional>
#include <map>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "client/personality.h"
#include "client/probe_client.h"
#include "client/pxe_client.h"
#include "client/qemu/firmware_profile.h"
#include "client/qemu/launcher.h"
#include "conformance/scenario/run_network.h"
#include "conformance/scenario/scenario.h"
#include "conformance/scenario/scenario_runner.h"
#include "conformance/scenario/scenario_server.h"
#include "conformance/sut/profile.h"
#include "server/config.h"
#include "server/dhcp_relay.h"
#include "sim/host.h"
#include "sim/router.h"

namespace pxelab::conformance {

// What validation found and the run needs: every name the scenario uses resolved.
struct RunPlan {
  std::uint64_t seed = 0;
  bool realtime = false;  // QEMU clients or a server under test: the wall clock
  std::string sut_registry_dir;  // servers under test: where run records go (empty: default)
  client::PersonalitySet personalities;
  std::map<std::string, client::qemu::FirmwareProfile> profiles;  // by id, the qemu groups'
  WorkDir work;           // TFTP roots, leases, kept QEMU files
  bool keep = false;      // the user asked to keep the work directory
};

// The clock and the segments (scenario order), each with its trace.
struct BuiltNetwork {
  std::vector<std::unique_ptr<sim::Trace>> traces;  // before net: the segments go first
  RunNetwork net{false};
  std::map<std::string, std::size_t> segment_index;  // name -> index
  sim::Clock& clock() { return *net.clock; }
  sim::Segment& segment(std::size_t i) { return *net.segments[i]; }
};

struct PlacedServer {
  const ServerSpec* spec = nullptr;
  std::size_t segment = 0;
  std::unique_ptr<ScenarioServer> server;
};

struct PlacedRelay {
  const RelaySpec* spec = nullptr;
  std::unique_ptr<sim::Router> router;
  std::unique_ptr<server::DhcpRelayAgent> agent;
  std::vector<std::pair<std::size_t, sim::PortIndex>> ports;  // segment, port; one per interface
};

struct PlacedClient {
  std::size_t group = 0;
  std::size_t segment = 0;
  sim::PortIndex port = sim::kNoPort;
  wire::MacAddress mac;                            // its MAC (the group's + its index)
  std::unique_ptr<sim::Host> host;
  std::unique_ptr<client::PxeClient> agent;        // kind emulated
  std::unique_ptr<client::ProbeClient> probe;      // kind probe
  std::unique_ptr<client::qemu::QemuVm> vm;        // kind qemu
  // Emulated: power-cycles the client now (a reboot event; scenario_clients.cc).
  std::function<void()> reboot;
  // Boots before a reboot: their hosts stay attached, powered off (no timer of theirs
  // dangles), with their agents and outcomes.
  std::vector<std::unique_ptr<sim::Host>> old_hosts;
  std::vector<std::unique_ptr<client::PxeClient>> old_agents;
};

// How many clients have their outcome; the clock stops when all have.
struct RunProgress {
  std::uint32_t total = 0;
  std::uint32_t done = 0;
  sim::Time last_done = 0;
};

// An action the run could not carry out (a server that does not come back), reported
// as an unmet expectation so the run fails visibly.
struct RunError {
  std::string what;    // "server 'dhcp' starts again at 12 s"
  std::string detail;  // the error
};

// Everything a run builds. Members are destroyed in reverse order: clients, relays and
// servers before the progress they report to, the segments and the clock last.
struct RunWorld {
  BuiltNetwork network;
  std::vector<PlacedServer> servers;
  std::vector<PlacedRelay> relays;
  RunProgress progress;
  std::vector<RunError> errors;
  std::vector<RunAction> actions;  // the log of events carried out (scenario_events.cc)
  std::vector<PlacedClient> clients;
  std::vector<std::unique_ptr<sim::Port>> wake_senders;  // wake events' senders (scenario_events.cc)
};

Result<RunPlan> plan_run(const Scenario& scenario, const ScenarioRunOptions& options);
// Frames a wall-clock run's trace keeps per segment (sim::Trace::set_frame_limit): 6x
// the suite's largest run (conform-storm-200: about 158,000 frames), at most 1.5 GB of
// trace at full-size frames. Later frames are counted and reported, not kept.
inline constexpr std::size_t kWallClockTraceFrames = 1'000'000;

BuiltNetwork build_network(const Scenario& scenario, const RunPlan& plan);
Status place_servers(const Scenario& scenario, const RunPlan& plan, RunWorld& world);
void place_relays(const Scenario& scenario, RunWorld& world);
Status place_clients(const Scenario& scenario, const RunPlan& plan, RunWorld& world);
void schedule_events(const Scenario& scenario, RunWorld& world);
std::vector<client::ClientOutcome> collect_outcomes(const Scenario& scenario, RunWorld& world);
std::vector<SegmentResult> check_segments(const Scenario& scenario, RunWorld& world,
                                          const std::vector<client::ClientOutcome>& outcomes);
std::vector<ExpectationResult> judge(const Scenario& scenario, const ScenarioResult& result,
                                     const std::vector<RunError>& errors);

// Servers under test (scenario_sut.cc): a [[sut]] made behind ScenarioServer from its
// already prepared model; SIGINT/SIGTERM watched on the wall clock while one runs (the
// run then ends between events and everything is removed); a SUT that died mid-run.
Result<std::unique_ptr<ScenarioServer>> make_sut_server(const ServerSpec& sv, const Scenario& s, const RunPlan& plan,
                                                        ServerSite site, server::ServerConfig model);
class SutSignalWatch {
 public:
  SutSignalWatch(const Scenario& s, RunWorld& w);
  // Any run on `clock` with a server under test (pxelab replay --sut).
  explicit SutSignalWatch(sim::RealtimeClock& clock) { watch(clock); }
  ~SutSignalWatch();
  int signal() const { return signal_; }

 private:
  void watch(sim::RealtimeClock& clock);
  int fd_ = -1;
  int signal_ = 0;
  sigset_t old_{};
};
std::optional<Error> sut_failure(RunWorld& w);
// A failed server check that needs a capability `caps` does not claim becomes not
// applicable, with the reason (issue 10: "never fail"). The table is in scenario_sut.cc.
void mark_unclaimed(const sut::Capabilities& caps, const std::string& profile, std::vector<CheckResult>& results);
// mark_unclaimed for every segment that holds a server under test.
void apply_sut_capabilities(RunWorld& w, std::vector<SegmentResult>& segments);
std::vector<std::string> sut_dirs(RunWorld& w);

// Small helpers the steps share.
wire::MacAddress mac_plus(const wire::MacAddress& mac, std::uint64_t n);  // n added as a 48-bit number
std::string replace_all(std::string text, std::string_view from, const std::string& to);  // every `from`
std::string replace_n(std::string text, std::uint32_t n);                 // every "{n}" becomes n
std::string client_name(const ClientSpec& group, std::uint32_t n);        // NAME, or NAME-n in a group of many
sim::LinkParams link_of(const Scenario& scenario, std::size_t segment, const LinkSpec& own);

}  // namespace pxelab::conformance
