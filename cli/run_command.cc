#include "cli/run_command.h"

#include <unistd.h>

#include <filesystem>
#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <optional>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "captures/pcap_writer.h"
#include "conformance/analysis/fingerprint.h"
#include "conformance/report/report_json.h"
#include "conformance/report/report_html.h"
#include "conformance/report/report_junit.h"
#include "conformance/report/report_pcapng.h"
#include "conformance/scenario/scenario.h"
#include "conformance/scenario/scenario_runner.h"
#include "conformance/report/summary.h"

namespace pxelab::conformance {

namespace {

// The bound of the servers' side of the storm: the link of the segment's first server
// the scenario names (its own link over the segment's), in octets/s; null when the link
// is unlimited. report.html draws it beside the servers' throughput.
nlohmann::json server_link_bound(const Scenario& s, const std::string& segment) {
  const SegmentSpec* seg = nullptr;
  for (const auto& g : s.segments) {
    if (g.name == segment) seg = &g;
  }
  if (seg == nullptr) return nullptr;
  for (const auto& sv : s.servers) {
    if (sv.rogue || (sv.segment.empty() ? s.segments.front().name : sv.segment) != segment) continue;
    const sim::LinkParams p = sv.link.apply(seg->link.apply({}));
    return p.bandwidth_bps ? nlohmann::json(static_cast<double>(p.bandwidth_bps) / 8) : nlohmann::json(nullptr);
  }
  return nullptr;
}

constexpr int kRunMet = 0, kRunNotMet = 1, kRunUsage = 2;

constexpr const char* kRunHelp =
    "Run a boot scenario: a virtual network (segments with latency, loss, MTU...), the\n"
    "reference boot server (or several, a proxy beside a DHCP-only server, a rogue one),\n"
    "relays, and emulated ROM clients of any personality (or real firmware under QEMU,\n"
    "or the conformance probe that sends what ROMs never do: INFORM, renew,\n"
    "init-reboot, '..'), with faults on a schedule, and servers broken on purpose by\n"
    "their config's [faults] table (server/example.toml). Time is virtual - a 60 s PXE\n"
    "retry schedule takes milliseconds - and a run is the same for the same seed,\n"
    "unless QEMU clients take part (then the wall clock runs it).\n"
    "\n"
    "Afterwards every check of the catalogue judges each segment's traffic, the\n"
    "scenario's expectations are judged, and OUT gets run.pcapng (open it in Wireshark:\n"
    "report frame numbers are its packet numbers, and each finding is a comment on the\n"
    "frames it cites: filter frame.comment contains \"FAIL\"; --pcap writes a classic\n"
    "run.pcap without comments instead), report.json (the source of truth,\n"
    "schema conformance/REPORT.md), report.html (the same as a page: summary, ladder\n"
    "diagrams per client, storm timeline; opens offline) and junit.xml (one testcase per check and per\n"
    "expectation, for CI). The scenario format: conformance/scenarios/README.md; the\n"
    "library of ready scenarios: conformance/scenarios/*.toml.\n";

constexpr const char* kRunFooter =
    "\nExamples:\n"
    "  pxelab run conformance/scenarios/quickstart.toml\n"
    "  pxelab run conformance/scenarios/loss-20-percent.toml --seed 7 --out /tmp/lossy\n"
    "  pxelab run my.toml --quiet && echo every expectation met\n"
    "\nExit status: 0 every expectation met; 1 one was not; 2 usage or scenario error\n"
    "(the message names the file, line and key).\n";

struct RunOptions {
  std::string scenario;
  std::optional<std::uint64_t> seed;
  std::string out;
  std::string keep;
  bool quiet = false;
  bool no_progress = false;
  bool pcap = false;  // run.pcap (classic, no comments) instead of run.pcapng
};

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  return static_cast<bool>(out);
}

// The <testsuite> elements of a junit document.
std::string suites_of(const std::string& junit) {
  const auto a = junit.find("<testsuite ");
  const auto b = junit.rfind("</testsuites>");
  return a == std::string::npos || b == std::string::npos ? std::string() : junit.substr(a, b - a);
}

std::string expectations_junit(const ScenarioResult& r, const std::string& name) {
  std::size_t failures = 0;
  for (const auto& e : r.expectations) failures += !e.met;
  std::string x = "  <testsuite name=\"" + xml_escape("pxelab " + name + " expectations") + "\" tests=\"" +
                  std::to_string(r.expectations.size()) + "\" failures=\"" + std::to_string(failures) +
                  "\" skipped=\"0\" errors=\"0\">\n";
  for (const auto& e : r.expectations) {
    x += "    <testcase classname=\"pxelab.expectation\" name=\"" + xml_escape(e.what) + "\"";
    if (e.met) {
      x += "/>\n";
    } else {
      x += ">\n      <failure message=\"" + xml_escape(e.detail) + "\">" + xml_escape(e.detail) + "</failure>\n    </testcase>\n";
    }
  }
  return x + "  </testsuite>\n";
}

// The events' actions, in the order they happened (the run's log).
nlohmann::json actions_json(const ScenarioResult& r) {
  nlohmann::json a = nlohmann::json::array();
  for (const RunAction& x : r.actions) {
    a.push_back({{"at_s", x.at}, {"wall", x.wall}, {"action", x.action}, {"target", x.target}, {"trigger", x.trigger},
                 {"detail", x.detail}});
  }
  return a;
}

std::string actions_text(const ScenarioResult& r) {
  if (r.actions.empty()) return "";
  std::string t = "\nActions:\n";
  for (const RunAction& x : r.actions) {
    t += fmt::format("  {:>10.3f} s {}{} {} '{}' ({}): {}\n", x.at, x.wall, x.wall.empty() ? "" : " ", x.action, x.target,
                     x.trigger, x.detail);
  }
  return t;
}

// Per client group: how many booted, the first power-on (a wake) and when the last
// booted one finished (the group's completion time), in seconds of the run.
nlohmann::json groups_json(const ScenarioResult& r) {
  struct Acc {
    std::size_t clients = 0, booted = 0, pending = 0;
    std::optional<sim::Time> first_power_on, completed;
  };
  std::vector<std::string> order;
  std::map<std::string, Acc> by;
  for (std::size_t i = 0; i < r.outcomes.size(); ++i) {
    const auto& o = r.outcomes[i];
    if (!by.count(r.groups[i])) order.push_back(r.groups[i]);
    Acc& a = by[r.groups[i]];
    ++a.clients;
    if (o.status == client::BootStatus::kPending) ++a.pending;
    if (o.timeline.power_on) a.first_power_on = std::min(a.first_power_on.value_or(*o.timeline.power_on), *o.timeline.power_on);
    if (o.status == client::BootStatus::kBooted && o.timeline.done) {
      ++a.booted;
      a.completed = std::max(a.completed.value_or(*o.timeline.done), *o.timeline.done);
    }
  }
  auto secs = [](const std::optional<sim::Time>& t) { return t ? nlohmann::json(sim::to_seconds(*t)) : nlohmann::json(); };
  nlohmann::json g = nlohmann::json::array();
  for (const auto& name : order) {
    const Acc& a = by[name];
    g.push_back({{"group", name}, {"clients", a.clients}, {"booted", a.booted}, {"pending", a.pending},
                 {"first_power_on_s", secs(a.first_power_on)}, {"completed_s", secs(a.completed)}});
  }
  return g;
}

int run(const RunOptions& o, const std::string& tool) {
  auto scenario = load_scenario(o.scenario);
  if (!scenario) {
    fmt::print(stderr, "pxelab run: {}\n", scenario.error().to_string());
    return kRunUsage;
  }
  ScenarioRunOptions ro;
  ro.seed = o.seed;
  ro.keep_dir = o.keep;
  ro.progress = !o.no_progress && !o.quiet && ::isatty(STDERR_FILENO);
  auto result = run_scenario(*scenario, ro);
  if (!result) {
    fmt::print(stderr, "pxelab run: {}\n", result.error().to_string());
    return kRunUsage;
  }
  const std::string out = o.out.empty() ? "pxelab-out/" + scenario->name : o.out;
  return write_run_outputs(*scenario, *result, o.scenario, out, o.quiet, tool, o.pcap);
}

}  // namespace

int write_run_outputs(const Scenario& sc, const ScenarioResult& r, const std::string& source, const std::string& out,
                      bool quiet, const std::string& tool, bool classic_pcap) {
  const Scenario* scenario = &sc;
  struct {
    const std::string& scenario;
    bool quiet;
    bool pcap;
  } o{source, quiet, classic_pcap};
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) {
    fmt::print(stderr, "pxelab run: cannot create {}: {}\n", out, ec.message());
    return kRunUsage;
  }
  RunMeta meta;
  meta.kind = "scenario";
  meta.source = o.scenario;
  meta.scenario = scenario->name;
  meta.seed = r.seed;
  meta.tool = tool;
  std::string note;
  const auto references = default_references(&note);

  nlohmann::json report;
  std::string junit_suites;
  std::string summary;
  bool written = true;
  for (std::size_t i = 0; i < r.segments.size(); ++i) {
    const SegmentResult& seg = r.segments[i];
    const std::string ext = o.pcap ? ".pcap" : ".pcapng";
    const std::string pcap = out + "/" + (i == 0 ? "run" + ext : "run-" + seg.name + ext);
    // pcapng carries each finding as a comment on the frames it cites (report_pcapng.h).
    if (auto st = o.pcap ? captures::write_pcap(*seg.trace, pcap) : write_annotated_pcapng(*seg.trace, seg.results, pcap);
        !st) {
      fmt::print(stderr, "pxelab run: cannot write {}: {}\n", pcap, st.error().to_string());
      written = false;
    }
    const auto facts = client_facts(*seg.analyzed, references);
    nlohmann::json j = report_json(seg.run, *seg.analyzed, seg.results, facts, meta);
    j["segment"] = seg.name;
    if (j["traffic"].is_object()) j["traffic"]["link_bytes_per_second"] = server_link_bound(*scenario, seg.name);
    j["pcap"] = std::filesystem::path(pcap).filename().string();
    if (i == 0) {
      report = std::move(j);
    } else {
      report["segments"].push_back(std::move(j));
    }
    // One testsuite per segment, named after it when there are several.
    RunMeta seg_meta = meta;
    if (r.segments.size() > 1) seg_meta.scenario = meta.scenario + " segment " + seg.name;
    junit_suites += suites_of(report_junit(seg.results, seg_meta));
    if (r.segments.size() > 1) summary += "\n== segment " + seg.name + " (" + std::filesystem::path(pcap).filename().string() + ") ==\n";
    summary += text_summary(seg.run, *seg.analyzed, seg.results, facts, meta, seg.run.outcomes.size() <= 12);
  }
  nlohmann::json expectations = nlohmann::json::array();
  for (const auto& e : r.expectations) expectations.push_back({{"what", e.what}, {"met", e.met}, {"detail", e.detail}});
  report["expectations"] = std::move(expectations);
  report["result"] = r.all_met ? "pass" : "fail";
  report["scenario_run"] = {{"simulated_seconds", r.simulated_seconds}, {"wall_seconds", r.wall_seconds},
                            {"realtime", r.realtime}, {"description", scenario->description}};
  nlohmann::json groups = nlohmann::json::array();
  for (std::size_t i = 0; i < r.outcomes.size(); ++i) groups.push_back({{"client", r.outcomes[i].name}, {"group", r.groups[i]}});
  report["client_groups"] = std::move(groups);
  report["actions"] = actions_json(r);
  report["groups"] = groups_json(r);
  written &= write_text(out + "/report.json", report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  written &= write_text(out + "/report.html", report_html(report));
  const std::string junit = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"pxelab run " +
                            xml_escape(scenario->name) + "\">\n" + junit_suites + expectations_junit(r, scenario->name) +
                            "</testsuites>\n";
  written &= write_text(out + "/junit.xml", junit);
  // What a run without --quiet prints, kept as summary.txt too (a CI job's artifact).
  std::string text = summary + actions_text(r) + fmt::format("\nExpectations ({}):\n", scenario->name);
  for (const auto& e : r.expectations) {
    text += fmt::format("  [{}] {}{}\n", e.met ? "met" : "NOT MET", e.what, e.detail.empty() ? "" : "\n          " + e.detail);
  }
  text += fmt::format("\n{} clients, {:.1f} s {}, {:.2f} s wall, seed {}; files in {}/ ({}, report.json, report.html, junit.xml, summary.txt)\n",
                      r.outcomes.size(), r.simulated_seconds, r.realtime ? "real time" : "simulated", r.wall_seconds, r.seed, out,
                      o.pcap ? "run.pcap" : "run.pcapng");
  const std::string verdict =
      fmt::format("{}: {}\n", scenario->name, r.all_met ? "PASS (every expectation met)" : "FAIL (an expectation was not met)");
  written &= write_text(out + "/summary.txt", text + verdict);
  if (!written) {
    fmt::print(stderr, "pxelab run: could not write every file under {}\n", out);
    return kRunUsage;
  }
  if (!o.quiet) fmt::print("{}", text);
  fmt::print("{}", verdict);
  return r.all_met ? kRunMet : kRunNotMet;
}

void add_run_command(CLI::App& app, int& exit_code, std::string tool) {
  auto o = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand("run", "Run a boot scenario and judge it");
  cmd->description(kRunHelp);
  cmd->footer(kRunFooter);
  cmd->add_option("SCENARIO", o->scenario, "scenario file (TOML)")->required();
  cmd->add_option("--seed", o->seed, "seed for every random draw (overrides the file's)")->type_name("N");
  cmd->add_option("--out", o->out, "where run.pcapng, report.json, report.html, junit.xml go (default pxelab-out/NAME)")->type_name("DIR");
  cmd->add_option("--keep", o->keep, "keep TFTP roots, leases and QEMU files here")->type_name("DIR");
  cmd->add_flag("--quiet,-q", o->quiet, "print only the verdict line");
  cmd->add_flag("--pcap", o->pcap, "write run.pcap (classic pcap, no finding comments) instead of run.pcapng");
  cmd->add_flag("--no-progress", o->no_progress, "no progress line even on a terminal");
  cmd->callback([o, &exit_code, tool] { exit_code = run(*o, tool); });
}

}  // namespace pxelab::conformance
