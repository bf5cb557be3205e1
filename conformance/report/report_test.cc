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
  const CheckedLab checked(lab);
  const auto& [run, analyzed, results] = checked;
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
  // What is judged and what is only reported about the clients, said in so many words;
  // the server checks come first, each client check is marked.
  EXPECT_NE(s.find("Judged: every MUST-level check, on the servers' replies and the clients' requests alike (2 failing at MUST: "
                   "exit status 1); failing at any level: 2 about servers or relays, 0 about the clients"),
            std::string::npos) << s;
}

TEST(Reports, WhatIsJudgedAndWhatIsReportedIsSaid) {
  // A PXE DISCOVER without 97 (a client-role MUST): the server is fine.
  Lab lab = dora({.discover = [](Message& m) { m.remove(wire::dhcp::code::kClientMachineId); }, .pxe = true});
  const CheckedLab checked(lab);
  const auto& [run, analyzed, results] = checked;
  auto clients = client_facts(analyzed, builtin_references());
  // A capture: every MUST check decides the exit status, and the text says so.
  const std::string s = text_summary(run, analyzed, results, clients, RunMeta{}, false);
  EXPECT_NE(s.find("(1 failing at MUST: exit status 1); failing at any level: 0 about servers or relays, 1 about the clients"),
            std::string::npos) << s;
  EXPECT_EQ(s.find("reported, not judged"), std::string::npos) << s;
  // A scenario: the expectations and the servers decide; the client check is reported.
  RunMeta scenario_meta;
  scenario_meta.kind = "scenario";
  const std::string sc = text_summary(run, analyzed, results, clients, scenario_meta, false);
  EXPECT_NE(sc.find("Judged: the scenario's expectations (below) and the servers' and relays' replies (0 failing checks); "
                    "reported, not judged: 1 failing check about the clients"), std::string::npos) << sc;
  EXPECT_NE(sc.find("FAIL PXE-CLIENT-IDENT [MUST, client]"), std::string::npos) << sc;
  EXPECT_NE(sc.find("finding(s), reported, not judged\n"), std::string::npos) << sc;
}

nlohmann::json wire_of_first_client(const Lab& lab, std::string* summary = nullptr) {
  const CheckedLab checked(lab);
  const auto& [run, analyzed, results] = checked;
  auto clients = client_facts(analyzed, builtin_references());
  if (summary) *summary = text_summary(run, analyzed, results, clients, RunMeta{}, true);
  return report_json(run, analyzed, results, clients, RunMeta{})["clients"][0]["wire"];
}

TEST(Reports, APxeClientGivenNothingToBootIsSaidSo) {
  // A boot file in the OFFER and ACK: something to boot.
  EXPECT_TRUE(wire_of_first_client(dora({.pxe = true}))["nothing_to_boot"].is_null());
  // Neither names a file: the JSON and the text summary say why, naming the server.
  std::string text;
  auto strip = [](Message& m) { m.remove(wire::dhcp::code::kBootfileName); };
  auto w = wire_of_first_client(dora({.offer = strip, .ack = strip, .pxe = true}), &text);
  ASSERT_TRUE(w["nothing_to_boot"].is_string()) << w.dump(1);
  const std::string n = w["nothing_to_boot"];
  EXPECT_NE(n.find("192.0.2.1 offered an address and no boot file"), std::string::npos) << n;
  EXPECT_NE(text.find(n), std::string::npos) << text;
  // The OFFER names a file the ACK lacks: the client was given something (the ACK's
  // own shortcoming is a check's business, not "nothing to boot").
  EXPECT_TRUE(wire_of_first_client(dora({.ack = strip, .pxe = true}))["nothing_to_boot"].is_null());
  // No answer at all.
  Lab silent;
  silent.dhcp(client68(), bcast(67), pxe_discover());
  const auto s = wire_of_first_client(silent)["nothing_to_boot"];
  ASSERT_TRUE(s.is_string()) << s;
  EXPECT_NE(s.get<std::string>().find("no DHCP server or proxyDHCP answered its 1 DISCOVER;"), std::string::npos) << s;
  // A plain (non-PXE) DHCP client is not expected to boot anything.
  EXPECT_TRUE(wire_of_first_client(dora({.offer = strip, .ack = strip}))["nothing_to_boot"].is_null());
}

TEST(Reports, APort4011ExchangeShowsItsPorts) {
  // FW-16 to FW-18 are about these ports: the timeline names both ends of each.
  Lab lab = dora({.pxe = true});
  Message q = pxe_discover();
  dhcp::set_message_type(q, MessageType::kRequest);
  q.ciaddr = kYiaddr;
  lab.dhcp({kClientMac, kYiaddr, 68}, {kServerMac, kServerIp, 4011}, q);
  Message a = reply_msg(q, MessageType::kAck, Ipv4Address::any());
  dhcp::set_vendor_class(a, "PXEClient");
  dhcp::set_bootfile_name(a, "pxelinux.0", dhcp::Nul::kAppend);
  lab.dhcp({kServerMac, kServerIp, 4011}, {kClientMac, kYiaddr, 68}, a);
  std::string text;
  const auto w = wire_of_first_client(lab, &text);
  EXPECT_EQ(w["port4011_request"], "192.0.2.100:68 -> 192.0.2.1:4011 (frame 5)") << w.dump(1);
  EXPECT_EQ(w["port4011_reply"], "192.0.2.1:4011 -> 192.0.2.100:68 (frame 6)") << w.dump(1);
  EXPECT_NE(text.find("port 4011: request 192.0.2.100:68 -> 192.0.2.1:4011 (frame 5), reply 192.0.2.1:4011 -> "
                      "192.0.2.100:68 (frame 6)"), std::string::npos) << text;
  EXPECT_TRUE(wire_of_first_client(dora({.pxe = true}))["port4011_request"].is_null());
}

TEST(Reports, NothingToBootSaysWhatEachFirmwareDoesNext) {
  ClientFacts c;
  c.identity = Identity{};
  c.identity->vendor_class = "PXEClient:Arch:00007:UNDI:003000";
  c.offer = 1;
  c.offer_server = kServerIp;
  c.fp = Fingerprint{.id = "edk2-ovmf"};
  EXPECT_NE(nothing_to_boot(c)->find("EDK2 skips such an offer, sends no REQUEST, prints \"PXE-E16: No valid offer received.\""),
            std::string::npos);
  c.fp->id = "ipxe-efi";
  EXPECT_NE(nothing_to_boot(c)->find("iPXE takes the address, prints \"Nothing to boot: ...\""), std::string::npos);
  c.offer.reset();
  c.discovers = 4;
  c.fp->id = "edk2-ovmf";
  EXPECT_NE(nothing_to_boot(c)->find("its 4 DISCOVERs; EDK2 prints \"PXE-E18: Server response timeout.\""), std::string::npos);
  c.proxy_server = kProxyIp;  // a proxy answered: not this report's case
  EXPECT_FALSE(nothing_to_boot(c));
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
