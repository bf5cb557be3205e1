// The reports built from a decoded trace: JSON, JUnit and the summary agree; a scenario
// run's outcomes appear per personality.
#include <nlohmann/json.hpp>

#include <set>

#include "conformance/checks/checks_testlib.h"
#include "conformance/report/report_json.h"
#include "conformance/report/report_junit.h"

namespace pxelab::conformance::testing {
namespace {

TEST(Reports, JsonJunitAndSummaryAgree) {
  Lab lab = dora({.offer = [](Message& m) { m.ciaddr = kYiaddr; }, .pxe = true});
  conformance::Run run;
  run.trace = &lab.trace;
  run.from_capture = true;
  AnalyzedRun analyzed(run);
  auto all = select_checks("");
  auto results = run_checks(analyzed.analysis(), *all);
  auto clients = client_facts(analyzed, builtin_references());
  RunMeta meta;
  meta.source = "lab.pcap";
  auto j = nlohmann::json::parse(report_json_text(run, analyzed, results, clients, meta));
  EXPECT_EQ(j["schema"], kReportSchema);
  // ciaddr in the OFFER breaks DHCP-OFFER-CIADDR, and DHCP-DEST (ciaddr set: unicast to it).
  EXPECT_EQ(j["summary"]["must_failures"], 2);
  ASSERT_EQ(j["findings"].size(), 2u);
  EXPECT_EQ(j["findings"][0]["check"], "DHCP-OFFER-CIADDR");
  EXPECT_EQ(j["findings"][1]["check"], "DHCP-DEST");
  EXPECT_EQ(j["findings"][0]["frames"][0], 2);  // the OFFER is trace index 1: Wireshark's frame 2
  EXPECT_EQ(j["clients"][0]["wire"]["fingerprint"]["id"], "intel-pxe-2.1");
  const std::string x = report_junit(results, meta);
  EXPECT_NE(x.find("name=\"DHCP-OFFER-CIADDR [MUST]"), std::string::npos);
  EXPECT_NE(x.find("<skipped message=\"not applicable: needs client outcomes"), std::string::npos);
  EXPECT_EQ(xml_escape("a<b&\"c'"), "a&lt;b&amp;&quot;c&apos;");
  const std::string s = text_summary(run, analyzed, results, clients, meta, true);
  EXPECT_NE(s.find("FAIL DHCP-OFFER-CIADDR [MUST, server]"), std::string::npos);
  EXPECT_NE(s.find("frame 2: 02:00:00:00:00:10 xid 0x00001234"), std::string::npos) << s;
}

TEST(Reports, ScenarioRunsShowOutcomesPerPersonality) {
  Lab lab = dora();
  conformance::Run run;
  run.trace = &lab.trace;
  client::ClientOutcome booted;
  booted.name = "edk2-1";
  booted.personality = "edk2-x64";
  booted.mac = kClientMac;
  booted.status = client::BootStatus::kBooted;
  booted.timeline.power_on = 0;
  booted.timeline.done = 3'000'000'000;
  client::ClientOutcome failed = booted;
  failed.name = "uboot-1";
  failed.personality = "uboot";
  failed.mac = kRogueMac;  // never on the wire
  failed.status = client::BootStatus::kFailed;
  failed.code = std::string(client::kCodeNoOffers);
  failed.decided_by = client::DecidingFrame{1, true, 0, "DHCPDISCOVER xid 0x1 (4th)"};
  run.outcomes = {booted, failed};
  AnalyzedRun analyzed(run);
  auto all = select_checks("OUTCOME-*");
  auto results = run_checks(analyzed.analysis(), *all);
  auto clients = client_facts(analyzed, builtin_references());
  RunMeta meta;
  meta.kind = "scenario";
  meta.scenario = "two-clients";
  meta.seed = 7;
  const std::string s = text_summary(run, analyzed, results, clients, meta, false);
  EXPECT_NE(s.find("edk2-x64: 1/1"), std::string::npos) << s;
  EXPECT_NE(s.find("uboot: 0/1"), std::string::npos) << s;
  EXPECT_NE(s.find("p50 3.000 s"), std::string::npos) << s;
  EXPECT_NE(s.find("Failures by code: PXE-E51=1"), std::string::npos) << s;
  EXPECT_NE(s.find("FAIL OUTCOME-BOOTED"), std::string::npos) << s;
  auto j = nlohmann::json::parse(report_json_text(run, analyzed, results, clients, meta));
  EXPECT_EQ(j["run"]["seed"], 7);
  ASSERT_EQ(j["clients"].size(), 2u);  // one from the wire (with its outcome), one outcome only
  EXPECT_EQ(j["clients"][0]["outcome"]["personality"], "edk2-x64");
  EXPECT_EQ(j["clients"][1]["wire"], nullptr);
  EXPECT_EQ(j["clients"][1]["outcome"]["decided_by"]["frame"], 1);  // 1-based
  EXPECT_EQ(j["clients"][1]["outcome"]["code"], "PXE-E51");
}

}  // namespace
}  // namespace pxelab::conformance::testing
