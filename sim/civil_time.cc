#include "sim/civil_time.h"

#include <charconv>
#include <cstdio>

namespace pxelab::sim {

namespace {
constexpr std::int64_t kDay = 86'400;

// Floor division (the algorithms below need it for dates before 1970).
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  auto [p, ec] = std::from_chars(s.data() + at, s.data() + at + n, out);
  return ec == std::errc() && p == s.data() + at + n && s[at] != '-' && s[at] != '+';
}
}  // namespace

// Hinnant, "chrono-Compatible Low-Level Date Algorithms", days_from_civil.
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t yoe = y - era * 400;                                   // [0, 399]
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;  // [0, 365]
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           // [0, 146096]
  return era * 146097 + doe - 719468;
}

CivilTime civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  CivilTime c;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = yoe + era * 400 + (c.month <= 2);
  return c;
}

int weekday_from_days(std::int64_t z) { return static_cast<int>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6); }

int days_in_month(std::int64_t y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

std::int64_t to_local_seconds(const CivilTime& c) {
  return days_from_civil(c.year, c.month, c.day) * kDay + c.hour * 3600 + c.minute * 60 + c.second;
}

CivilTime from_local_seconds(std::int64_t local) {
  const std::int64_t days = floor_div(local, kDay);
  const std::int64_t rest = local - days * kDay;
  CivilTime c = civil_from_days(days);
  c.hour = static_cast<int>(rest / 3600);
  c.minute = static_cast<int>(rest / 60 % 60);
  c.second = static_cast<int>(rest % 60);
  return c;
}

Result<CivilTime> parse_civil_time(std::string_view s, const std::string& field) {
  auto bad = [&](std::string what) {
    std::string m = "'";
    m += s;
    m += "' is not a local date and time YYYY-MM-DDTHH:MM[:SS] (";
    m += what;
    m += ")";
    return Error{field, 0, m};
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() != 16 && s.size() != 19) return bad("length");
  if (!digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' || !digits(s, 8, 2, d)) return bad("date");
  if ((s[10] != 'T' && s[10] != ' ') || !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi)) return bad("time");
  if (s.size() == 19 && (s[16] != ':' || !digits(s, 17, 2, sec))) return bad("seconds");
  if (mo < 1 || mo > 12) return bad("month " + std::to_string(mo));
  if (d < 1 || d > days_in_month(y, mo)) return bad("day " + std::to_string(d));
  if (h > 23 || mi > 59 || sec > 59) return bad("time of day");
  return CivilTime{y, mo, d, h, mi, sec};
}

std::string format_civil_time(const CivilTime& c) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d", static_cast<long long>(c.year), c.month, c.day, c.hour,
                c.minute, c.second);
  return buf;
}

std::string format_utc_offset(int off) {
  const char sign = off < 0 ? '-' : '+';
  const int a = off < 0 ? -off : off;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", sign, a / 3600, a / 60 % 60);
  return buf;
}

}  // namespace pxelab::sim
