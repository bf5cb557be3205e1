#include "cli/report_command.h"

#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "conformance/report/conform_summary.h"

namespace pxelab::conformance {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kReportPass = 0, kReportFail = 1, kReportUsage = 2;

constexpr const char* kReportHelp =
    "Work on the outputs of pxelab conform: join the shards of one run (merge), or put\n"
    "several servers' runs side by side as a check x server table (matrix).\n";

constexpr const char* kMergeHelp =
    "Join the outputs of `pxelab conform --shard K/N` (one directory per shard, each\n"
    "with its conform.json) into one: OUT/conform.json lists every scenario of the suite,\n"
    "OUT/junit.xml holds every scenario's test suite, and each scenario's directory\n"
    "(report.json, report.html, run.pcapng, work/) is copied under OUT. The shards must\n"
    "be of one run: same profile, suite and N, each K once, none missing.\n";

constexpr const char* kMergeFooter =
    "\nA CI matrix (GitHub Actions syntax; any CI with a job matrix works the same):\n"
    "  conform:\n"
    "    strategy: {matrix: {shard: [1, 2, 3]}}\n"
    "    steps:\n"
    "      - run: sudo pxelab conform --sut kea-tftpd-hpa --shard ${{ matrix.shard }}/3 --out shard-${{ matrix.shard }}\n"
    "      - uses: actions/upload-artifact@v4   # with: {name: shard-${{ matrix.shard }}, path: shard-*}\n"
    "  report:\n"
    "    needs: conform\n"
    "    steps:\n"
    "      - uses: actions/download-artifact@v4\n"
    "      - run: pxelab report merge shard-1 shard-2 shard-3 --out conform\n"
    "\nExit status: 0 every scenario met or not applicable; 1 a scenario failed; 2 usage,\n"
    "an unreadable conform.json, or shards that are not one run (which one, and why).\n";

constexpr const char* kMatrixHelp =
    "Put several servers' `pxelab conform` outputs side by side: for every server-role\n"
    "check of the catalogue, per server, pass / fail (the scenario, the finding's frames\n"
    "and what it says) / not applicable (why). Writes markdown (--md, default stdout)\n"
    "and JSON (--json). ci/conform-matrix runs every shipped profile and writes\n"
    "docs/conformance-matrix.md with it.\n";

Result<json> read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("", 0, "cannot read " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return make_error("", 0, path.string() + " is not JSON");
  return j;
}

Result<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("", 0, "cannot read " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool write_text(const fs::path& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

// A string member, "" when absent or not a string (never throws on a hand-edited file).
std::string str(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// The rows of a conform.json whose scenario ran (pass or fail): those have a directory.
std::vector<std::string> ran(const json& summary) {
  std::vector<std::string> out;
  if (!summary.is_object() || !summary.contains("scenarios") || !summary["scenarios"].is_array()) return out;
  for (const auto& row : summary["scenarios"]) {
    const std::string verdict = str(row, "verdict");
    if ((verdict == "pass" || verdict == "fail") && !str(row, "scenario").empty()) out.push_back(str(row, "scenario"));
  }
  return out;
}

struct MergeOptions {
  std::vector<std::string> dirs;
  std::string out;
};

int merge(const MergeOptions& o) {
  std::vector<json> shards;
  for (const auto& d : o.dirs) {
    auto j = read_json(fs::path(d) / "conform.json");
    if (!j) {
      fmt::print(stderr, "pxelab report merge: {} (each DIR is the --out of one pxelab conform --shard run)\n",
                 j.error().to_string());
      return kReportUsage;
    }
    shards.push_back(std::move(*j));
  }
  auto merged = merge_conform_summaries(shards);
  if (!merged) {
    // "input K" names the K-th DIR given.
    std::string why = merged.error().to_string();
    for (std::size_t i = 0; i < o.dirs.size(); ++i) {
      const std::string tag = "input " + std::to_string(i + 1) + ": ";
      if (why.rfind(tag, 0) == 0) why = o.dirs[i] + ": " + why.substr(tag.size());
    }
    fmt::print(stderr, "pxelab report merge: {}\n", why);
    return kReportUsage;
  }
  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec) {
    fmt::print(stderr, "pxelab report merge: cannot create {}: {}\n", o.out, ec.message());
    return kReportUsage;
  }
  std::vector<std::pair<std::string, std::string>> junits;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    for (const auto& name : ran(shards[i])) {
      const fs::path from = fs::path(o.dirs[i]) / name;
      auto junit = read_text(from / "junit.xml");
      if (!junit) {
        fmt::print(stderr, "pxelab report merge: {}: {}\n", o.dirs[i], junit.error().to_string());
        return kReportUsage;
      }
      junits.emplace_back(name, std::move(*junit));
      if (fs::weakly_canonical(from, ec) != fs::weakly_canonical(fs::path(o.out) / name, ec)) {
        fs::remove_all(fs::path(o.out) / name, ec);
        fs::copy(from, fs::path(o.out) / name, fs::copy_options::recursive, ec);
        if (ec) {
          fmt::print(stderr, "pxelab report merge: cannot copy {}: {}\n", from.string(), ec.message());
          return kReportUsage;
        }
      }
    }
  }
  std::sort(junits.begin(), junits.end());
  const std::string profile = str(*merged, "profile"), suite = str(*merged, "suite");
  auto junit = merge_junit("pxelab conform " + profile + " (" + suite + ")", junits);
  if (!junit) {
    fmt::print(stderr, "pxelab report merge: {}\n", junit.error().to_string());
    return kReportUsage;
  }
  if (!write_text(fs::path(o.out) / "conform.json", merged->dump(2) + "\n") ||
      !write_text(fs::path(o.out) / "junit.xml", *junit)) {
    fmt::print(stderr, "pxelab report merge: cannot write under {}\n", o.out);
    return kReportUsage;
  }
  std::size_t passed = 0, failed = 0, na = 0;
  for (const auto& row : (*merged)["scenarios"]) {
    const std::string v = str(row, "verdict");
    passed += v == "pass";
    failed += v == "fail";
    na += v == "not applicable";
    if (v == "fail") fmt::print("{}: FAIL (see {}/report.json)\n", str(row, "scenario"), str(row, "scenario"));
  }
  fmt::print("pxelab report merge {} ({}): {} shards, {} scenarios: {} met, {} failed, {} not applicable; {}\n",
             profile, suite, shards.size(), passed + failed + na, passed, failed, na, failed ? "FAIL" : "PASS");
  return failed ? kReportFail : kReportPass;
}

struct MatrixOptions {
  std::vector<std::string> dirs;
  std::string md, json_out;
};

int matrix(const MatrixOptions& o) {
  // Documents stay here while conform_matrix points into them.
  std::vector<std::unique_ptr<json>> docs;
  std::vector<ServerRun> runs;
  for (const auto& d : o.dirs) {
    auto summary = read_json(fs::path(d) / "conform.json");
    if (!summary) {
      fmt::print(stderr, "pxelab report matrix: {} (each DIR is the --out of one pxelab conform run)\n",
                 summary.error().to_string());
      return kReportUsage;
    }
    docs.push_back(std::make_unique<json>(std::move(*summary)));
    ServerRun run{docs.back().get(), {}};
    for (const auto& name : ran(*run.summary)) {
      auto report = read_json(fs::path(d) / name / "report.json");
      if (!report) {
        fmt::print(stderr, "pxelab report matrix: {}\n", report.error().to_string());
        return kReportUsage;
      }
      docs.push_back(std::make_unique<json>(std::move(*report)));
      run.reports.emplace_back(name, docs.back().get());
    }
    runs.push_back(std::move(run));
  }
  auto m = conform_matrix(runs);
  if (!m) {
    std::string why = m.error().to_string();
    for (std::size_t i = 0; i < o.dirs.size(); ++i) {
      const std::string tag = "input " + std::to_string(i + 1) + ": ";
      if (why.rfind(tag, 0) == 0) why = o.dirs[i] + ": " + why.substr(tag.size());
    }
    fmt::print(stderr, "pxelab report matrix: {}\n", why);
    return kReportUsage;
  }
  const std::string md = conform_matrix_markdown(*m);
  if (!o.json_out.empty() && !write_text(o.json_out, m->dump(2) + "\n")) {
    fmt::print(stderr, "pxelab report matrix: cannot write {}\n", o.json_out);
    return kReportUsage;
  }
  if (o.md.empty()) {
    fmt::print("{}", md);
  } else if (!write_text(o.md, md)) {
    fmt::print(stderr, "pxelab report matrix: cannot write {}\n", o.md);
    return kReportUsage;
  }
  return kReportPass;
}

}  // namespace

void add_report_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("report", "Join conform shards (merge) or compare servers (matrix)");
  cmd->description(kReportHelp);
  cmd->require_subcommand(1);

  auto mo = std::make_shared<MergeOptions>();
  auto* merge_cmd = cmd->add_subcommand("merge", "Join the shards of one pxelab conform --shard run into one report");
  merge_cmd->description(kMergeHelp);
  merge_cmd->footer(kMergeFooter);
  merge_cmd->add_option("DIR", mo->dirs, "one pxelab conform --out directory per shard")->required();
  merge_cmd->add_option("--out", mo->out, "where the joined report goes")->required()->type_name("DIR");
  merge_cmd->callback([mo, &exit_code] { exit_code = merge(*mo); });

  auto xo = std::make_shared<MatrixOptions>();
  auto* matrix_cmd = cmd->add_subcommand("matrix", "A check x server table from several servers' conform runs");
  matrix_cmd->description(kMatrixHelp);
  matrix_cmd->footer(
      "\nExample:\n"
      "  sudo pxelab conform --sut dnsmasq --out runs/dnsmasq\n"
      "  sudo pxelab conform --sut kea-tftpd-hpa --out runs/kea\n"
      "  pxelab report matrix runs/dnsmasq runs/kea --md matrix.md --json matrix.json\n"
      "\nExit status: 0 written; 2 usage or an unreadable run (which file, and why).\n");
  matrix_cmd->add_option("DIR", xo->dirs, "one pxelab conform --out directory per server")->required();
  matrix_cmd->add_option("--md", xo->md, "write the markdown page here (default: standard output)")->type_name("FILE");
  matrix_cmd->add_option("--json", xo->json_out, "write the table as JSON here")->type_name("FILE");
  matrix_cmd->callback([xo, &exit_code] { exit_code = matrix(*xo); });
}

}  // namespace pxelab::conformance
