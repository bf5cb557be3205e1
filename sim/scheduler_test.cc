#include "sim/scheduler.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <vector>

namespace pxelab::sim {
namespace {

// Runs everything due, in order, and returns the labels the events pushed.
std::vector<int> drain(Scheduler& s, std::vector<int>& log) {
  while (s.next_time() != kNever) s.pop_next()();
  return log;
}

TEST(Scheduler, OrdersByTimeThenFifoForTies) {
  Scheduler s;
  std::vector<int> log;
  s.schedule(30, [&] { log.push_back(3); });
  s.schedule(10, [&] { log.push_back(1); });
  s.schedule(20, [&] { log.push_back(20); });
  s.schedule(20, [&] { log.push_back(21); });
  s.schedule(20, [&] { log.push_back(22); });
  s.schedule(0, [&] { log.push_back(0); });
  EXPECT_EQ(drain(s, log), (std::vector<int>{0, 1, 20, 21, 22, 3}));
  EXPECT_TRUE(s.empty());
}

TEST(Scheduler, ManyTiesStayFifoThroughHeapReshuffles) {
  Scheduler s;
  std::vector<int> log;
  // Interleave two times so that entries of equal time move between the radix heap's
  // buckets together (the FIFO tie-break must survive the redistribution).
  for (int i = 0; i < 1000; ++i) {
    s.schedule(i % 2 == 0 ? 100 : 50, [&log, i] { log.push_back(i); });
  }
  drain(s, log);
  ASSERT_EQ(log.size(), 1000u);
  for (int k = 0; k < 500; ++k) EXPECT_EQ(log[k], 2 * k + 1);
  for (int k = 0; k < 500; ++k) EXPECT_EQ(log[500 + k], 2 * k);
}

TEST(Scheduler, MatchesASortedReferenceOnPseudoRandomTimes) {
  Scheduler s;
  std::vector<std::pair<Time, int>> expected;
  std::vector<std::pair<Time, int>> got;
  std::uint64_t x = 12345;
  for (int i = 0; i < 5000; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    Time t = static_cast<Time>((x >> 33) % 700);
    expected.emplace_back(t, i);
    s.schedule(t, [&got, t, i] { got.emplace_back(t, i); });
  }
  std::stable_sort(expected.begin(), expected.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  while (s.next_time() != kNever) s.pop_next()();
  EXPECT_EQ(got, expected);
}

TEST(Scheduler, CancelPendingFiredAndUnknownIds) {
  Scheduler s;
  std::vector<int> log;
  EventId a = s.schedule(1, [&] { log.push_back(1); });
  EventId b = s.schedule(2, [&] { log.push_back(2); });
  EventId c = s.schedule(3, [&] { log.push_back(3); });
  EXPECT_EQ(s.pending(), 3u);
  EXPECT_TRUE(s.cancel(b));
  EXPECT_FALSE(s.cancel(b)) << "second cancel of the same id";
  EXPECT_EQ(s.pending(), 2u);
  EXPECT_FALSE(s.cancel(EventId{}));
  EXPECT_FALSE(s.cancel(EventId{0xdead'0000'0007ull}));
  ASSERT_EQ(s.next_time(), 1);
  s.pop_next()();
  EXPECT_FALSE(s.cancel(a)) << "already fired";
  // The fired slot is reused by the next event: the old id must not cancel it.
  EventId d = s.schedule(4, [&] { log.push_back(4); });
  EXPECT_FALSE(s.cancel(a));
  EXPECT_NE(a, d);
  drain(s, log);
  EXPECT_EQ(log, (std::vector<int>{1, 3, 4}));
  EXPECT_FALSE(s.cancel(c));
}

TEST(Scheduler, CallableMayCancelItselfAndScheduleMore) {
  Scheduler s;
  std::vector<int> log;
  EventId self;
  self = s.schedule(1, [&] {
    EXPECT_FALSE(s.cancel(self)) << "an event runs after it left the scheduler";
    s.schedule(1, [&] { log.push_back(2); });
    log.push_back(1);
  });
  drain(s, log);
  EXPECT_EQ(log, (std::vector<int>{1, 2}));
}

TEST(Scheduler, MassCancellationPurgesTheHeapAndKeepsOrder) {
  Scheduler s;
  std::vector<int> log;
  std::vector<EventId> ids;
  for (int i = 0; i < 5000; ++i) ids.push_back(s.schedule(10'000 - i, [&log, i] { log.push_back(i); }));
  for (int i = 0; i < 5000; ++i) {
    if (i % 10 != 0) {
      EXPECT_TRUE(s.cancel(ids[i]));
    }
  }
  EXPECT_EQ(s.pending(), 500u);
  drain(s, log);
  ASSERT_EQ(log.size(), 500u);
  for (std::size_t k = 0; k < 500; ++k) EXPECT_EQ(log[k], 4990 - 10 * static_cast<int>(k));
}

TEST(Scheduler, DestroysCancelledAndUnrunCallables) {
  auto token = std::make_shared<int>(7);
  {
    Scheduler s;
    EventId a = s.schedule(1, [token] {});
    s.schedule(2, [token] {});
    EXPECT_EQ(token.use_count(), 3);
    s.cancel(a);
    EXPECT_EQ(token.use_count(), 2) << "cancel destroys the callable at once";
  }
  EXPECT_EQ(token.use_count(), 1) << "the scheduler's destructor destroys pending callables";
}

TEST(Scheduler, SchedulingBelowAPeekedMinimumKeepsOrder) {
  // next_time() may move the internal base forward (to 100); something scheduled
  // afterwards at an earlier time (50, as a RealtimeClock descriptor callback does)
  // must still run first.
  Scheduler s;
  std::vector<int> log;
  s.schedule(100, [&] { log.push_back(100); });
  s.schedule(1000, [&] { log.push_back(1000); });
  EXPECT_EQ(s.next_time(), 100);
  s.schedule(50, [&] { log.push_back(50); });
  s.schedule(100, [&] { log.push_back(101); });
  EXPECT_EQ(s.next_time(), 50);
  drain(s, log);
  EXPECT_EQ(log, (std::vector<int>{50, 100, 101, 1000}));
}

TEST(Scheduler, TimeNeverRunsBackwards) {
  Scheduler s;
  std::vector<int> log;
  s.schedule(10, [&] { log.push_back(10); });
  s.pop_next()();
  s.schedule(5, [&] { log.push_back(5); });  // before the last event run: counts as 10
  EXPECT_EQ(s.next_time(), 10);
  drain(s, log);
  EXPECT_EQ(log, (std::vector<int>{10, 5}));
}

TEST(Scheduler, AnInstantThatNeverDrainsDoesNotGrowMemory) {
  // Every event schedules the next at the same time (frames over ideal links do this).
  Scheduler s;
  std::uint64_t left = 200'000;
  std::function<void()> chain = [&] {
    if (--left != 0) {
      s.schedule(0, [&] { chain(); });
      s.schedule(0, [] {});
    }
  };
  s.schedule(0, [&] { chain(); });
  while (s.next_time() != kNever) s.pop_next()();
  EXPECT_EQ(left, 0u);
  EXPECT_LT(s.queue_capacity(), 40'000u) << "consumed entries are compacted away";
}

TEST(Callback, InlineForSmallCapturesBoxedForBigOnes) {
  struct Big {
    char bytes[100];
    int* out;
    void operator()() const { *out = bytes[99]; }
  };
  struct Small {  // a `this` pointer and a few integers: the simulator's usual capture
    void* self;
    std::uint64_t frame;
    std::uint32_t a, b;
    void operator()() const {}
  };
  static_assert(Callback::fits_inline<Small>());
  static_assert(!Callback::fits_inline<Big>());
  int out = 0;
  Big big{};
  big.bytes[99] = 5;
  big.out = &out;
  Callback c(big);
  Callback moved(std::move(c));
  EXPECT_FALSE(static_cast<bool>(c));  // NOLINT: checking the moved-from state on purpose
  moved();
  EXPECT_EQ(out, 5);
}

}  // namespace
}  // namespace pxelab::sim
