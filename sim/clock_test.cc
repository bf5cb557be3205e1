#include "sim/clock.h"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <cerrno>
#include <poll.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace pxelab::sim {
namespace {

TEST(Time, Helpers) {
  EXPECT_EQ(us(3), 3'000);
  EXPECT_EQ(ms(3), 3'000'000);
  EXPECT_EQ(seconds(2), 2'000'000'000);
  EXPECT_EQ(from_seconds(1.5), 1'500'000'000);
  EXPECT_DOUBLE_EQ(to_seconds(ms(250)), 0.25);
}

TEST(VirtualClock, JumpsFromEventToEventAndSeesEventTimes) {
  VirtualClock clock;
  std::vector<Time> seen;
  clock.at(ms(5), [&] { seen.push_back(clock.now()); });
  clock.at(seconds(60), [&] { seen.push_back(clock.now()); });
  clock.at(ms(5), [&] {
    seen.push_back(clock.now());
    clock.after(ms(1), [&] { seen.push_back(clock.now()); });
  });
  EXPECT_EQ(clock.run(), 4u);
  EXPECT_EQ(seen, (std::vector<Time>{ms(5), ms(5), ms(6), seconds(60)}));
  EXPECT_EQ(clock.now(), seconds(60));
}

TEST(VirtualClock, RunUntilIsInclusiveAndLeavesNowAtTheBound) {
  VirtualClock clock;
  std::vector<int> log;
  clock.at(10, [&] { log.push_back(10); });
  clock.at(20, [&] { log.push_back(20); });
  clock.at(21, [&] { log.push_back(21); });
  EXPECT_EQ(clock.run(20), 2u);
  EXPECT_EQ(clock.now(), 20);
  EXPECT_EQ(log, (std::vector<int>{10, 20}));
  EXPECT_EQ(clock.run(100), 1u);
  EXPECT_EQ(clock.now(), 100) << "time passes up to the bound even with nothing to do";
  EXPECT_EQ(clock.run(50), 0u) << "a bound in the past runs nothing";
  EXPECT_EQ(clock.now(), 100);
}

TEST(VirtualClock, PastTimesMeanNowAndCancelWorks) {
  VirtualClock clock;
  std::vector<int> log;
  clock.run(ms(1));
  clock.at(0, [&] { log.push_back(clock.now() == ms(1) ? 1 : -1); });
  EventId gone = clock.at(ms(2), [&] { log.push_back(2); });
  EXPECT_TRUE(clock.cancel(gone));
  clock.run();
  EXPECT_EQ(log, (std::vector<int>{1}));
}

TEST(VirtualClock, StopEndsTheRunAfterTheCurrentEvent) {
  VirtualClock clock;
  int ran = 0;
  for (int i = 1; i <= 5; ++i) {
    clock.at(i, [&, i] {
      ++ran;
      if (i == 2) clock.stop();
    });
  }
  EXPECT_EQ(clock.run(), 2u);
  EXPECT_EQ(clock.now(), 2);
  EXPECT_EQ(clock.run(), 3u) << "a new run() goes on";
  EXPECT_EQ(ran, 5);
}

// The same pseudo-random workload twice gives the same sequence of (time, label).
std::vector<std::pair<Time, int>> chaotic_run(std::uint64_t seed) {
  VirtualClock clock;
  std::vector<std::pair<Time, int>> log;
  std::uint64_t x = seed;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  std::vector<EventId> ids;
  for (int i = 0; i < 2000; ++i) {
    ids.push_back(clock.at(static_cast<Time>(next() % 1000), [&log, &clock, i] { log.emplace_back(clock.now(), i); }));
    if (next() % 4 == 0) clock.cancel(ids[next() % ids.size()]);
  }
  clock.run();
  return log;
}

TEST(VirtualClock, DeterministicForTheSameInputs) {
  auto a = chaotic_run(99);
  auto b = chaotic_run(99);
  EXPECT_EQ(a, b);
  EXPECT_GT(a.size(), 1000u);
  EXPECT_NE(a, chaotic_run(100));
}

TEST(RealtimeClock, FiresTimersInOrderAndPollsADescriptor) {
  RealtimeClock clock;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::vector<std::string> log;
  auto watch = clock.watch(fds[0], POLLIN, [&] {
    char c = 0;
    ASSERT_EQ(read(fds[0], &c, 1), 1);
    log.push_back(std::string("read ") + c);
    // Work triggered by a descriptor is scheduled "now" and runs before later timers.
    clock.at(clock.now(), [&] { log.push_back("after read"); });
  });
  clock.at(ms(5), [&] { log.push_back("t5"); });
  clock.at(ms(10), [&] {
    log.push_back("t10 write");
    ASSERT_EQ(write(fds[1], "x", 1), 1);
  });
  // 500 ms between the write and the next timer: under ASan on a loaded machine the
  // process may be descheduled for tens of milliseconds, and a due timer runs before
  // the descriptor is polled again (a 20 ms gap was flaky).
  clock.at(ms(510), [&] { log.push_back("t510"); });
  clock.run(ms(520));
  EXPECT_EQ(log, (std::vector<std::string>{"t5", "t10 write", "read x", "after read", "t510"}));
  EXPECT_GE(clock.now(), ms(520));
  EXPECT_GE(clock.wall_now(), ms(520)) << "events never fire early";
  EXPECT_LT(clock.wall_now(), seconds(30)) << "returned (generous bound)";
  EXPECT_TRUE(clock.unwatch(watch));
  EXPECT_FALSE(clock.unwatch(watch));
  close(fds[0]);
  close(fds[1]);
}

TEST(RealtimeClock, RunWithoutBoundReturnsWhenNothingCanHappen) {
  RealtimeClock clock;
  int ran = 0;
  clock.at(ms(2), [&] { ++ran; });
  EXPECT_EQ(clock.run(), 1u);
  EXPECT_EQ(ran, 1);
  EXPECT_GE(clock.now(), ms(2));
}

TEST(RealtimeClock, StopFromADescriptorCallbackEndsAnUnboundedRun) {
  RealtimeClock clock;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  bool got = false;
  clock.watch(fds[0], POLLIN, [&] {
    char c;
    ASSERT_EQ(read(fds[0], &c, 1), 1);
    got = true;
    clock.stop();
  });
  clock.at(ms(3), [&] { ASSERT_EQ(write(fds[1], "y", 1), 1); });
  clock.run();  // would wait forever on the descriptor without stop()
  EXPECT_TRUE(got);
  close(fds[0]);
  close(fds[1]);
}

TEST(RealtimeClock, HangUpIsReportedThroughRevents) {
  RealtimeClock clock;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[1]);  // the read end now reports POLLHUP for ever
  int calls = 0;
  short seen = 0;
  RealtimeClock::WatchId id{};
  id = clock.watch(fds[0], POLLIN, [&] {
    ++calls;
    seen = clock.revents();
    clock.unwatch(id);  // what a port does on a hang-up it cannot clear
  });
  clock.run(ms(50));
  EXPECT_EQ(calls, 1);
  EXPECT_NE(seen & POLLHUP, 0);
  EXPECT_EQ(clock.revents(), 0) << "only meaningful inside a callback";
  close(fds[0]);
}

TEST(RealtimeClock, AClosedDescriptorIsUnwatchedInsteadOfSpinning) {
  RealtimeClock clock;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[0]);
  close(fds[1]);
  int calls = 0;
  clock.watch(fds[0], POLLIN, [&] { ++calls; });  // never unwatches: POLLNVAL for ever
  clock.run(ms(50));
  EXPECT_EQ(calls, 1) << "called once, then the watch is dropped (was: thousands of calls)";
  EXPECT_EQ(clock.invalid_watches(), 1u);
}

TEST(RealtimeClock, APollFailureEndsTheRunInsteadOfSpinning) {
  // poll(2) fails with EINVAL when nfds exceeds RLIMIT_NOFILE: the same failure would
  // repeat at once, for ever.
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
  RealtimeClock clock;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  for (int i = 0; i < 64; ++i) clock.watch(fds[0], POLLIN, [] {});
  rlimit low = old;
  low.rlim_cur = 32;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  int ran = 0;
  clock.at(seconds(5), [&] { ++ran; });
  clock.run(seconds(10));
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &old), 0);
  EXPECT_EQ(clock.poll_error(), EINVAL);
  EXPECT_LT(clock.wall_now(), seconds(5)) << "the run ended at the failure";
  EXPECT_EQ(ran, 0);
  close(fds[0]);
  close(fds[1]);
}

// Segment runs a delivery at once instead of scheduling it only when it would be the
// next event anyway: never outside run(), never after stop(), never with something
// else due now.
TEST(VirtualClock, NextIfScheduledNowOnlyWhenNothingElseWouldRunFirst) {
  VirtualClock clock;
  EXPECT_FALSE(clock.next_if_scheduled_now());  // outside run()
  std::vector<bool> seen;
  clock.at(10, [&] { seen.push_back(clock.next_if_scheduled_now()); });  // alone at 10
  clock.at(20, [&] { seen.push_back(clock.next_if_scheduled_now()); });  // another at 20 follows
  clock.at(20, [&] {
    clock.stop();
    seen.push_back(clock.next_if_scheduled_now());
  });
  clock.run();
  EXPECT_EQ(seen, (std::vector<bool>{true, false, false}));
  EXPECT_FALSE(clock.next_if_scheduled_now());
}

}  // namespace
}  // namespace pxelab::sim
