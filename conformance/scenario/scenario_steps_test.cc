// The steps of a scenario run on their own: the reference server behind
// ScenarioServer (start, stop, restart as a fresh instance), the work directory and
// network every run builds, and a server that does not come back at a server-start
// event, which the run must report as an unmet expectation.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "conformance/scenario/reference_server.h"
#include "conformance/scenario/scenario_steps.h"

namespace pxelab::conformance {
namespace {

namespace fs = std::filesystem;

server::ServerConfig config_with_root(const std::string& root) {
  auto c = server::parse_server_config("[server]\naddress = \"192.0.2.1\"\n[[subnet]]\nnetwork = \"192.0.2.0/24\"\npool = [\"192.0.2.100-192.0.2.199\"]\n"
      "[tftp]\nroot = \"" + root + "\"\n", "unit.toml");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().to_string());
  return c.ok() ? *c : server::ServerConfig{};
}

TEST(WorkDir, TemporaryIsRemovedKeptStays) {
  std::string path;
  {
    auto w = WorkDir::make("", "pxelab-steps-test-");
    ASSERT_TRUE(w.ok()) << w.error().to_string();
    path = w->path();
    EXPECT_TRUE(fs::is_directory(path));
    EXPECT_FALSE(w->kept());
    WorkDir moved = std::move(*w);  // the moved-from one must not remove it
    EXPECT_TRUE(fs::is_directory(path));
  }
  EXPECT_FALSE(fs::exists(path));
  const std::string keep = fs::temp_directory_path().string() + "/pxelab-steps-test-keep-" + std::to_string(::getpid());
  {
    auto w = WorkDir::make(keep, "unused-");
    ASSERT_TRUE(w.ok());
    EXPECT_TRUE(w->kept());
  }
  EXPECT_TRUE(fs::is_directory(keep));
  fs::remove_all(keep);
}

TEST(ReferenceServer, StartsStopsAndRestartsAsAFreshInstance) {
  auto dir = WorkDir::make("", "pxelab-steps-test-");
  ASSERT_TRUE(dir.ok());
  RunNetwork net(false);
  sim::Trace trace;
  sim::Segment& seg = net.add_segment(1, trace);
  auto srv = make_reference_server({*net.clock, nullptr, seg, {}, "boot", dir->path()}, config_with_root(dir->path()), {});
  EXPECT_FALSE(srv->report().running);
  ASSERT_TRUE(srv->start().ok());
  ASSERT_TRUE(srv->start().ok());  // running: nothing more
  ServerReport r = srv->report();
  ASSERT_EQ(r.instances.size(), 1u);
  EXPECT_TRUE(r.running);
  EXPECT_EQ(r.instances[0].ip, wire::Ipv4Address::from_octets(192, 0, 2, 1));
  EXPECT_EQ(r.instances[0].mac, server::default_server_mac(wire::Ipv4Address::from_octets(192, 0, 2, 1)));
  EXPECT_EQ(seg.port_name(r.instances[0].port), "boot");
  srv->stop();
  EXPECT_FALSE(srv->report().running);
  ASSERT_TRUE(srv->start().ok());
  r = srv->report();
  ASSERT_EQ(r.instances.size(), 2u);
  EXPECT_TRUE(r.running);
  EXPECT_NE(r.instances[0].port, r.instances[1].port);
}

TEST(ReferenceServer, AStartThatFailsIsAnErrorAndLeavesItStopped) {
  RunNetwork net(false);
  sim::Trace trace;
  sim::Segment& seg = net.add_segment(1, trace);
  auto srv = make_reference_server({*net.clock, nullptr, seg, {}, "boot", "/nonexistent"},
                                   config_with_root("/nonexistent/pxelab-no-such-root"), {});
  Status st = srv->start();
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(srv->report().running);
  EXPECT_TRUE(srv->report().instances.empty());
}

// Starts once, then refuses: what a server under test that crashes on restart does.
class OnceServer final : public ScenarioServer {
 public:
  Status start() override {
    if (running_) return Ok{};
    if (starts_++ > 0) return Error{"", 0, "the daemon exited at once (status 1)"};
    running_ = true;
    return Ok{};
  }
  void stop() override { running_ = false; }
  ServerReport report() const override { return {{}, running_, {}}; }

 private:
  int starts_ = 0;
  bool running_ = false;
};

TEST(ScheduleEvents, AServerThatDoesNotComeBackIsAnUnmetExpectation) {
  auto s = parse_scenario(R"([scenario]
name = "restart"
[[server]]
name = "dhcp"
segment = "lan"
config = """
[server]
address = "192.0.2.1"
"""
[[client]]
name = "pc"
personality = "intel-pxe21"
[[event]]
at = 1
action = "server-stop"
target = "dhcp"
[[event]]
at = 2
action = "server-start"
target = "dhcp"
[expect]
no_must_failures = false
)",
                          "restart.toml");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  RunPlan plan;
  RunWorld w;
  w.network = build_network(*s, plan);
  auto once = std::make_unique<OnceServer>();
  ASSERT_TRUE(once->start().ok());
  w.servers.push_back({&s->servers[0], 0, std::move(once)});
  schedule_events(*s, w);
  w.network.clock().run(sim::seconds(3));
  ASSERT_EQ(w.errors.size(), 1u);
  EXPECT_FALSE(w.servers[0].server->report().running);
  ScenarioResult result;
  auto expectations = judge(*s, result, w.errors);
  ASSERT_EQ(expectations.size(), 1u);
  EXPECT_FALSE(expectations[0].met);
  EXPECT_EQ(expectations[0].what, "server 'dhcp' starts again at 2 s");
  EXPECT_NE(expectations[0].detail.find("the daemon exited at once"), std::string::npos);
}

}  // namespace
}  // namespace pxelab::conformance

namespace pxelab::conformance {
namespace {

// expect.outcome.floppy_text: each client's own address and MAC, in a text file of the
// floppy it booted; another client's floppy (or none) does not match.
TEST(Judge, FloppyTextMustNameTheClientsOwnAddressAndMac) {
  auto s = parse_scenario(R"([scenario]
name = "floppies"
[[server]]
name = "boot"
config = """
[server]
address = "192.0.2.1"
"""
[[client]]
name = "prom"
personality = "bootp-prom"
count = 2
[expect]
no_must_failures = false
[[expect.outcome]]
clients = "prom"
floppy_text = "ip ${ip} mac ${mac}"
)",
                          "floppies.toml");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  ScenarioResult result;
  for (int i = 0; i < 2; ++i) {
    client::ClientOutcome oc;
    oc.name = "prom-" + std::to_string(i + 1);
    oc.mac = *wire::MacAddress::parse(i == 0 ? "52:54:00:10:00:01" : "52:54:00:10:00:02");
    oc.address = wire::Ipv4Address::parse(i == 0 ? "192.0.2.20" : "192.0.2.21");
    client::LoadedImage im;
    im.kind = "floppy";
    im.floppy = client::FloppyContent{};
    // Both got the first host's floppy: the second does not match.
    im.floppy->text.push_back({"HOST.TXT", "host prom-1 ip 192.0.2.20 mac 52:54:00:10:00:01\n"});
    oc.images.push_back(im);
    result.outcomes.push_back(oc);
    result.groups.push_back("prom");
  }
  auto ex = judge(*s, result, {});
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_FALSE(ex[0].met);
  EXPECT_NE(ex[0].detail.find("prom-2: "), std::string::npos) << ex[0].detail;
  EXPECT_NE(ex[0].detail.find("no floppy text 'ip 192.0.2.21 mac 52:54:00:10:00:02'"), std::string::npos) << ex[0].detail;
  EXPECT_EQ(ex[0].detail.find("prom-1"), std::string::npos) << ex[0].detail;
  result.outcomes[1].images[0].floppy->text[0].content = "host prom-2 ip 192.0.2.21 mac 52:54:00:10:00:02\n";
  EXPECT_TRUE(judge(*s, result, {})[0].met);
  result.outcomes[1].images[0].floppy.reset();  // an NBP, no floppy
  EXPECT_FALSE(judge(*s, result, {})[0].met);
}

}  // namespace
}  // namespace pxelab::conformance

namespace pxelab::conformance {
namespace {

// A wall-clock run's traces keep at most kWallClockTraceFrames (a flooding server under
// test must not fill memory and the pcap); an emulated run keeps every frame.
TEST(BuildNetwork, WallClockRunsCapTheirTracesEmulatedRunsDoNot) {
  auto s = parse_scenario("[scenario]\nname = \"cap\"\n[[server]]\nname = \"s\"\nconfig = \"[server]\"\n"
                          "[[client]]\nname = \"c\"\npersonality = \"intel-pxe21\"\n",
                          "cap.toml");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  RunPlan emulated;
  EXPECT_EQ(build_network(*s, emulated).traces.at(0)->frame_limit(), static_cast<std::size_t>(-1));
  RunPlan wall;
  wall.realtime = true;
  EXPECT_EQ(build_network(*s, wall).traces.at(0)->frame_limit(), kWallClockTraceFrames);
}

}  // namespace
}  // namespace pxelab::conformance
