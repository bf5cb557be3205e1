#include <gtest/gtest.h>

#include "conformance/checks/catalogue.h"
#include "conformance/scenario/scenario_steps.h"

namespace pxelab::conformance {
namespace {

CheckResult failed(std::string_view id) {
  CheckResult r;
  r.check = find_check(id);
  r.verdict = Verdict::kFail;
  r.findings.push_back(Finding{});
  r.findings_total = 1;
  return r;
}

// Issue 10: a check that needs a capability the profile does not claim is "not
// applicable" with the reason, never "fail"; a claimed one, or one that needs
// nothing, keeps its verdict and findings.
TEST(SutCapabilities, AFailedCheckNeedingAnUnclaimedCapabilityIsNotApplicableWithTheReason) {
  sut::Capabilities caps;
  caps.tftp_options = {"blksize", "tsize"};
  caps.proxy_dhcp = true;
  std::vector<CheckResult> results = {failed("TFTP-WINDOW"), failed("TFTP-BLKSIZE"), failed("PXE-PROXY-OFFER"),
                                      failed("DHCP-SERVER-ID"), failed("BOOTP-REPLY")};
  ASSERT_TRUE(std::all_of(results.begin(), results.end(), [](const auto& r) { return r.check != nullptr; }));
  mark_unclaimed(caps, "tftp-x", results);
  EXPECT_EQ(results[0].verdict, Verdict::kNotApplicable);
  EXPECT_EQ(results[0].reason, "profile tftp-x does not claim windowsize (1 finding(s) not rated)");
  EXPECT_TRUE(results[0].findings.empty());
  EXPECT_EQ(results[1].verdict, Verdict::kFail);  // blksize is claimed
  EXPECT_EQ(results[2].verdict, Verdict::kFail);  // proxy_dhcp is claimed
  EXPECT_EQ(results[3].verdict, Verdict::kFail);  // needs nothing
  EXPECT_EQ(results[3].findings_total, 1u);
  EXPECT_EQ(results[4].verdict, Verdict::kNotApplicable);  // bootp is not claimed
}

}  // namespace
}  // namespace pxelab::conformance
