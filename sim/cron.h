// Five-field cron expressions ("minute hour day-of-month month day-of-week"), parsed
// into explicit bit tables. Text in, value out: no clock, no state. The syntax is
// Vixie cron's (crontab(5); cronie reads it the same way):
//   '*', numbers, ranges "a-b", steps "*/n" and "a-b/n" (and "a/n", meaning a-max/n,
//   as cronie reads it), lists "x,y,..."; month and weekday names (jan..dec, sun..sat,
//   any case; accepted in ranges and lists too, as Vixie's parser does although its
//   page says otherwise); weekday 7 is Sunday as 0 is; the nicknames @yearly
//   (@annually), @monthly, @weekly, @daily (@midnight) and @hourly (not @reboot).
// The day rule: when both day-of-month and day-of-week are restricted, a day matches
// if EITHER matches ("30 4 1,15 * 5": the 1st, the 15th and every Friday). As in Vixie
// cron, a field is "unrestricted" when it starts with '*' - so "*/2" in one day field
// still ANDs with the other.
// Time zones and DST are the caller's (sim/schedule.h).
#pragma once

#include <bitset>
#include <string>
#include <string_view>

#include "wire/result.h"

namespace pxelab::sim {

struct CronSpec {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // bit 0 unused
  std::bitset<13> months;         // bit 0 unused
  std::bitset<7> days_of_week;    // 0 = Sunday
  bool dom_restricted = false;    // the field did not start with '*'
  bool dow_restricted = false;

  // month 1..12, day_of_month 1..31, day_of_week 0..6 (Sunday = 0).
  bool matches_day(int day_of_month, int month, int day_of_week) const;
  bool matches(int minute, int hour, int day_of_month, int month, int day_of_week) const;
};

// Errors name the field and the token, with the token's byte offset in `text`:
// "cron.hour at byte 2: '24' is outside 0-23".
Result<CronSpec> parse_cron(std::string_view text);

}  // namespace pxelab::sim
