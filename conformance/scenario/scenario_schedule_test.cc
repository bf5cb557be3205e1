// Scheduled events in scenarios (issue 11): [clock] anchors t = 0 at a wall time in a
// zone, [[event]] cron fires at each match inside the run (DST per sim/schedule.h), a
// wake can switch the group's boot mode first, wakes by directed broadcast cross a
// relay only where it forwards them, and every action is in the run's log. The shipped
// scenarios wake-cron-dst-500 and wake-directed-broadcast are run and their
// expectations asserted.
#include <gtest/gtest.h>

#include <string>

#include "conformance/scenario/scenario.h"
#include "conformance/scenario/scenario_runner.h"

namespace pxelab::conformance {
namespace {

const std::string kHead = R"([scenario]
name = "s"
deadline = 86400
[[server]]
name = "boot"
config = """
[server]
address = "192.0.2.1"
"""
[[client]]
name = "maint"
personality = "intel-pxe21"
powered_off = true
host = { server = "boot" }
)";

std::string error_of(const std::string& text) {
  auto s = parse_scenario(text, "u.toml");
  EXPECT_FALSE(s.ok());
  return s.ok() ? "" : s.error().to_string();
}

TEST(ScenarioSchedule, ClockAndCronEventsParse) {
  auto s = parse_scenario(kHead + R"([clock]
start = "2026-10-24T22:00:00"
zone = "Europe/Berlin"
[[event]]
cron = "30 2 * * *"
action = "wake"
target = "maint"
mode = "network"
[[event]]
cron = "0 0 * * *"
zone = "America/New_York"
action = "boot-mode"
target = "maint"
mode = "local"
)",
                          "u.toml");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  ASSERT_TRUE(s->clock);
  EXPECT_EQ(s->clock->zone.name(), "Europe/Berlin");
  EXPECT_EQ(s->clock->start_utc, 1792872000);  // 2026-10-24T20:00:00Z (CEST)
  ASSERT_EQ(s->events.size(), 2u);
  ASSERT_TRUE(s->events[0].schedule);
  EXPECT_EQ(s->events[0].wake_mode, server::BootMode::Network);
  // 02:30 on the fall-back night happens twice: it fires once, at 02:30 CEST (00:30Z).
  const auto fires = s->events[0].schedule->fire_times(s->clock->start_utc - 1, s->clock->start_utc + 86400);
  ASSERT_EQ(fires.size(), 1u);
  EXPECT_EQ(fires[0] - s->clock->start_utc, 4 * 3600 + 1800);
  EXPECT_EQ(s->events[1].schedule->zone.name(), "America/New_York");
}

TEST(ScenarioSchedule, ErrorsNameTheKey) {
  const std::string wake = "[[event]]\naction = \"wake\"\ntarget = \"maint\"\n";
  auto e = error_of(kHead + wake + "cron = \"0 2 * * *\"\n");
  EXPECT_NE(e.find("event[0].cron: a cron event needs [clock] start"), std::string::npos) << e;
  const std::string clock = "[clock]\nstart = \"2026-03-28T22:00:00\"\nzone = \"Europe/Berlin\"\n";
  e = error_of(kHead + clock + wake + "cron = \"0 25 * * *\"\n");
  EXPECT_NE(e.find("event[0].cron: cron.hour at byte 2: '25' is outside 0-23"), std::string::npos) << e;
  e = error_of(kHead + clock + wake + "cron = \"0 2 * * *\"\nzone = \"Mars/Olympus\"\n");
  EXPECT_NE(e.find("event[0].zone: 'Mars/Olympus' is not a time zone"), std::string::npos) << e;
  e = error_of(kHead + clock + wake + "cron = \"0 2 * * *\"\nat = 5\n");
  EXPECT_NE(e.find("an event has at (seconds) or cron, not both"), std::string::npos) << e;
  e = error_of(kHead + "[clock]\nstart = \"2026-03-28T22:00:00\"\nzone = \"Europe/Berln\"\n" + wake + "at = 1\n");
  EXPECT_NE(e.find("clock.zone: 'Europe/Berln' is not a time zone"), std::string::npos) << e;
  e = error_of(kHead + "[clock]\nstart = \"2026-03-28 22h\"\n" + wake + "at = 1\n");
  EXPECT_NE(e.find("clock.start: '2026-03-28 22h' is not a local date and time"), std::string::npos) << e;
  e = error_of(kHead + "[[event]]\naction = \"link-down\"\ntarget = \"maint\"\nbroadcast = \"192.0.3.255\"\n");
  EXPECT_NE(e.find("only a wake event has a broadcast"), std::string::npos) << e;
  e = error_of(kHead + wake + "from = \"nowhere\"\n");
  EXPECT_NE(e.find("event[0].from: no segment is named 'nowhere'"), std::string::npos) << e;
}

Result<ScenarioResult> run_shipped(const std::string& name) {
  auto s = load_scenario(std::string(PXELAB_SOURCE_DIR) + "/conformance/scenarios/" + name);
  if (!s) return s.error();
  return run_scenario(*s, {});
}

std::size_t count(const ScenarioResult& r, const std::string& group, client::BootStatus status) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < r.outcomes.size(); ++i) n += r.groups[i] == group && r.outcomes[i].status == status;
  return n;
}

TEST(ScenarioSchedule, ShippedCronWakeAcrossTheSpringForwardNight) {
  auto r = run_shipped("wake-cron-dst-500.toml");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->all_met);
  ASSERT_EQ(r->actions.size(), 2u);
  // 02:00 is skipped on 2026-03-29 in Berlin: the wake fires at the jump, 03:00 CEST.
  EXPECT_EQ(r->actions[0].at, 14400);
  EXPECT_EQ(r->actions[0].wall, "2026-03-29T03:00:00+02:00 (CEST)");
  EXPECT_EQ(r->actions[0].action, "wake");
  EXPECT_EQ(r->actions[0].detail, "500 host entries set to boot network, then 500 magic packets to 255.255.255.255:9");
  EXPECT_EQ(r->actions[1].at, 18000);
  EXPECT_EQ(r->actions[1].detail, "500 host entries set to boot local");
  EXPECT_EQ(count(*r, "maint", client::BootStatus::kBooted), 500u);
  EXPECT_EQ(count(*r, "office", client::BootStatus::kPending), 50u);
  for (std::size_t i = 0; i < r->outcomes.size(); ++i) {
    if (r->groups[i] != "maint") continue;
    EXPECT_EQ(r->outcomes[i].timeline.power_on, sim::seconds(14400)) << r->outcomes[i].name;  // woken by the cron wake
  }
}

TEST(ScenarioSchedule, DirectedBroadcastWakesOnlyBehindARouterThatForwardsIt) {
  const std::string path = std::string(PXELAB_SOURCE_DIR) + "/conformance/scenarios/wake-directed-broadcast.toml";
  auto s = load_scenario(path);
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  auto r = run_scenario(*s, {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->all_met);
  EXPECT_EQ(count(*r, "remote", client::BootStatus::kBooted), 5u);
  EXPECT_EQ(count(*r, "far", client::BootStatus::kPending), 5u);
  ASSERT_EQ(r->actions.size(), 2u);
  EXPECT_EQ(r->actions[0].detail, "5 magic packets to 192.0.3.255:9");

  // The same network with forwarding off on r1 too (the default): nobody wakes.
  ASSERT_TRUE(s->relays[0].interfaces[1].directed_broadcast);
  s->relays[0].interfaces[1].directed_broadcast = false;
  auto off = run_scenario(*s, {});
  ASSERT_TRUE(off.ok()) << off.error().to_string();
  EXPECT_FALSE(off->all_met);
  EXPECT_EQ(count(*off, "remote", client::BootStatus::kPending), 5u);
}

}  // namespace
}  // namespace pxelab::conformance
