// The ladder of a client: DHCP and TFTP steps in frame order, DATA/ACK folded, ICMP
// errors about its TFTP requests shown with their sender.
#include "conformance/report/ladder_json.h"

#include <nlohmann/json.hpp>

#include "conformance/checks/checks_testlib.h"
#include "conformance/report/summary.h"

namespace pxelab::conformance::testing {
namespace {

// An ICMP destination unreachable (RFC 792) from `from` quoting `datagram` (an
// Ethernet + IPv4 + UDP frame): its IP header and the first 8 octets after it.
Bytes icmp_unreachable(const UdpEndpoint& from, const Bytes& datagram, std::uint8_t code) {
  Bytes f(datagram.begin() + 6, datagram.begin() + 12);      // dst: the datagram's sender
  f.insert(f.end(), from.mac.octets.begin(), from.mac.octets.end());
  f.insert(f.end(), {0x08, 0x00});
  const std::size_t quoted = 20 + 8, total = 20 + 8 + quoted;
  Bytes ip = {0x45, 0, static_cast<std::uint8_t>(total >> 8), static_cast<std::uint8_t>(total), 0, 1, 0, 0, 64, 1, 0, 0};
  for (int i = 3; i >= 0; --i) ip.push_back(static_cast<std::uint8_t>(from.ip.value >> (8 * i)));
  ip.insert(ip.end(), datagram.begin() + 14 + 12, datagram.begin() + 14 + 16);  // dst: the datagram's source
  f.insert(f.end(), ip.begin(), ip.end());
  f.insert(f.end(), {3, code, 0, 0, 0, 0, 0, 0});
  f.insert(f.end(), datagram.begin() + 14, datagram.begin() + 14 + static_cast<std::ptrdiff_t>(quoted));
  return f;
}

TEST(Ladder, DhcpThenTftpWithDataAndAckFoldedIntoOneStep) {
  Lab lab = dora();
  TransferSpec spec;
  spec.size = 5000;  // 10 blocks of 512
  add_transfer(lab, spec);
  const conformance::Run run = capture_run(lab);
  AnalyzedRun analyzed(run);
  const auto j = ladder_json(analyzed, 0);
  std::vector<std::string> what;
  for (const auto& s : j["steps"]) what.push_back(s["what"]);
  ASSERT_EQ(what.size(), 6u) << j.dump(1);
  EXPECT_EQ(what[0], "DHCPDISCOVER");
  EXPECT_EQ(what[3], "DHCPACK");
  EXPECT_EQ(what[4], "RRQ");
  const auto& fold = j["steps"][5];
  EXPECT_EQ(fold["kind"], "transfer");
  EXPECT_EQ(fold["blocks"], 10);
  EXPECT_EQ(fold["bytes"], 5000);
  EXPECT_EQ(fold["end"], "complete");
  EXPECT_EQ(fold["frame"], 6) << "the first DATA, 1-based";
  EXPECT_EQ(fold["last_frame"], lab.trace.frame_count());
  EXPECT_EQ(j["steps"][0]["from_client"], true);
  EXPECT_EQ(j["steps"][0]["peer"], "") << "a broadcast";
  EXPECT_EQ(j["steps"][1]["peer"], "192.0.2.1");
  EXPECT_EQ(j["cut"], 0);
}

TEST(Ladder, AnIcmpPortUnreachableAnswersTheRequestItQuotes) {
  Lab lab = dora();
  const UdpEndpoint wrong_host{kRogueMac, kRogueIp, 69};
  const Bytes rrq = wire::build_udp_frame(tftp_client(2000), wrong_host,
                                          wire::encode_tftp(wire::TftpRequest{wire::TftpOpcode::kRrq, "boot.efi", "octet", {}}));
  lab.frame(rrq);
  lab.frame(icmp_unreachable(wrong_host, rrq, 3));
  lab.frame(icmp_unreachable(wrong_host, wire::build_udp_frame(tftp_client(2001), wrong_host, Bytes(4, 0)), 1));
  const conformance::Run run = capture_run(lab);
  AnalyzedRun analyzed(run);
  const auto icmp = icmp_errors(analyzed.decoded());
  ASSERT_EQ(icmp.size(), 2u);
  EXPECT_EQ(icmp[0].quoted_dst, kRogueIp);
  EXPECT_EQ(icmp[0].quoted_dst_port, 69);
  EXPECT_EQ(icmp_name(icmp[1]), "ICMP host unreachable");
  const auto j = ladder_json(analyzed, 0, icmp);
  const auto& steps = j["steps"];
  ASSERT_EQ(steps.size(), 6u) << "the other port's error is not about this request: " << j.dump(1);
  EXPECT_EQ(steps[4]["what"], "RRQ");
  EXPECT_EQ(steps[5]["kind"], "icmp");
  EXPECT_EQ(steps[5]["what"], "ICMP port unreachable");
  EXPECT_EQ(steps[5]["peer"], "192.0.2.4") << "the host that sent it";
  EXPECT_NE(steps[5]["detail"].get<std::string>().find("192.0.2.100:2000 -> 192.0.2.4:69"), std::string::npos);
}

// The client's facts (text summary, report.json wire.tftp) say the same as its ladder:
// the request was answered, by ICMP, and by whom; not "no answer" (issue 15, FW-37).
TEST(Ladder, TheTransferAnsweredByIcmpSaysSoInTheClientFacts) {
  Lab lab = dora();
  const UdpEndpoint wrong_host{kRogueMac, kRogueIp, 69};
  const Bytes rrq = wire::build_udp_frame(tftp_client(2000), wrong_host,
                                          wire::encode_tftp(wire::TftpRequest{wire::TftpOpcode::kRrq, "boot.efi", "octet", {}}));
  const Bytes other = wire::build_udp_frame(tftp_client(2001), wrong_host,
                                            wire::encode_tftp(wire::TftpRequest{wire::TftpOpcode::kRrq, "x.efi", "octet", {}}));
  lab.frame(icmp_unreachable(wrong_host, rrq, 3));  // before the request: not its answer
  lab.frame(rrq);
  lab.frame(icmp_unreachable(wrong_host, rrq, 3));
  lab.frame(other);  // no answer of any kind
  const conformance::Run run = capture_run(lab);
  AnalyzedRun analyzed(run);
  const auto facts = client_facts(analyzed, builtin_references());
  ASSERT_EQ(facts.size(), 1u);
  ASSERT_EQ(facts[0].transfers.size(), 2u);
  const auto& t = facts[0].transfers[0];
  ASSERT_TRUE(t.icmp);
  EXPECT_EQ(t.icmp->what, "ICMP port unreachable");
  EXPECT_EQ(t.icmp->sender, kRogueIp);
  EXPECT_EQ(t.icmp->frame, 6u) << "the ICMP after the request (0-based)";
  EXPECT_EQ(t.end, "ICMP port unreachable from 192.0.2.4 (" + kRogueMac.to_string() + ") in frame 7");
  EXPECT_FALSE(facts[0].transfers[1].icmp);
  EXPECT_EQ(facts[0].transfers[1].end, "no answer");
}

TEST(Ladder, ShortOrOddIcmpIsIgnored) {
  Lab lab = dora();
  Bytes stub = icmp_unreachable({kRogueMac, kRogueIp, 69}, wire::build_udp_frame(tftp_client(), tftp_server(), Bytes(4, 0)), 3);
  stub.resize(14 + 20 + 8 + 10);  // cut inside the quoted header
  lab.frame(stub);
  conformance::Run run;
  run.trace = &lab.trace;
  AnalyzedRun analyzed(run);
  EXPECT_TRUE(icmp_errors(analyzed.decoded()).empty());
}

}  // namespace
}  // namespace pxelab::conformance::testing
