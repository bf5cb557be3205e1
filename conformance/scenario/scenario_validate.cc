// Step 1 of a run: every name the scenario uses is resolved before anything is built
// (personalities, firmware profiles), and the run gets its working directory.
#include "conformance/scenario/scenario_steps.h"

namespace pxelab::conformance {

namespace {

std::string at_line(const Scenario& s, int line) { return s.source + ":" + std::to_string(line); }

// An emulated group's personality exists and is a ROM (not a second-stage loader).
Status check_personality(const Scenario& s, const ClientSpec& c, const client::PersonalitySet& personalities) {
  if (!personalities.contains(c.personality)) {
    std::string known;
    for (const auto& [id, p] : personalities) known += (known.empty() ? "" : ", ") + id;
    return Error{"client.personality", 0, "group '" + c.name + "': no personality '" + c.personality + "' (known: " + known + ")",
                 at_line(s, c.line)};
  }
  if (personalities.at(c.personality).kind != client::PersonalityKind::kRom) {
    return Error{"client.personality", 0,
                 "group '" + c.name + "': '" + c.personality +
                     "' is a loader (a second stage a ROM downloads), not a ROM a machine powers on with",
                 at_line(s, c.line)};
  }
  return Ok{};
}

}  // namespace

Result<RunPlan> plan_run(const Scenario& s, const ScenarioRunOptions& o) {
  RunPlan plan;
  plan.seed = o.seed.value_or(s.seed);
  plan.realtime = s.uses_qemu();
  plan.keep = !o.keep_dir.empty();
  auto set = client::load_personalities(client::default_personality_dir());
  if (!set) return set.error();
  plan.personalities = std::move(*set);
  for (const auto& c : s.clients) {
    if (c.kind == ClientKind::kEmulated) {
      if (auto st = check_personality(s, c, plan.personalities); !st) return st.error();
    }
    if (c.kind == ClientKind::kQemu && !plan.profiles.contains(c.firmware)) {
      auto p = client::qemu::find_firmware_profile(client::qemu::default_profile_dir(), c.firmware);
      if (!p) {
        Error e = p.error();
        e.location = at_line(s, c.line);
        return e;
      }
      plan.profiles.emplace(c.firmware, std::move(*p));
    }
  }
  auto work = WorkDir::make(o.keep_dir, "pxelab-run-");
  if (!work) return work.error();
  plan.work = std::move(*work);
  return plan;
}

}  // namespace pxelab::conformance
