// Civil (calendar) time: a proleptic Gregorian date and a time of day, with no zone.
// The bridge between wall clocks people write ("2026-03-29T02:00:00") and instants
// (UTC seconds since 1970-01-01T00:00:00Z, leap seconds not counted: POSIX time).
// Pure arithmetic, no clock and no global state (the days <-> date conversions are
// Howard Hinnant's public-domain algorithms, valid for every int64 day count used here).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wire/result.h"

namespace pxelab::sim {

// UTC seconds since the POSIX epoch (1970-01-01T00:00:00Z).
using UnixSeconds = std::int64_t;

struct CivilTime {
  std::int64_t year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  int hour = 0;   // 0..23
  int minute = 0;
  int second = 0;
  bool operator==(const CivilTime&) const = default;
};

// Days since 1970-01-01 of a valid date.
std::int64_t days_from_civil(std::int64_t year, int month, int day);
CivilTime civil_from_days(std::int64_t days);
// 0 = Sunday .. 6 = Saturday (cron's and POSIX TZ's numbering).
int weekday_from_days(std::int64_t days);
int days_in_month(std::int64_t year, int month);

// "Local seconds": the civil time counted as if it were UTC (no offset applied).
// A zone maps an instant u to local seconds u + offset(u).
std::int64_t to_local_seconds(const CivilTime& c);
CivilTime from_local_seconds(std::int64_t local);

// "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS" (ISO 8601 extended, 'T' or one space);
// no zone suffix: the zone is given separately. Error field `field` saying what is
// expected and which part is wrong.
Result<CivilTime> parse_civil_time(std::string_view text, const std::string& field);
// "2026-03-29T02:00:00".
std::string format_civil_time(const CivilTime& c);
// "+01:00", "-04:00", "+05:30".
std::string format_utc_offset(int offset_seconds);

}  // namespace pxelab::sim
