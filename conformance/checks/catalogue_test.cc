// Tests of the catalogue as a whole: ids, citations, a pass and a fail test per check,
// selection, not-applicable rules, the detail limit.
#include <fstream>
#include <set>
#include <sstream>

#include "conformance/checks/checks_testlib.h"

namespace pxelab::conformance::testing {

TEST(Catalogue, HasAtLeastFortyChecksWithUniqueIdsAndAllFields) {
  std::set<std::string_view> ids;
  for (const auto& c : catalogue()) {
    EXPECT_TRUE(ids.insert(c.id).second) << "duplicate id " << c.id;
    EXPECT_FALSE(c.title.empty()) << c.id;
    EXPECT_FALSE(c.citation.empty()) << c.id;
    EXPECT_NE(c.run, nullptr) << c.id;
  }
  EXPECT_GE(ids.size(), 40u);
}

TEST(Catalogue, EveryCheckHasAPassAndAFailTest) {
  std::string text;
  for (const char* f : {"checks_dhcp_test.cc", "checks_pxe_test.cc", "checks_tftp_test.cc", "checks_client_test.cc"}) {
    std::ifstream in(std::string(PXELAB_SOURCE_DIR) + "/conformance/checks/" + f);
    ASSERT_TRUE(in) << f;
    std::stringstream ss;
    ss << in.rdbuf();
    text += ss.str();
  }
  for (const auto& c : catalogue()) {
    const std::string quoted = "\"" + std::string(c.id) + "\"";
    bool pass = false, fail = false;
    // The id belongs to the nearest expect_pass( / expect_fail( before it.
    for (std::size_t at = text.find(quoted); at != std::string::npos; at = text.find(quoted, at + 1)) {
      const std::size_t p = text.rfind("expect_pass(", at), f = text.rfind("expect_fail(", at);
      if (p != std::string::npos && (f == std::string::npos || p > f)) pass = true;
      if (f != std::string::npos && (p == std::string::npos || f > p)) fail = true;
    }
    EXPECT_TRUE(pass) << c.id << " has no expect_pass test";
    EXPECT_TRUE(fail) << c.id << " has no expect_fail test";
  }
}

TEST(Catalogue, SelectionByIdAndPrefix) {
  auto all = select_checks("");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), catalogue().size());
  auto some = select_checks("dhcp-dest, TFTP-*");
  ASSERT_TRUE(some.ok());
  EXPECT_EQ((*some)[0]->id, "DHCP-DEST");
  EXPECT_GT(some->size(), 10u);
  auto bad = select_checks("DHCP-DEST,NOPE");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("NOPE"), std::string::npos);
}

TEST(Catalogue, NothingToJudgeIsNotApplicableNeverPass) {
  Lab empty;
  for (const auto& c : catalogue()) {
    auto r = judge(empty, c.id);
    EXPECT_EQ(r.verdict, Verdict::kNotApplicable) << c.id;
    EXPECT_FALSE(r.reason.empty()) << c.id;
  }
}

TEST(Catalogue, OutcomeChecksAreNotApplicableOnACapture) {
  Lab lab = dora();
  conformance::Run run;
  run.from_capture = true;
  client::ClientOutcome o;
  o.status = client::BootStatus::kFailed;
  run.outcomes.push_back(o);
  EXPECT_EQ(judge(lab, "OUTCOME-BOOTED", run).verdict, Verdict::kNotApplicable);
  EXPECT_EQ(judge(lab, "OUTCOME-CODE", run).verdict, Verdict::kNotApplicable);
}

TEST(Catalogue, AGoodDoraPassesEveryServerCheckItJudges) {
  Lab lab = dora({.pxe = true});
  conformance::Run run;
  run.trace = &lab.trace;
  AnalyzedRun analyzed(run);
  for (const auto& c : catalogue()) {
    auto r = run_check(analyzed.analysis(), c);
    EXPECT_NE(r.verdict, Verdict::kFail) << c.id << ": " << describe(r);
  }
}

}  // namespace pxelab::conformance::testing

namespace pxelab::conformance::testing {

TEST(Catalogue, FindingsBeyondTheDetailLimitAreCountedNotKept) {
  Judge j("X", Level::kMust);
  for (std::size_t i = 0; i < kDetailLimit + 500; ++i) {
    j.judge();
    if (j.saturated()) {
      j.count();
    } else {
      j.fail(kClientMac, "", {i}, "bad");
    }
  }
  EXPECT_EQ(j.findings().size(), kDetailLimit);
  EXPECT_EQ(j.total(), kDetailLimit + 500);
}

}  // namespace pxelab::conformance::testing
