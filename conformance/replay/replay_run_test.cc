// Replay end to end in the simulator: a "field" run of emulated ROMs against the
// reference server is the capture; its clients are extracted and replayed against a
// second reference server, and the diff must say what changed (nothing, or the
// decisive field).
#include "conformance/replay/replay_run.h"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "client/client_test_lab.h"
#include "conformance/replay/emit_scenario.h"
#include "conformance/replay/replay_report.h"

namespace pxelab::conformance::replay {
namespace {

using client::testing::kFullDhcp;
using client::testing::Lab;
using client::testing::server_config;
using client::testing::TftpRoot;

struct WorkDir {
  WorkDir() {
    char tmpl[] = "/tmp/pxelab-replay-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~WorkDir() { std::filesystem::remove_all(path); }
  std::string path;
};

// A field capture: `personality` clients booting against kFullDhcp (+ `extra`).
struct Field {
  explicit Field(const std::string& personality, int count = 1, const std::string& extra = "") {
    lab.add_server(server_config(root, std::string(kFullDhcp) + extra));
    for (int i = 1; i <= count; ++i) lab.add_client(personality, static_cast<std::uint32_t>(i), sim::ms(10) * i);
    lab.run(sim::seconds(120));
  }
  TftpRoot root;
  Lab lab;
};

ReplayResult replay(const sim::Trace& t, const server::ServerConfig& c, const std::string& work,
                    Timing timing = Timing::kCompressed) {
  ReplayRunOptions o;
  o.work_dir = work;
  o.timing = timing;
  auto r = replay_against_reference(t, c, o);
  EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
  return r ? std::move(*r) : ReplayResult{};
}

TEST(ReplayScripts, EdkClientIsOneMacWithTwoIdentitiesAndATsizeProbe) {
  Field field("edk2-x64");
  conformance::Run run;
  run.trace = &field.lab.trace;
  AnalyzedRun a(run);
  const auto refs = default_references();
  const auto scripts = extract_scripts(a.decoded(), a.grouping(), refs);
  ASSERT_EQ(scripts.size(), 1u);
  const ClientScript& c = scripts[0];
  EXPECT_EQ(c.mac, client::testing::client_mac(1));
  ASSERT_GE(c.identities.size(), 2u);  // the ROM, then the iPXE it chainloaded (FW-15)
  EXPECT_EQ(c.identities[0].fp.id, "edk2-x64");
  EXPECT_EQ(c.identities[1].fp.id.rfind("ipxe", 0), 0u) << c.identities[1].fp.id;
  // DISCOVER, REQUEST, the tsize probe, the NBP read, ...
  ASSERT_GE(c.steps.size(), 4u);
  EXPECT_EQ(c.steps[0].kind, StepKind::kDhcp);
  EXPECT_EQ(c.steps[0].type, 1);
  ASSERT_EQ(c.steps[0].answers.size(), 1u);
  EXPECT_EQ(c.steps[1].type, 3);
  EXPECT_EQ(c.steps[2].kind, StepKind::kTftp);
  EXPECT_EQ(c.steps[2].filename, "ipxe.efi");
  EXPECT_EQ(c.steps[2].lead, TftpLead::kErrorAfterOack);  // FW-04: RRQ tsize=0, ERROR 8
  EXPECT_EQ(c.steps[2].error_code, 8);
  EXPECT_EQ(c.steps[3].lead, TftpLead::kAckAll);
  EXPECT_EQ(served_size(c.steps[3]), 90000u);
  // Only the clients asked for.
  ScriptOptions only;
  only.only = {client::testing::client_mac(7)};
  EXPECT_TRUE(extract_scripts(a.decoded(), a.grouping(), refs, only).empty());
}

TEST(ReplayRun, SameServerGivesNoForbiddenDifference) {
  Field field("edk2-x64", 2);
  WorkDir work;
  const auto r = replay(field.lab.trace, server_config(field.root, kFullDhcp), work.path);
  ASSERT_EQ(r.scripts.size(), 2u);
  EXPECT_EQ(r.clients_finished, 2u);
  EXPECT_EQ(r.forbidden, 0u);
  for (const auto& rr : r.requests) {
    EXPECT_TRUE(rr.sent) << rr.what;
    EXPECT_TRUE(rr.new_frame) << rr.what;
    EXPECT_EQ(rr.decisive(), nullptr) << rr.what << ": " << rr.decisive()->field;
  }
  // The tsize probe was aborted as the field client did: the replay's first read of
  // ipxe.efi ended with the client's ERROR 8 and the second one completed.
  const auto& steps = r.scripts[0].steps;
  ASSERT_GE(steps.size(), 4u);
  const auto& probe = r.requests[2];
  ASSERT_EQ(probe.answers.size(), 1u);
  EXPECT_EQ(probe.what, "RRQ ipxe.efi");
  EXPECT_EQ(r.requests[3].what, "RRQ ipxe.efi");
  // Both sides pass the same checks.
  const auto [only_field, only_new] = failing_difference(r);
  EXPECT_TRUE(only_field.empty());
  EXPECT_TRUE(only_new.empty());
}

TEST(ReplayRun, RequestNamesTheServerThatOfferedNow) {
  // The new server has another address: a REQUEST replayed byte for byte would name
  // the field server (54 = 192.0.2.1) and be ignored (RFC 2131 §4.3.2).
  Field field("intel-pxe21");
  WorkDir work;
  std::string body = kFullDhcp;
  body.replace(body.find("address = \"192.0.2.1\""), 21, "address = \"192.0.2.5\"");
  const auto r = replay(field.lab.trace, server_config(field.root, body), work.path);
  ASSERT_GE(r.requests.size(), 2u);
  const RequestReport& request = r.requests[1];
  EXPECT_EQ(request.what.rfind("REQUEST", 0), 0u) << request.what;
  EXPECT_NE(request.rewritten.find("54 192.0.2.1 -> 192.0.2.5"), std::string::npos) << request.rewritten;
  ASSERT_EQ(request.answers.size(), 1u);
  EXPECT_EQ(request.answers[0].what, "ACK");
  EXPECT_TRUE(request.answers[0].new_frame);
  EXPECT_EQ(request.decisive(), nullptr);
  // The TFTP read went to the new server and completed.
  bool read = false;
  for (const auto& rr : r.requests) {
    if (rr.what == "RRQ pxelinux.0") {
      read = true;
      EXPECT_NE(rr.rewritten.find("-> 192.0.2.5"), std::string::npos) << rr.rewritten;
      EXPECT_EQ(rr.decisive(), nullptr);
    }
  }
  EXPECT_TRUE(read);
  EXPECT_EQ(r.forbidden, 0u);
}

TEST(ReplayRun, DiffPointsAtTheBootFile) {
  Field field("intel-pxe21");
  WorkDir work;
  std::string body = kFullDhcp;
  body.replace(body.find("default_file = \"pxelinux.0\""), 27, "default_file = \"other.0\"");
  body.replace(body.find("bios = \"pxelinux.0\""), 19, "bios = \"other.0\"");
  const auto r = replay(field.lab.trace, server_config(field.root, body), work.path);
  ASSERT_GE(r.requests.size(), 1u);
  const FieldDiff* d = r.requests[0].decisive();  // the OFFER to the DISCOVER
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->field, "file");
  EXPECT_EQ(d->field_value, "'pxelinux.0'");
  EXPECT_EQ(d->new_value, "'other.0'");
  EXPECT_GT(r.forbidden, 0u);
  // The text names it first.
  ReplayMeta meta;
  meta.capture = "field.pcap";
  const std::string text = replay_text(r, meta, false);
  EXPECT_NE(text.find("DECISIVE file: field 'pxelinux.0' / replay 'other.0'"), std::string::npos) << text;
  // ... before anything else of the diff: the run's decisive difference is the
  // summary's third line, and report.json's "decisive".
  const RequestReport* top = decisive_request(r);
  ASSERT_NE(top, nullptr);
  EXPECT_EQ(top->decisive()->field, "file");
  EXPECT_EQ(top->field_frame, r.requests[0].field_frame);
  const auto third = text.substr(text.find('\n', text.find('\n') + 1) + 1);
  EXPECT_EQ(third.rfind("DECISIVE file: field 'pxelinux.0' / replay 'other.0'  (client ", 0), 0u) << text;
  const auto j = replay_json(r, meta);
  EXPECT_EQ(j["decisive"]["field"], "file");
  EXPECT_EQ(j["decisive"]["request_field_frame"], r.requests[0].field_frame + 1);
  const std::string junit = replay_junit(r, meta);
  EXPECT_NE(junit.find("<failure type=\"answer differs\" message=\"file: field"), std::string::npos);
  EXPECT_NE(junit.find("checks on the field capture"), std::string::npos);
  EXPECT_NE(junit.find("checks on the replay"), std::string::npos);
}

TEST(ReplayRun, ExactTimingKeepsCapturedOffsets) {
  Field field("intel-pxe21");
  WorkDir work;
  const auto r = replay(field.lab.trace, server_config(field.root, kFullDhcp), work.path, Timing::kExact);
  EXPECT_EQ(r.forbidden, 0u);
  // The REQUEST leaves as long after the DISCOVER as in the field (the ROM waited for
  // offers, PXE 2.1 §2.2), give or take the answer time.
  const auto& s = r.scripts[0].steps;
  ASSERT_GE(s.size(), 2u);
  const auto& d = r.now->analyzed->decoded();
  ASSERT_TRUE(r.requests[0].new_frame && r.requests[1].new_frame);
  const sim::Time gap = d.frames[*r.requests[1].new_frame].time - d.frames[*r.requests[0].new_frame].time;
  EXPECT_EQ(gap, s[1].at - s[0].at);
}

TEST(ReplayRun, CaptureWithoutClientsIsAnError) {
  sim::Trace empty;
  WorkDir work;
  TftpRoot root;
  ReplayRunOptions o;
  o.work_dir = work.path;
  auto r = replay_against_reference(empty, server_config(root, kFullDhcp), o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no client requests"), std::string::npos);
}

TEST(ReplayRun, ClientsFilterKeepsOnlyThoseAndRefusesAnUnknownMac) {
  Field field("intel-pxe21", 3);
  WorkDir work;
  const auto all = replay(field.lab.trace, server_config(field.root, kFullDhcp), work.path);
  ASSERT_EQ(all.scripts.size(), 3u);
  ReplayRunOptions o;
  o.work_dir = work.path;
  o.clients = {all.scripts[1].mac};
  auto one = replay_against_reference(field.lab.trace, server_config(field.root, kFullDhcp), o);
  ASSERT_TRUE(one) << one.error().to_string();
  ASSERT_EQ(one->scripts.size(), 1u);
  EXPECT_EQ(one->scripts[0].mac, all.scripts[1].mac);
  EXPECT_EQ(one->clients_finished, 1u);
  // One known and one unknown MAC: refused, naming the unknown one and the clients.
  const auto stranger = *wire::MacAddress::parse("02:00:00:00:be:ef");
  o.clients = {all.scripts[0].mac, stranger};
  auto bad = replay_against_reference(field.lab.trace, server_config(field.root, kFullDhcp), o);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("02:00:00:00:be:ef"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find(all.scripts[2].mac.to_string()), std::string::npos) << bad.error().message;
}

TEST(EmitScenario, FieldServerWithoutTsizeBecomesAFault) {
  Field field("edk2-x64", 1, "[faults]\ntftp_no_tsize = true\n");
  WorkDir work;
  const auto r = replay(field.lab.trace, server_config(field.root, kFullDhcp), work.path);
  // The new server answers tsize; the field one did not: a forbidden difference.
  bool tsize = false;
  for (const auto& rr : r.requests) {
    for (const auto& a : rr.answers) {
      for (const auto& x : a.diff.differences) tsize = tsize || x.field == "tftp oack tsize";
    }
  }
  EXPECT_TRUE(tsize);
  ReplayMeta meta;
  meta.capture = "/x/no-tsize.pcap";
  meta.tool = "test";
  auto s = emit_scenario(r, meta);
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_NE(s->find("tftp_no_tsize = true"), std::string::npos) << *s;
  EXPECT_NE(s->find("personality = \"edk2-x64\""), std::string::npos) << *s;
  EXPECT_NE(s->find("address = \"192.0.2.1\""), std::string::npos) << *s;
  EXPECT_NE(s->find("x64-efi = \"ipxe.efi\""), std::string::npos) << *s;
  EXPECT_NE(s->find("\"ipxe.efi\" = { size = 65536 }  # the capture shows no size"), std::string::npos) << *s;
  EXPECT_NE(s->find("[[expect.outcome]]\nclients = \"edk2-x64\"\nstatus = \"failed\""), std::string::npos) << *s;
  EXPECT_NE(s->find("name = \"replay-no-tsize\""), std::string::npos) << *s;
}

TEST(EmitScenario, WhatTheChainloadedIpxeGotIsItsScript) {
  // EDK2 gets ipxe.efi, then the iPXE it chainloaded asks again and gets boot.ipxe
  // (kFullDhcp's ipxe_script): that is the loader's file, not a boot file by arch.
  Field field("edk2-x64");
  WorkDir work;
  const auto r = replay(field.lab.trace, server_config(field.root, kFullDhcp), work.path);
  ASSERT_EQ(r.scripts.size(), 1u);
  ASSERT_GE(r.scripts[0].identities.size(), 2u);
  ReplayMeta meta;
  meta.capture = "/x/field.pcap";
  meta.tool = "test";
  auto s = emit_scenario(r, meta);
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_NE(s->find("ipxe_script = \"boot.ipxe\"\n"), std::string::npos) << *s;
  EXPECT_NE(s->find("x64-efi = \"ipxe.efi\"\n"), std::string::npos) << *s;
  EXPECT_EQ(s->find("bios = \"boot.ipxe\""), std::string::npos) << *s;
  EXPECT_EQ(s->find("default_file = \"boot.ipxe\""), std::string::npos) << *s;
}

TEST(EmitScenario, Option67WithoutNulIsKept) {
  // FW-38: the field server sent 67 without its NUL; the reproduction must too. A
  // healthy field server's scenario says nothing (the reference default is the NUL).
  std::string dhcp = kFullDhcp;
  ASSERT_NE(dhcp.find("[boot]\n"), std::string::npos);
  dhcp.insert(dhcp.find("[boot]\n") + 7, "nul_terminate_file = false\n");
  TftpRoot root;
  Lab lab;
  lab.add_server(server_config(root, dhcp));
  lab.add_client("intel-pxe21", 1, sim::ms(10));
  lab.run(sim::seconds(120));
  Field healthy("intel-pxe21");
  WorkDir work, work2;
  ReplayMeta meta;
  meta.capture = "/x/no-nul.pcap";
  meta.tool = "test";
  const auto r = replay(lab.trace, server_config(root, kFullDhcp), work.path);
  auto s = emit_scenario(r, meta);
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_NE(s->find("nul_terminate_file = false\n"), std::string::npos) << *s;
  const auto h = replay(healthy.lab.trace, server_config(healthy.root, kFullDhcp), work2.path);
  auto hs = emit_scenario(h, meta);
  ASSERT_TRUE(hs) << hs.error().to_string();
  EXPECT_EQ(hs->find("nul_terminate_file"), std::string::npos) << *hs;
}

}  // namespace
}  // namespace pxelab::conformance::replay
