// Time zones from TZif files (sim/time_zone.h) and civil time (sim/civil_time.h):
// Europe/Berlin and America/New_York around their 2026 transitions, the POSIX TZ
// footer for instants after the table (2040; a slim file that has only the footer),
// the southern hemisphere, and errors for names that are not zones.
#include "sim/time_zone.h"

#include <gtest/gtest.h>

#include <string>

namespace pxelab::sim {
namespace {

UnixSeconds utc(const char* text) {
  auto c = parse_civil_time(text, "t");
  EXPECT_TRUE(c.ok()) << text;
  return to_local_seconds(*c);
}

TimeZone zone(const char* name) {
  auto z = load_time_zone(name);
  EXPECT_TRUE(z.ok()) << z.error().to_string();
  return z.ok() ? *z : TimeZone::utc();
}

TEST(CivilTime, KnownInstantsAndWeekdays) {
  EXPECT_EQ(utc("2026-03-29T01:00:00"), 1774746000);  // date -u -d ... +%s
  EXPECT_EQ(utc("2028-02-29T00:00"), 1835395200);
  EXPECT_EQ(utc("1970-01-01T00:00:00"), 0);
  EXPECT_EQ(weekday_from_days(0), 4);  // 1970-01-01 was a Thursday
  EXPECT_EQ(weekday_from_days(days_from_civil(2026, 3, 29)), 0);  // a Sunday
  EXPECT_EQ(weekday_from_days(-1), 3);
  EXPECT_EQ(from_local_seconds(1774746000), (CivilTime{2026, 3, 29, 1, 0, 0}));
  EXPECT_EQ(format_civil_time(from_local_seconds(-1)), "1969-12-31T23:59:59");
  EXPECT_EQ(format_utc_offset(-14400), "-04:00");
  EXPECT_EQ(format_utc_offset(19800), "+05:30");
}

TEST(CivilTime, ParseErrorsSayWhat) {
  auto feb = parse_civil_time("2026-02-29T02:00", "clock.start");
  ASSERT_FALSE(feb.ok());
  EXPECT_EQ(feb.error().field, "clock.start");
  EXPECT_EQ(feb.error().message, "'2026-02-29T02:00' is not a local date and time YYYY-MM-DDTHH:MM[:SS] (day 29)");
  EXPECT_FALSE(parse_civil_time("2026-03-29T24:00", "t").ok());
  EXPECT_FALSE(parse_civil_time("2026-03-29T02:00Z", "t").ok());
  EXPECT_FALSE(parse_civil_time("2026-3-29T02:00:00", "t").ok());
  EXPECT_TRUE(parse_civil_time("2026-03-29 02:00:00", "t").ok());
}

TEST(TimeZone, BerlinAroundTheTwoTransitionsOf2026) {
  const TimeZone z = zone("Europe/Berlin");
  EXPECT_EQ(z.offset_at(utc("2026-03-29T00:59:59")), 3600);
  EXPECT_EQ(z.offset_at(utc("2026-03-29T01:00:00")), 7200);
  EXPECT_EQ(z.type_at(utc("2026-07-01T00:00:00")).abbr, "CEST");
  EXPECT_EQ(z.offset_at(utc("2026-10-25T00:59:59")), 7200);
  EXPECT_EQ(z.offset_at(utc("2026-10-25T01:00:00")), 3600);
  EXPECT_EQ(z.describe(utc("2026-03-29T01:00:00")), "2026-03-29T03:00:00+02:00 (CEST)");
  // 02:30 on 29 March does not exist: the jump is at 01:00Z (local 03:00).
  auto gap = z.instants_of(utc("2026-03-29T02:30:00"));
  EXPECT_EQ(gap.kind, LocalInstants::Kind::kSkipped);
  EXPECT_EQ(gap.first, utc("2026-03-29T01:00:00"));
  // 02:30 on 25 October happens twice: 00:30Z (CEST) and 01:30Z (CET).
  auto twice = z.instants_of(utc("2026-10-25T02:30:00"));
  EXPECT_EQ(twice.kind, LocalInstants::Kind::kRepeated);
  EXPECT_EQ(twice.first, utc("2026-10-25T00:30:00"));
  EXPECT_EQ(twice.second, utc("2026-10-25T01:30:00"));
  auto once = z.instants_of(utc("2026-10-25T03:00:00"));
  EXPECT_EQ(once.kind, LocalInstants::Kind::kUnique);
  EXPECT_EQ(once.first, utc("2026-10-25T02:00:00"));
}

TEST(TimeZone, NewYorkAroundTheTwoTransitionsOf2026) {
  const TimeZone z = zone("America/New_York");
  EXPECT_EQ(z.offset_at(utc("2026-03-08T06:59:59")), -5 * 3600);
  EXPECT_EQ(z.offset_at(utc("2026-03-08T07:00:00")), -4 * 3600);
  EXPECT_EQ(z.type_at(utc("2026-03-08T07:00:00")).abbr, "EDT");
  EXPECT_EQ(z.offset_at(utc("2026-11-01T05:59:59")), -4 * 3600);
  EXPECT_EQ(z.offset_at(utc("2026-11-01T06:00:00")), -5 * 3600);
  auto gap = z.instants_of(utc("2026-03-08T02:15:00"));
  EXPECT_EQ(gap.kind, LocalInstants::Kind::kSkipped);
  EXPECT_EQ(gap.first, utc("2026-03-08T07:00:00"));
  auto twice = z.instants_of(utc("2026-11-01T01:30:00"));
  EXPECT_EQ(twice.kind, LocalInstants::Kind::kRepeated);
  EXPECT_EQ(twice.first, utc("2026-11-01T05:30:00"));
  EXPECT_EQ(twice.second, utc("2026-11-01T06:30:00"));
}

TEST(TimeZone, FooterRuleGivesOffsetsPastTheTable) {
  // tzdata's fat files list transitions until 2037; 2040 comes from the footer
  // "CET-1CEST,M3.5.0,M10.5.0/3": DST from the last Sunday of March, 25 March 2040.
  const TimeZone z = zone("Europe/Berlin");
  EXPECT_EQ(z.offset_at(utc("2040-03-25T00:59:59")), 3600);
  EXPECT_EQ(z.offset_at(utc("2040-03-25T01:00:00")), 7200);
  EXPECT_EQ(z.type_at(utc("2040-07-01T00:00:00")).abbr, "CEST");
  EXPECT_EQ(z.offset_at(utc("2040-10-28T00:59:59")), 7200);
  EXPECT_EQ(z.offset_at(utc("2040-10-28T01:00:00")), 3600);
  // Southern hemisphere: DST spans New Year (AEST-10AEDT,M10.1.0,M4.1.0/3).
  const TimeZone syd = zone("Australia/Sydney");
  EXPECT_EQ(syd.offset_at(utc("2050-01-15T00:00:00")), 11 * 3600);
  EXPECT_EQ(syd.offset_at(utc("2050-07-01T00:00:00")), 10 * 3600);
}

// A slim TZif v2 file: no transitions, one type, the footer alone describes the zone.
std::string slim_tzif(const std::string& footer) {
  auto header = [](char version, std::uint32_t types, std::uint32_t chars) {
    std::string h = "TZif";
    h += version;
    h += std::string(15, '\0');
    for (std::uint32_t v : {0u, 0u, 0u, 0u, types, chars}) {
      for (int s = 24; s >= 0; s -= 8) h += static_cast<char>((v >> s) & 0xff);
    }
    return h;
  };
  const std::string type = std::string("\x00\x00\x0e\x10\x00\x00", 6) + "CET" + std::string(1, '\0');  // +3600, "CET"
  return header('2', 1, 4) + type + header('2', 1, 4) + type + "\n" + footer + "\n";
}

TEST(TimeZone, SlimFileWithOnlyAFooter) {
  auto z = parse_tzif(slim_tzif("CET-1CEST,M3.5.0,M10.5.0/3"), "Slim/Berlin");
  ASSERT_TRUE(z.ok()) << z.error().to_string();
  EXPECT_EQ(z->name(), "Slim/Berlin");
  EXPECT_EQ(z->offset_at(utc("2026-03-29T00:59:59")), 3600);
  EXPECT_EQ(z->offset_at(utc("2026-03-29T01:00:00")), 7200);
  auto bad = parse_tzif(slim_tzif("CET-1CEST,M13.5.0,M10.5.0/3"), "Bad");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "tzif");
  EXPECT_NE(bad.error().message.find("month 1-12"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(parse_tzif("TZif2", "Short").ok());
  EXPECT_FALSE(parse_tzif(slim_tzif("").substr(0, 50), "Truncated").ok());
}

TEST(PosixTz, NamesOffsetsAndRules) {
  auto q = parse_posix_tz("<-03>3");
  ASSERT_TRUE(q.ok()) << q.error().to_string();
  EXPECT_EQ(q->std_type, (ZoneType{-10800, false, "-03"}));
  EXPECT_FALSE(q->dst_type);
  auto ny = parse_posix_tz("EST5EDT,M3.2.0,M11.1.0");
  ASSERT_TRUE(ny.ok());
  EXPECT_EQ(ny->dst_type->utoff, -4 * 3600);
  EXPECT_EQ(ny->start.month, 3);
  EXPECT_EQ(ny->end.time, 7200);
  auto india = parse_posix_tz("IST-5:30");
  ASSERT_TRUE(india.ok());
  EXPECT_EQ(india->std_type.utoff, 19800);
  auto j = parse_posix_tz("XXX3YYY,J60/-1,300/167");
  ASSERT_TRUE(j.ok()) << j.error().to_string();
  EXPECT_EQ(j->start.time, -3600);
  EXPECT_EQ(j->end.time, 167 * 3600);
  EXPECT_FALSE(parse_posix_tz("C-1").ok());
  EXPECT_FALSE(parse_posix_tz("CET-1CEST,M3.5.0").ok());
  EXPECT_FALSE(parse_posix_tz("CET-1CEST,M3.5.0,M10.5.0/3x").ok());
}

TEST(TimeZone, UtcAndNamesThatAreNotZones) {
  const TimeZone u = zone("UTC");
  EXPECT_EQ(u.offset_at(utc("2026-06-01T00:00:00")), 0);
  EXPECT_EQ(TimeZone::utc().describe(0), "1970-01-01T00:00:00+00:00 (UTC)");
  auto typo = load_time_zone("Europe/Berln");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().field, "zone");
  EXPECT_EQ(typo.error().message.rfind("'Europe/Berln' is not a time zone (no TZif file /usr/share/zoneinfo/Europe/Berln)", 0), 0u)
      << typo.error().message;
  auto escape = load_time_zone("../../etc/passwd");
  ASSERT_FALSE(escape.ok());
  EXPECT_NE(escape.error().message.find("is not a time zone name"), std::string::npos);
  auto dir = load_time_zone("Europe");  // a directory, not a file
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().field, "zone");
  auto not_tzif = load_time_zone("leapseconds");  // a text file of tzdata
  ASSERT_FALSE(not_tzif.ok());
  EXPECT_NE(not_tzif.error().message.find("not a TZif file"), std::string::npos) << not_tzif.error().message;
}

}  // namespace
}  // namespace pxelab::sim
