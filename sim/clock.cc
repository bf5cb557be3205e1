#include "sim/clock.h"

#include <poll.h>
#include <time.h>

#include <algorithm>
#include <cerrno>

namespace pxelab::sim {

Clock::~Clock() = default;

std::uint64_t Clock::run(Time until) {
  stopped_ = false;
  const Time outer_until = until_;  // run() may be called from inside an event
  until_ = until;
  std::uint64_t ran = 0;
  while (!stopped_) {
    Time next = scheduler_.next_time();
    if (next <= until && next <= now_) {
      Callback fn = scheduler_.pop_next();
      fn();
      ++ran;
      continue;
    }
    Time target = std::min(next, until);
    if (target <= now_) break;  // `until` reached (it may be in the past)
    std::optional<Time> reached = advance(target);
    if (!reached) break;
    set_now(*reached);
  }
  until_ = outer_until;
  return ran;
}

std::optional<Time> VirtualClock::advance(Time target) {
  if (target == kNever) return std::nullopt;
  return target;
}

namespace {

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

RealtimeClock::RealtimeClock() : start_ns_(monotonic_ns()) {}
RealtimeClock::~RealtimeClock() = default;

Time RealtimeClock::wall_now() const { return monotonic_ns() - start_ns_; }

RealtimeClock::WatchId RealtimeClock::watch(int fd, short events, Callback on_ready) {
  auto w = std::make_unique<Watch>(Watch{next_watch_id_++, fd, events, false, std::move(on_ready)});
  WatchId id{w->id};
  watches_.push_back(std::move(w));
  return id;
}

bool RealtimeClock::unwatch(WatchId id) {
  for (auto& w : watches_) {
    if (w->id == id.value && !w->removed) {
      // Erased after the current dispatch: the callback may be unwatching itself.
      w->removed = true;
      return true;
    }
  }
  return false;
}

std::optional<Time> RealtimeClock::advance(Time target) {
  std::erase_if(watches_, [](const std::unique_ptr<Watch>& w) { return w->removed; });
  std::vector<pollfd> fds;
  std::vector<std::uint64_t> ids;
  fds.reserve(watches_.size());
  for (const auto& w : watches_) {
    fds.push_back(pollfd{w->fd, w->events, 0});
    ids.push_back(w->id);
  }
  if (fds.empty() && target == kNever) return std::nullopt;

  for (;;) {
    Time wall = wall_now();
    if (wall >= target) return wall;
    timespec timeout{};
    timespec* timeout_ptr = nullptr;
    if (target != kNever) {
      Time left = target - wall;
      timeout.tv_sec = left / 1'000'000'000;
      timeout.tv_nsec = left % 1'000'000'000;
      timeout_ptr = &timeout;
    }
    int ready = ppoll(fds.data(), fds.size(), timeout_ptr, nullptr);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      // EINVAL/ENOMEM/EFAULT would fail the same way again at once: retrying is a
      // busy loop. Stop the run and let the owner read poll_error().
      poll_error_ = errno;
      return std::nullopt;
    }
    if (ready == 0) continue;  // timeout: re-read the wall clock
    set_now(wall_now());
    for (std::size_t i = 0; i < fds.size() && !stopped(); ++i) {
      if (fds[i].revents == 0) continue;
      // Looked up by id: an earlier callback may have unwatched this one.
      for (std::size_t j = 0; j < watches_.size(); ++j) {
        Watch* w = watches_[j].get();
        if (w->id == ids[i] && !w->removed) {
          revents_ = fds[i].revents;
          w->on_ready();
          revents_ = 0;
          if ((fds[i].revents & POLLNVAL) != 0) {
            // The descriptor was closed under the watch: it would be reported
            // invalid forever. (Looked up again: the callback may have watched more.)
            for (auto& again : watches_) {
              if (again->id == ids[i] && !again->removed) {
                again->removed = true;
                ++invalid_watches_;
              }
            }
          }
          break;
        }
      }
    }
    return now();
  }
}

}  // namespace pxelab::sim
