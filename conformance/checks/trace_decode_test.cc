// The decoder and the grouping: L2-L4 facts, option instances and joined values,
// TFTP TID following, decode errors kept; fingerprints (report/report_test.cc: the reports).
#include <set>

#include "conformance/analysis/fingerprint.h"
#include "conformance/checks/checks_testlib.h"

namespace pxelab::conformance::testing {
namespace {

namespace code = dhcp::code;

TEST(TraceDecode, VlanFragmentsAndMalformedFramesAreKept) {
  Lab lab;
  wire::FrameOptions tagged;
  tagged.vlan = wire::VlanTag{.vid = 10};
  auto d = dhcp::emit(request_msg(MessageType::kDiscover));
  lab.frame(wire::build_udp_frame(client68(), bcast(67), *d, tagged));
  Bytes frag = wire::build_udp_frame(server67(), bcast(68), Bytes(600, 0));
  frag[14 + 6] |= 0x20;
  lab.frame(frag);
  lab.frame(Bytes{1, 2, 3});  // shorter than an Ethernet header
  DecodedTrace dec = decode_trace(lab.trace);
  ASSERT_EQ(dec.frames.size(), 3u);
  EXPECT_EQ(dec.frames[0].vlan, 10);
  EXPECT_EQ(dec.frames[0].kind, FrameKind::kDhcp);
  EXPECT_EQ(dec.frames[1].kind, FrameKind::kFragment);
  EXPECT_EQ(dec.frames[1].src_port, 67);
  EXPECT_EQ(dec.frames[2].kind, FrameKind::kMalformed);
  ASSERT_EQ(dec.errors.size(), 1u);
  EXPECT_EQ(dec.errors[0].frame, 2u);
  EXPECT_EQ(dec.errors[0].field, "ethernet.header");
}

TEST(TraceDecode, OptionInstancesAndJoinedValues) {
  Lab lab;
  Message m = request_msg(MessageType::kDiscover);
  dhcp::set_host_name(m, std::string(300, 'h'));  // split in two instances (RFC 3396)
  dhcp::EmitOptions eo;
  eo.max_message_size = 1500;
  lab.dhcp(client68(), bcast(67), m, eo);
  DecodedTrace dec = decode_trace(lab.trace);
  ASSERT_EQ(dec.dhcp.size(), 1u);
  const DhcpMsg& msg = dec.dhcp[0];
  EXPECT_TRUE(msg.repeated_code);
  EXPECT_EQ(msg.type, 1);
  EXPECT_TRUE(msg.options_end);
  auto host = dec.option(msg, code::kHostName);
  ASSERT_TRUE(host.has_value());
  EXPECT_EQ(host->size(), 300u);
  EXPECT_EQ(dec.position(msg, code::kMessageType), 0);
  auto repr = dec.message(msg);
  ASSERT_TRUE(repr.ok());
  EXPECT_EQ(dhcp::host_name(*repr)->size(), 300u);
}

TEST(TraceDecode, TftpTransfersFollowTheServerTid) {
  Lab lab;
  TransferSpec spec;
  spec.size = 1500;
  add_transfer(lab, spec);
  lab.udp(tftp_server(3999), tftp_client(), wire::encode_tftp(wire::TftpData{9, Bytes(4, 0)}));  // foreign TID
  DecodedTrace dec = decode_trace(lab.trace);
  Grouping g = group_transactions(dec);
  ASSERT_EQ(g.transfers.size(), 1u);
  const auto& t = g.transfers[0];
  EXPECT_EQ(t.filename, "pxelinux.0");
  EXPECT_EQ(t.bytes, 1500u);
  EXPECT_EQ(t.blocks, 3u);
  EXPECT_EQ(t.end, TransferEnd::kComplete);
  EXPECT_EQ(dec.transfers[0].server_tid, 3000);
  EXPECT_TRUE(dec.tftp.back().foreign_tid);
  ASSERT_EQ(g.peers.size(), 1u);
  EXPECT_TRUE(g.peers[0].roles & kRoleTftpServer);
}

TEST(TraceDecode, ATftpClientOnPort4011IsStillTftp) {
  // U-Boot draws its TFTP port from 1024-4095: 4011 is possible.
  Lab lab;
  UdpEndpoint client = tftp_client();
  client.port = 4011;
  wire::TftpRequest rrq;
  rrq.filename = "pxelinux.cfg/default";
  lab.tftp(client, {kServerMac, kServerIp, 69}, rrq);
  lab.tftp(tftp_server(3000), client, wire::TftpError{1, "File not found"});
  DecodedTrace dec = decode_trace(lab.trace);
  EXPECT_TRUE(dec.errors.empty());
  ASSERT_EQ(dec.frames.size(), 2u);
  EXPECT_EQ(dec.frames[0].kind, FrameKind::kTftp);
  EXPECT_EQ(dec.frames[1].kind, FrameKind::kTftp);
  EXPECT_EQ(group_transactions(dec).transfers.size(), 1u);
}

TEST(TraceDecode, TransactionsClientsAndRoles) {
  Lab lab = dora();
  DecodedTrace dec = decode_trace(lab.trace);
  Grouping g = group_transactions(dec);
  ASSERT_EQ(g.transactions.size(), 1u);
  EXPECT_EQ(g.messages(g.transactions[0]).size(), 4u);
  ASSERT_EQ(g.clients.size(), 1u);
  EXPECT_EQ(g.clients[0].mac, kClientMac);
  EXPECT_EQ(g.clients[0].first_discover, 0);
  EXPECT_EQ(dec.dhcp[1].request, 0);  // the OFFER answers the DISCOVER
  EXPECT_EQ(dec.dhcp[3].request, 2);
  ASSERT_EQ(g.peers.size(), 1u);
  EXPECT_EQ(g.peers[0].roles, kRoleDhcpServer);
  EXPECT_EQ(g.peers[0].offers, 1u);
}

TEST(Fingerprint, NearestReferenceAndDecidingFields) {
  Lab lab = dora({.pxe = true, .arch = 7});
  DecodedTrace dec = decode_trace(lab.trace);
  Identity id = identity_of(dec, dec.dhcp[0]);
  EXPECT_EQ(id.arch, 7);
  EXPECT_EQ(id.max_size, 1472);
  auto refs = builtin_references();
  auto fp = fingerprint(id, refs);
  EXPECT_EQ(fp.id, "edk2-x64");  // 60, 93=7, 57=1472, flags 0x8000 decide it
  EXPECT_NE(fp.matched.find("93=7"), std::string::npos);
  EXPECT_NE(fp.differed.find("55="), std::string::npos);  // the test client's PRL is not EDK2's
  Identity none;
  none.vendor_class = "something else entirely";
  none.prl = {99, 98};
  EXPECT_EQ(fingerprint(none, refs).id.rfind("unknown", 0), 0u);
}

}  // namespace
}  // namespace pxelab::conformance::testing

namespace pxelab::conformance::testing {
namespace {

TEST(Fingerprint, PersonalityFilesAreTheRomReferences) {
  std::string note;
  auto refs = default_references(&note);
  EXPECT_TRUE(note.empty()) << note;
  std::set<std::string> ids;
  for (const auto& r : refs) ids.insert(r.id);
  for (const char* id : {"edk2-x64", "ipxe-bios", "uboot", "intel-pxe21", "isc-dhclient", "busybox-udhcpc"}) {
    EXPECT_TRUE(ids.count(id)) << id;
  }
  EXPECT_FALSE(ids.count("u-boot"));  // the builtin ROM stand-ins give way to the files
  EXPECT_FALSE(ids.count("pxelinux"));  // a loader that reuses the ROM's packets sends no DISCOVER
}

}  // namespace
}  // namespace pxelab::conformance::testing

