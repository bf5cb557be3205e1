// Schedules (sim/schedule.h): the next fire time after an instant for cron and once in
// a zone, and the DST rule - a skipped local time fires once right after the jump, a
// repeated one once (the first) - at the 2026 transitions of Europe/Berlin and
// America/New_York; UTC; schedules that never fire again.
#include "sim/schedule.h"

#include <gtest/gtest.h>

namespace pxelab::sim {
namespace {

UnixSeconds utc(const char* text) {
  auto c = parse_civil_time(text, "t");
  EXPECT_TRUE(c.ok()) << text;
  return to_local_seconds(*c);
}

Schedule cron(const char* expr, const char* zone_name) {
  auto z = load_time_zone(zone_name);
  EXPECT_TRUE(z.ok()) << z.error().to_string();
  auto s = cron_schedule(expr, z.ok() ? *z : TimeZone::utc());
  EXPECT_TRUE(s.ok()) << s.error().to_string();
  return *s;
}

std::vector<UnixSeconds> times(std::initializer_list<const char*> list) {
  std::vector<UnixSeconds> v;
  for (const char* t : list) v.push_back(utc(t));
  return v;
}

TEST(Schedule, BerlinSpringForwardSkippedHourFiresOnceAtTheJump) {
  // 02:00 does not exist on 2026-03-29 in Berlin: it fires at the jump, 03:00 CEST.
  const Schedule s = cron("0 2 * * *", "Europe/Berlin");
  EXPECT_EQ(s.fire_times(utc("2026-03-27T12:00:00"), utc("2026-03-30T12:00:00")),
            times({"2026-03-28T01:00:00", "2026-03-29T01:00:00", "2026-03-30T00:00:00"}));
  // Four matches inside the gap (02:00, 02:15, 02:30, 02:45) fire once together.
  const Schedule q = cron("*/15 2 * * *", "Europe/Berlin");
  EXPECT_EQ(q.fire_times(utc("2026-03-28T12:00:00"), utc("2026-03-29T23:00:00")), times({"2026-03-29T01:00:00"}));
  // A match at 03:00 itself and the skipped 02:30 are the same instant: one fire.
  const Schedule both = cron("0,30 2,3 29 3 *", "Europe/Berlin");
  EXPECT_EQ(both.fire_times(utc("2026-03-28T12:00:00"), utc("2026-03-29T12:00:00")),
            times({"2026-03-29T01:00:00", "2026-03-29T01:30:00"}));
}

TEST(Schedule, BerlinFallBackRepeatedHourFiresOnceTheFirstTime) {
  const Schedule s = cron("30 2 * * *", "Europe/Berlin");
  // 02:30 CEST (00:30Z), not again at 02:30 CET (01:30Z); the next day 02:30 CET.
  EXPECT_EQ(s.fire_times(utc("2026-10-24T12:00:00"), utc("2026-10-26T12:00:00")),
            times({"2026-10-25T00:30:00", "2026-10-26T01:30:00"}));
  // Asked from inside the second pass, the repeated hour's matches are past.
  EXPECT_EQ(s.next_after(utc("2026-10-25T01:10:00")), utc("2026-10-26T01:30:00"));
  const Schedule every = cron("*/20 2 25 10 *", "Europe/Berlin");
  EXPECT_EQ(every.fire_times(utc("2026-10-24T12:00:00"), utc("2026-10-26T12:00:00")),
            times({"2026-10-25T00:00:00", "2026-10-25T00:20:00", "2026-10-25T00:40:00"}));
}

TEST(Schedule, NewYorkTransitionsOf2026) {
  const Schedule spring = cron("30 2 * * *", "America/New_York");
  EXPECT_EQ(spring.next_after(utc("2026-03-07T12:00:00")), utc("2026-03-08T07:00:00"));  // 03:00 EDT
  EXPECT_EQ(spring.next_after(utc("2026-03-08T07:00:00")), utc("2026-03-09T06:30:00"));
  const Schedule fall = cron("*/15 1 * * *", "America/New_York");
  // 01:00-01:59 happens twice on 2026-11-01: only the first pass (EDT, 05:xxZ) fires.
  EXPECT_EQ(fall.fire_times(utc("2026-10-31T12:00:00"), utc("2026-11-01T12:00:00")),
            times({"2026-11-01T05:00:00", "2026-11-01T05:15:00", "2026-11-01T05:30:00", "2026-11-01T05:45:00"}));
}

TEST(Schedule, UtcDayRulesAndNeverAgain) {
  EXPECT_EQ(cron("0 0 29 2 *", "UTC").next_after(utc("2026-01-01T00:00:00")), utc("2028-02-29T00:00:00"));
  EXPECT_FALSE(cron("0 0 30 2 *", "UTC").next_after(utc("2026-01-01T00:00:00")));
  // dom/dow OR: the 13th or a Friday; February 2026 starts on a Sunday.
  EXPECT_EQ(cron("0 12 13 * fri", "UTC").fire_times(utc("2026-02-01T00:00:00"), utc("2026-02-14T00:00:00")),
            times({"2026-02-06T12:00:00", "2026-02-13T12:00:00"}));
  // Strictly after: a fire time equal to t is not "next".
  EXPECT_EQ(cron("* * * * *", "UTC").next_after(utc("2026-05-01T10:00:00")), utc("2026-05-01T10:01:00"));
  EXPECT_EQ(cron("* * * * *", "UTC").next_after(utc("2026-05-01T10:00:30")), utc("2026-05-01T10:01:00"));
  EXPECT_EQ(cron("59 23 31 12 *", "UTC").next_after(utc("2026-12-31T23:59:00")), utc("2027-12-31T23:59:00"));
}

TEST(Schedule, OnceInAZone) {
  auto berlin = load_time_zone("Europe/Berlin");
  ASSERT_TRUE(berlin.ok());
  auto skipped = once_schedule("2026-03-29T02:30:00", *berlin);
  ASSERT_TRUE(skipped.ok());
  EXPECT_EQ(skipped->next_after(utc("2026-03-01T00:00:00")), utc("2026-03-29T01:00:00"));
  auto repeated = once_schedule("2026-10-25T02:30", *berlin);
  ASSERT_TRUE(repeated.ok());
  EXPECT_EQ(repeated->next_after(utc("2026-03-01T00:00:00")), utc("2026-10-25T00:30:00"));
  EXPECT_FALSE(repeated->next_after(utc("2026-10-25T00:30:00")));  // once, and it is past
  EXPECT_EQ(repeated->describe(), "once 2026-10-25T02:30:00 in Europe/Berlin");
  auto bad = once_schedule("tomorrow", *berlin);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "once");
}

TEST(Schedule, BadCronIsAnErrorNamingFieldAndToken) {
  auto s = cron_schedule("0 2 * * sunday", TimeZone::utc());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().to_string(), "cron.day_of_week at byte 8: 'sunday' is neither a number nor a name");
  EXPECT_EQ(cron("0 2 * * sun", "Europe/Berlin").describe(), "cron '0 2 * * sun' in Europe/Berlin");
}

}  // namespace
}  // namespace pxelab::sim
