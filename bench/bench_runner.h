// Runs one benchmark in a forked child and reports its figure and peak memory.
//
// Each run gets a fresh process so that peak RSS (ru_maxrss of the child, from wait4)
// belongs to that benchmark alone and figures do not accumulate across benchmarks.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <vector>

namespace pxelab::conformance {

// What one benchmark run measured: a rate (per second) and an optional second figure
// (e.g. MB/s).
struct Measurement {
  double rate = 0;       // per CPU-second of the benchmark thread (see CpuStopwatch)
  double extra = 0;
  double wall_rate = 0;  // the same per wall-clock second
  // Figures particular to one benchmark (the storm's makespan, clients booted...),
  // each reported as its median like the rates. Plain doubles: the child sends the
  // struct through a pipe as bytes.
  std::array<double, 8> figures{};
};

struct BenchResult {
  std::vector<Measurement> runs;  // one per repeat, in run order
  Measurement median;             // per field, over runs
  long peak_rss_kib = 0;          // the largest of the runs
  std::string error;              // non-empty if a run failed (then the figures are partial)
};

// Measures the CPU time of the calling thread (user + system, CLOCK_THREAD_CPUTIME_ID):
// on a shared, loaded machine (2 cores, parallel builds) wall time mostly measures the
// other processes; CPU time measures the benchmark. On an idle machine both agree.
class CpuStopwatch {
 public:
  CpuStopwatch();
  double seconds() const;
  double wall_seconds() const;

 private:
  long long start_ns_;
  long long wall_start_ns_;
};

// Runs `fn` `repeat` times, each in its own child process.
BenchResult run_isolated(const std::function<Measurement()>& fn, int repeat);

}  // namespace pxelab::conformance
