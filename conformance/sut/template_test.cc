#include "conformance/sut/template.h"

#include <gtest/gtest.h>

namespace pxelab::sut {
namespace {

TemplateScope scope() {
  TemplateScope s;
  s["address"] = "198.18.0.1";
  s["empty"] = "";
  TemplateScope h1, h2;
  h1["mac"] = "02:00:00:00:00:01";
  h1["ip"] = "198.18.0.10";
  h2["mac"] = "02:00:00:00:00:02";
  h2["ip"] = "";
  s["hosts"] = TemplateValue::list({h1, h2});
  s["none"] = TemplateValue::list({});
  return s;
}

TEST(Template, SubstitutesNames) {
  auto r = render_template("server {{address}};\n", scope(), "t");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(*r, "server 198.18.0.1;\n");
}

TEST(Template, ListSectionsRepeatAndStandaloneTagLinesVanish) {
  auto r = render_template("a\n{{#hosts}}\nhost {{mac}}{{#ip}} fixed {{ip}}{{/ip}} via {{address}}\n{{/hosts}}\nb\n",
                           scope(), "t");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(*r, "a\nhost 02:00:00:00:00:01 fixed 198.18.0.10 via 198.18.0.1\nhost 02:00:00:00:00:02 via 198.18.0.1\nb\n");
}

TEST(Template, InvertedSectionsRenderWhenEmpty) {
  auto r = render_template("{{^empty}}E{{/empty}}{{^none}}N{{/none}}{{^address}}A{{/address}}", scope(), "t");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "EN");
}

TEST(Template, ErrorsNameTheLineAndTheProblem) {
  auto unknown = render_template("ok\n{{nope}}\n", scope(), "p.toml");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().to_string(), "p.toml:2: unknown name 'nope'");
  auto unclosed = render_template("{{#hosts}}x", scope(), "p.toml");
  ASSERT_FALSE(unclosed);
  EXPECT_NE(unclosed.error().message.find("never closed"), std::string::npos);
  auto list_as_text = render_template("{{hosts}}", scope(), "p.toml");
  ASSERT_FALSE(list_as_text);
  EXPECT_NE(list_as_text.error().message.find("is a list"), std::string::npos);
  EXPECT_FALSE(render_template("{{address", scope(), "p"));
  EXPECT_FALSE(render_template("{{/hosts}}", scope(), "p"));
}

}  // namespace
}  // namespace pxelab::sut
