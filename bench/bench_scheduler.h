// Benchmark 1 (shared/BENCHMARKS.md): the scheduler hold model — `pending` events
// pending, `executed` events run, each scheduling one more after an exponentially
// distributed delay (mean 100 ns). Delays are drawn before timing (a table of 2^16
// draws, cycled) so that both schedulers are timed on the same inputs and the figure
// is the scheduler's, not the random generator's.
#pragma once

#include <cstdint>

#include "bench/bench_runner.h"

namespace pxelab::conformance {

struct HoldModel {
  std::uint64_t pending = 100'000;
  std::uint64_t executed = 1'000'000;
  double mean_delay_ns = 100;
  std::uint64_t seed = 1;
};

// pxelab's VirtualClock (4-ary heap, slab of inline callables). Rate: events/s.
Measurement hold_model_pxelab(const HoldModel& model);

// The anchor: std::priority_queue of {time, sequence, std::function} — roughly
// ns-3's HeapScheduler (a binary heap of (time, uid) + an event object per event).
// Rate: events/s.
Measurement hold_model_priority_queue(const HoldModel& model);

// ns-3 HeapScheduler on this kind of machine, from shared/BENCHMARKS.md (not measured).
inline constexpr double kNs3HeapSchedulerEventsPerSecond = 1.4e6;

}  // namespace pxelab::conformance
