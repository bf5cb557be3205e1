// `pxelab bench`: the simulator benchmarks of shared/BENCHMARKS.md (1 and 2), each
// beside an anchor measured in the same run, each run in its own child process (for
// its peak memory), medians of --repeat runs. Figures go to stdout (and --json FILE),
// progress to stderr. A figure never fails the command; a crashed benchmark does.
#include "cli/bench_command.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_runner.h"
#include "bench/bench_scheduler.h"
#include "bench/bench_segment.h"
#include "bench/bench_storm.h"
#include "cli/huge_pages.h"

namespace pxelab::conformance {

namespace {

struct BenchOptions {
  bool quick = false;
  std::uint32_t storm_clients = 0;  // 0: 1,000 and 10,000 (quick: 200)
  int repeat = 3;
  std::string json_path;
  std::string only;  // run only the benchmarks whose key starts with this
  bool no_huge_pages = false;  // read by main() before parsing: cli/huge_pages.h
};

struct Row {
  std::string key;    // stable name for --json
  std::string label;  // for people
  std::string unit;
  bool has_extra = false;  // `extra` is MB/s
  BenchResult result;
};

struct Ratio {
  std::string key;
  std::string label;
  double value;
};

const char* build_kind() {
#if defined(__SANITIZE_ADDRESS__)
  return "sanitized (figures not meaningful)";
#elif defined(NDEBUG)
  return "release";
#else
  return "debug (figures not meaningful: use a Release build)";
#endif
}

std::string si(double v) {
  if (v >= 1e9) return fmt::format("{:.2f} G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f} M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.2f} k", v / 1e3);
  return fmt::format("{:.2f}", v);
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

bool write_json(const std::string& path, const BenchOptions& options, const std::vector<Row>& rows,
                const std::vector<Ratio>& ratios) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  fmt::print(f, "{{\n  \"rates\": \"per CPU-second of the benchmark thread; wall_clock_median per wall second\",\n  \"build\": \"{}\",\n  \"quick\": {},\n  \"repeat\": {},\n  \"results\": [\n", build_kind(),
             options.quick, options.repeat);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    std::string runs;
    for (const auto& m : r.result.runs) runs += (runs.empty() ? "" : ", ") + fmt::format("{:.6g}", m.rate);
    fmt::print(f,
               "    {{\"name\": \"{}\", \"label\": \"{}\", \"unit\": \"{}\", \"median\": {:.6g}, "
               "\"mb_per_s\": {}, \"wall_clock_median\": {:.6g}, \"runs\": [{}], \"peak_rss_kib\": {}}}{}\n",
               r.key, json_escape(r.label), r.unit, r.result.median.rate,
               r.has_extra ? fmt::format("{:.6g}", r.result.median.extra) : "null", r.result.median.wall_rate, runs,
               r.result.peak_rss_kib,
               i + 1 < rows.size() ? "," : "");
  }
  fmt::print(f, "  ],\n  \"ratios\": [\n");
  for (std::size_t i = 0; i < ratios.size(); ++i) {
    fmt::print(f, "    {{\"name\": \"{}\", \"label\": \"{}\", \"value\": {:.4g}}}{}\n", ratios[i].key,
               json_escape(ratios[i].label), ratios[i].value, i + 1 < ratios.size() ? "," : "");
  }
  fmt::print(f, "  ]\n}}\n");
  return std::fclose(f) == 0;
}

// The storm's figures travel in Measurement::figures (bench_runner.h).
enum StormFigure { kWall, kCpu, kMakespan, kBound, kBooted, kNotBooted, kDigest, kRetransmissions };

Measurement storm_measurement(const StormResult& r) {
  Measurement m;
  if (!r.error.empty()) {
    fmt::print(stderr, "pxelab bench: storm: {}\n", r.error);
    std::exit(1);
  }
  m.rate = r.cpu_seconds > 0 ? static_cast<double>(r.frames) / r.cpu_seconds : 0;
  m.wall_rate = r.wall_seconds > 0 ? static_cast<double>(r.frames) / r.wall_seconds : 0;
  m.figures[kWall] = r.wall_seconds;
  m.figures[kCpu] = r.cpu_seconds;
  m.figures[kMakespan] = sim::to_seconds(r.makespan);
  m.figures[kBound] = sim::to_seconds(r.physical_bound);
  m.figures[kBooted] = r.booted;
  m.figures[kNotBooted] = r.failed + r.pending;
  m.figures[kDigest] = static_cast<double>(r.digest & ((1ull << 52) - 1));
  m.figures[kRetransmissions] = static_cast<double>(r.retransmissions);
  return m;
}

void print_storms(const std::vector<Row>& rows) {
  bool header = false;
  for (const Row& r : rows) {
    if (r.key.rfind("storm.", 0) != 0 || r.result.runs.empty()) continue;
    if (!header) {
      fmt::print("\n{:<34} {:>9} {:>9} {:>10} {:>12} {:>9} {:>8} {:>10} {:>9} {}\n", "boot storm (virtual time)", "wall s",
                 "CPU s", "peak MiB", "makespan s", "bound s", "booted", "not boot.", "retrans.", "digest (same every run)");
      header = true;
    }
    const auto& f = r.result.median.figures;
    bool same = true;
    for (const auto& run : r.result.runs) same = same && run.figures[kDigest] == r.result.runs.front().figures[kDigest];
    // The digest's low 52 bits (a double carries them exactly), printed so that a change
    // can be compared with the code before it for the same seed.
    const auto digest = static_cast<std::uint64_t>(r.result.runs.front().figures[kDigest]);
    fmt::print("{:<34} {:>9.2f} {:>9.2f} {:>10.1f} {:>12.1f} {:>9.1f} {:>8.0f} {:>10.0f} {:>9.0f} {:013x} {}\n", r.label,
               f[kWall], f[kCpu], static_cast<double>(r.result.peak_rss_kib) / 1024.0, f[kMakespan], f[kBound],
               f[kBooted], f[kNotBooted], f[kRetransmissions], digest,
               r.result.runs.size() > 1 ? (same ? "(yes)" : "(NO)") : "(1 run)");
  }
  if (header) {
    fmt::print("(makespan: simulated seconds from the first power-on to the last outcome; bound: clients x image / link "
               "rate; the speed-up over reality is makespan / wall)\n");
  }
}

struct Job {
  std::string key, label, unit;
  bool has_extra;
  std::function<Measurement()> fn;
};

// Benchmarks 1 and 2 beside their anchors, then benchmark 3: the storm (figures: see
// storm_measurement()) at 1,000 and 10,000 clients, 200 with --quick, or --clients.
std::vector<Job> bench_jobs(const BenchOptions& options, const HoldModel& hold, const SegmentLoad& load) {
  std::vector<std::uint32_t> storm_sizes = {1'000, 10'000};
  if (options.quick) storm_sizes = {200};
  if (options.storm_clients > 0) storm_sizes = {options.storm_clients};
  std::vector<Job> jobs = {
      {"hold.anchor_priority_queue", "anchor: std::priority_queue + std::function", "events/s", false,
       [hold] { return hold_model_priority_queue(hold); }},
      {"hold.pxelab", "hold model: pxelab VirtualClock", "events/s", false, [hold] { return hold_model_pxelab(hold); }},
      {"frames.anchor_memcpy", "anchor: memcpy of the same frames", "frames/s", true,
       [load] { return memcpy_frames(load); }},
      {"frames.anchor_pcap_dump", "anchor: libpcap pcap_dump alone", "frames/s", true,
       [load] { return pcap_dump_frames(load); }},
      {"segment.trace_off", "segment UDP, trace off", "frames/s", true,
       [load] { return segment_throughput(load, TraceMode::kOff); }},
      {"segment.trace_on", "segment UDP, trace on", "frames/s", true,
       [load] { return segment_throughput(load, TraceMode::kOn); }},
      {"segment.pcap", "segment UDP, pcap streaming", "frames/s", true,
       [load] { return segment_throughput(load, TraceMode::kPcap); }},
  };
  for (std::uint32_t n : storm_sizes) {
    jobs.push_back({"storm." + std::to_string(n), fmt::format("boot storm, {} clients x 1 MiB", n), "frames/s", false,
                    [n] {
                      StormConfig c;
                      c.clients = n;
                      return storm_measurement(run_storm(c));
                    }});
  }
  return jobs;
}

// Each job of --only in its own child process, --repeat times; `status` becomes 1 when
// one fails.
std::vector<Row> run_jobs(const BenchOptions& options, const std::vector<Job>& jobs, int& status) {
  std::vector<Row> rows;
  for (const Job& job : jobs) {
    if (!options.only.empty() && job.key.rfind(options.only, 0) != 0) continue;
    fmt::print(stderr, "  running {} ...\n", job.key);
    BenchResult r = run_isolated(job.fn, options.repeat);
    if (!r.error.empty()) {
      fmt::print(stderr, "pxelab bench: {}: {}\n", job.key, r.error);
      status = 1;
    }
    rows.push_back(Row{job.key, job.label, job.unit, job.has_extra, std::move(r)});
  }
  return rows;
}

// The median rate of benchmark `key` (0 when it did not run).
double median_of(const std::vector<Row>& rows, const std::string& key) {
  for (const Row& r : rows) {
    if (r.key == key) return r.result.median.rate;
  }
  return 0.0;
}

std::vector<Ratio> bench_ratios(const std::vector<Row>& rows) {
  auto median = [&rows](const std::string& key) { return median_of(rows, key); };
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  return {
      {"hold.vs_priority_queue", "hold model / std::priority_queue anchor",
       ratio(median("hold.pxelab"), median("hold.anchor_priority_queue"))},
      {"hold.vs_ns3_heap", "hold model / ns-3 HeapScheduler 1.4 M/s (documented, not measured)",
       ratio(median("hold.pxelab"), kNs3HeapSchedulerEventsPerSecond)},
      {"segment.trace_off.vs_memcpy", "segment trace off / memcpy anchor",
       ratio(median("segment.trace_off"), median("frames.anchor_memcpy"))},
      {"segment.trace_on.vs_memcpy", "segment trace on / memcpy anchor",
       ratio(median("segment.trace_on"), median("frames.anchor_memcpy"))},
      {"segment.pcap.vs_pcap_dump", "segment pcap streaming / pcap_dump anchor",
       ratio(median("segment.pcap"), median("frames.anchor_pcap_dump"))},
  };
}

void print_rows(const BenchOptions& options, const std::vector<Row>& rows) {
  fmt::print("pxelab bench — {} build, median of {} run(s), each in its own process{}; rates per CPU-second of the benchmark thread (wall-clock rate beside)\n\n", build_kind(),
             options.repeat, options.quick ? " (quick sizes)" : "");
  fmt::print("{:<46} {:>12} {:<9} {:>10} {:>12} {:>12}\n", "benchmark", "median", "unit", "MB/s", "(wall)",
             "peak RSS");
  for (const Row& r : rows) {
    fmt::print("{:<46} {:>12} {:<9} {:>10} {:>12} {:>8.1f} MiB\n", r.label, si(r.result.median.rate), r.unit,
               r.has_extra ? fmt::format("{:.1f}", r.result.median.extra) : "-", si(r.result.median.wall_rate),
               static_cast<double>(r.result.peak_rss_kib) / 1024.0);
  }
}

// Only what ran: a ratio needs both of its benchmarks, a goal its own (--only).
void print_ratios_and_goals(const BenchOptions& options, const std::vector<Row>& rows, const std::vector<Ratio>& ratios) {
  if (!ratios.empty()) {
    fmt::print("\n{:<70} {:>8}\n", "ratio (same run unless stated)", "value");
    for (const Ratio& q : ratios) fmt::print("{:<70} {:>7.2f}x\n", q.label, q.value);
  }
  std::vector<std::string> goals;
  auto goal = [&](const std::string& key, const char* text, double at_least) {
    const double m = median_of(rows, key);
    if (m > 0) goals.push_back(fmt::format("{}: {}", text, m >= at_least ? "met" : "not met"));
  };
  goal("hold.pxelab", "hold model >= 10 M events/s", 10e6);
  goal("segment.trace_on", "trace on >= 3 M frames/s", 3e6);
  goal("segment.pcap", "pcap >= 1 M frames/s", 1e6);
  if (!goals.empty()) {
    fmt::print("\ngoals (BENCHMARKS.md): {}{}\n", fmt::join(goals, "; "), options.quick ? " (quick sizes: indicative)" : "");
  }
}

int run_bench(const BenchOptions& options) {
  HoldModel hold;
  SegmentLoad load;
  if (options.quick) {
    hold.pending = 10'000;
    hold.executed = 100'000;
    load.frames = 100'000;
  }
  const std::vector<Job> jobs = bench_jobs(options, hold, load);
  fmt::print(stderr, "pxelab bench: {} build, {} run(s) each{}; hold model {} pending / {} events; "
             "segment {} frames of {} bytes; huge pages: {}\n",
             build_kind(), options.repeat, options.quick ? ", quick sizes" : "", hold.pending, hold.executed,
             load.frames, load.payload + 42,
             huge_pages_requested() ? "on (re-executed with GLIBC_TUNABLES=glibc.malloc.hugetlb=1)" : "off");
  int status = 0;
  const std::vector<Row> rows = run_jobs(options, jobs, status);
  std::vector<Ratio> ratios = bench_ratios(rows);
  print_rows(options, rows);
  print_storms(rows);
  std::erase_if(ratios, [](const Ratio& q) { return q.value == 0; });
  print_ratios_and_goals(options, rows, ratios);

  if (!options.json_path.empty() && !write_json(options.json_path, options, rows, ratios)) {
    fmt::print(stderr, "pxelab bench: cannot write {}\n", options.json_path);
    status = 1;
  }
  return status;
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<BenchOptions>();
  auto* cmd = app.add_subcommand("bench", "Run the simulator benchmarks and print figures");
  cmd->add_flag("--quick", options->quick, "Small sizes (seconds), for smoke tests");
  cmd->add_option("--repeat", options->repeat, "Runs per benchmark; the median is reported")
      ->check(CLI::Range(1, 1000))
      ->type_name("N")
      ->capture_default_str();
  cmd->add_option("--json", options->json_path, "Also write the figures to FILE as JSON")->type_name("FILE");
  cmd->add_option("--only", options->only,
                  "Run only the benchmarks whose name starts with PREFIX (hold, frames, segment, storm)")
      ->type_name("PREFIX");
  cmd->add_option("--storm-clients", options->storm_clients,
                  "Boot storm size (default: 1000 and 10000; --quick: 200)")
      ->type_name("N")
      ->check(CLI::Range(1u, 200000u));
  cmd->add_flag("--no-huge-pages", options->no_huge_pages,
                "Measure with ordinary 4 KiB pages: do not re-execute with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 "
                "(also PXELAB_NO_HUGE_PAGES=1)");
  cmd->callback([options, &exit_code] { exit_code = run_bench(*options); });
}

}  // namespace pxelab::conformance
