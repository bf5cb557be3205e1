#include "sim/toml_reader.h"

#include <gtest/gtest.h>

namespace pxelab::sim {
namespace {

TEST(TomlReader, SyntaxErrorsNameFileLineAndColumn) {
  auto t = parse_toml("a = 1\nb = = 2\n", "x.toml");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().location.rfind("x.toml:2:", 0), 0u) << t.error().to_string();
}

TEST(TomlReader, FirstErrorWinsAndNamesTheKey) {
  auto t = parse_toml("[a]\nmode = \"fast\"\nlist = [1, \"two\"]\n", "s.toml");
  ASSERT_TRUE(t.ok());
  TomlReader r("s.toml");
  const toml::table* a = r.table(*t, "a", "");
  ASSERT_NE(a, nullptr);
  EXPECT_FALSE(r.choice(*a, "mode", "a", {"slow", "medium"}));
  EXPECT_FALSE(r.integer_list(*a, "list", "a", 0, 10));
  Error e = r.take_error();
  EXPECT_EQ(e.to_string(), "s.toml:2:8: a.mode: 'fast' is not one of: slow, medium");
}

TEST(TomlReader, TypedListsAndRanges) {
  auto t = parse_toml("n = [0.25, 1, 2.5]\nm = \"52:54:00:12:34:56\"\nbad = [0.5, 99]\n", "s.toml");
  ASSERT_TRUE(t.ok());
  TomlReader r("s.toml");
  auto n = r.number_list(*t, "n", "", 0, 10);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, (std::vector<double>{0.25, 1, 2.5}));
  auto m = r.mac(*t, "m", "");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to_string(), "52:54:00:12:34:56");
  EXPECT_FALSE(r.failed());
  EXPECT_FALSE(r.number_list(*t, "bad", "", 0, 10));
  EXPECT_EQ(r.take_error().field, "bad[1]");
}

TEST(TomlReader, UnknownKeysAreErrors) {
  auto t = parse_toml("known = 1\nknwon = 2\n", "s.toml");
  ASSERT_TRUE(t.ok());
  TomlReader r("s.toml");
  r.only_keys(*t, "", {"known"});
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.take_error().to_string(), "s.toml:2:1: knwon: unknown key (expected one of: known)");
}

TEST(TomlReader, MissingFilesAreErrorsNotExceptions) {
  auto text = read_text_file("/nonexistent/pxelab.toml");
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.error().to_string().find("/nonexistent/pxelab.toml"), std::string::npos);
}

}  // namespace
}  // namespace pxelab::sim
