#include "cli/conform_command.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/run_command.h"
#include "conformance/report/conform_summary.h"
#include "conformance/scenario/scenario.h"
#include "conformance/scenario/scenario_runner.h"
#include "conformance/sut/profile.h"

namespace pxelab::conformance {

namespace {

constexpr int kConformPass = 0, kConformMust = 1, kConformSetup = 2;

constexpr const char* kConformHelp =
    "Run the conformance suite against a server under test (SUT): a real DHCP/TFTP\n"
    "server - dnsmasq, Kea + tftpd-hpa, ISC dhcpd + tftpd-hpa, pxelab serve, or your\n"
    "own - started from a profile inside a network namespace made for the run, behind\n"
    "a bridge and a TAP that pxelab attaches to the simulated segment. Emulated ROMs\n"
    "(BIOS, UEFI, iPXE) and the conformance probe boot against it on the wall clock;\n"
    "every check of the catalogue judges the frames; the SUT's config is rendered from\n"
    "each scenario's server model, checked with the server's own validator first, and\n"
    "kept with its logs. Needs root (network namespaces, a TAP). Profiles:\n"
    "conformance/sut/profiles/*.toml (README.md there documents every key); the\n"
    "suite: conformance/scenarios/conform/*.toml.\n";

constexpr const char* kConformFooter =
    "\nExamples:\n"
    "  sudo pxelab conform --sut dnsmasq\n"
    "  sudo pxelab conform --sut dnsmasq --suite bios --out /tmp/dnsmasq\n"
    "  sudo pxelab conform --sut ./my-server.toml      # your own profile file\n"
    "  sudo pxelab conform --sut ./mine.toml --config mine.conf   # kind = \"command\": your\n"
    "                                                 # command lines and config, no template\n"
    "  sudo pxelab conform --sut pxelab-serve          # pxelab's own server, as a process\n"
    "  sudo pxelab conform --sut kea-tftpd-hpa --shard 2/3 --out shard2   # a CI matrix job\n"
    "  pxelab report merge shard1 shard2 shard3 --out all                 # ...and the join\n"
    "\nOUT/SCENARIO/ gets what pxelab run writes - run.pcapng (each finding a packet\n"
    "comment on the frames it cites), report.json, report.html (one self-contained page\n"
    "drawn from report.json), junit.xml - and work/sut-sut/ (the rendered config and the\n"
    "SUT's logs); OUT/conform.json lists each scenario's verdict. Everything the run\n"
    "creates (namespace, bridge, TAP, processes) is removed on success, error, SIGINT\n"
    "and SIGTERM; after a SIGKILL the next run sweeps it (records in /run/pxelab/sut).\n"
    "\nExit status: 0 no MUST-level failure; 1 MUST-level failures; 2 usage or set-up\n"
    "error (which step: network, render, validate, start, ready; what was seen; the\n"
    "SUT's last log lines).\n";

struct ConformOptions {
  std::string sut;
  std::string config;
  std::string suite = "core";
  std::string out = "pxelab-out/conform";
  std::string suite_dir;
  std::string shard = "1/1";
  std::string registry;  // empty: /run/pxelab/sut
  bool list = false;
  bool quiet = false;
};

// Why `scenario` does not apply to `profile` ("" if it does): a capability its [[sut]]
// requires that the profile does not claim, or a server model mode the profile cannot
// render. An unknown capability name is an error.
Result<std::string> not_applicable(const Scenario& scenario, const sut::Profile& profile) {
  for (const auto& sv : scenario.servers) {
    if (sv.sut_profile.empty()) continue;
    for (const auto& need : sv.sut_requires) {
      auto claimed = profile.capabilities.claims(need);
      if (!claimed) {
        return Error{"", 0, "'" + need + "' is not a capability (conformance/sut/profiles/README.md lists them)",
                     scenario.source + ":" + std::to_string(sv.line)};
      }
      if (!*claimed) return "profile " + profile.name + " does not claim " + need + " (its [capabilities])";
    }
  }
  return std::string();
}

// OUT/conform.json (conformance/report/conform_summary.h): one row per scenario of the
// shard (pass, fail, not applicable with why), and the suite's size before sharding.
bool write_summary(const std::string& out, const std::string& profile, const ConformOptions& o,
                   std::size_t suite_scenarios, const std::vector<std::array<std::string, 3>>& rows) {
  nlohmann::json j = {{"schema", kConformSchema}, {"profile", profile},  {"suite", o.suite},
                      {"shard", o.shard},         {"suite_scenarios", suite_scenarios}, {"scenarios", nlohmann::json::array()}};
  for (const auto& r : rows) j["scenarios"].push_back({{"scenario", r[0]}, {"verdict", r[1]}, {"why", r[2]}});
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  std::FILE* f = std::fopen((out + "/conform.json").c_str(), "w");
  if (f == nullptr) {
    fmt::print(stderr, "pxelab conform: cannot write {}/conform.json\n", out);
    return false;
  }
  const std::string text = j.dump(2) + "\n";
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

std::string default_suite_dir() {
  const std::string profiles = sut::default_profile_dir();
  return (std::filesystem::path(profiles).parent_path().parent_path() / "scenarios" / "conform").string();
}

// The suite's scenario files in order, and this shard's share of them; `size` is the
// suite's count before sharding. An error is printed here (exit 2).
struct SuiteFiles {
  std::vector<std::string> files;
  std::size_t size = 0;
};
std::optional<SuiteFiles> suite_files(const ConformOptions& o) {
  const std::string dir = o.suite_dir.empty() ? default_suite_dir() : o.suite_dir;
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".toml") continue;
    const std::string stem = e.path().stem().string();
    // core: emulated ROMs and the probe; full adds real firmware under QEMU (qemu-*.toml).
    const bool qemu = stem.rfind("qemu-", 0) == 0;
    if ((o.suite == "core" && !qemu) || o.suite == "full" || o.suite == stem) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    fmt::print(stderr, "pxelab conform: no scenario '{}' in {} (core, full, or a file's name)\n", o.suite, dir);
    return std::nullopt;
  }
  auto shard = parse_shard(o.shard);
  if (!shard) {
    fmt::print(stderr, "pxelab conform: --shard {}\n", shard.error().message);
    return std::nullopt;
  }
  SuiteFiles out;
  out.size = files.size();
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (in_shard(*shard, i)) out.files.push_back(files[i]);
  }
  return out;
}

int conform(const ConformOptions& o, const std::string& tool) {
  auto suite = suite_files(o);
  if (!suite) return kConformSetup;
  if (o.list) {
    for (const auto& f : suite->files) fmt::print("{}\n", std::filesystem::path(f).stem().string());
    return kConformPass;
  }
  if (::geteuid() != 0) {
    fmt::print(stderr,
               "pxelab conform: needs root: the server under test runs in a network namespace of its own behind a "
               "TAP device (run it with sudo, or as root in CI)\n");
    return kConformSetup;
  }
  auto profile = sut::find_profile(o.sut, sut::default_profile_dir());
  if (!profile) {
    fmt::print(stderr, "pxelab conform: {}\n", profile.error().to_string());
    return kConformSetup;
  }
  const std::string profile_arg =
      o.sut.find('/') != std::string::npos ? std::filesystem::absolute(o.sut).string() : o.sut;
  const std::size_t suite_scenarios = suite->size;
  const std::vector<std::string>& files = suite->files;
  if (files.empty()) fmt::print("pxelab conform: shard {} of a suite of {} has no scenario\n", o.shard, suite_scenarios);
  int worst = kConformPass;
  std::size_t passed = 0, applicable = 0;
  std::vector<std::array<std::string, 3>> rows;
  for (const auto& f : files) {
    auto scenario = load_scenario(f);
    if (!scenario) {
      fmt::print(stderr, "pxelab conform: {}\n", scenario.error().to_string());
      return kConformSetup;
    }
    for (auto& sv : scenario->servers) {
      if (sv.sut_profile.empty()) continue;
      sv.sut_profile = profile_arg;
      if (!o.config.empty()) sv.sut_user_config = std::filesystem::absolute(o.config).string();
    }
    auto why = not_applicable(*scenario, *profile);
    if (!why) {
      fmt::print(stderr, "pxelab conform: {}\n", why.error().to_string());
      return kConformSetup;
    }
    if (!why->empty()) {
      fmt::print("{}: NOT APPLICABLE ({})\n", scenario->name, *why);
      rows.push_back({scenario->name, "not applicable", *why});
      continue;
    }
    ++applicable;
    const std::string out = o.out + "/" + scenario->name;
    ScenarioRunOptions ro;
    ro.keep_dir = out + "/work";
    ro.sut_registry_dir = o.registry;
    auto result = run_scenario(*scenario, ro);
    if (!result) {
      fmt::print(stderr, "pxelab conform: {} against {}: {}\n", scenario->name, profile->name, result.error().to_string());
      return kConformSetup;
    }
    int code = write_run_outputs(*scenario, *result, f, out, o.quiet, tool);
    if (code == kConformSetup) return kConformSetup;
    passed += code == kConformPass;
    worst = std::max(worst, code);
    rows.push_back({scenario->name, code == kConformPass ? "pass" : "fail", code == kConformPass ? "" : "see report.json"});
  }
  if (!write_summary(o.out, profile->name, o, suite_scenarios, rows)) return kConformSetup;
  fmt::print("pxelab conform {} ({}{}): {}/{} scenarios met, {} not applicable; {}\n", profile->name, o.suite,
             o.shard == "1/1" ? "" : ", shard " + o.shard, passed, applicable, files.size() - applicable,
             worst == kConformPass ? "PASS (no MUST-level failure)" : "FAIL (MUST-level failures or unmet expectations)");
  return worst;
}

}  // namespace

void add_conform_command(CLI::App& app, int& exit_code, std::string tool) {
  auto o = std::make_shared<ConformOptions>();
  auto* cmd = app.add_subcommand("conform", "Run the conformance suite against a server under test (dnsmasq, Kea, ...)");
  cmd->description(kConformHelp);
  cmd->footer(kConformFooter);
  cmd->add_option("--sut", o->sut, "a shipped profile (dnsmasq, ...) or a profile file")->required()->type_name("PROFILE");
  cmd->add_option("--config", o->config, "a config file of yours, given to the profile as {{user_config}} (required by a profile of kind \"command\")")
      ->type_name("FILE");
  cmd->add_option("--suite", o->suite,
                  "core (emulated ROMs and the probe), full (core and real firmware under QEMU: SeaBIOS+iPXE, OVMF+iPXE, "
                  "U-Boot), or one scenario's name (bios, uefi-ipxe, probe, proxy, storm-200, qemu-seabios-ipxe, ...)")
      ->type_name("NAME");
  cmd->add_option("--out", o->out, "one directory per scenario goes here (default pxelab-out/conform)")->type_name("DIR");
  cmd->add_option("--suite-dir", o->suite_dir, "the suite's scenarios (default conformance/scenarios/conform)")
      ->type_name("DIR");
  cmd->add_option("--shard", o->shard,
                  "run the K-th of N deterministic parts of the suite (round robin over the sorted scenarios); "
                  "pxelab report merge joins the parts")
      ->type_name("K/N");
  cmd->add_option("--registry", o->registry,
                  "where the run records its namespace and TAP (default /run/pxelab/sut); a run killed with SIGKILL is "
                  "swept by the next run that uses the same directory")
      ->type_name("DIR");
  cmd->add_flag("--list", o->list, "print the scenarios the suite (and shard) would run, and run nothing (no root needed)");
  cmd->add_flag("--quiet,-q", o->quiet, "print only the verdict lines");
  cmd->callback([o, &exit_code, tool] { exit_code = conform(*o, tool); });
}

}  // namespace pxelab::conformance
