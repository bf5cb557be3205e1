#include "cli/check_command.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <filesystem>
#include <fstream>
#include <span>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "captures/pcap_reader.h"
#include "conformance/checks/catalogue.h"
#include "conformance/analysis/fingerprint.h"
#include "conformance/report/report_json.h"
#include "conformance/report/report_html.h"
#include "conformance/report/report_junit.h"
#include "conformance/report/report_pcapng.h"
#include "conformance/report/summary.h"

namespace pxelab::conformance {

namespace {

constexpr const char* kCheckHelp =
    "Run pxelab's conformance checks over a capture taken anywhere (tcpdump, dumpcap,\n"
    "Wireshark, or a pxelab run.pcapng): pcap or pcapng, Ethernet or Linux cooked capture\n"
    "(tcpdump -i any, v1 and v2), with or without 802.1Q VLAN tags.\n"
    "\n"
    "Frames are grouped into clients (by MAC), DHCP transactions (chaddr, xid), port 4011\n"
    "exchanges and TFTP transfers (followed across TIDs); servers, proxies and relays are\n"
    "found from what they send. For each client it prints a timeline (DORA time, proxy\n"
    "offer, TFTP file, size, throughput, retransmissions) and a firmware fingerprint from\n"
    "its first DISCOVER (nearest known ROM or OS client, with the fields that decided it).\n"
    "Then every check of the catalogue (pxelab check --list) gives pass, fail or not\n"
    "applicable; checks that need client outcomes are not applicable to a capture.\n"
    "Frame numbers are Wireshark's (1-based): `frame 12` is packet 12 in Wireshark.\n";

constexpr const char* kCheckFooter =
    "\nExamples:\n"
    "  pxelab check boot.pcapng                        timelines, fingerprints, findings\n"
    "  pxelab check boot.pcap --out report/              report.json, report.html, junit.xml,\n"
    "                                                  annotated.pcapng\n"
    "  pxelab check boot.pcap --annotate boot-findings.pcapng\n"
    "                                                  open in Wireshark: frame.comment contains \"FAIL\"\n"
    "  pxelab check boot.pcap --json report.json --junit junit.xml\n"
    "  pxelab check boot.pcap --only 'DHCP-DEST,TFTP-*'  a subset (ids or PREFIX-*)\n"
    "  pxelab check big.pcap --quiet                   one verdict line (scripts, benchmarks)\n"
    "  pxelab check --list                             the catalogue: id, level, role, citation\n"
    "  tcpdump -i eth0 -w boot.pcap udp or arp or ether proto 0x0842\n"
    "                                                  a capture to feed it (all UDP: TFTP\n"
    "                                                  moves off port 69 after the request)\n"
    "\nExit status: 0 no MUST-level failure; 1 at least one MUST check failed; 2 usage\n"
    "error or unreadable capture; 3 the capture is cut or corrupt: the error names the\n"
    "byte offset and the frames before it were analysed and reported as usual.\n";

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    fmt::print(stderr, "pxelab check: cannot write {}\n", path);
    return false;
  }
  return true;
}

bool write_annotated(const std::string& path, const sim::Trace& trace, std::span<const CheckResult> results) {
  if (auto st = write_annotated_pcapng(trace, results, path); !st) {
    fmt::print(stderr, "pxelab check: cannot write {}: {}\n", path, st.error().to_string());
    return false;
  }
  return true;
}

// --out DIR: the files `pxelab run` writes, from the same report.json.
bool write_out_dir(const std::string& dir, const nlohmann::json& report, const std::string& json_text, const std::string& junit,
                   const sim::Trace& trace, std::span<const CheckResult> results) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    fmt::print(stderr, "pxelab check: cannot create {}: {}\n", dir, ec.message());
    return false;
  }
  bool ok = write_file(dir + "/report.json", json_text);
  ok &= write_file(dir + "/junit.xml", junit);
  ok &= write_file(dir + "/report.html", report_html(report));
  ok &= write_annotated(dir + "/annotated.pcapng", trace, results);
  return ok;
}

void print_list() {
  for (const auto& c : catalogue()) {
    fmt::print("{:<24} {:<8} {:<7} {:<8} {}  ({})\n", c.id, to_string(c.level), to_string(c.role), to_string(c.mode),
               c.title, c.citation);
  }
  fmt::print("{} checks\n", catalogue().size());
}

// Phase times in CPU time (process), which a loaded machine disturbs least.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// What the report says about the capture; notes on stderr for a cut or corrupt file,
// snaplen-cut frames and cooked frames too short to read.
RunMeta capture_meta(const CheckOptions& o, const captures::Capture& capture) {
  RunMeta meta;
  meta.kind = "capture";
  meta.source = o.capture;
  meta.tool = o.tool;
  if (!capture.read_error.empty()) {
    meta.read_error = "after frame " + std::to_string(capture.trace.frame_count()) +
                      (capture.read_error_offset >= 0 ? " at byte offset " + std::to_string(capture.read_error_offset)
                                                      : std::string()) +
                      ": " + capture.read_error;
    fmt::print(stderr, "pxelab check: {} is cut or corrupt {}; analysing the {} frames before it\n", o.capture,
               meta.read_error, capture.trace.frame_count());
  }
  if (capture.truncated_frames > 0 && !o.quiet) {
    fmt::print(stderr, "pxelab check: note: {} frames were cut by the capture's snaplen (decoded as far as they go)\n",
               capture.truncated_frames);
  }
  if (capture.skipped_frames > 0) {
    fmt::print(stderr, "pxelab check: note: {} cooked frames too short to read were skipped\n", capture.skipped_frames);
  }
  return meta;
}

// The selected checks in order; with --timing, each check's CPU ms in `slowest`.
std::vector<CheckResult> run_selected(const AnalyzedRun& analyzed, std::span<const Check* const> selected, bool timing,
                                      std::vector<std::pair<double, std::string_view>>& slowest) {
  std::vector<CheckResult> results;
  for (const Check* c : selected) {
    const double before = timing ? cpu_ms() : 0;
    results.push_back(run_check(analyzed.analysis(), *c));
    if (timing) slowest.emplace_back(cpu_ms() - before, c->id);
  }
  return results;
}

// Per-client facts (timelines, fingerprints) only when something prints them.
std::vector<ClientFacts> wanted_client_facts(const CheckOptions& o, const AnalyzedRun& analyzed) {
  if (o.quiet && o.json_path.empty() && o.out_dir.empty()) return {};
  std::string note;
  const auto references = default_references(&note);
  if (!note.empty()) fmt::print(stderr, "pxelab check: note: {}\n", note);
  return client_facts(analyzed, references);
}

// CPU ms at the phase boundaries: read, decode+group, checks, client facts.
struct PhaseTimes {
  double start = 0, read = 0, grouped = 0, checked = 0;
};

void print_timing(const PhaseTimes& t, std::size_t checks, std::vector<std::pair<double, std::string_view>> slowest) {
  fmt::print(stderr, "pxelab check: CPU ms: read {:.1f}, decode+group {:.1f}, {} checks {:.1f}, client facts {:.1f}\n",
             t.read - t.start, t.grouped - t.read, checks, t.checked - t.grouped, cpu_ms() - t.checked);
  std::sort(slowest.begin(), slowest.end(), std::greater<>());
  for (std::size_t i = 0; i < slowest.size() && i < 5; ++i) {
    fmt::print(stderr, "pxelab check:   {:.1f} ms {}\n", slowest[i].first, slowest[i].second);
  }
}

// --quiet: one verdict line; otherwise timelines, fingerprints and findings.
void print_verdict(const CheckOptions& o, const Run& run, const AnalyzedRun& analyzed,
                   std::span<const CheckResult> results, const std::vector<ClientFacts>& clients, const RunMeta& meta) {
  if (!o.quiet) {
    fmt::print("{}", text_summary(run, analyzed, results, clients, meta, true));
    return;
  }
  std::size_t fail = 0, findings = 0;
  for (const auto& r : results) {
    fail += r.verdict == Verdict::kFail;
    findings += r.findings_total;
  }
  fmt::print("{}: {} frames, {} clients, {} checks, {} failing ({} MUST), {} findings\n", o.capture,
             analyzed.decoded().frames.size(), analyzed.grouping().clients.size(), results.size(), fail,
             must_failures(results), findings);
}

// --json, --junit, --out and --annotate; false when any file could not be written.
bool write_requested(const CheckOptions& o, const Run& run, const AnalyzedRun& analyzed,
                     std::span<const CheckResult> results, const std::vector<ClientFacts>& clients, const RunMeta& meta) {
  bool written = true;
  const bool want_json = !o.json_path.empty() || !o.out_dir.empty();
  const nlohmann::json report = want_json ? report_json(run, analyzed, results, clients, meta) : nlohmann::json();
  // As report_json_text(): invalid UTF-8 from the wire is replaced, not thrown on.
  const std::string json_text =
      want_json ? report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n" : std::string();
  if (!o.json_path.empty()) written &= write_file(o.json_path, json_text);
  if (!o.junit_path.empty()) written &= write_file(o.junit_path, report_junit(results, meta));
  if (!o.out_dir.empty()) written &= write_out_dir(o.out_dir, report, json_text, report_junit(results, meta), *run.trace, results);
  if (!o.annotate_path.empty()) written &= write_annotated(o.annotate_path, *run.trace, results);
  return written;
}

}  // namespace

int run_check_command(const CheckOptions& o) {
  if (o.list) {
    print_list();
    return kCheckOk;
  }
  if (o.capture.empty()) {
    fmt::print(stderr, "pxelab check: a CAPTURE file is required (pxelab check --help)\n");
    return kCheckUsage;
  }
  auto selected = select_checks(o.only);
  if (!selected) {
    fmt::print(stderr, "pxelab check: {}\n", selected.error().to_string());
    return kCheckUsage;
  }
  PhaseTimes times;
  times.start = cpu_ms();
  auto capture = captures::read_capture(o.capture);
  times.read = cpu_ms();
  if (!capture) {
    fmt::print(stderr, "pxelab check: cannot read {}: {}\n", o.capture, capture.error().message);
    return kCheckUsage;
  }
  const RunMeta meta = capture_meta(o, *capture);

  Run run;
  run.trace = &capture->trace;
  run.from_capture = true;
  AnalyzedRun analyzed(run);
  times.grouped = cpu_ms();
  std::vector<std::pair<double, std::string_view>> slowest;
  const std::vector<CheckResult> results = run_selected(analyzed, *selected, o.timing, slowest);
  times.checked = cpu_ms();
  const std::vector<ClientFacts> clients = wanted_client_facts(o, analyzed);
  if (o.timing) print_timing(times, results.size(), std::move(slowest));

  print_verdict(o, run, analyzed, results, clients, meta);
  if (!write_requested(o, run, analyzed, results, clients, meta)) return kCheckUsage;
  if (!meta.read_error.empty()) return kCheckDamaged;
  return must_failures(results) > 0 ? kCheckMustFailed : kCheckOk;
}

void add_check_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<CheckOptions>();
  auto* cmd = app.add_subcommand("check", "Run the conformance checks over a pcap/pcapng capture");
  cmd->description(kCheckHelp);
  cmd->footer(kCheckFooter);
  cmd->add_option("CAPTURE", opts->capture, "pcap or pcapng file (Ethernet or Linux cooked)");
  cmd->add_option("--out", opts->out_dir,
                  "write report.json, junit.xml, report.html and annotated.pcapng (the capture with findings as comments) here")
      ->type_name("DIR");
  cmd->add_option("--json", opts->json_path, "write report.json (schema: conformance/REPORT.md)");
  cmd->add_option("--junit", opts->junit_path, "write junit.xml (one testcase per check)");
  cmd->add_option("--annotate", opts->annotate_path,
                  "write the capture as pcapng with each finding as a comment on the frames it cites")
      ->type_name("OUT.pcapng");
  cmd->add_option("--only", opts->only, "comma-separated check ids or PREFIX-* (default: all)");
  cmd->add_flag("--quiet,-q", opts->quiet, "print one verdict line instead of timelines and findings");
  cmd->add_flag("--list", opts->list, "list the check catalogue and exit");
  cmd->add_flag("--timing", opts->timing, "print the time of each phase to stderr");
  cmd->callback([opts, &exit_code] { exit_code = run_check_command(*opts); });
}

}  // namespace pxelab::conformance
