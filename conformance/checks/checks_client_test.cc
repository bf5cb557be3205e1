// Each client-side, Wake-on-LAN and outcome check: a trace where it passes, one where
// it fails.
#include "conformance/checks/checks_testlib.h"
#include "wire/wol.h"

namespace pxelab::conformance::testing {
namespace {

namespace code = dhcp::code;

TEST(ClientChecks, PxeIdentity) {
  expect_pass(dora({.pxe = true}), "PXE-CLIENT-IDENT");
  expect_fail(dora({.discover = [](Message& m) { m.remove(code::kClientMachineId); }, .pxe = true}), "PXE-CLIENT-IDENT");
  expect_fail(dora({.discover = [](Message& m) { dhcp::set_vendor_class(m, "PXEClient:Arch:7"); }, .pxe = true}),
              "PXE-CLIENT-IDENT");
}

Lab retries(std::initializer_list<double> gaps) {
  Lab lab;
  Message d = pxe_discover(7);
  lab.dhcp(client68(), bcast(67), d);
  for (double g : gaps) {
    lab.wait(g - 0.001);
    lab.dhcp(client68(), bcast(67), d);
  }
  return lab;
}

TEST(ClientChecks, DiscoverRetries) {
  expect_pass(retries({4, 8, 16}), "PXE-CLIENT-RETRY");
  expect_fail(retries({1, 2, 4}), "PXE-CLIENT-RETRY");  // iPXE's 0/1/3/7 (FW timers)
}

TEST(ClientChecks, SecsBigEndian) {
  expect_pass(dora({.discover = [](Message& m) { m.secs = 4; }}), "DHCP-CLIENT-SECS");
  expect_fail(dora({.discover = [](Message& m) { m.secs = 0x0400; }}), "DHCP-CLIENT-SECS");
}

TEST(ClientChecks, ClientOptionFormat) {
  expect_pass(dora(), "DHCP-CLIENT-OPT-FORMAT");
  dhcp::EmitOptions no_end;
  no_end.malformations = dhcp::Malformation::kMissingEnd;
  expect_fail(dora({.discover_emit = no_end}), "DHCP-CLIENT-OPT-FORMAT");
}

TEST(ClientChecks, ClientArch) {
  expect_pass(dora({.pxe = true}), "DHCP-CLIENT-ARCH");
  expect_fail(dora({.discover = [](Message& m) { m.set(code::kClientArch, dhcp::encode_client_arch({0, 7})); },
                    .pxe = true}),
              "DHCP-CLIENT-ARCH");
}

Lab probe(bool abort_with_error) {
  Lab lab;
  wire::TftpOptions o;
  o.entries = {{"tsize", "0"}, {"blksize", "1468"}};
  lab.tftp(tftp_client(2000), tftp_server(69), wire::TftpRequest{wire::TftpOpcode::kRrq, "nbp.efi", "octet", o});
  wire::TftpOptions a;
  a.entries = {{"tsize", "1000"}, {"blksize", "1468"}};
  lab.tftp(tftp_server(3000), tftp_client(2000), wire::TftpOack{a});
  if (abort_with_error) lab.tftp(tftp_client(2000), tftp_server(3000), wire::TftpError{8, "User aborted the transfer"});
  TransferSpec second;
  second.file = "nbp.efi";
  second.client_port = 2001;
  second.server_port = 3001;
  add_transfer(lab, second);
  return lab;
}

TEST(ClientChecks, TsizeProbe) {
  expect_pass(probe(true), "TFTP-TSIZE-PROBE");
  expect_fail(probe(false), "TFTP-TSIZE-PROBE");
}

TEST(ClientChecks, WakeOnLan) {
  Lab good;
  good.frame(wire::build_wol_ether_frame(kServerMac, MacAddress::broadcast(), wire::WolRepr{kClientMac, {}}));
  const UdpEndpoint sender{kServerMac, kServerIp, 40000};
  good.frame(wire::build_wol_udp_frame(sender, bcast(9), wire::WolRepr{kClientMac, {}}));
  expect_pass(good, "WOL-MAGIC");
  Lab bad;
  Bytes payload = wire::WolRepr{kClientMac, {}}.encode();
  payload[50] ^= 1;  // one repetition of the MAC differs
  bad.udp({kServerMac, kServerIp, 40000}, bcast(9), payload);
  expect_fail(bad, "WOL-MAGIC");
}

client::ClientOutcome outcome(client::BootStatus status, std::string code = "") {
  client::ClientOutcome o;
  o.name = "pc-1";
  o.personality = "edk2-x64";
  o.mac = kClientMac;
  o.status = status;
  o.code = std::move(code);
  return o;
}

TEST(OutcomeChecks, Booted) {
  conformance::Run run;
  run.outcomes = {outcome(client::BootStatus::kBooted)};
  expect_pass(dora(), "OUTCOME-BOOTED", run);
  run.outcomes.push_back(outcome(client::BootStatus::kFailed, std::string(client::kCodeNoOffers)));
  expect_fail(dora(), "OUTCOME-BOOTED", run);
}

TEST(OutcomeChecks, FailureCodeAgreesWithTheWire) {
  conformance::Run run;
  run.outcomes = {outcome(client::BootStatus::kFailed, std::string(client::kCodeNoOffers))};
  Lab silent;
  silent.dhcp(client68(), bcast(67), request_msg(MessageType::kDiscover));
  expect_pass(silent, "OUTCOME-CODE", run);
  expect_fail(dora(), "OUTCOME-CODE", run);  // E51, yet an OFFER reached it
  run.outcomes = {outcome(client::BootStatus::kFailed)};
  expect_fail(silent, "OUTCOME-CODE", run);  // no code at all
}

// Issue 15: every finding lists its frame numbers. An outcome with no deciding frame
// cites the client's last frame on the wire; only a client that never sent or got a
// frame (never powered on) has a finding without one.
TEST(OutcomeChecks, FindingsCiteTheClientsLastFrameWhenNothingDecided) {
  conformance::Run run;
  run.outcomes = {outcome(client::BootStatus::kFailed, std::string(client::kCodeNoOffers))};
  Lab silent;
  silent.dhcp(client68(), bcast(67), request_msg(MessageType::kDiscover));
  silent.dhcp(client68(), bcast(67), request_msg(MessageType::kDiscover));
  CheckResult r = judge(silent, "OUTCOME-BOOTED", run);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].frames, std::vector<std::uint64_t>{1}) << "its second DISCOVER, its last frame";

  client::ClientOutcome off = outcome(client::BootStatus::kPending, "DEADLINE");
  off.mac = wire::MacAddress{{0x52, 0x54, 0, 0, 0, 0x99}};  // on no frame of the trace
  run.outcomes = {off};
  r = judge(silent, "OUTCOME-BOOTED", run);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_TRUE(r.findings[0].frames.empty()) << "nothing on the wire: no frame to cite";

  client::ClientOutcome decided = outcome(client::BootStatus::kFailed, std::string(client::kCodeNoOffers));
  decided.decided_by = client::DecidingFrame{};
  decided.decided_by->frame = 0;
  run.outcomes = {decided};
  r = judge(silent, "OUTCOME-BOOTED", run);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].frames, std::vector<std::uint64_t>{0}) << "the deciding frame when there is one";
}

TEST(OutcomeChecks, CodeFindingsCiteFrames) {
  conformance::Run run;
  run.outcomes = {outcome(client::BootStatus::kFailed)};  // no code
  CheckResult r = judge(dora(), "OUTCOME-CODE", run);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].frames, std::vector<std::uint64_t>{3}) << "the ACK, the client's last frame";

  run.outcomes = {outcome(client::BootStatus::kFailed, std::string(client::kCodeTftpFileNotFound))};
  Lab read = dora();
  add_transfer(read, {.file = "pxelinux.0", .size = 100});
  r = judge(read, "OUTCOME-CODE", run);
  ASSERT_EQ(r.findings.size(), 1u) << "E3B, yet the read completed";
  EXPECT_EQ(r.findings[0].frames, std::vector<std::uint64_t>{4}) << "the RRQ that was not refused";
}

}  // namespace
}  // namespace pxelab::conformance::testing
