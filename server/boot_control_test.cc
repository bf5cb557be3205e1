// pxelab serve's control file: syntax, what a read changes, and bad lines.
#include "server/boot_control.h"

#include <gtest/gtest.h>

#include "sim/clock.h"

namespace pxelab::server {
namespace {

constexpr const char* kConfig = R"(
[server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.110"
[boot]
default_file = "pxelinux.0"
[[group]]
name = "lab"
mode = "local"
[[host]]
mac = "52:54:00:00:00:01"
hostname = "lab01"
group = "lab"
[[host]]
mac = "52:54:00:00:00:02"
hostname = "lab02"
)";

TEST(ControlFile, ParsesLinesAndNamesBadOnesByLine) {
  ControlParse p = parse_control("# modes\nhost 52:54:00:00:00:01 local\n\n  group lab once  # tonight\n"
                                 "host lab01\nhost lab01 sometimes\nmachine lab01 local\n",
                                 "modes.ctl");
  ASSERT_EQ(p.lines.size(), 2u);
  EXPECT_EQ(p.lines[0].line, 2);
  EXPECT_FALSE(p.lines[0].group);
  EXPECT_EQ(p.lines[0].name, "52:54:00:00:00:01");
  EXPECT_EQ(p.lines[0].mode, BootMode::Local);
  EXPECT_EQ(p.lines[1].line, 4);
  EXPECT_TRUE(p.lines[1].group);
  EXPECT_EQ(p.lines[1].mode, BootMode::Once);
  ASSERT_EQ(p.errors.size(), 3u);
  EXPECT_EQ(p.errors[0], "modes.ctl:5: expected 'host MAC|HOSTNAME MODE' or 'group NAME MODE', not 'host lab01'");
  EXPECT_EQ(p.errors[1], "modes.ctl:6: 'sometimes' is not one of: network, local, menu, once");
  EXPECT_EQ(p.errors[2].rfind("modes.ctl:7: expected", 0), 0u);
}

TEST(ControlFile, AppliesChangesOnlyAndLogsEach) {
  auto config = parse_server_config(kConfig, "/tmp/server.toml");
  ASSERT_TRUE(config) << config.error().to_string();
  config->tftp.root.clear();  // DHCP only: no TFTP root needed
  sim::VirtualClock clock;
  MemoryLog log;
  auto srv = BootServer::create(clock, *config, log);
  ASSERT_TRUE(srv) << srv.error().to_string();
  ControlFile control("modes.ctl");
  const std::string text = "host lab02 local\ngroup lab network\nhost 52:54:00:00:00:09 local\ngroup nope local\n";
  EXPECT_EQ(control.apply(text, **srv, log, 0), 2u);
  const ServerConfig& c = (*srv)->config();
  EXPECT_EQ(c.boot_mode_of(c.find_host(*wire::MacAddress::parse("52:54:00:00:00:02"))), BootMode::Local);
  EXPECT_EQ(c.boot_mode_of(c.find_host(*wire::MacAddress::parse("52:54:00:00:00:01"))), BootMode::Network);
  EXPECT_TRUE(log.contains("boot mode of 52:54:00:00:00:02 (lab02) set to local: control modes.ctl:1"));
  EXPECT_TRUE(log.contains("boot mode of group lab set to network: control modes.ctl:2"));
  EXPECT_TRUE(log.contains("control modes.ctl:3: no host entry with MAC or hostname '52:54:00:00:00:09' (ignored)"));
  EXPECT_TRUE(log.contains("control modes.ctl:4: no [[group]] named 'nope' (ignored)"));

  // The same file again changes nothing (a once line would not re-arm its host).
  const std::size_t lines = log.lines.size();
  EXPECT_EQ(control.apply(text, **srv, log, 0), 0u);
  EXPECT_EQ(log.lines.size(), lines + 2) << "only the two bad lines are logged again";
  // One line edited: that change alone.
  EXPECT_EQ(control.apply("host lab02 once\ngroup lab network\n", **srv, log, 0), 1u);
  EXPECT_EQ(c.boot_mode_of(c.find_host(*wire::MacAddress::parse("52:54:00:00:00:02"))), BootMode::Once);
  // An unreadable file is an error and changes nothing.
  ControlFile missing("/nonexistent/modes.ctl");
  auto r = missing.reload(**srv, log, 0);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().to_string().find("cannot read the control file"), std::string::npos);
}

TEST(ControlFile, ServerKeyIsResolvedBesideTheConfig) {
  auto config = parse_server_config(std::string(kConfig).replace(0, 10, "\n[server]\ncontrol_file = \"modes.ctl\"\n"),
                                    "/etc/lab/server.toml");
  ASSERT_TRUE(config) << config.error().to_string();
  EXPECT_EQ(config->control_file, "/etc/lab/modes.ctl");
}

}  // namespace
}  // namespace pxelab::server
