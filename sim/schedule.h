// Schedule (DESIGN.md): when a timed action fires - once at a local date and time, or
// at every match of a five-field cron expression (sim/cron.h) - in a time zone
// (sim/time_zone.h). Pure: "the next fire time after instant T" is a function of
// (schedule, T); the caller owns the clock (a scenario's virtual one, `pxelab serve`'s
// wall clock).
//
// Daylight saving time, as cronie and Vixie cron treat jobs at those hours:
//  - a local time skipped by spring-forward (02:30 on 2026-03-29 in Europe/Berlin)
//    fires once, right after the jump (at the instant local time becomes 03:00); all
//    the skipped matches of that gap together fire that once;
//  - a local time repeated by fall-back (02:30 on 2026-10-25 in Europe/Berlin, or
//    01:30 on 2026-11-01 in America/New_York) fires once, at its first occurrence
//    (still on daylight time); the second pass through that hour fires nothing.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/civil_time.h"
#include "sim/cron.h"
#include "sim/time_zone.h"
#include "wire/result.h"

namespace pxelab::sim {

struct Schedule {
  enum class Kind : std::uint8_t { kOnce, kCron };
  Kind kind = Kind::kOnce;
  std::string text;  // as written: the cron expression, or the local date and time
  CronSpec cron;     // kCron
  CivilTime once;    // kOnce: a local wall time in `zone`
  TimeZone zone;

  // The first fire time strictly after `t`; none if there is no more (a past once, a
  // cron that never matches such as "0 0 30 2 *").
  std::optional<UnixSeconds> next_after(UnixSeconds t) const;
  // Every fire time in (after, until], at most `max` of them.
  std::vector<UnixSeconds> fire_times(UnixSeconds after, UnixSeconds until, std::size_t max = 100'000) const;
  // "cron '0 2 * * *' in Europe/Berlin", "once 2026-03-29T02:00:00 in UTC".
  std::string describe() const;
};

Result<Schedule> cron_schedule(std::string_view expression, TimeZone zone);
// `local`: parse_civil_time's format; errors field "once".
Result<Schedule> once_schedule(std::string_view local, TimeZone zone);

// The instant a local wall time fires at under the DST rule above: its only instant,
// its first one if repeated, the jump if skipped.
UnixSeconds fire_instant(const TimeZone& zone, std::int64_t local_seconds);
// The first local minute at or after `local_seconds` (rounded up to a whole minute)
// that `cron` matches, searching at most nine years ahead (February 29 recurs within
// eight); none if nothing matches there.
std::optional<std::int64_t> next_cron_local(const CronSpec& cron, std::int64_t local_seconds);

}  // namespace pxelab::sim
