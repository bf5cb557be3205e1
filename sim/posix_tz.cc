// POSIX TZ strings (POSIX.1-2017 §8.3), as the footer of TZif files carries them
// (RFC 8536 §3.3: "CET-1CEST,M3.5.0,M10.5.0/3", "<-03>3", "EST5EDT,M3.2.0,M11.1.0").
#include <charconv>

#include "sim/time_zone.h"

namespace pxelab::sim {

namespace {

struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
};

Error tz_error(const Cursor& c, const std::string& what) {
  std::string m = "'";
  m += c.s;
  m += "': ";
  m += what;
  return Error{"tz", c.i, m};
}

bool is_alpha(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }
bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

// A zone abbreviation: three or more letters, or <...> of letters, digits, '+', '-'.
Result<std::string> name(Cursor& c) {
  const std::size_t start = c.i;
  if (c.peek() == '<') {
    const std::size_t close = c.s.find('>', c.i);
    if (close == std::string_view::npos) return tz_error(c, "a '<' name without '>'");
    std::string n(c.s.substr(c.i + 1, close - c.i - 1));
    c.i = close + 1;
    if (n.size() < 3) return tz_error(c, "a name shorter than three characters");
    return n;
  }
  while (is_alpha(c.peek())) ++c.i;
  if (c.i - start < 3) return tz_error(c, "expected a zone name of three or more letters");
  return std::string(c.s.substr(start, c.i - start));
}

int number(Cursor& c, int max_digits) {
  int v = 0, n = 0;
  while (n < max_digits && is_digit(c.peek())) v = v * 10 + (c.s[c.i++] - '0'), ++n;
  return n == 0 ? -1 : v;
}

// [+-]hh[:mm[:ss]], hours up to `max_hours`: seconds (sign applied).
Result<int> hms(Cursor& c, int max_hours) {
  int sign = 1;
  if (c.peek() == '+' || c.peek() == '-') sign = c.s[c.i++] == '-' ? -1 : 1;
  const int h = number(c, 3);
  if (h < 0 || h > max_hours) return tz_error(c, "expected hours 0-" + std::to_string(max_hours));
  int m = 0, s = 0;
  if (c.peek() == ':') {
    ++c.i;
    m = number(c, 2);
    if (m < 0 || m > 59) return tz_error(c, "expected minutes 00-59");
    if (c.peek() == ':') {
      ++c.i;
      s = number(c, 2);
      if (s < 0 || s > 59) return tz_error(c, "expected seconds 00-59");
    }
  }
  return sign * (h * 3600 + m * 60 + s);
}

Result<PosixTzDate> rule_date(Cursor& c) {
  PosixTzDate d;
  if (c.peek() == 'M') {
    ++c.i;
    d.kind = PosixTzDate::Kind::kMonthWeekDay;
    d.month = number(c, 2);
    if (d.month < 1 || d.month > 12 || c.peek() != '.') return tz_error(c, "expected Mm.w.d (month 1-12)");
    ++c.i;
    d.week = number(c, 1);
    if (d.week < 1 || d.week > 5 || c.peek() != '.') return tz_error(c, "expected Mm.w.d (week 1-5)");
    ++c.i;
    d.weekday = number(c, 1);
    if (d.weekday < 0 || d.weekday > 6) return tz_error(c, "expected Mm.w.d (weekday 0-6)");
  } else if (c.peek() == 'J') {
    ++c.i;
    d.kind = PosixTzDate::Kind::kJulian1;
    d.day = number(c, 3);
    if (d.day < 1 || d.day > 365) return tz_error(c, "expected Jn (1-365)");
  } else {
    d.kind = PosixTzDate::Kind::kJulian0;
    d.day = number(c, 3);
    if (d.day < 0 || d.day > 365) return tz_error(c, "expected a rule date: Mm.w.d, Jn or n");
  }
  if (c.peek() == '/') {
    ++c.i;
    auto t = hms(c, 167);  // RFC 8536 §3.3.1
    if (!t) return t.error();
    d.time = *t;
  }
  return d;
}

}  // namespace

Result<PosixTz> parse_posix_tz(std::string_view text) {
  Cursor c{text};
  PosixTz tz;
  auto std_name = name(c);
  if (!std_name) return std_name.error();
  auto std_off = hms(c, 24);
  if (!std_off) return std_off.error();
  // POSIX offsets are west of Greenwich ("CET-1" is UTC+1).
  tz.std_type = ZoneType{-*std_off, false, *std_name};
  if (c.done()) return tz;
  auto dst_name = name(c);
  if (!dst_name) return dst_name.error();
  ZoneType dst{tz.std_type.utoff + 3600, true, *dst_name};  // default: one hour ahead
  if (c.peek() != ',' && !c.done()) {
    auto off = hms(c, 24);
    if (!off) return off.error();
    dst.utoff = -*off;
  }
  tz.dst_type = dst;
  if (c.done()) {
    // POSIX leaves the default rule to the implementation; tzcode uses the US rule.
    tz.start = PosixTzDate{PosixTzDate::Kind::kMonthWeekDay, 3, 2, 0, 0, 7200};
    tz.end = PosixTzDate{PosixTzDate::Kind::kMonthWeekDay, 11, 1, 0, 0, 7200};
    return tz;
  }
  if (c.peek() != ',') return tz_error(c, "expected ',' before the DST start rule");
  ++c.i;
  auto start = rule_date(c);
  if (!start) return start.error();
  if (c.peek() != ',') return tz_error(c, "expected ',' before the DST end rule");
  ++c.i;
  auto end = rule_date(c);
  if (!end) return end.error();
  if (!c.done()) return tz_error(c, "unexpected text after the rule");
  tz.start = *start;
  tz.end = *end;
  return tz;
}

}  // namespace pxelab::sim
