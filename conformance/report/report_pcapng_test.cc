// Findings become packet comments on the frames they cite.
#include "conformance/report/report_pcapng.h"

#include <gtest/gtest.h>

#include "conformance/checks/checks_testlib.h"

namespace pxelab::conformance::testing {
namespace {

TEST(ReportPcapng, EachFindingIsACommentOnEveryFrameItCites) {
  Lab lab = dora({.offer = [](Message& m) { m.ciaddr = kYiaddr; }, .pxe = true});
  const CheckedLab checked(lab);
  const auto& [run, analyzed, results] = checked;
  const auto comments = finding_comments(results);
  ASSERT_FALSE(comments.empty());
  bool offer_ciaddr = false;
  for (const auto& c : comments) {
    EXPECT_EQ(c.text.rfind("FAIL ", 0), 0u) << c.text;
    if (c.text.find("DHCP-OFFER-CIADDR (MUST): ") != std::string::npos) {
      offer_ciaddr = true;
      EXPECT_EQ(c.frame, 1u) << "the OFFER is trace index 1 (Wireshark's frame 2)";
      EXPECT_NE(c.text.find("frames 2"), std::string::npos) << c.text;
      EXPECT_NE(c.text.find("02:00:00:00:00:10"), std::string::npos) << c.text;
    }
  }
  EXPECT_TRUE(offer_ciaddr);
}

TEST(ReportPcapng, AFrameCitedTwiceByOneFindingGetsOneCommentAndFramelessFindingsNone) {
  Finding f;
  f.check = "X-1";
  f.frames = {4, 4, 5};
  f.message = "m";
  Finding none = f;
  none.frames.clear();
  CheckResult r;
  r.findings = {f, none};
  const auto comments = finding_comments(std::span<const CheckResult>(&r, 1));
  ASSERT_EQ(comments.size(), 2u);
  EXPECT_EQ(comments[0].frame, 4u);
  EXPECT_EQ(comments[1].frame, 5u);
  EXPECT_EQ(comments[0].text, "FAIL X-1 (MUST): m [frames 5,5,6]");
}

}  // namespace
}  // namespace pxelab::conformance::testing
