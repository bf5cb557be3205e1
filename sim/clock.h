// Clocks: now(), at(t, fn), cancel(id), run(until) over one Scheduler.
//
// Why a base class with one protected virtual rather than a pure interface: both clocks
// share everything (the scheduler, now(), the run loop, stop()) except how time gets
// from one event to the next. VirtualClock jumps there at once; RealtimeClock waits for
// the wall clock and, while waiting, polls file descriptors (QEMU sockets, TAP devices)
// whose callbacks may schedule new events. So the run loop is written once, here, and
// a clock only supplies advance(). Code that builds a simulation takes a `Clock&` and
// never knows which one it got (DESIGN.md: one code path for emulation and real parts).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "sim/callback.h"
#include "sim/scheduler.h"
#include "sim/time.h"

namespace pxelab::sim {

class Clock {
 public:
  virtual ~Clock();
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;

  // Current time. Constant while an event runs; never decreases.
  Time now() const { return now_; }

  // Runs `fn` at time `t` (a time in the past means now). Events at equal times run in
  // the order they were scheduled.
  EventId at(Time t, Callback fn) { return scheduler_.schedule(t < now_ ? now_ : t, std::move(fn)); }
  EventId after(Time delay, Callback fn) { return at(now_ + delay, std::move(fn)); }

  // False if the event already ran, was cancelled, or is unknown.
  bool cancel(EventId id) { return scheduler_.cancel(id); }

  // Runs every event due at or before `until`, in order, then returns with now() ==
  // `until` — unless stop() was called, or `until` is kNever and nothing more can
  // happen (no events; for RealtimeClock also no watched descriptors). Returns the
  // number of events run.
  std::uint64_t run(Time until = kNever);

  // Makes the current run() return after the running event or callback.
  void stop() { stopped_ = true; }

  std::size_t pending() const { return scheduler_.pending(); }
  // True if an event scheduled now would be the very next one run() runs: run() goes on
  // (no stop(), now() within its `until`) and no event is due at or before now(). A
  // caller that would do nothing after scheduling it may run its work at once instead
  // (Segment's delivery over an ideal link): the order of everything is the same.
  bool next_if_scheduled_now() { return !stopped_ && now_ <= until_ && scheduler_.next_time() > now_; }
  const Scheduler& scheduler() const { return scheduler_; }

 protected:
  Clock() = default;

  // Brings time forward toward `target` (> now(); kNever: no deadline) and returns the
  // time reached, which is `target`, or earlier if something outside the scheduler
  // happened (then its callbacks have already run and may have scheduled events), or
  // later if the wall clock overshot. nullopt: nothing can ever happen again.
  virtual std::optional<Time> advance(Time target) = 0;

  void set_now(Time t) {
    if (t > now_) now_ = t;
  }
  bool stopped() const { return stopped_; }

 private:
  Scheduler scheduler_;
  Time now_ = 0;
  Time until_ = -1;  // the running run()'s `until`; -1 outside run()
  bool stopped_ = false;
};

// Simulated time: jumps from event to event. A run is a pure function of its inputs
// and seed, and a 60 s retry schedule takes microseconds.
class VirtualClock final : public Clock {
 public:
  VirtualClock() = default;

 protected:
  std::optional<Time> advance(Time target) override;
};

// Wall-clock time (CLOCK_MONOTONIC, time 0 = construction) and file descriptors polled
// while waiting (ppoll: a handful of descriptors, nanosecond timeouts). Events fire no
// earlier than their time; a late event sees the later now().
class RealtimeClock final : public Clock {
 public:
  RealtimeClock();
  ~RealtimeClock() override;

  struct WatchId {
    std::uint64_t value = 0;
  };
  // Calls `on_ready` (from inside run()) whenever `fd` has any of `events` (POLLIN,
  // POLLOUT...) or an error/hang-up (POLLERR, POLLHUP; revents() tells which). The
  // callback reads the descriptor itself; it may schedule events, watch and unwatch
  // (itself included). A callback that neither clears the condition nor unwatches is
  // called again at once: on POLLERR/POLLHUP that cannot be cleared it must unwatch.
  // The descriptor stays the caller's: unwatch it before closing it. A descriptor
  // closed while watched (POLLNVAL) can never become ready again: its callback runs
  // once and the watch is then removed by the clock (counted in invalid_watches()).
  WatchId watch(int fd, short events, Callback on_ready);
  bool unwatch(WatchId id);
  // Inside an on_ready callback: the revents poll(2) reported for its descriptor.
  short revents() const { return revents_; }
  std::uint64_t invalid_watches() const { return invalid_watches_; }
  // The errno of a failed poll(2) other than EINTR (EINVAL, ENOMEM, EFAULT), 0 if none.
  // Such a failure ends run() instead of retrying in a busy loop.
  int poll_error() const { return poll_error_; }

  // Nanoseconds of wall time since construction.
  Time wall_now() const;

 protected:
  std::optional<Time> advance(Time target) override;

 private:
  struct Watch {
    std::uint64_t id;
    int fd;
    short events;
    bool removed;
    Callback on_ready;
  };
  std::int64_t start_ns_ = 0;
  std::uint64_t next_watch_id_ = 1;
  std::vector<std::unique_ptr<Watch>> watches_;
  short revents_ = 0;
  std::uint64_t invalid_watches_ = 0;
  int poll_error_ = 0;
};

}  // namespace pxelab::sim
