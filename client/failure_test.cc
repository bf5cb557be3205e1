#include "client/failure.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace pxelab::client {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(FailureReason, EveryReasonHasANameThatParsesBackAndADefaultText) {
  for (int i = 0; i <= static_cast<int>(FailureReason::kDeadline); ++i) {
    const auto r = static_cast<FailureReason>(i);
    const std::string_view name = to_string(r);
    ASSERT_FALSE(name.empty()) << i;
    EXPECT_EQ(parse_failure_reason(name), r) << name;
    const Failure f = failure_for(Personality{}, r);
    EXPECT_FALSE(f.code.empty()) << name;
    EXPECT_EQ(f.text.rfind(f.code + ":", 0), 0u) << "the code is the text up to ':' for " << name;
  }
  EXPECT_EQ(to_string(FailureReason::kNoOffers), "no_offers");
  EXPECT_EQ(failure_for(Personality{}, FailureReason::kTftpNotFound).code, "PXE-E3B");
}

TEST(FailureReason, AMisspeltNameIsNoReason) {
  EXPECT_FALSE(parse_failure_reason("no_ofers").has_value());
  EXPECT_FALSE(parse_failure_reason("").has_value());
  EXPECT_FALSE(parse_failure_reason("NO_OFFERS").has_value());
}

TEST(FailureReason, APersonalitysTextWinsOverTheDefault) {
  Personality p;
  p.failures[FailureReason::kNoOffers] = "BOOTP-TIMEOUT: no BOOTREPLY";
  const Failure f = failure_for(p, FailureReason::kNoOffers);
  EXPECT_EQ(f.code, "BOOTP-TIMEOUT");
  EXPECT_EQ(f.text, "BOOTP-TIMEOUT: no BOOTREPLY");
  EXPECT_EQ(failure_for(p, FailureReason::kNoAck).code, "PXE-E51") << "other reasons keep their default";
}

TEST(FailureReason, APersonalityFileWithAMisspeltReasonIsRejectedWithItsName) {
  const std::string path = std::string(PXELAB_SOURCE_DIR) + "/client/personalities/bootp-prom.toml";
  std::string text = read_file(path);
  auto good = parse_personality(text, path);
  ASSERT_TRUE(good.ok()) << good.error().to_string();
  EXPECT_EQ(good->failures.at(FailureReason::kNoOffers), "BOOTP-TIMEOUT: no BOOTREPLY (RFC 951)");

  const auto at = text.find("[failures]\n");
  ASSERT_NE(at, std::string::npos);
  text.insert(at + 11, "no_ofers = \"PXE-E51: typo\"\n");
  auto bad = parse_personality(text, path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().to_string().find("failures.no_ofers"), std::string::npos) << bad.error().to_string();
  EXPECT_NE(bad.error().to_string().find("unknown failure reason"), std::string::npos) << bad.error().to_string();
}

}  // namespace
}  // namespace pxelab::client
