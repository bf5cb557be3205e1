// Step 10 of a run: the scenario's [expect] judged against the outcomes and the check
// results. Without an [expect] table the default is that every client boots before
// the deadline and no MUST check on a server or relay fails.
#include <algorithm>

#include <fmt/core.h>

#include "conformance/scenario/scenario_steps.h"

namespace pxelab::conformance {

namespace {

std::string status_name(client::BootStatus st) { return std::string(client::to_string(st)); }

bool booted_or_local(const client::ClientOutcome& oc) {
  return oc.status == client::BootStatus::kBooted || oc.status == client::BootStatus::kLocalBoot;
}

// At most five reasons, then how many more.
void append_reasons(std::string& detail, const std::vector<std::string>& reasons) {
  for (std::size_t i = 0; i < reasons.size() && i < 5; ++i) detail += (i ? "; " : "") + reasons[i];
  if (reasons.size() > 5) detail += fmt::format("; and {} more", reasons.size() - 5);
}

std::string first_finding(const CheckResult& cr) {
  if (cr.findings.empty()) return std::string();
  const Finding& f = cr.findings.front();
  std::string frames;
  for (auto n : f.frames) frames += (frames.empty() ? "frame " : ",") + std::to_string(n + 1);
  return (frames.empty() ? "" : frames + ": ") + f.message;
}

// Each segment's verdict of check `id`.
std::vector<std::pair<std::string, const CheckResult*>> verdicts(const ScenarioResult& result, std::string_view id) {
  std::vector<std::pair<std::string, const CheckResult*>> out;
  for (const auto& seg : result.segments) {
    for (const auto& cr : seg.results) {
      if (cr.check->id == id) out.emplace_back(seg.name, &cr);
    }
  }
  return out;
}

ExpectationResult all_booted(const ScenarioResult& result, std::uint32_t total, double within) {
  ExpectationResult r;
  r.what = fmt::format("all {} clients booted (or went to local boot) within {} s", total, within);
  std::vector<std::string> late;
  for (const auto& oc : result.outcomes) {
    const bool ok = booted_or_local(oc) && oc.timeline.done &&
                    sim::to_seconds(*oc.timeline.done - oc.timeline.power_on.value_or(0)) <= within;
    if (ok) continue;
    std::string why = oc.name + " " + status_name(oc.status) + (oc.code.empty() ? "" : " " + oc.code);
    if (oc.decided_by && oc.decided_by->frame) why += " (frame " + std::to_string(*oc.decided_by->frame + 1) + ")";
    late.push_back(why);
  }
  r.met = late.empty();
  append_reasons(r.detail, late);
  return r;
}

// expect.outcome.floppy_text for this client: ${ip} and ${mac} are its own.
std::string floppy_text_for(const OutcomeExpectation& oe, const client::ClientOutcome& oc) {
  return replace_all(replace_all(oe.floppy_text, "${ip}", oc.address ? oc.address->to_string() : "?"), "${mac}", oc.mac.to_string());
}

bool floppy_holds(const client::ClientOutcome& oc, const std::string& text) {
  for (const auto& im : oc.images) {
    if (!im.floppy) continue;
    for (const auto& f : im.floppy->text) {
      if (f.content.find(text) != std::string::npos) return true;
    }
  }
  return false;
}

bool matches(const OutcomeExpectation& oe, const client::ClientOutcome& oc) {
  bool ok = (!oe.status || oc.status == *oe.status) && (oe.code.empty() || oc.code == oe.code) &&
            (oe.boot_file.empty() || oc.boot_file == oe.boot_file) &&
            (oe.floppy_text.empty() || floppy_holds(oc, floppy_text_for(oe, oc)));
  if (ok && oe.within) {
    ok = oc.timeline.done && sim::to_seconds(*oc.timeline.done - oc.timeline.power_on.value_or(0)) <= *oe.within;
  }
  return ok;
}

ExpectationResult outcome_expectation(const ScenarioResult& result, const OutcomeExpectation& oe) {
  ExpectationResult r;
  r.what = "clients " + oe.clients + (oe.status ? " " + status_name(*oe.status) : "") + (oe.code.empty() ? "" : " with " + oe.code) +
           (oe.boot_file.empty() ? "" : " booting " + oe.boot_file) + (oe.within ? fmt::format(" within {} s", *oe.within) : "") +
           (oe.floppy_text.empty() ? "" : " from a floppy holding '" + oe.floppy_text + "'") +
           (oe.boot ? fmt::format(" at boot {}", *oe.boot) : "");
  std::vector<std::string> wrong;
  std::size_t matched = 0;
  for (std::size_t i = 0; i < result.outcomes.size(); ++i) {
    if (oe.clients != "*" && result.groups[i] != oe.clients) continue;
    ++matched;
    const auto& last = result.outcomes[i];
    // boot = N: the Nth boot of the client (earlier_boots, then the last one).
    if (oe.boot && *oe.boot > last.earlier_boots.size() + 1) {
      wrong.push_back(last.name + fmt::format(": booted {} times, not {}", last.earlier_boots.size() + 1, *oe.boot));
      continue;
    }
    const auto& oc = oe.boot && *oe.boot <= last.earlier_boots.size() ? last.earlier_boots[*oe.boot - 1] : last;
    if (matches(oe, oc)) continue;
    wrong.push_back(oc.name + ": " + status_name(oc.status) + (oc.code.empty() ? "" : " " + oc.code) +
                    (oe.boot_file.empty() ? "" : " file '" + oc.boot_file + "'") +
                    (oe.floppy_text.empty() || floppy_holds(oc, floppy_text_for(oe, oc))
                         ? ""
                         : " no floppy text '" + floppy_text_for(oe, oc) + "'") +
                    (oc.timeline.done ? fmt::format(" at {:.2f} s", sim::to_seconds(*oc.timeline.done)) : ""));
  }
  const double share = matched ? static_cast<double>(matched - wrong.size()) / static_cast<double>(matched) : 0;
  r.met = matched > 0 && (oe.at_least ? share >= *oe.at_least : wrong.empty());
  if (oe.at_least) {
    r.what = fmt::format("at least {:.0f} % of ", *oe.at_least * 100) + r.what;
    r.detail = fmt::format("{} of {} matched", matched - wrong.size(), matched) + (wrong.empty() ? "" : "; ");
  }
  if (matched == 0) r.detail = "no such clients";
  append_reasons(r.detail, wrong);
  return r;
}

ExpectationResult check_passes(const Scenario& s, const ScenarioResult& result, const std::string& id) {
  ExpectationResult r;
  r.what = "check " + id + " passes";
  bool any_pass = false, any_fail = false;
  for (auto& [segname, cr] : verdicts(result, id)) {
    any_pass = any_pass || cr->verdict == Verdict::kPass;
    if (cr->verdict == Verdict::kFail) {
      any_fail = true;
      r.detail = (s.segments.size() > 1 ? segname + ": " : "") + first_finding(*cr);
    }
  }
  r.met = any_pass && !any_fail;
  if (!any_pass && !any_fail) r.detail = "not applicable: nothing in the run to judge";
  return r;
}

ExpectationResult check_fails(const Scenario& s, const ScenarioResult& result, const std::string& id) {
  ExpectationResult r;
  r.what = "check " + id + " finds the fault";
  for (auto& [segname, cr] : verdicts(result, id)) {
    if (cr->verdict == Verdict::kFail) {
      r.met = true;
      r.detail = (s.segments.size() > 1 ? segname + ": " : "") + first_finding(*cr);
      break;
    }
  }
  if (!r.met) r.detail = "the check did not fail";
  return r;
}

// The servers and relays are what a scenario puts under test; the emulated clients
// deviate where their firmware does (no 97 on some Intel ROMs, iPXE's 1/2/4 s
// retries) - a scenario judges clients with checks_pass / checks_fail.
ExpectationResult no_must_failures(const Expectations& ex, const ScenarioResult& result) {
  ExpectationResult r;
  r.what = "no MUST-level check on the servers or relays fails" +
           std::string(ex.checks_fail.empty() ? "" : " (beyond those expected to)");
  r.met = true;
  for (const auto& seg : result.segments) {
    for (const auto& cr : seg.results) {
      if (cr.verdict != Verdict::kFail || cr.check->level != Level::kMust || cr.check->role == Role::kClient) continue;
      const std::string id(cr.check->id);
      if (id.rfind("OUTCOME-", 0) == 0) continue;  // outcomes are the outcome expectations' business
      if (std::find(ex.checks_fail.begin(), ex.checks_fail.end(), id) != ex.checks_fail.end()) continue;
      r.met = false;
      r.detail += (r.detail.empty() ? "" : "; ") + id + " (" + first_finding(cr) + ")";
    }
  }
  return r;
}

}  // namespace

std::vector<ExpectationResult> judge(const Scenario& s, const ScenarioResult& result, const std::vector<RunError>& errors) {
  const Expectations& ex = s.expect;
  std::vector<ExpectationResult> out;
  std::optional<double> all_within = ex.all_booted_within;
  if (!ex.declared) all_within = s.deadline;  // the default: every client boots
  if (all_within) out.push_back(all_booted(result, s.client_count(), *all_within));
  for (const auto& oe : ex.outcomes) out.push_back(outcome_expectation(result, oe));
  for (const auto& id : ex.checks_pass) out.push_back(check_passes(s, result, id));
  for (const auto& id : ex.checks_fail) out.push_back(check_fails(s, result, id));
  if (ex.no_must_failures) out.push_back(no_must_failures(ex, result));
  // What the run could not do is never met: a scenario cannot expect it away.
  for (const RunError& e : errors) out.push_back({e.what, false, e.detail});
  return out;
}

}  // namespace pxelab::conformance
