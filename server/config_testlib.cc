#include "server/config_testlib.h"

#include <gtest/gtest.h>

namespace pxelab::server::testing {

Result<ServerConfig> parse_config(const std::string& text) { return parse_server_config(text, "/etc/lab/server.toml"); }

std::string config_error_of(const std::string& text) {
  auto c = parse_config(text);
  EXPECT_FALSE(c) << "expected an error for:\n" << text;
  return c ? "" : c.error().to_string();
}

}  // namespace pxelab::server::testing
