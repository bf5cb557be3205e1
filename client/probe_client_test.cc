// The conformance probe against the reference server: every step of its script gets
// the answer a correct server gives (and against a broken one, what the fault does).
#include "client/probe_client.h"

#include <gtest/gtest.h>

#include "client/client_test_lab.h"

namespace pxelab::client {
namespace {

using testing::Lab;
using testing::TftpRoot;

struct ProbeLab {
  explicit ProbeLab(const std::string& extra = "", ProbeOptions options = {}, const std::string& missing = "",
                    bool with_server = true, sim::Time extra_latency = 0) {
    if (!missing.empty()) root.remove(missing);
    if (with_server) lab.add_server(testing::server_config(root, std::string(testing::kFullDhcp) + extra));
    sim::HostConfig hc;
    hc.mac = testing::client_mac(77);
    host = std::make_unique<sim::Host>(lab.clock, hc);
    probe = std::make_unique<ProbeClient>(std::move(options), 7, "probe");
    sim::LinkParams link = testing::lan_link();
    link.latency += extra_latency;
    lab.segment.attach(*host, link, "probe");
    host->start(*probe, 0);
    lab.run(sim::seconds(120));
    probe->end_of_run(lab.clock.now());
  }
  std::string console() const {
    std::string s;
    for (const auto& l : probe->outcome().console) s += l + "\n";
    return s;
  }
  TftpRoot root;
  Lab lab;
  std::unique_ptr<sim::Host> host;
  std::unique_ptr<ProbeClient> probe;
};

TEST(ProbeClient, EveryStepGetsTheAnswerOfACorrectServer) {
  ProbeLab p;
  const ClientOutcome& o = p.probe->outcome();
  EXPECT_EQ(o.status, BootStatus::kBooted) << o.text;
  EXPECT_EQ(o.text, "completed 9 of 9 steps, 8 answered");  // select-other: a correct server is silent
  EXPECT_EQ(o.personality, "probe");
  ASSERT_EQ(o.console.size(), probe_steps().size() - 1) << p.console();  // all but tftp-rollover
  const std::string c = p.console();
  EXPECT_NE(c.find("dora: ACK 192.0.2."), std::string::npos) << c;
  EXPECT_NE(c.find("inform: DHCPACK 0.0.0.0"), std::string::npos) << "INFORM: no address handed out\n" << c;
  EXPECT_NE(c.find("renew: DHCPACK 192.0.2."), std::string::npos) << c;
  EXPECT_NE(c.find("select-other: no answer"), std::string::npos) << c;
  EXPECT_NE(c.find("init-reboot: DHCPNAK"), std::string::npos) << c;
  EXPECT_NE(c.find("tftp-dotdot: RRQ probe/../pxelinux.0: server error (ERROR 2"), std::string::npos) << c;
  EXPECT_NE(c.find("tftp-missing: RRQ pxelab-probe-no-such-file: server error (ERROR 1"), std::string::npos) << c;
  EXPECT_NE(c.find("tftp: RRQ pxelinux.0: complete, 30000 octets"), std::string::npos) << c;
  EXPECT_NE(c.find("tftp-window: RRQ pxelinux.0: complete, 30000 octets"), std::string::npos) << c;
  ASSERT_EQ(o.images.size(), 2u);
  EXPECT_EQ(o.images[0].tsize, 30000u);
}

TEST(ProbeClient, AgainstABrokenServerTheStepsShowTheFault) {
  ProbeLab p("[faults]\ninit_reboot_ack_any = true\ntftp_serve_dotdot = true\nanswer_other_server = true\n");
  const std::string c = p.console();
  EXPECT_NE(c.find("init-reboot: DHCPACK 192.0.2."), std::string::npos) << c;
  EXPECT_NE(c.find("tftp-dotdot: RRQ probe/../pxelinux.0: complete"), std::string::npos) << c;
  EXPECT_NE(c.find("select-other: DHCPACK"), std::string::npos) << c;
}

TEST(ProbeClient, OnlyTheStepsAskedForAndNothingWithoutALease) {
  ProbeLab some("", ProbeOptions{.steps = {"dora", "tftp-missing"}});
  EXPECT_EQ(some.probe->outcome().console.size(), 2u) << some.console();
  EXPECT_EQ(some.probe->outcome().status, BootStatus::kBooted) << some.probe->outcome().text;
  EXPECT_EQ(some.probe->outcome().text, "completed 2 of 2 steps, 2 answered");

  // A server that never answers: DORA gets no offer, the rest is skipped, and the probe
  // still ends its script - failed, saying what it saw (OUTCOME-BOOTED can fail for it).
  ProbeLab none("[faults]\nwrong_xid = true\n");
  const std::string c = none.console();
  EXPECT_NE(c.find("dora: no offer"), std::string::npos) << c;
  EXPECT_NE(c.find("inform: skipped"), std::string::npos) << c;
  const ClientOutcome& o = none.probe->outcome();
  EXPECT_TRUE(none.probe->finished());
  EXPECT_EQ(o.status, BootStatus::kFailed);
  EXPECT_EQ(o.code, kCodeNoOffers);
  EXPECT_EQ(o.text, "completed 1 of 9 steps, 0 answered; dora: no offer");
}

// RFC 2131 §4.1: DISCOVER and REQUEST are retransmitted (4 s, then 8 s), so a server
// that answers after the probe's 2 s `wait` (dnsmasq pings an address first, about 3 s)
// still gets its offer taken. Here a slow path delays every answer by 2 x 3 s.
TEST(ProbeClient, DoraRetransmitsAsRfc2131SaysAndTakesALateOffer) {
  ProbeLab p("", ProbeOptions{.steps = {"dora"}}, "", true, sim::seconds(3));
  const ClientOutcome& o = p.probe->outcome();
  EXPECT_EQ(o.status, BootStatus::kBooted) << o.text << "\n" << p.console();
  std::vector<std::pair<sim::Time, std::uint32_t>> discovers;
  for (const auto& d : testing::dhcp_sent_by(p.lab.trace, testing::client_mac(77))) {
    if (wire::dhcp::message_type(d.message) == wire::dhcp::MessageType::kDiscover) {
      discovers.emplace_back(d.time, d.message.xid);
    }
  }
  ASSERT_EQ(discovers.size(), 2u);  // the first at 0, again at 4 s (its OFFER arrives at 6 s)
  EXPECT_EQ(discovers[1].first - discovers[0].first, sim::seconds(4));
  EXPECT_EQ(discovers[1].second, discovers[0].second);  // the same transaction
  EXPECT_GE(o.timeline.offer, sim::seconds(6));
}

// tftp-rollover, only when listed: 33 MiB at blksize 512 is 67,584 blocks, so the block
// number passes 65535 (FW-46); the reference server wraps to 0 and the file arrives whole.
TEST(ProbeClient, TheRolloverStepReadsAFileOver32MiBAtBlksize512) {
  constexpr std::size_t kSize = (std::size_t{33} << 20) + 100;
  TftpRoot root;
  root.write("pxelab-rollover.bin", std::string(kSize, 'R'));
  Lab lab;
  lab.add_server(testing::server_config(root, testing::kFullDhcp));
  sim::HostConfig hc;
  hc.mac = testing::client_mac(77);
  sim::Host host(lab.clock, hc);
  ProbeClient probe(ProbeOptions{.steps = {"dora", "tftp-rollover"}}, 7, "probe");
  lab.segment.attach(host, testing::lan_link(), "probe");
  host.start(probe, 0);
  lab.run(sim::seconds(600));
  const ClientOutcome& o = probe.outcome();
  ASSERT_EQ(o.status, BootStatus::kBooted) << o.text;
  ASSERT_EQ(o.console.size(), 2u);
  EXPECT_EQ(o.console[1], "tftp-rollover: RRQ pxelab-rollover.bin: complete, " + std::to_string(kSize) + " octets");
  ASSERT_EQ(o.images.size(), 1u);
  EXPECT_EQ(o.images[0].size, kSize);
}

TEST(ProbeClient, ASegmentWithNoServerAtAllFailsIt) {
  ProbeLab p("", {}, "", /*with_server=*/false);
  const ClientOutcome& o = p.probe->outcome();
  EXPECT_TRUE(p.probe->finished());
  EXPECT_EQ(o.status, BootStatus::kFailed) << o.text;
  EXPECT_EQ(o.code, kCodeNoOffers);
  EXPECT_EQ(o.text, "completed 1 of 9 steps, 0 answered; dora: no offer") << p.console();
}

TEST(ProbeClient, WithoutTheLeaseStepEveryOtherStepIsSkippedAndItFails) {
  ProbeLab p("", ProbeOptions{.steps = {"inform", "tftp"}});
  const ClientOutcome& o = p.probe->outcome();
  EXPECT_EQ(o.status, BootStatus::kFailed);
  EXPECT_EQ(o.code, kCodeNoOffers);
  EXPECT_EQ(o.text, "completed 0 of 2 steps, 0 answered; inform: skipped (no lease from the DORA step)");
}

TEST(ProbeClient, ABootFileThatDoesNotArriveFailsIt) {
  ProbeLab p("", ProbeOptions{.steps = {"dora", "tftp"}}, "pxelinux.0");  // named by the ACK, not in the root
  const ClientOutcome& o = p.probe->outcome();
  EXPECT_EQ(o.status, BootStatus::kFailed) << o.text;
  EXPECT_EQ(o.code, kCodeTftpFileNotFound);
  EXPECT_EQ(o.text.rfind("completed 2 of 2 steps, 2 answered; tftp: RRQ pxelinux.0: server error (ERROR 1", 0), 0u)
      << o.text;
}

}  // namespace
}  // namespace pxelab::client
