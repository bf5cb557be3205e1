#include "wire/ipv4.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "wire/checksum.h"

namespace pxelab::wire {
namespace {

using ::testing::ElementsAreArray;

// A textbook header (checksum 0xb861): 4500 0073 0000 4000 4011 b861 c0a8 0001
// c0a8 00c7, followed by its 95 payload bytes.
std::vector<std::uint8_t> textbook_packet() {
  std::vector<std::uint8_t> b = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  for (int i = 0; i < 95; ++i) b.push_back(static_cast<std::uint8_t>(i));
  return b;
}

void set_checksum(std::vector<std::uint8_t>& b, std::size_t hlen) {
  b[10] = b[11] = 0;
  const std::uint16_t c = internet_checksum(ByteView(b).first(hlen));
  b[10] = static_cast<std::uint8_t>(c >> 8);
  b[11] = static_cast<std::uint8_t>(c);
}

TEST(Ipv4, ParsesTextbookHeader) {
  const auto b = textbook_packet();
  auto v = Ipv4View::parse(b);
  ASSERT_TRUE(v) << v.error().to_string();
  EXPECT_EQ(v->header_size(), 20u);
  EXPECT_EQ(v->total_length(), 115);
  EXPECT_TRUE(v->dont_fragment());
  EXPECT_FALSE(v->more_fragments());
  EXPECT_FALSE(v->is_fragment());
  EXPECT_EQ(v->ttl(), 64);
  EXPECT_EQ(v->protocol(), ip_protocol::kUdp);
  EXPECT_EQ(v->checksum(), 0xb861);
  EXPECT_TRUE(v->checksum_ok());
  EXPECT_EQ(v->src(), Ipv4Address::from_octets(192, 168, 0, 1));
  EXPECT_EQ(v->dst(), Ipv4Address::from_octets(192, 168, 0, 199));
  EXPECT_EQ(v->payload().size(), 95u);
  EXPECT_EQ(v->payload()[1], 1);
}

TEST(Ipv4, EmitReproducesTextbookHeader) {
  const auto b = textbook_packet();
  const Ipv4Repr r = Ipv4View::parse(b)->repr();
  EXPECT_EQ(r.payload_size, 95);
  std::vector<std::uint8_t> out(20);
  ASSERT_EQ(r.emit(out), 20u);
  EXPECT_THAT(out, ElementsAreArray(b.begin(), b.begin() + 20));
}

TEST(Ipv4, OptionsAreSkippedByIhlAndRoundTrip) {
  // IHL 6: Router Alert option (RFC 2113) 94 04 00 00.
  std::vector<std::uint8_t> b = {0x46, 0x00, 0x00, 0x1a, 0xab, 0xcd, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00,
                                 0xc0, 0x00, 0x02, 0x01, 0xe0, 0x00, 0x00, 0x16, 0x94, 0x04, 0x00, 0x00,
                                 0x11, 0x22};
  set_checksum(b, 24);
  auto v = Ipv4View::parse(b);
  ASSERT_TRUE(v) << v.error().to_string();
  EXPECT_EQ(v->header_size(), 24u);
  EXPECT_THAT(v->options(), ElementsAreArray({0x94, 0x04, 0x00, 0x00}));
  EXPECT_THAT(v->payload(), ElementsAreArray({0x11, 0x22}));
  EXPECT_TRUE(v->checksum_ok());
  const Ipv4Repr r = v->repr();
  std::vector<std::uint8_t> out(b.size());
  ASSERT_EQ(r.emit(out), 24u);
  out[24] = 0x11;
  out[25] = 0x22;
  EXPECT_EQ(out, b);
}

TEST(Ipv4, OddLengthOptionsArePaddedWithZeros) {
  Ipv4Repr r;
  const std::uint8_t nop_nop_eol[] = {1, 1, 0};
  r.options = Ipv4Options::from(nop_nop_eol);
  EXPECT_EQ(r.header_size(), 24u);
  std::vector<std::uint8_t> out(24, 0xee);
  ASSERT_EQ(r.emit(out), 24u);
  EXPECT_THAT(ByteView(out).subspan(20), ElementsAreArray({1, 1, 0, 0}));
  EXPECT_EQ(out[0], 0x46);
}

TEST(Ipv4, FragmentsAreRecognisedNotReassembled) {
  Ipv4Repr r;
  r.more_fragments = true;
  r.payload_size = 8;
  std::vector<std::uint8_t> out(28);
  r.emit(out);
  EXPECT_TRUE(Ipv4View::parse(out)->is_fragment());
  r.more_fragments = false;
  r.fragment_offset = 185;  // 1480 bytes
  r.emit(out);
  auto v = Ipv4View::parse(out);
  EXPECT_TRUE(v->is_fragment());
  EXPECT_EQ(v->fragment_offset(), 185);
  EXPECT_EQ(out[6], 0x00);
  EXPECT_EQ(out[7], 185);
  EXPECT_EQ(v->repr(), r);
}

TEST(Ipv4, AllFlagBitsRoundTrip) {
  Ipv4Repr r;
  r.reserved_flag = r.dont_fragment = r.more_fragments = true;
  r.fragment_offset = 0x1fff;
  r.tos = 0xb8;
  r.identification = 0xfffe;
  r.ttl = 255;
  r.protocol = 99;
  r.src = Ipv4Address::from_octets(198, 18, 0, 1);
  r.dst = Ipv4Address::from_octets(198, 19, 255, 255);
  std::vector<std::uint8_t> out(20);
  r.emit(out);
  EXPECT_EQ(out[6], 0xff);
  EXPECT_EQ(out[7], 0xff);
  auto v = Ipv4View::parse(out);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->repr(), r);
  EXPECT_TRUE(v->checksum_ok());
}

TEST(Ipv4, PaddingAfterTotalLengthIsIgnored) {
  auto b = textbook_packet();
  b.resize(b.size() + 10, 0);  // what a link adds to reach a minimum frame size
  auto v = Ipv4View::parse(b);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->payload().size(), 95u);
}

TEST(Ipv4, BadChecksumIsReportedNotRejected) {
  auto b = textbook_packet();
  b[11] ^= 1;
  auto v = Ipv4View::parse(b);
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->checksum_ok());
}

TEST(Ipv4, FaultsWriteExactlyTheAskedDefect) {
  Ipv4Repr r;
  r.payload_size = 4;
  std::vector<std::uint8_t> out(24);
  r.emit(out, Ipv4Faults{.bad_checksum = true});
  auto v = Ipv4View::parse(out);
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->checksum_ok());
  EXPECT_EQ(v->total_length(), 24);

  r.emit(out, Ipv4Faults{.total_length = 200});
  EXPECT_EQ(out[2], 0);
  EXPECT_EQ(out[3], 200);
  EXPECT_EQ(ones_complement_sum(ByteView(out).first(20)), 0xffff);  // checksum covers the lie
  auto e = Ipv4View::parse(out);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().field, "ipv4.total_length");
  EXPECT_EQ(e.error().offset, 2u);
}

struct Bad {
  const char* what;
  std::size_t byte;
  std::uint8_t value;
  const char* field;
  std::size_t offset;
};

TEST(Ipv4, MalformedHeadersNameFieldAndOffset) {
  const Bad cases[] = {
      {"version 6", 0, 0x65, "ipv4.version", 0},
      {"IHL 4", 0, 0x44, "ipv4.ihl", 0},
      {"total length below header", 3, 0x10, "ipv4.total_length", 2},
      {"total length beyond buffer", 2, 0x01, "ipv4.total_length", 2},
  };
  for (const auto& c : cases) {
    auto b = textbook_packet();
    b[c.byte] = c.value;
    auto v = Ipv4View::parse(b);
    ASSERT_FALSE(v) << c.what;
    EXPECT_EQ(v.error().field, c.field) << c.what;
    EXPECT_EQ(v.error().offset, c.offset) << c.what;
  }
  // IHL beyond the buffer itself.
  auto h = textbook_packet();
  h.resize(20);
  h[0] = 0x46;
  auto v = Ipv4View::parse(h);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().field, "ipv4.ihl");
  auto s = Ipv4View::parse(ByteView(h).first(19));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().field, "ipv4.header");
  EXPECT_EQ(s.error().offset, 0u);
}

TEST(Ipv4, EveryPrefixParsesOrFailsCleanly) {
  const auto b = textbook_packet();
  for (std::size_t n = 0; n <= b.size(); ++n) {
    const std::vector<std::uint8_t> prefix(b.begin(), b.begin() + static_cast<long>(n));
    auto v = Ipv4View::parse(prefix);
    if (n == b.size()) {
      ASSERT_TRUE(v);
    } else {
      ASSERT_FALSE(v) << n;
      EXPECT_TRUE(v.error().field == "ipv4.header" || v.error().field == "ipv4.total_length") << n;
    }
  }
}

}  // namespace
}  // namespace pxelab::wire
