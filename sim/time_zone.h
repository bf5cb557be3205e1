// Time zones from the system's TZif files (tzfile(5), RFC 8536; Debian package tzdata,
// /usr/share/zoneinfo), read as plain bytes: no setenv("TZ"), no localtime(3), no
// process-wide state (GCC 12's libstdc++ has no std::chrono::tzdb). A TimeZone is a
// value: the transition table of a version 2+ file (64-bit times; a version 1 file's
// 32-bit table if that is all there is) and its footer, a POSIX TZ rule (POSIX.1-2017
// §8.3, e.g. "CET-1CEST,M3.5.0,M10.5.0/3") that gives the offset for instants after
// the last transition (slim files have few transitions; fat ones stop in 2037).
// Leap-second records are skipped: instants here are POSIX time (no leap seconds), so
// the "right/" zones are not meant.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/civil_time.h"
#include "wire/result.h"

namespace pxelab::sim {

struct ZoneType {
  int utoff = 0;  // seconds east of UTC (CEST: +7200)
  bool is_dst = false;
  std::string abbr;  // "CEST", "EST", "-03"
  bool operator==(const ZoneType&) const = default;
};

// One date of a POSIX TZ rule: "Mm.w.d" (day d, 0 = Sunday, of week w, 5 = last, of
// month m), "Jn" (day n of 1..365, February 29 never counted) or "n" (0..365, counted).
struct PosixTzDate {
  enum class Kind : std::uint8_t { kMonthWeekDay, kJulian1, kJulian0 } kind = Kind::kMonthWeekDay;
  int month = 0, week = 0, weekday = 0, day = 0;
  int time = 7200;  // seconds after local midnight (RFC 8536 §3.3.1: -167..167 hours)
};

struct PosixTz {
  ZoneType std_type;
  std::optional<ZoneType> dst_type;  // none: no daylight saving time
  PosixTzDate start, end;            // dst_type only: DST from start (standard local time)
                                     // until end (daylight local time)
};

// POSIX.1-2017 §8.3 TZ string with RFC 8536's extensions (quoted <+03> names, hours
// in rule times up to 167 and negative). Error field "tz" naming the part.
Result<PosixTz> parse_posix_tz(std::string_view text);

// The UTC instants a local wall time (in "local seconds", civil_time.h) stands for.
struct LocalInstants {
  enum class Kind : std::uint8_t {
    kUnique,    // one instant: `first`
    kRepeated,  // fall-back: `first` (earlier offset) and `second` (one shift later)
    kSkipped,   // spring-forward gap: no instant; `first` is the jump (the first
                // instant after the gap: local 03:00 when 02:00-03:00 is skipped)
  } kind = Kind::kUnique;
  UnixSeconds first = 0;
  UnixSeconds second = 0;
};

class TimeZone {
 public:
  TimeZone();  // UTC
  static TimeZone utc() { return TimeZone(); }

  const std::string& name() const { return name_; }
  // The local time type in effect at `u`.
  ZoneType type_at(UnixSeconds u) const;
  int offset_at(UnixSeconds u) const { return type_at(u).utoff; }
  CivilTime local_time(UnixSeconds u) const { return from_local_seconds(u + offset_at(u)); }
  LocalInstants instants_of(std::int64_t local_seconds) const;
  // "2026-03-29T03:00:00+02:00 (CEST)": for logs and reports.
  std::string describe(UnixSeconds u) const;

 private:
  friend Result<TimeZone> parse_tzif(std::string_view bytes, std::string name);
  std::string name_ = "UTC";
  std::vector<std::int64_t> transitions_;  // ascending
  std::vector<std::uint8_t> transition_type_;
  std::vector<ZoneType> types_{ZoneType{0, false, "UTC"}};
  std::optional<PosixTz> footer_;
};

// A TZif file's bytes (RFC 8536). Errors field "tzif" with the byte offset.
Result<TimeZone> parse_tzif(std::string_view bytes, std::string name);

// The zone `name` as tzdata spells it ("Europe/Berlin", "America/New_York", "UTC")
// from `zoneinfo_dir`. A name that is not one (a typo, a path with "..") is an error
// field "zone" saying so and where it looked.
Result<TimeZone> load_time_zone(std::string_view name, const std::string& zoneinfo_dir = "/usr/share/zoneinfo");

}  // namespace pxelab::sim
