// [[schedule]] in a server configuration (server/config.h, schedule_toml.cc) and the
// runner that carries it out (server/wake_schedule.h): on a virtual clock whose t = 0
// is a known wall time, a once entry and a cron entry fire at their wall times, switch
// the selected hosts' boot mode first, and put one magic packet per target on the
// link from the server's address; every action is a log line with the wall time.
#include "server/wake_schedule.h"

#include <gtest/gtest.h>

#include "sim/segment.h"
#include "wire/wol.h"

namespace pxelab::server {
namespace {

constexpr const char* kConfig = R"([server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.199"
[boot]
default_file = "maintenance.0"
default_mode = "local"
[[host]]
mac = "52:54:00:00:00:01"
hostname = "maint-1"
[[host]]
mac = "52:54:00:00:00:02"
hostname = "maint-2"
[[host]]
mac = "52:54:00:00:00:03"
hostname = "office-1"
[[schedule]]
once = "2026-03-29T02:30:00"     # skipped by the jump: fires at 03:00 CEST
zone = "Europe/Berlin"
hosts = "maint-*"
mode = "network"
broadcast = "192.0.2.255"
[[schedule]]
cron = "*/10 * * * *"
macs = ["52:54:00:00:00:09"]
port = 7
password = "1.2.3.4"
)";

class Capture final : public sim::Port {
 public:
  void receive(const sim::FrameView& f) override {
    if (auto w = wire::parse_wol_frame(f.bytes)) got.push_back({f.time, *w});
  }
  std::vector<std::pair<sim::Time, wire::WolFrameView>> got;
};

std::string error_of(const std::string& text) {
  auto c = parse_server_config(text, "s.toml");
  EXPECT_FALSE(c.ok());
  return c.ok() ? "" : c.error().to_string();
}

TEST(WakeSchedule, ConfigEntriesParse) {
  auto c = parse_server_config(kConfig, "s.toml");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  ASSERT_EQ(c->schedules.size(), 2u);
  EXPECT_EQ(c->schedules[0].when.describe(), "once 2026-03-29T02:30:00 in Europe/Berlin");
  EXPECT_EQ(c->schedules[0].mode, BootMode::Network);
  EXPECT_EQ(schedule_targets(c->schedules[0], *c).size(), 2u);  // maint-1, maint-2
  EXPECT_EQ(c->schedules[1].when.describe(), "cron '*/10 * * * *' in UTC");
  EXPECT_EQ(c->schedules[1].port, 7);
  EXPECT_EQ(c->schedules[1].password.size, 4);
  EXPECT_TRUE(hostname_matches("*-1", "maint-1"));
  EXPECT_FALSE(hostname_matches("maint-?", "maint-1"));
  EXPECT_TRUE(hostname_matches("m*t-*", "maint-12"));
}

TEST(WakeSchedule, ConfigErrorsNameTheKey) {
  const std::string head = "[server]\naddress = \"192.0.2.1\"\n[[subnet]]\nnetwork = \"192.0.2.0/24\"\n[[host]]\nmac = \"52:54:00:00:00:01\"\nhostname = \"a\"\n";
  auto e = error_of(head + "[[schedule]]\ncron = \"0 2 * * 8\"\nhosts = \"a\"\n");
  EXPECT_NE(e.find("schedule[0].cron: cron.day_of_week at byte 8: '8' is outside 0-7"), std::string::npos) << e;
  e = error_of(head + "[[schedule]]\ncron = \"0 2 * * *\"\nzone = \"Europe/Nowhere\"\nhosts = \"a\"\n");
  EXPECT_NE(e.find("schedule[0].zone: 'Europe/Nowhere' is not a time zone"), std::string::npos) << e;
  e = error_of(head + "[[schedule]]\nhosts = \"a\"\n");
  EXPECT_NE(e.find("needs exactly one of cron"), std::string::npos) << e;
  e = error_of(head + "[[schedule]]\nonce = \"2026-03-29T02:30:00\"\n");
  EXPECT_NE(e.find("wakes nothing"), std::string::npos) << e;
  e = error_of(head + "[[schedule]]\nonce = \"2026-03-29T02:30:00\"\nhosts = \"b*\"\n");
  EXPECT_NE(e.find("schedule[0].hosts: 'b*' matches no [[host]] hostname"), std::string::npos) << e;
  e = error_of(head + "[[schedule]]\nonce = \"2026-03-29T02:30:00\"\nmacs = [\"52:54:00:00:00:07\"]\nmode = \"network\"\n");
  EXPECT_NE(e.find("52:54:00:00:00:07 has no [[host]] entry"), std::string::npos) << e;
  e = error_of(head + "[[schedule]]\nonce = \"2026-03-29T02:30:00\"\nhosts = \"a\"\naction = \"reboot\"\n");
  EXPECT_NE(e.find("schedule[0].action"), std::string::npos) << e;
}

TEST(WakeSchedule, FiresAtWallTimesSwitchesModeFirstAndLogs) {
  auto c = parse_server_config(kConfig, "s.toml");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  sim::VirtualClock clock;
  sim::Segment segment(clock, 1);
  MemoryLog log;
  BootServerOptions o;
  o.tftp = false;
  auto srv = BootServer::create(clock, *c, log, o);
  ASSERT_TRUE(srv) << srv.error().to_string();
  Capture cap;
  segment.attach((*srv)->host(), {}, "server");
  segment.attach(cap, {}, "capture");
  // t = 0 is 2026-03-29T00:55:00Z (01:55 CET): the jump (01:00Z) is 300 s later.
  const double epoch = 1774745700;
  WakeScheduleRunner runner(clock, **srv, log, epoch);
  runner.start();
  clock.run(sim::seconds(301));
  ASSERT_EQ(runner.fired(), 2u);  // cron at 01:00Z, once at 01:00Z
  ASSERT_EQ(cap.got.size(), 3u);
  for (const auto& [t, w] : cap.got) EXPECT_EQ(t / sim::seconds(1), 300) << "at the jump, 01:00Z";
  std::vector<std::string> macs;
  for (const auto& [t, w] : cap.got) macs.push_back(w.wol.target.to_string());
  EXPECT_NE(std::find(macs.begin(), macs.end(), "52:54:00:00:00:01"), macs.end());
  EXPECT_NE(std::find(macs.begin(), macs.end(), "52:54:00:00:00:09"), macs.end());
  for (const auto& [t, w] : cap.got) {
    ASSERT_TRUE(w.udp);
    EXPECT_EQ(w.udp->ip.src.to_string(), "192.0.2.1");  // from the server
    if (w.wol.target.to_string() == "52:54:00:00:00:09") {
      EXPECT_EQ(w.udp->udp.dst_port, 7);
      EXPECT_EQ(w.wol.password.size, 4);
    } else {
      EXPECT_EQ(w.udp->ip.dst.to_string(), "192.0.2.255");
      EXPECT_TRUE(w.eth.dst.is_broadcast());
    }
  }
  EXPECT_EQ((*srv)->config().find_host(*wire::MacAddress::parse("52:54:00:00:00:01"))->boot, BootMode::Network);
  EXPECT_FALSE((*srv)->config().find_host(*wire::MacAddress::parse("52:54:00:00:00:03"))->boot) << "office-1 untouched";
  EXPECT_TRUE(log.contains("schedule[0] once 2026-03-29T02:30:00 in Europe/Berlin fired at 2026-03-29T03:00:00+02:00 (CEST): "
                           "wake 2 machines via udp 192.0.2.255:9, after setting 2 of them to boot network"));
  EXPECT_TRUE(log.contains("schedule[1] cron '*/10 * * * *' in UTC fired at 2026-03-29T01:00:00+00:00 (UTC): wake 1 machines"));
  EXPECT_TRUE(log.contains("schedule[0] once 2026-03-29T02:30:00 in Europe/Berlin: no fire time ahead"));
  EXPECT_TRUE(log.contains("schedule[1] cron '*/10 * * * *' in UTC: next at 2026-03-29T01:10:00+00:00 (UTC)"));
  clock.run(sim::seconds(901));
  EXPECT_EQ(runner.fired(), 3u);  // the cron again at 01:10Z
}

}  // namespace
}  // namespace pxelab::server
