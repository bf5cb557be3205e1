// Runs a scenario: builds the clock, segments, servers, relays and clients it
// describes, runs until every client has its outcome or the deadline passes, then
// runs the check catalogue over each segment's trace and judges the expectations.
// DESIGN.md's data flow of `pxelab run`; the command (run_command.cc) writes the
// files and prints the summary.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/outcome.h"
#include "conformance/checks/catalogue.h"
#include "conformance/checks/check.h"
#include "conformance/scenario/scenario.h"
#include "sim/trace.h"
#include "wire/result.h"

namespace pxelab::conformance {

struct ScenarioRunOptions {
  std::optional<std::uint64_t> seed;  // overrides the scenario's
  bool progress = false;              // a progress line on stderr while it runs
  std::string keep_dir;               // keep TFTP roots and QEMU files here (else temporary)
  std::string sut_registry_dir;       // servers under test: run records (default /run/pxelab/sut)
};

struct ExpectationResult {
  std::string what;    // "all 12 clients booted within 60 s"
  bool met = false;
  std::string detail;  // why not, naming clients and frames
};

// One segment's share of the run.
struct SegmentResult {
  std::string name;
  std::unique_ptr<sim::Trace> trace;
  Run run;  // trace, that segment's outcomes, who is who
  std::unique_ptr<AnalyzedRun> analyzed;
  std::vector<CheckResult> results;
};

// One action an [[event]] carried out, in the order they happened (the run's log).
struct RunAction {
  double at = 0;        // seconds of the run
  std::string wall;     // with a [clock]: "2026-03-29T03:00:00+02:00 (CEST)"; else empty
  std::string action;   // the event's word: "wake", "boot-mode", "link-down", ...
  std::string target;
  std::string trigger;  // "at 30 s" or "cron '0 2 * * *' in Europe/Berlin"
  std::string detail;   // what it did: "500 magic packets to 255.255.255.255:9", ...
};

struct ScenarioResult {
  std::uint64_t seed = 0;
  std::vector<client::ClientOutcome> outcomes;  // every client, in scenario order
  std::vector<std::string> groups;              // the group of each outcome
  std::vector<SegmentResult> segments;          // in scenario order
  std::vector<ExpectationResult> expectations;
  std::vector<RunAction> actions;               // every event's action, in time order
  bool all_met = false;
  double simulated_seconds = 0;
  double wall_seconds = 0;
  bool realtime = false;  // QEMU clients or a server under test: the run used the wall clock
  std::vector<std::string> sut_dirs;  // each server under test's rendered config and logs
};

// Errors: a scenario that cannot be built (unknown personality, a server
// configuration error naming its file and line, a missing QEMU package).
Result<ScenarioResult> run_scenario(const Scenario& scenario, const ScenarioRunOptions& options);

}  // namespace pxelab::conformance
