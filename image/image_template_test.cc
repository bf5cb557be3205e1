#include "image/image_template.h"

#include <gtest/gtest.h>

#include "image/image_check.h"
#include "image/image_testlib.h"

namespace pxelab::image {
namespace {

using testing::text_bytes;

std::string text(const wire::Bytes& b) { return std::string(b.begin(), b.end()); }

TEST(ImageTemplate, VariablesAndLiterals) {
  const auto t = text_bytes("a ${hostname} $5 ${ not} ${x.y-z} ${ip}${ip} $");
  EXPECT_EQ(template_variables(t), (std::set<std::string>{"hostname", "ip", "x.y-z"}));
  auto out = render_template(t, {{"hostname", "pc01"}, {"ip", "1.2.3.4"}, {"x.y-z", "Q"}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(text(*out), "a pc01 $5 ${ not} Q 1.2.3.41.2.3.4 $");
  auto missing = render_template(t, {{"hostname", "pc01"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "no value for ${x.y-z}");  // the first one lacking
}

TEST(ImageTemplate, RendersEveryTemplatedFileOfAnImage) {
  FatImage img = testing::empty_image(720);
  ASSERT_TRUE(img.make_dir("NET").ok());
  ASSERT_TRUE(img.write_file("HOST.TXT", text_bytes("host=${hostname} ip=${ip}\n"), WriteMode::Create).ok());
  ASSERT_TRUE(img.write_file("NET/CFG", text_bytes(std::string(3000, '-') + "${mac}"), WriteMode::Create).ok());
  ASSERT_TRUE(img.write_file("PLAIN", text_bytes("no vars"), WriteMode::Create).ok());
  auto vars = image_template_variables(img);
  ASSERT_TRUE(vars.ok());
  EXPECT_EQ(vars->size(), 2u);
  EXPECT_EQ(vars->at("NET/CFG"), std::set<std::string>{"mac"});
  auto rendered = render_image(img, {{"hostname", "pc01"}, {"ip", "192.0.2.10"}, {"mac", "52:54:00:00:00:01"}});
  ASSERT_TRUE(rendered.ok());
  auto out = FatImage::open(*rendered);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(text(*out->read("HOST.TXT")), "host=pc01 ip=192.0.2.10\n");
  EXPECT_EQ(text(*out->read("NET/CFG")).substr(3000), "52:54:00:00:00:01");
  EXPECT_EQ(text(*out->read("PLAIN")), "no vars");
  EXPECT_TRUE(check_image(*rendered).empty());
  auto missing = render_image(img, {{"hostname", "pc01"}, {"ip", "x"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "NET/CFG: no value for ${mac}");
}

}  // namespace
}  // namespace pxelab::image
