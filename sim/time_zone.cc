#include "sim/time_zone.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace pxelab::sim {

namespace {

// Concatenation by appends: GCC 12 warns (-Wrestrict, a false positive) on some
// "literal" + std::string chains at -O3.
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (std::string_view p : parts) s += p;
  return s;
}

// Day of the year's rule date, as days since 1970-01-01 (POSIX.1-2017 §8.3 "rule").
std::int64_t rule_day(const PosixTzDate& d, std::int64_t year) {
  const std::int64_t jan1 = days_from_civil(year, 1, 1);
  const bool leap = days_in_month(year, 2) == 29;
  switch (d.kind) {
    case PosixTzDate::Kind::kJulian1:
      return jan1 + d.day - 1 + (leap && d.day >= 60 ? 1 : 0);
    case PosixTzDate::Kind::kJulian0:
      return jan1 + d.day;
    case PosixTzDate::Kind::kMonthWeekDay:
      break;
  }
  const std::int64_t first = days_from_civil(year, d.month, 1);
  int mday = 1 + (d.weekday - weekday_from_days(first) + 7) % 7 + (d.week - 1) * 7;
  while (mday > days_in_month(year, d.month)) mday -= 7;  // week 5: the last
  return first + mday - 1;
}

ZoneType footer_type(const PosixTz& tz, UnixSeconds u) {
  if (!tz.dst_type) return tz.std_type;
  const std::int64_t year = from_local_seconds(u + tz.std_type.utoff).year;
  // The start is written in standard local time, the end in daylight local time.
  const UnixSeconds start = rule_day(tz.start, year) * 86'400 + tz.start.time - tz.std_type.utoff;
  const UnixSeconds end = rule_day(tz.end, year) * 86'400 + tz.end.time - tz.dst_type->utoff;
  const bool dst = start < end ? (u >= start && u < end)     // northern hemisphere
                               : !(u >= end && u < start);   // southern: DST spans New Year
  return dst ? *tz.dst_type : tz.std_type;
}

struct Reader {
  std::string_view b;
  std::size_t at = 0;
  bool has(std::size_t n) const { return at + n <= b.size(); }
  std::int64_t be(std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = v << 8 | static_cast<unsigned char>(b[at + i]);
    at += n;
    if (n == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    return static_cast<std::int64_t>(v);
  }
};

struct Counts {
  std::int64_t isut, isstd, leap, time, type, chars;
  std::size_t size(std::size_t time_size) const {
    return static_cast<std::size_t>(time * static_cast<std::int64_t>(time_size) + time + type * 6 + chars +
                                    leap * static_cast<std::int64_t>(time_size + 4) + isstd + isut);
  }
};

Result<Counts> header(Reader& r, char& version) {
  const std::size_t start = r.at;
  if (!r.has(44) || r.b.substr(r.at, 4) != "TZif") return make_error("tzif", start, "not a TZif file (no 'TZif' magic)");
  version = r.b[r.at + 4];
  r.at += 20;
  Counts c{r.be(4), r.be(4), r.be(4), r.be(4), r.be(4), r.be(4)};
  if (c.isut < 0 || c.isstd < 0 || c.leap < 0 || c.time < 0 || c.type < 1 || c.chars < 1 || c.type > 256 ||
      c.time > 100'000 || c.leap > 10'000 || c.chars > 65'536 || (c.isut != 0 && c.isut != c.type) ||
      (c.isstd != 0 && c.isstd != c.type)) {
    return make_error("tzif", start + 20, "inconsistent header counts");
  }
  return c;
}

}  // namespace

TimeZone::TimeZone() = default;

ZoneType TimeZone::type_at(UnixSeconds u) const {
  if (transitions_.empty() || u < transitions_.front()) {
    // RFC 8536 §3.2: before the first transition, time type 0; a file with no
    // transitions at all is described by its footer if it has one.
    if (transitions_.empty() && footer_) return footer_type(*footer_, u);
    return types_[0];
  }
  if (u >= transitions_.back() && footer_) return footer_type(*footer_, u);
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), u);
  return types_[transition_type_[static_cast<std::size_t>(it - transitions_.begin()) - 1]];
}

LocalInstants TimeZone::instants_of(std::int64_t local) const {
  // The offsets in effect near this wall time. Zones do not change offset twice within
  // two days (tzdata has no such case since 1970), so the two ends give every candidate.
  const int around[2] = {offset_at(local - 172'800), offset_at(local + 172'800)};
  std::vector<UnixSeconds> hits;
  for (int off : around) {
    const UnixSeconds u = local - off;
    if (offset_at(u) == off && std::find(hits.begin(), hits.end(), u) == hits.end()) hits.push_back(u);
  }
  std::sort(hits.begin(), hits.end());
  if (hits.size() == 1) return {LocalInstants::Kind::kUnique, hits[0], hits[0]};
  if (hits.size() >= 2) return {LocalInstants::Kind::kRepeated, hits[0], hits[1]};
  // A gap: the jump lies in (local - bigger offset, local - smaller offset]. Find the
  // first instant with the later offset by bisection (offsets are a step function).
  UnixSeconds lo = local - std::max(around[0], around[1]);
  UnixSeconds hi = local - std::min(around[0], around[1]);
  const int before = offset_at(lo);
  while (hi - lo > 1) {
    const UnixSeconds mid = lo + (hi - lo) / 2;
    (offset_at(mid) == before ? lo : hi) = mid;
  }
  return {LocalInstants::Kind::kSkipped, hi, hi};
}

std::string TimeZone::describe(UnixSeconds u) const {
  const ZoneType t = type_at(u);
  return cat({format_civil_time(from_local_seconds(u + t.utoff)), format_utc_offset(t.utoff), " (", t.abbr, ")"});
}

Result<TimeZone> parse_tzif(std::string_view bytes, std::string name) {
  Reader r{bytes};
  char version = 0;
  auto c = header(r, version);
  if (!c) return c.error();
  std::size_t time_size = 4;
  if (version >= '2') {
    // Skip the version 1 block; the version 2+ header and 64-bit data follow it.
    if (!r.has(c->size(4))) return make_error("tzif", r.at, "truncated version 1 data");
    r.at += c->size(4);
    c = header(r, version);
    if (!c) return c.error();
    time_size = 8;
  }
  if (!r.has(c->size(time_size))) return make_error("tzif", r.at, "truncated data block");
  TimeZone z;
  z.name_ = std::move(name);
  z.types_.clear();
  for (std::int64_t i = 0; i < c->time; ++i) {
    const std::int64_t t = r.be(time_size);
    if (!z.transitions_.empty() && t <= z.transitions_.back()) return make_error("tzif", r.at - time_size, "transition times not ascending");
    z.transitions_.push_back(t);
  }
  for (std::int64_t i = 0; i < c->time; ++i) {
    const auto idx = static_cast<std::uint8_t>(r.be(1));
    if (idx >= c->type) return make_error("tzif", r.at - 1, cat({"transition type index ", std::to_string(idx), " out of range"}));
    z.transition_type_.push_back(idx);
  }
  std::vector<std::uint8_t> abbr_index;
  for (std::int64_t i = 0; i < c->type; ++i) {
    const std::int64_t off = r.be(4);
    const bool dst = r.be(1) != 0;
    const auto ai = static_cast<std::uint8_t>(r.be(1));
    if (off < -89'999 || off > 93'599 || ai >= c->chars) return make_error("tzif", r.at - 6, "bad local time type");
    z.types_.push_back(ZoneType{static_cast<int>(off), dst, ""});
    abbr_index.push_back(ai);
  }
  const std::string_view chars = bytes.substr(r.at, static_cast<std::size_t>(c->chars));
  for (std::size_t i = 0; i < z.types_.size(); ++i) {
    const std::string_view rest = chars.substr(abbr_index[i]);
    z.types_[i].abbr = std::string(rest.substr(0, rest.find('\0')));
  }
  r.at += static_cast<std::size_t>(c->chars) + static_cast<std::size_t>(c->leap) * (time_size + 4) +
          static_cast<std::size_t>(c->isstd + c->isut);  // leap seconds and UT/std flags: unused
  if (time_size == 8 && r.at < bytes.size()) {
    // Footer: "\n" TZ "\n" (RFC 8536 §3.3); an empty TZ means none.
    const std::size_t nl = bytes.find('\n', r.at + 1);
    if (bytes[r.at] != '\n' || nl == std::string_view::npos) return make_error("tzif", r.at, "footer not framed by newlines");
    const std::string_view tz = bytes.substr(r.at + 1, nl - r.at - 1);
    if (!tz.empty()) {
      auto f = parse_posix_tz(tz);
      if (!f) return make_error("tzif", r.at + 1, cat({"footer: ", f.error().message}));
      z.footer_ = *f;
    }
  }
  return z;
}

Result<TimeZone> load_time_zone(std::string_view name, const std::string& dir) {
  const bool safe = !name.empty() && name.front() != '/' && name.find("..") == std::string_view::npos &&
                    std::all_of(name.begin(), name.end(), [](char ch) {
                      return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                             ch == '/' || ch == '_' || ch == '-' || ch == '+';
                    });
  const std::string_view hint = "; zone names as tzdata spells them: Europe/Berlin, America/New_York, UTC";
  if (!safe) return Error{"zone", 0, cat({"'", name, "' is not a time zone name", hint})};
  const std::string path = cat({dir, "/", name});
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  if (in) bytes << in.rdbuf();
  if (!in || in.bad()) return Error{"zone", 0, cat({"'", name, "' is not a time zone (no TZif file ", path, ")", hint})};
  auto z = parse_tzif(bytes.str(), std::string(name));
  if (!z) return Error{"zone", 0, cat({"'", name, "': ", path, ": ", z.error().to_string()})};
  return z;
}

}  // namespace pxelab::sim
