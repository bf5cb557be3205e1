// run_scenario: the steps of scenario_steps.h in order, and step 7 (running the
// clock, with a progress line on a terminal).
#include "conformance/scenario/scenario_runner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>

#include <fmt/core.h>

#include "conformance/scenario/scenario_steps.h"

namespace pxelab::conformance {

namespace {

// Runs until every client is done (one_done stops the clock) or the deadline; returns
// the simulated seconds the run took (to the last outcome when all came in).
double run_clock(const Scenario& s, const ScenarioRunOptions& o, RunWorld& w) {
  sim::Clock& clock = w.network.clock();
  const RunProgress& p = w.progress;
  auto last_print = std::chrono::steady_clock::now();
  std::function<void()> tick;
  tick = [&] {  // one line on stderr, rewritten
    const auto now = std::chrono::steady_clock::now();
    if (now - last_print > std::chrono::milliseconds(250)) {
      last_print = now;
      fmt::print(stderr, "\r  {}: t = {:.1f} s simulated, {}/{} clients done   ", s.name, sim::to_seconds(clock.now()), p.done,
                 p.total);
    }
    if (p.done < p.total) clock.after(sim::seconds(1), tick);
  };
  if (o.progress) clock.after(sim::seconds(1), tick);
  clock.run(sim::from_seconds(s.deadline));
  if (o.progress) fmt::print(stderr, "\r{:79}\r", "");
  return sim::to_seconds(p.done == p.total ? p.last_done : clock.now());
}

}  // namespace

Result<ScenarioResult> run_scenario(const Scenario& s, const ScenarioRunOptions& o) {
  const auto wall_start = std::chrono::steady_clock::now();
  auto plan = plan_run(s, o);
  if (!plan) return plan.error();
  RunWorld w;
  w.network = build_network(s, *plan);
  if (auto st = place_servers(s, *plan, w); !st) return st.error();
  place_relays(s, w);
  if (auto st = place_clients(s, *plan, w); !st) return st.error();
  schedule_events(s, w);

  ScenarioResult result;
  result.seed = plan->seed;
  result.realtime = plan->realtime;
  {
    SutSignalWatch signals(s, w);
    result.simulated_seconds = run_clock(s, o, w);
    if (signals.signal() != 0) {
      return Error{"", 0, "interrupted by signal " + std::to_string(signals.signal()) + "; servers under test removed"};
    }
  }
  if (auto f = sut_failure(w)) return *f;
  result.sut_dirs = sut_dirs(w);
  result.outcomes = collect_outcomes(s, w);
  for (const auto& cl : w.clients) result.groups.push_back(s.clients[cl.group].name);
  result.segments = check_segments(s, w, result.outcomes);
  apply_sut_capabilities(w, result.segments);
  result.actions = std::move(w.actions);
  result.expectations = judge(s, result, w.errors);
  result.all_met = std::all_of(result.expectations.begin(), result.expectations.end(), [](const auto& e) { return e.met; });
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return result;
}

}  // namespace pxelab::conformance
