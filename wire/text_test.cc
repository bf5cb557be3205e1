// The one copy of the small text helpers (wire/text.h), on literal expectations.
#include "wire/text.h"

#include <gtest/gtest.h>

namespace pxelab::wire {
namespace {

TEST(Text, CaseFoldingIsAsciiOnly) {
  EXPECT_EQ(lowercase("BlkSize TSIZE"), "blksize tsize");
  EXPECT_EQ(lowercase("\xC4"), "\xC4");  // no locale: octets above 0x7f stay
  EXPECT_TRUE(iequals("WindowSize", "windowsize"));
  EXPECT_FALSE(iequals("blksize", "blksiz"));
  EXPECT_FALSE(iequals("a", "b"));
  EXPECT_TRUE(iends_with("IPXE.EFI", ".efi"));
  EXPECT_FALSE(iends_with("efi", ".efi"));
}

TEST(Text, HexForms) {
  EXPECT_EQ(hex32(0x1a2b3c4d), "0x1a2b3c4d");
  EXPECT_EQ(hex32(7), "0x00000007");
  const Bytes octets = {0x00, 0xff, 0x1a, 0x09};
  EXPECT_EQ(hex_octets(octets), "00ff1a09");
  EXPECT_EQ(hex_octets({}), "");
}

}  // namespace
}  // namespace pxelab::wire
