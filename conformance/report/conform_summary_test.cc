#include "conformance/report/conform_summary.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace pxelab::conformance {
namespace {

using nlohmann::json;

json summary(const std::string& shard, std::size_t suite_size, const std::vector<std::string>& names,
             const std::string& profile = "dnsmasq") {
  json rows = json::array();
  for (const auto& n : names) rows.push_back({{"scenario", n}, {"verdict", "pass"}, {"why", ""}});
  return {{"schema", kConformSchema}, {"profile", profile}, {"suite", "core"}, {"shard", shard},
          {"suite_scenarios", suite_size}, {"scenarios", rows}};
}

TEST(Shard, ParsesKOfNAndRefusesWhatIsNot) {
  auto s = parse_shard("2/4");
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->index, 2u);
  EXPECT_EQ(s->count, 4u);
  for (const char* bad : {"", "2", "0/4", "5/4", "1/0", "a/b", "1/2/3", "-1/2", "1/1001", "1 /2"}) {
    auto r = parse_shard(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("is not K/N"), std::string::npos) << r.error().message;
  }
}

TEST(Shard, EveryPositionIsInExactlyOneShard) {
  for (unsigned n = 1; n <= 5; ++n) {
    for (std::size_t pos = 0; pos < 12; ++pos) {
      int in = 0;
      for (unsigned k = 1; k <= n; ++k) in += in_shard(Shard{k, n}, pos);
      EXPECT_EQ(in, 1) << pos << " of " << n;
    }
  }
}

TEST(MergeConformSummaries, ShardsOfOneRunBecomeOneSummary) {
  auto m = merge_conform_summaries({summary("2/2", 3, {"conform-b"}), summary("1/2", 3, {"conform-c", "conform-a"})});
  ASSERT_TRUE(m) << m.error().to_string();
  EXPECT_EQ((*m)["shard"], "1/1");
  EXPECT_EQ((*m)["merged_shards"], 2);
  ASSERT_EQ((*m)["scenarios"].size(), 3u);
  EXPECT_EQ((*m)["scenarios"][0]["scenario"], "conform-a");  // by name
  EXPECT_EQ((*m)["scenarios"][2]["scenario"], "conform-c");
}

TEST(MergeConformSummaries, SaysWhatIsWrongWithTheInputs) {
  const auto error_of = [](const std::vector<json>& in) {
    auto m = merge_conform_summaries(in);
    return m ? std::string("merged") : m.error().to_string();
  };
  EXPECT_NE(error_of({summary("1/3", 3, {"a"}), summary("3/3", 3, {"c"})}).find("shard 2/3 missing"), std::string::npos);
  EXPECT_NE(error_of({summary("1/2", 2, {"a"}), summary("1/2", 2, {"b"})}).find("given twice"), std::string::npos);
  EXPECT_NE(error_of({summary("1/2", 2, {"a"}), summary("2/2", 2, {"a"})}).find("in two shards"), std::string::npos);
  EXPECT_NE(error_of({summary("1/2", 2, {"a"}), summary("2/2", 2, {"b"}, "kea-tftpd-hpa")}).find("one run"),
            std::string::npos);
  EXPECT_NE(error_of({summary("1/2", 2, {"a"}), summary("2/3", 2, {"b"})}).find("same N"), std::string::npos);
  EXPECT_NE(error_of({summary("1/1", 3, {"a", "b"})}).find("the suite has 3"), std::string::npos);
  EXPECT_NE(error_of({json{{"schema", "pxelab-report/1"}}}).find("input 1: not a pxelab conform summary"),
            std::string::npos);
  EXPECT_NE(error_of({json::array()}).find("not a pxelab conform summary"), std::string::npos);
  EXPECT_NE(error_of({}).find("nothing to merge"), std::string::npos);
}

TEST(MergeJunit, EveryTestsuiteUnderOneRoot) {
  const std::string a = "<?xml version=\"1.0\"?>\n<testsuites name=\"pxelab run a\">\n<testsuite name=\"a\"/>\n</testsuites>\n";
  const std::string b = "<?xml version=\"1.0\"?>\n<testsuites name=\"pxelab run b\">\n<testsuite name=\"b\"/>\n</testsuites>\n";
  auto j = merge_junit("pxelab conform dnsmasq <core>", {{"a", a}, {"b", b}});
  ASSERT_TRUE(j) << j.error().to_string();
  EXPECT_EQ(*j, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"pxelab conform dnsmasq &lt;core&gt;\">\n"
                "<testsuite name=\"a\"/>\n<testsuite name=\"b\"/>\n</testsuites>\n");
  auto bad = merge_junit("x", {{"a", a}, {"cut", "<testsuites name=\"x\"><testsuite"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("cut/junit.xml is not a pxelab junit.xml"), std::string::npos);
}

json report(const std::vector<json>& checks, const std::vector<json>& findings = {}) {
  return {{"checks", checks}, {"findings", findings}};
}
json check(const std::string& id, const std::string& verdict, const std::string& role = "server",
           const std::string& reason = "") {
  return {{"id", id}, {"verdict", verdict}, {"role", role}, {"level", "MUST"}, {"title", id + " title"},
          {"citation", "RFC 2131"}, {"reason", reason.empty() ? json() : json(reason)}};
}

TEST(ConformMatrix, FailBeatsPassBeatsNotApplicableAndClientChecksAreLeftOut) {
  const json s1 = summary("1/1", 2, {"conform-bios", "conform-probe"}, "dnsmasq");
  const json s2 = summary("1/1", 2, {"conform-bios"}, "kea-tftpd-hpa");
  const json bios = report({check("A", "pass"), check("B", "not applicable", "server", "nothing in the trace to judge"),
                            check("C", "pass"), check("CLIENT-X", "fail", "client")});
  const json probe = report({check("A", "fail"), check("B", "not applicable", "server", "nothing in the trace to judge"),
                             check("C", "not applicable")},
                            {json{{"check", "A"}, {"frames", {17, 18}}, {"message", "ACK of 198.18.1.1"}}});
  const json kea = report({check("A", "pass"), check("B", "pass"), check("C", "pass")});
  auto m = conform_matrix({ServerRun{&s1, {{"conform-bios", &bios}, {"conform-probe", &probe}}},
                           ServerRun{&s2, {{"conform-bios", &kea}}}});
  ASSERT_TRUE(m) << m.error().to_string();
  const json& checks = (*m)["checks"];
  ASSERT_EQ(checks.size(), 3u);  // CLIENT-X is a client check
  EXPECT_EQ(checks[0]["id"], "A");
  EXPECT_EQ(checks[0]["cells"]["dnsmasq"]["verdict"], "fail");
  EXPECT_EQ(checks[0]["cells"]["dnsmasq"]["scenario"], "conform-probe");
  EXPECT_EQ(checks[0]["cells"]["dnsmasq"]["frames"], json({17, 18}));
  EXPECT_EQ(checks[0]["cells"]["kea-tftpd-hpa"]["verdict"], "pass");
  EXPECT_EQ(checks[1]["cells"]["dnsmasq"]["verdict"], "not applicable");
  EXPECT_EQ(checks[1]["cells"]["dnsmasq"]["why"], "nothing in the trace to judge (conform-bios, conform-probe)");
  EXPECT_EQ(checks[2]["cells"]["dnsmasq"]["verdict"], "pass");  // judged in one scenario

  const std::string md = conform_matrix_markdown(*m);
  EXPECT_NE(md.find("| check | level | dnsmasq | kea-tftpd-hpa |"), std::string::npos) << md;
  EXPECT_NE(md.find("| A | MUST | **fail** [1] | pass |"), std::string::npos) << md;
  EXPECT_NE(md.find("1. dnsmasq, A (RFC 2131): conform-probe frames 17, 18: ACK of 198.18.1.1"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| B | MUST | n/a [2] | pass |"), std::string::npos) << md;
  EXPECT_NE(md.find("1 failing cells"), std::string::npos) << md;
}

TEST(ConformMatrix, RefusesWhatIsNotAConformRun) {
  const json s = summary("1/1", 1, {"x"});
  const json broken = json{{"checks", 3}};
  EXPECT_FALSE(conform_matrix({}));
  EXPECT_FALSE(conform_matrix({ServerRun{&broken, {}}}));
  auto r = conform_matrix({ServerRun{&s, {{"x", &broken}}}});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().to_string().find("x/report.json has no checks list"), std::string::npos);
  auto twice = conform_matrix({ServerRun{&s, {}}, ServerRun{&s, {}}});
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().to_string().find("given twice"), std::string::npos);
}

}  // namespace
}  // namespace pxelab::conformance
