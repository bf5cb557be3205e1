#include "bench/bench_scheduler.h"

#include <cmath>
#include <functional>
#include <queue>
#include <vector>

#include "sim/clock.h"
#include "sim/rng.h"

namespace pxelab::conformance {

namespace {

using sim::Time;

constexpr std::size_t kDelayTable = std::size_t{1} << 16;

std::vector<Time> delay_table(const HoldModel& model) {
  sim::Rng rng(model.seed);
  std::vector<Time> delays(kDelayTable);
  for (Time& d : delays) d = static_cast<Time>(std::llround(rng.exponential(model.mean_delay_ns)));
  return delays;
}


struct PxelabHold {
  sim::VirtualClock clock;
  std::vector<Time> delays;
  std::size_t next_delay = 0;
  std::uint64_t left = 0;

  Time delay() { return delays[next_delay++ & (kDelayTable - 1)]; }
};

// One event of the hold model: schedules its successor, until enough have run.
struct HoldEvent {
  PxelabHold* hold;
  void operator()() const {
    if (--hold->left == 0) {
      hold->clock.stop();
      return;
    }
    hold->clock.after(hold->delay(), HoldEvent{hold});
  }
};

}  // namespace

Measurement hold_model_pxelab(const HoldModel& model) {
  PxelabHold hold;
  hold.delays = delay_table(model);
  hold.left = model.executed;
  for (std::uint64_t i = 0; i < model.pending; ++i) hold.clock.at(hold.delay(), HoldEvent{&hold});
  CpuStopwatch watch;
  std::uint64_t ran = hold.clock.run();
  double elapsed = watch.seconds();
  double wall = watch.wall_seconds();
  return Measurement{static_cast<double>(ran) / elapsed, 0, static_cast<double>(ran) / wall, {}};
}

namespace {

struct QueuedEvent {
  Time time;
  std::uint64_t sequence;
  std::function<void()> fn;
};
struct Later {
  bool operator()(const QueuedEvent& a, const QueuedEvent& b) const {
    return a.time > b.time || (a.time == b.time && a.sequence > b.sequence);
  }
};

struct QueueHold {
  std::priority_queue<QueuedEvent, std::vector<QueuedEvent>, Later> queue;
  Time now = 0;
  std::uint64_t sequence = 0;
  std::vector<Time> delays;
  std::size_t next_delay = 0;
  std::uint64_t left = 0;

  void schedule(Time t, std::function<void()> fn) { queue.push(QueuedEvent{t, sequence++, std::move(fn)}); }
  void hold_event() {
    if (--left == 0) return;
    schedule(now + delays[next_delay++ & (kDelayTable - 1)], [this] { hold_event(); });
  }
};

}  // namespace

Measurement hold_model_priority_queue(const HoldModel& model) {
  QueueHold hold;
  hold.delays = delay_table(model);
  hold.left = model.executed;
  for (std::uint64_t i = 0; i < model.pending; ++i) {
    hold.schedule(hold.delays[hold.next_delay++ & (kDelayTable - 1)], [&hold] { hold.hold_event(); });
  }
  CpuStopwatch watch;
  std::uint64_t ran = 0;
  while (!hold.queue.empty() && hold.left != 0) {
    QueuedEvent e = std::move(const_cast<QueuedEvent&>(hold.queue.top()));
    hold.queue.pop();
    hold.now = e.time;
    e.fn();
    ++ran;
  }
  double elapsed = watch.seconds();
  double wall = watch.wall_seconds();
  return Measurement{static_cast<double>(ran) / elapsed, 0, static_cast<double>(ran) / wall, {}};
}

}  // namespace pxelab::conformance
