#include "bench/bench_runner.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace pxelab::conformance {

namespace {

long long clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<long long>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

CpuStopwatch::CpuStopwatch()
    : start_ns_(clock_ns(CLOCK_THREAD_CPUTIME_ID)), wall_start_ns_(clock_ns(CLOCK_MONOTONIC)) {}
double CpuStopwatch::seconds() const {
  return static_cast<double>(clock_ns(CLOCK_THREAD_CPUTIME_ID) - start_ns_) * 1e-9;
}
double CpuStopwatch::wall_seconds() const {
  return static_cast<double>(clock_ns(CLOCK_MONOTONIC) - wall_start_ns_) * 1e-9;
}

namespace {

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

BenchResult run_isolated(const std::function<Measurement()>& fn, int repeat) {
  BenchResult result;
  for (int i = 0; i < repeat; ++i) {
    int fds[2];
    if (pipe(fds) != 0) {
      result.error = std::string("pipe: ") + std::strerror(errno);
      break;
    }
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid < 0) {
      result.error = std::string("fork: ") + std::strerror(errno);
      close(fds[0]);
      close(fds[1]);
      break;
    }
    if (pid == 0) {
      close(fds[0]);
      Measurement m = fn();
      ssize_t n = write(fds[1], &m, sizeof m);
      _exit(n == static_cast<ssize_t>(sizeof m) ? 0 : 1);
    }
    close(fds[1]);
    Measurement m;
    ssize_t got = read(fds[0], &m, sizeof m);
    close(fds[0]);
    int status = 0;
    rusage usage{};
    if (wait4(pid, &status, 0, &usage) < 0 || got != static_cast<ssize_t>(sizeof m) || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
      result.error = "benchmark child failed (status " + std::to_string(status) + ")";
      break;
    }
    result.runs.push_back(m);
    result.peak_rss_kib = std::max(result.peak_rss_kib, usage.ru_maxrss);
  }
  std::vector<double> rates;
  std::vector<double> extras;
  std::vector<double> walls;
  for (const auto& m : result.runs) {
    rates.push_back(m.rate);
    extras.push_back(m.extra);
    walls.push_back(m.wall_rate);
  }
  result.median = Measurement{median_of(rates), median_of(extras), median_of(walls), {}};
  for (std::size_t f = 0; f < result.median.figures.size(); ++f) {
    std::vector<double> values;
    for (const auto& m : result.runs) values.push_back(m.figures[f]);
    result.median.figures[f] = median_of(values);
  }
  return result;
}

}  // namespace pxelab::conformance
