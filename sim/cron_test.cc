// Tests for the five-field cron parser (sim/cron.h): crontab(5)'s syntax and day rule,
// and errors that name the field and the token.
#include "sim/cron.h"

#include <gtest/gtest.h>

namespace pxelab::sim {
namespace {

TEST(Cron, ParsesStarsStepsRangesListsAndNames) {
  auto r = parse_cron("*/15 2-4,22 * jan-MAR mon-fri");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->minutes[0] && r->minutes[15] && r->minutes[45]);
  EXPECT_EQ(r->minutes.count(), 4u);
  EXPECT_TRUE(r->hours[2] && r->hours[3] && r->hours[4] && r->hours[22]);
  EXPECT_EQ(r->hours.count(), 4u);
  EXPECT_TRUE(r->months[1] && r->months[3]);
  EXPECT_FALSE(r->months[4]);
  EXPECT_TRUE(r->days_of_week[1] && r->days_of_week[5]);
  EXPECT_FALSE(r->days_of_week[0] || r->days_of_week[6]);
  EXPECT_FALSE(r->dom_restricted);
  EXPECT_TRUE(r->dow_restricted);
}

TEST(Cron, RangeStepsAndSingleValueSteps) {
  auto r = parse_cron("10-30/10 5/6 * * *");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->minutes.count(), 3u);
  EXPECT_TRUE(r->minutes[10] && r->minutes[20] && r->minutes[30]);
  // "5/6" is 5-23/6 (cronie): 5, 11, 17, 23.
  EXPECT_EQ(r->hours.count(), 4u);
  EXPECT_TRUE(r->hours[5] && r->hours[11] && r->hours[17] && r->hours[23]);
}

TEST(Cron, SevenIsSunday) {
  auto r = parse_cron("0 0 * * 7");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->days_of_week[0]);
  EXPECT_EQ(r->days_of_week.count(), 1u);
  auto range = parse_cron("0 0 * * 5-7");
  ASSERT_TRUE(range.ok());
  EXPECT_TRUE(range->days_of_week[5] && range->days_of_week[6] && range->days_of_week[0]);
}

TEST(Cron, Nicknames) {
  auto d = parse_cron("@daily");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->matches(0, 0, 17, 4, 3));
  EXPECT_FALSE(d->matches(0, 1, 17, 4, 3));
  auto h = parse_cron("@hourly");
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->matches(0, 13, 17, 4, 3));
  auto reboot = parse_cron("@reboot");
  ASSERT_FALSE(reboot.ok());
  EXPECT_EQ(reboot.error().to_string(), "cron at byte 0: '@reboot' is not a nickname (@yearly, @monthly, @weekly, @daily, @hourly)");
}

TEST(Cron, DayFieldsOrWhenBothRestricted) {
  // crontab(5): "30 4 1,15 * 5" runs on the 1st, the 15th and every Friday.
  auto r = parse_cron("30 4 1,15 * 5");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->matches(30, 4, 1, 6, 2));   // the 1st, a Tuesday
  EXPECT_TRUE(r->matches(30, 4, 9, 6, 5));   // a Friday the 9th
  EXPECT_FALSE(r->matches(30, 4, 9, 6, 4));  // neither
  auto s = parse_cron("30 4 * * 5");
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->matches(30, 4, 1, 6, 2));  // only day-of-week restricted: AND
  // Vixie: a field starting with '*' is unrestricted even with a step: AND.
  auto star_step = parse_cron("0 0 */2 * 5");
  ASSERT_TRUE(star_step.ok());
  EXPECT_FALSE(star_step->matches(0, 0, 3, 6, 4));  // the 3rd, a Thursday
  EXPECT_TRUE(star_step->matches(0, 0, 3, 6, 5));
}

TEST(Cron, ErrorsNameFieldAndToken) {
  auto r = parse_cron("0 24 * * *");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(), "cron.hour at byte 2: '24' is outside 0-23");
  auto few = parse_cron("0 1 *");
  ASSERT_FALSE(few.ok());
  EXPECT_EQ(few.error().message, "expected five fields (minute hour day month weekday), got 3");
  auto rev = parse_cron("0 5-3 * * *");
  ASSERT_FALSE(rev.ok());
  EXPECT_EQ(rev.error().to_string(), "cron.hour at byte 2: '5-3' is a reversed range");
  auto step = parse_cron("*/0 * * * *");
  ASSERT_FALSE(step.ok());
  EXPECT_EQ(step.error().to_string(), "cron.minute at byte 2: '*/0' has step '0', not a number from 1 to 60");
  auto name = parse_cron("0 0 * foo *");
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.error().to_string(), "cron.month at byte 6: 'foo' is neither a number nor a name");
  auto dow = parse_cron("0 0 * * 8");
  ASSERT_FALSE(dow.ok());
  EXPECT_EQ(dow.error().to_string(), "cron.day_of_week at byte 8: '8' is outside 0-7");
  auto dom = parse_cron("0 0 0 * *");
  ASSERT_FALSE(dom.ok());
  EXPECT_EQ(dom.error().field, "cron.day_of_month");
  auto list = parse_cron("0 0 1,,2 * *");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().to_string(), "cron.day_of_month at byte 6: '1,,2' has an empty list item");
  auto six = parse_cron("0 0 * * * *");
  ASSERT_FALSE(six.ok());
  EXPECT_EQ(six.error().to_string(), "cron at byte 10: '*' is a sixth field (minute hour day month weekday)");
}

}  // namespace
}  // namespace pxelab::sim
