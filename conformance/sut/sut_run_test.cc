// Lifecycle of a server under test: each way a run can end leaves nothing behind (no
// namespace, TAP, process or run record). Needs root (CI runs as root); kernel objects
// are named pxsut*/pxtap* and use 198.18.0.0/15 only.
#include "conformance/sut/sut_run.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "server/config.h"

namespace pxelab::sut {
namespace {

const std::string kDir = std::string(PXELAB_SOURCE_DIR) + "/conformance/sut/profiles";

constexpr const char* kModel = R"(
[server]
address = "198.18.4.1"
[[subnet]]
network = "198.18.4.0/24"
pool = "198.18.4.100-198.18.4.199"
router = "198.18.4.1"
[boot]
default_file = "pxelinux.0"
)";

bool netns_exists(const std::string& n) { return std::filesystem::exists("/run/netns/" + n); }

class SutLifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = std::filesystem::temp_directory_path() / ("pxelab-sut-test-" + std::to_string(::getpid()) + "-" +
                                                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(base_);
    std::filesystem::create_directories(base_ / "tftp");
    options_.run_dir = (base_ / "run").string();
    options_.tftp_root = (base_ / "tftp").string();
    options_.registry_dir = (base_ / "registry").string();
    auto m = server::parse_server_config(kModel, (base_ / "model.toml").string());
    ASSERT_TRUE(m) << m.error().to_string();
    model_ = *m;
  }
  void TearDown() override {
    RunRegistry(options_.registry_dir).sweep();
    std::filesystem::remove_all(base_);
  }
  // A profile around one command (the deliberately broken servers of these tests).
  Profile one_process(std::vector<std::string> command, ReadyProbe ready, std::vector<std::string> validate = {}) {
    Profile p;
    p.name = "test";
    p.source = "test";
    p.modes = {"dhcp"};
    ProcessProfile pp;
    pp.name = "server";
    pp.command = std::move(command);
    pp.validate = std::move(validate);
    pp.ready = std::move(ready);
    pp.stop_grace_s = 0.3;
    p.processes.push_back(pp);
    return p;
  }
  void expect_nothing_left(const std::string& netns, const std::string& tap) {
    EXPECT_FALSE(netns_exists(netns)) << netns;
    EXPECT_FALSE(std::filesystem::exists("/sys/class/net/" + tap)) << tap;
    EXPECT_TRUE(RunRegistry(options_.registry_dir).records().empty());
  }
  std::filesystem::path base_;
  SutOptions options_;
  server::ServerConfig model_;
  sim::RealtimeClock clock_;
};

TEST_F(SutLifecycle, DnsmasqStartsReadyInItsNamespaceAndStopLeavesNothing) {
  auto p = find_profile("dnsmasq", kDir);
  ASSERT_TRUE(p) << p.error().to_string();
  auto sut = ServerUnderTest::start(clock_, *p, model_, options_);
  ASSERT_TRUE(sut) << sut.error().to_string();
  const std::string netns = (*sut)->network().netns(), tap = (*sut)->network().tap();
  EXPECT_TRUE(netns_exists(netns));
  EXPECT_FALSE(pids_in_netns(netns).empty());
  EXPECT_EQ(RunRegistry(options_.registry_dir).records().size(), 1u);
  EXPECT_FALSE((*sut)->exited());
  ASSERT_EQ((*sut)->rendered_files().size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(options_.run_dir + "/dnsmasq.conf"));
  ASSERT_TRUE((*sut)->stop());
  expect_nothing_left(netns, tap);
  EXPECT_TRUE(std::filesystem::exists(options_.run_dir + "/dnsmasq.log"));  // logs are kept
}

TEST_F(SutLifecycle, FailedOwnConfigCheckIsNamedWithItsOutputAndStartsNothing) {
  auto sut = ServerUnderTest::start(clock_, one_process({"sleep", "30"}, {{67}, "", 1},
                                                        {"sh", "-c", "echo 'line 3: bad option' >&2; exit 1"}),
                                    model_, options_);
  ASSERT_FALSE(sut);
  EXPECT_EQ(sut.error().field, "validate");
  EXPECT_NE(sut.error().message.find("exited 1"), std::string::npos) << sut.error().message;
  EXPECT_NE(sut.error().message.find("line 3: bad option"), std::string::npos) << sut.error().message;
  EXPECT_TRUE(RunRegistry(options_.registry_dir).records().empty());
  EXPECT_TRUE(std::filesystem::is_empty(options_.registry_dir));
}

TEST_F(SutLifecycle, NeverReadyIsNamedWithinItsTimeoutAndKilled) {
  const auto t0 = std::chrono::steady_clock::now();
  auto sut = ServerUnderTest::start(clock_, one_process({"sh", "-c", "echo starting; exec sleep 30"}, {{67}, "", 0.5}),
                                    model_, options_);
  ASSERT_FALSE(sut);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(sut.error().field, "ready");
  EXPECT_NE(sut.error().message.find("not ready after"), std::string::npos) << sut.error().message;
  EXPECT_NE(sut.error().message.find("starting"), std::string::npos) << "last log lines";
  EXPECT_TRUE(RunRegistry(options_.registry_dir).records().empty());
}

TEST_F(SutLifecycle, ExitBeforeReadyIsNamed) {
  auto sut = ServerUnderTest::start(clock_, one_process({"sh", "-c", "echo cannot bind; exit 3"}, {{67}, "", 5}),
                                    model_, options_);
  ASSERT_FALSE(sut);
  EXPECT_EQ(sut.error().field, "ready");
  EXPECT_NE(sut.error().message.find("exited 3 before it was ready"), std::string::npos) << sut.error().message;
  EXPECT_NE(sut.error().message.find("cannot bind"), std::string::npos);
}

TEST_F(SutLifecycle, CrashMidRunIsSeenAndAHangOnStopIsKilled) {
  auto crash = ServerUnderTest::start(clock_, one_process({"sh", "-c", "echo up; sleep 0.3; echo oops; exit 4"},
                                                          {{}, "^up$", 5}),
                                      model_, options_);
  ASSERT_TRUE(crash) << crash.error().to_string();
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  auto exited = (*crash)->exited();
  ASSERT_TRUE(exited);
  EXPECT_NE(exited->to_string().find("exited 4 during the run"), std::string::npos) << exited->to_string();
  EXPECT_NE(exited->log_tail.find("oops"), std::string::npos);
  ASSERT_TRUE((*crash)->stop());

  auto hang = ServerUnderTest::start(clock_, one_process({"sh", "-c", "trap '' TERM; echo up; sleep 60; sleep 60"},
                                                         {{}, "^up$", 5}),
                                     model_, options_);
  ASSERT_TRUE(hang) << hang.error().to_string();
  const std::string netns = (*hang)->network().netns(), tap = (*hang)->network().tap();
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE((*hang)->stop());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  expect_nothing_left(netns, tap);
}

TEST_F(SutLifecycle, WhatAKilledOwnerLeftIsSweptAtTheNextStart) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The owner: sets up a SUT and is then SIGKILLed (no destructor runs).
    ::close(fds[0]);
    sim::RealtimeClock clock;
    NetworkOptions no;
    no.address = model_.address;
    no.registry_dir = options_.registry_dir;
    auto net = Network::create(clock, no);
    std::string name = net ? (*net)->netns() + "\n" : "error\n";
    static_cast<void>(::write(fds[1], name.data(), name.size()));
    ::pause();
    ::_exit(0);
  }
  ::close(fds[1]);
  char buf[64] = {};
  ssize_t n = ::read(fds[0], buf, sizeof buf - 1);
  ::close(fds[0]);
  ASSERT_GT(n, 1);
  std::string netns(buf, static_cast<std::size_t>(n - 1));
  ASSERT_NE(netns, "error");
  ASSERT_TRUE(netns_exists(netns));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(netns_exists(netns));  // a SIGKILL leaves it...
  RunRegistry registry(options_.registry_dir);
  ASSERT_EQ(registry.records().size(), 1u);
  auto swept = registry.sweep();  // ...the next start removes it
  ASSERT_EQ(swept.size(), 1u);
  EXPECT_EQ(swept[0], netns);
  EXPECT_FALSE(netns_exists(netns));
  EXPECT_TRUE(registry.records().empty());
}

TEST_F(SutLifecycle, AddressesOutsideTheBenchmarkBlockAreRefused) {
  model_.address = wire::Ipv4Address::from_octets(10, 0, 0, 1);
  auto sut = ServerUnderTest::start(clock_, one_process({"true"}, {{67}, "", 1}), model_, options_);
  ASSERT_FALSE(sut);
  EXPECT_EQ(sut.error().field, "network");
  EXPECT_NE(sut.error().message.find("outside 198.18.0.0/15"), std::string::npos);
}

}  // namespace
}  // namespace pxelab::sut
