#include "wire/address.h"

#include <gtest/gtest.h>

namespace pxelab::wire {
namespace {

TEST(MacAddress, ParsesAndFormatsBothSeparators) {
  auto a = MacAddress::parse("52:54:00:AB:cd:0f");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_string(), "52:54:00:ab:cd:0f");
  EXPECT_EQ(MacAddress::parse("52-54-00-ab-cd-0f"), a);
}

TEST(MacAddress, RejectsMalformed) {
  EXPECT_FALSE(MacAddress::parse(""));
  EXPECT_FALSE(MacAddress::parse("52:54:00:ab:cd"));
  EXPECT_FALSE(MacAddress::parse("52:54:00:ab:cd:0g"));
  EXPECT_FALSE(MacAddress::parse("52.54.00.ab.cd.0f"));
}

TEST(MacAddress, Classifies) {
  EXPECT_TRUE(MacAddress::broadcast().is_broadcast());
  EXPECT_TRUE(MacAddress::broadcast().is_multicast());
  EXPECT_TRUE(MacAddress{}.is_zero());
  EXPECT_FALSE(MacAddress::parse("52:54:00:00:00:01")->is_multicast());
}

TEST(Ipv4Address, ParsesAndFormats) {
  auto a = Ipv4Address::parse("192.0.2.1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, 0xC0000201u);
  EXPECT_EQ(a->to_string(), "192.0.2.1");
  EXPECT_EQ(Ipv4Address::from_octets(198, 18, 0, 1).to_string(), "198.18.0.1");
}

TEST(Ipv4Address, RejectsMalformed) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "a.b.c.d", "1.2.3.4 ", "0001.2.3.4"}) {
    EXPECT_FALSE(Ipv4Address::parse(bad)) << bad;
  }
}

}  // namespace
}  // namespace pxelab::wire
