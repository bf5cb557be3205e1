// The answer diff, field by field: what may differ stays allowed, what may not is
// forbidden, and the decisive difference is the most important forbidden one.
#include "conformance/replay/answer_diff.h"

#include <gtest/gtest.h>

#include "wire/dhcp_message.h"
#include "wire/dhcp_option_values.h"

namespace pxelab::conformance::replay {
namespace {

using wire::Ipv4Address;

wire::dhcp::Message base_ack() {
  wire::dhcp::Message m;
  m.op = wire::dhcp::kBootReply;
  m.xid = 0x11223344;
  m.flags = 0x8000;
  m.set_mac(wire::MacAddress{{0x52, 0x54, 0, 0, 0, 1}});
  m.yiaddr = Ipv4Address::from_octets(192, 0, 2, 100);
  m.siaddr = Ipv4Address::from_octets(192, 0, 2, 1);
  m.file = "pxelinux.0";
  wire::dhcp::set_message_type(m, wire::dhcp::MessageType::kAck);
  wire::dhcp::set_server_id(m, Ipv4Address::from_octets(192, 0, 2, 1));
  wire::dhcp::set_lease_time(m, 3600);
  wire::dhcp::set_subnet_mask(m, Ipv4Address::from_octets(255, 255, 255, 0));
  m.set(60, wire::dhcp::encode_string("PXEClient"));
  m.set(43, {6, 1, 8, 255});
  return m;
}

FieldAnswer answer(const wire::dhcp::Message& m, Ipv4Address dst = Ipv4Address::broadcast(), std::uint16_t src_port = 67) {
  FieldAnswer a;
  auto bytes = wire::dhcp::emit(m);
  EXPECT_TRUE(bytes);
  a.message = *bytes;
  a.src_ip = *wire::dhcp::server_id(m);
  a.dst_ip = dst;
  a.src_port = src_port;
  a.dst_port = 68;
  return a;
}

TEST(AnswerDiff, IdenticalAnswersHaveNoDifference) {
  const auto a = answer(base_ack());
  const auto d = diff_dhcp(&a, &a);
  EXPECT_TRUE(d.differences.empty());
  EXPECT_EQ(d.decisive(), nullptr);
}

TEST(AnswerDiff, AnotherServerAddressAndLeaseMayDiffer) {
  auto m = base_ack();
  m.yiaddr = Ipv4Address::from_octets(198, 18, 0, 150);
  m.siaddr = Ipv4Address::from_octets(198, 18, 0, 1);
  wire::dhcp::set_server_id(m, Ipv4Address::from_octets(198, 18, 0, 1));
  wire::dhcp::set_lease_time(m, 600);
  const auto f = answer(base_ack()), n = answer(m);
  const auto d = diff_dhcp(&f, &n);
  EXPECT_EQ(d.decisive(), nullptr);
  EXPECT_EQ(d.forbidden(), 0u);
  std::vector<std::string> fields;
  for (const auto& x : d.differences) fields.push_back(x.field);
  EXPECT_NE(std::find(fields.begin(), fields.end(), "yiaddr"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "option 51"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "option 54"), fields.end());
}

TEST(AnswerDiff, Option43ContentIsDecisive) {
  auto m = base_ack();
  m.set(43, {6, 1, 3, 255});
  const auto f = answer(base_ack()), n = answer(m);
  const auto d = diff_dhcp(&f, &n);
  ASSERT_NE(d.decisive(), nullptr);
  EXPECT_EQ(d.decisive()->field, "option 43");
  EXPECT_EQ(d.decisive()->field_value, "060108ff");
  EXPECT_EQ(d.decisive()->new_value, "060103ff");
}

TEST(AnswerDiff, DroppedOption43AndFileNameAreForbidden) {
  auto m = base_ack();
  m.remove(43);
  m.file = "other.0";
  const auto f = answer(base_ack()), n = answer(m);
  const auto d = diff_dhcp(&f, &n);
  EXPECT_EQ(d.forbidden(), 2u);
  ASSERT_NE(d.decisive(), nullptr);
  EXPECT_EQ(d.decisive()->field, "option 43");  // 43 ranks before the file name
  EXPECT_EQ(d.decisive()->new_value, "(absent)");
  EXPECT_EQ(d.differences[1].field, "file");
}

TEST(AnswerDiff, ReplyAddressingComesBeforeOptions) {
  auto m = base_ack();
  m.remove(60);
  const auto f = answer(base_ack());
  const auto n = answer(m, m.yiaddr);  // unicast to yiaddr although the client set 0x8000
  const auto d = diff_dhcp(&f, &n);
  ASSERT_NE(d.decisive(), nullptr);
  EXPECT_EQ(d.decisive()->field, "reply addressing");
  EXPECT_EQ(d.decisive()->field_value, "broadcast :67 -> :68");
  EXPECT_EQ(d.decisive()->new_value, "unicast to yiaddr :67 -> :68");
  EXPECT_EQ(d.forbidden(), 2u);
}

TEST(AnswerDiff, BootServerReplyToBroadcastIsForbidden) {
  // FW-xx field regression: a 4011 ACK sent to 255.255.255.255:68 instead of the
  // client's address and port (PXE 2.1 §2.2.6).
  auto m = base_ack();
  m.yiaddr = Ipv4Address::any();
  m.ciaddr = Ipv4Address::from_octets(192, 0, 2, 100);
  auto f = answer(m, m.ciaddr, 4011);
  f.dst_port = 4011;
  const auto n = answer(m, Ipv4Address::broadcast(), 4011);
  const auto d = diff_dhcp(&f, &n);
  ASSERT_NE(d.decisive(), nullptr);
  EXPECT_EQ(d.decisive()->field, "reply addressing");
  EXPECT_EQ(d.decisive()->field_value, "unicast to ciaddr :4011 -> :4011");
}

TEST(AnswerDiff, NoAnswerAndTypeAreMostDecisive) {
  const auto f = answer(base_ack());
  const auto none = diff_dhcp(&f, nullptr);
  ASSERT_NE(none.decisive(), nullptr);
  EXPECT_EQ(none.decisive()->field, "answer");
  EXPECT_EQ(none.decisive()->new_value, "(no answer)");
  EXPECT_TRUE(diff_dhcp(nullptr, nullptr).differences.empty());

  auto nak = base_ack();
  wire::dhcp::set_message_type(nak, wire::dhcp::MessageType::kNak);
  nak.remove(43);
  const auto n = answer(nak);
  const auto d = diff_dhcp(&f, &n);
  ASSERT_NE(d.decisive(), nullptr);
  EXPECT_EQ(d.decisive()->field, "option 53");
}

TEST(AnswerDiff, SiaddrPresenceAndServerIdPresenceAreForbidden) {
  auto m = base_ack();
  m.siaddr = Ipv4Address::any();  // FW-37: only option 66 names the TFTP server
  m.remove(54);
  const auto f = answer(base_ack()), n = answer(m);
  const auto d = diff_dhcp(&f, &n);
  std::vector<std::string> forbidden;
  for (const auto& x : d.differences) {
    if (x.rule == Rule::kMustMatch) forbidden.push_back(x.field);
  }
  EXPECT_NE(std::find(forbidden.begin(), forbidden.end(), "siaddr present"), forbidden.end());
  EXPECT_NE(std::find(forbidden.begin(), forbidden.end(), "option 54"), forbidden.end());
}

TEST(AnswerDiff, UnknownOptionMustMatch) {
  auto m = base_ack();
  m.set(209, wire::dhcp::encode_string("pxelinux.cfg/x"));
  const auto f = answer(base_ack()), n = answer(m);
  const auto d = diff_dhcp(&f, &n);
  ASSERT_NE(d.decisive(), nullptr);
  EXPECT_EQ(d.decisive()->field, "option 209");
  EXPECT_EQ(d.decisive()->new_value, "'pxelinux.cfg/x'");
}

TftpFieldAnswer oack(std::initializer_list<std::pair<const char*, const char*>> opts) {
  TftpFieldAnswer a;
  a.kind = TftpFieldAnswer::Kind::kOack;
  for (auto& [k, v] : opts) a.oack.entries.push_back({k, v});
  a.dst_port = 2000;
  a.src_port = 50000;
  a.end = "complete";
  return a;
}

TEST(TftpDiff, TidAndTsizeValueMayDifferBlksizeMayNot) {
  auto f = oack({{"tsize", "1000"}, {"blksize", "1468"}});
  auto n = oack({{"tsize", "2000"}, {"blksize", "1468"}});
  n.src_port = 49152;
  n.bytes = 2000;
  EXPECT_EQ(diff_tftp(f, n).decisive(), nullptr);
  n = oack({{"tsize", "1000"}, {"blksize", "1024"}});
  auto d = diff_tftp(f, n);
  ASSERT_NE(d.decisive(), nullptr);
  EXPECT_EQ(d.decisive()->field, "tftp oack blksize");
}

TEST(TftpDiff, MissingTsizeAndErrorCodes) {
  auto f = oack({{"tsize", "1000"}});
  auto n = oack({});
  auto d = diff_tftp(f, n);
  ASSERT_NE(d.decisive(), nullptr);
  EXPECT_EQ(d.decisive()->field, "tftp oack tsize");  // FW-24: EDK2 fails without it

  TftpFieldAnswer e1, e2;
  e1.kind = e2.kind = TftpFieldAnswer::Kind::kError;
  e1.error_code = 1;
  e2.error_code = 2;
  e1.error_message = "File not found";
  e2.error_message = "Access violation";
  d = diff_tftp(e1, e2);
  ASSERT_NE(d.decisive(), nullptr);
  EXPECT_EQ(d.decisive()->field, "error code");

  TftpFieldAnswer data;
  data.kind = TftpFieldAnswer::Kind::kData;
  d = diff_tftp(f, data);
  ASSERT_NE(d.decisive(), nullptr);
  EXPECT_EQ(d.decisive()->field, "answer");
  EXPECT_EQ(d.decisive()->field_value, "OACK");
  EXPECT_EQ(d.decisive()->new_value, "DATA");
}

}  // namespace
}  // namespace pxelab::conformance::replay
