#include "wire/tftp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace pxelab::wire {
namespace {

using ::testing::ElementsAreArray;

std::vector<std::uint8_t> bytes(std::string_view s) { return std::vector<std::uint8_t>(s.begin(), s.end()); }

// RRQ "pxelinux.0" octet, blksize 1468, tsize 0 (what PXE ROMs send).
const std::vector<std::uint8_t> kRrq = bytes(std::string_view(
    "\x00\x01pxelinux.0\x00octet\x00"
    "blksize\x00" "1468\x00tsize\x00" "0\x00",
    2 + 11 + 6 + 8 + 5 + 6 + 2));
const std::vector<std::uint8_t> kWrq = bytes(std::string_view("\x00\x02log.txt\x00netascii\x00", 2 + 8 + 9));
const std::vector<std::uint8_t> kData = {0x00, 0x03, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef};
const std::vector<std::uint8_t> kAck = {0x00, 0x04, 0xff, 0xff};
const std::vector<std::uint8_t> kError =
    bytes(std::string_view("\x00\x05\x00\x01" "File not found\x00", 4 + 15));
const std::vector<std::uint8_t> kOack = bytes(std::string_view(
    "\x00\x06" "blksize\x00" "1468\x00tsize\x00" "80000\x00windowsize\x00" "4\x00X-Vendor\x00hi\x00",
    2 + 8 + 5 + 6 + 6 + 11 + 2 + 9 + 3));

TEST(Tftp, ParsesRrqWithOptions) {
  auto p = parse_tftp(kRrq);
  ASSERT_TRUE(p) << p.error().to_string();
  const auto& r = std::get<TftpRequest>(*p);
  EXPECT_EQ(r.opcode, TftpOpcode::kRrq);
  EXPECT_EQ(r.filename, "pxelinux.0");
  EXPECT_EQ(r.mode, "octet");
  ASSERT_EQ(r.options.entries.size(), 2u);
  EXPECT_EQ(r.options.blksize(), 1468);
  EXPECT_EQ(r.options.tsize(), 0u);
  EXPECT_FALSE(r.options.timeout());
  EXPECT_FALSE(r.options.windowsize());
}

TEST(Tftp, BuildsGoldenBytesForEveryOpcode) {
  TftpRequest rrq{TftpOpcode::kRrq, "pxelinux.0", "octet", {}};
  rrq.options.set_blksize(1468);
  rrq.options.set_tsize(0);
  EXPECT_THAT(encode_tftp(rrq), ElementsAreArray(kRrq));
  EXPECT_THAT(encode_tftp(TftpRequest{TftpOpcode::kWrq, "log.txt", "netascii", {}}), ElementsAreArray(kWrq));
  const std::uint8_t payload[] = {0xde, 0xad, 0xbe, 0xef};
  EXPECT_THAT(encode_tftp(TftpData{0x1234, payload}), ElementsAreArray(kData));
  EXPECT_THAT(encode_tftp(TftpAck{0xffff}), ElementsAreArray(kAck));
  EXPECT_THAT(encode_tftp(TftpError{1, "File not found"}), ElementsAreArray(kError));
  TftpOack oack;
  oack.options.set_blksize(1468);
  oack.options.set_tsize(80000);
  oack.options.set_windowsize(4);
  oack.options.set("X-Vendor", "hi");
  EXPECT_THAT(encode_tftp(oack), ElementsAreArray(kOack));
}

TEST(Tftp, RoundTripsBothWays) {
  for (const auto* golden : {&kRrq, &kWrq, &kData, &kAck, &kError, &kOack}) {
    auto p = parse_tftp(*golden);
    ASSERT_TRUE(p) << p.error().to_string();
    EXPECT_EQ(tftp_size(*p), golden->size());
    const Bytes again = encode_tftp(*p);
    EXPECT_EQ(again, *golden);
    auto q = parse_tftp(again);
    ASSERT_TRUE(q);
    EXPECT_EQ(*q, *p);
  }
}

TEST(Tftp, DataViewsTheBufferAndMayBeEmpty) {
  auto p = parse_tftp(kData);
  const auto& d = std::get<TftpData>(*p);
  EXPECT_EQ(d.block, 0x1234);
  EXPECT_EQ(d.data.data(), kData.data() + 4);
  const std::vector<std::uint8_t> last = {0x00, 0x03, 0x00, 0x07};  // final empty block
  auto e = parse_tftp(last);
  ASSERT_TRUE(e);
  EXPECT_TRUE(std::get<TftpData>(*e).data.empty());
}

TEST(Tftp, OackTypedOptionsAndUnknownKeptInOrder) {
  auto p = parse_tftp(kOack);
  const auto& o = std::get<TftpOack>(*p).options;
  EXPECT_EQ(o.blksize(), 1468);
  EXPECT_EQ(o.tsize(), 80000u);
  EXPECT_EQ(o.windowsize(), 4);
  ASSERT_EQ(o.entries.size(), 4u);
  EXPECT_EQ(o.entries[3], (TftpOption{"X-Vendor", "hi"}));
  ASSERT_NE(o.find("x-vendor"), nullptr);  // case-insensitive names, RFC 2347
  EXPECT_EQ(*o.find("x-vendor"), "hi");
}

TEST(Tftp, TypedOptionRangesAndCase) {
  TftpOptions o;
  o.entries = {{"BLKSIZE", "7"}, {"Timeout", "0"}, {"windowSize", "65536"}, {"tsize", "12a"}};
  EXPECT_FALSE(o.blksize());  // RFC 2348: 8..65464
  EXPECT_FALSE(o.timeout());  // RFC 2349: 1..255
  EXPECT_FALSE(o.windowsize());  // RFC 7440: 1..65535
  EXPECT_FALSE(o.tsize());
  o.entries = {{"BLKSIZE", "65464"}, {"Timeout", "255"}, {"windowSize", "1"}, {"tsize", "18446744073709551615"}};
  EXPECT_EQ(o.blksize(), 65464);
  EXPECT_EQ(o.timeout(), 255);
  EXPECT_EQ(o.windowsize(), 1);
  EXPECT_EQ(o.tsize(), 18446744073709551615u);
  o.entries = {{"blksize", "+512"}, {"timeout", " 5"}};
  EXPECT_FALSE(o.blksize());
  EXPECT_FALSE(o.timeout());
  o.set_blksize(512);  // replaces the first, keeps its position
  EXPECT_EQ(o.entries[0], (TftpOption{"blksize", "512"}));
  o.set_timeout(3);
  EXPECT_EQ(o.entries[1].value, "3");
}

struct Bad {
  const char* what;
  std::string_view bytes;
  const char* field;
  std::size_t offset;
};

TEST(Tftp, MalformedPacketsNameFieldAndOffset) {
  using namespace std::string_view_literals;
  const Bad cases[] = {
      {"empty", ""sv, "tftp.opcode", 0},
      {"one byte", "\x00"sv, "tftp.opcode", 0},
      {"opcode 0", "\x00\x00"sv, "tftp.opcode", 0},
      {"opcode 7", "\x00\x07\x00\x00"sv, "tftp.opcode", 0},
      {"RRQ no filename", "\x00\x01"sv, "tftp.filename", 2},
      {"RRQ unterminated filename", "\x00\x01" "abc"sv, "tftp.filename", 2},
      {"RRQ empty filename", "\x00\x01\x00octet\x00"sv, "tftp.filename", 2},
      {"RRQ no mode", "\x00\x01" "abc\x00"sv, "tftp.mode", 6},
      {"RRQ unterminated mode", "\x00\x01" "abc\x00octet"sv, "tftp.mode", 6},
      {"RRQ empty mode", "\x00\x01" "abc\x00\x00"sv, "tftp.mode", 6},
      {"option without value", "\x00\x01" "a\x00octet\x00" "blksize\x00"sv, "tftp.option.value", 18},
      {"unterminated value", "\x00\x01" "a\x00octet\x00" "blksize\x00" "5"sv, "tftp.option.value", 18},
      {"unterminated name", "\x00\x01" "a\x00octet\x00" "blk"sv, "tftp.option.name", 10},
      {"empty name", "\x00\x01" "a\x00octet\x00\x00" "5\x00"sv, "tftp.option.name", 10},
      {"OACK option without value", "\x00\x06tsize\x00"sv, "tftp.option.value", 8},
      {"DATA no block", "\x00\x03\x00"sv, "tftp.block", 2},
      {"ACK no block", "\x00\x04"sv, "tftp.block", 2},
      {"ACK trailing", "\x00\x04\x00\x01\x00"sv, "tftp.packet", 4},
      {"ERROR no code", "\x00\x05\x00"sv, "tftp.error_code", 2},
      {"ERROR no message", "\x00\x05\x00\x01"sv, "tftp.error_message", 4},
      {"ERROR unterminated", "\x00\x05\x00\x01oops"sv, "tftp.error_message", 4},
      {"ERROR trailing", "\x00\x05\x00\x01oops\x00x"sv, "tftp.packet", 9},
  };
  for (const auto& c : cases) {
    auto p = parse_tftp(bytes(c.bytes));
    ASSERT_FALSE(p) << c.what;
    EXPECT_EQ(p.error().field, c.field) << c.what;
    EXPECT_EQ(p.error().offset, c.offset) << c.what << ": " << p.error().to_string();
  }
}

TEST(Tftp, UnterminatedStringFault) {
  TftpFaults f{.unterminated_last_string = true};
  TftpRequest rrq{TftpOpcode::kRrq, "boot.img", "octet", {}};
  Bytes b = encode_tftp(rrq, f);
  EXPECT_EQ(b.size(), tftp_size(rrq) - 1);
  auto p = parse_tftp(b);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().field, "tftp.mode");

  rrq.options.set_blksize(1024);
  p = parse_tftp(encode_tftp(rrq, f));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().field, "tftp.option.value");

  p = parse_tftp(encode_tftp(TftpError{0, "x"}, f));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().field, "tftp.error_message");

  TftpOack oack;
  oack.options.set_tsize(1);
  p = parse_tftp(encode_tftp(oack, f));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().field, "tftp.option.value");

  EXPECT_EQ(encode_tftp(TftpAck{1}, f), encode_tftp(TftpAck{1}));  // no strings: no effect
}

TEST(Tftp, EmitRefusesShortBuffer) {
  std::uint8_t out[3];
  EXPECT_EQ(emit_tftp(TftpAck{1}, out), 0u);
}

TEST(Tftp, EveryPrefixParsesOrFailsCleanly) {
  for (const auto* golden : {&kRrq, &kWrq, &kData, &kAck, &kError, &kOack}) {
    for (std::size_t n = 0; n <= golden->size(); ++n) {
      const std::vector<std::uint8_t> prefix(golden->begin(), golden->begin() + static_cast<long>(n));
      auto p = parse_tftp(prefix);
      if (p) {
        EXPECT_EQ(parse_tftp(encode_tftp(*p)).ok(), true);
      } else {
        EXPECT_LE(p.error().offset, n);
      }
    }
  }
}

TEST(Tftp, OpcodeNames) {
  EXPECT_EQ(to_string(TftpOpcode::kOack), "OACK");
  EXPECT_EQ(opcode_of(TftpPacket(TftpAck{})), TftpOpcode::kAck);
}

}  // namespace
}  // namespace pxelab::wire
