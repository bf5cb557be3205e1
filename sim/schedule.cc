#include "sim/schedule.h"

namespace pxelab::sim {

namespace {
constexpr std::int64_t kDay = 86'400;
constexpr std::int64_t kSearchDays = 9 * 366;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
}  // namespace

UnixSeconds fire_instant(const TimeZone& zone, std::int64_t local) { return zone.instants_of(local).first; }

std::optional<std::int64_t> next_cron_local(const CronSpec& cron, std::int64_t local) {
  const std::int64_t start = floor_div(local + 59, 60) * 60;
  const std::int64_t first_day = floor_div(start, kDay);
  const int start_minute_of_day = static_cast<int>((start - first_day * kDay) / 60);
  for (std::int64_t day = first_day; day < first_day + kSearchDays; ++day) {
    const CivilTime c = civil_from_days(day);
    if (!cron.matches_day(c.day, c.month, weekday_from_days(day))) continue;
    const int from = day == first_day ? start_minute_of_day : 0;
    for (int h = from / 60; h < 24; ++h) {
      if (!cron.hours[static_cast<std::size_t>(h)]) continue;
      for (int m = (h == from / 60 ? from % 60 : 0); m < 60; ++m) {
        if (cron.minutes[static_cast<std::size_t>(m)]) return day * kDay + h * 3600 + m * 60;
      }
    }
  }
  return std::nullopt;
}

std::optional<UnixSeconds> Schedule::next_after(UnixSeconds t) const {
  if (kind == Kind::kOnce) {
    const UnixSeconds f = fire_instant(zone, to_local_seconds(once));
    if (f > t) return f;
    return std::nullopt;
  }
  // Wall times are tried in ascending order from t's own; fire_instant is monotonic in
  // the wall time, so the first whose instant is after t is the answer. Wall times
  // before t's are past (a repeated hour's first pass came before t), and those after
  // it whose first occurrence is before t (t in the second pass of a repeated hour)
  // are skipped one by one - at most the length of that hour.
  std::int64_t wall = floor_div(t + zone.offset_at(t), 60) * 60;
  for (int guard = 0; guard < 100'000; ++guard) {
    auto w = next_cron_local(cron, wall);
    if (!w) return std::nullopt;
    const UnixSeconds f = fire_instant(zone, *w);
    if (f > t) return f;
    wall = *w + 60;
  }
  return std::nullopt;
}

std::vector<UnixSeconds> Schedule::fire_times(UnixSeconds after, UnixSeconds until, std::size_t max) const {
  std::vector<UnixSeconds> out;
  UnixSeconds t = after;
  while (out.size() < max) {
    auto f = next_after(t);
    if (!f || *f > until) break;
    out.push_back(*f);
    t = *f;
  }
  return out;
}

std::string Schedule::describe() const {
  std::string s = kind == Kind::kCron ? "cron '" + text + "'" : "once " + format_civil_time(once);
  s += " in ";
  s += zone.name();
  return s;
}

Result<Schedule> cron_schedule(std::string_view expression, TimeZone zone) {
  auto c = parse_cron(expression);
  if (!c) return c.error();
  Schedule s;
  s.kind = Schedule::Kind::kCron;
  s.text = std::string(expression);
  s.cron = *c;
  s.zone = std::move(zone);
  return s;
}

Result<Schedule> once_schedule(std::string_view local, TimeZone zone) {
  auto c = parse_civil_time(local, "once");
  if (!c) return c.error();
  Schedule s;
  s.kind = Schedule::Kind::kOnce;
  s.text = std::string(local);
  s.once = *c;
  s.zone = std::move(zone);
  return s;
}

}  // namespace pxelab::sim
