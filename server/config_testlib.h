// Helpers for tests of server configurations (server/ and the floors above).
#pragma once

#include <string>

#include "server/config.h"

namespace pxelab::server::testing {

// parse_server_config() of `text` as if it were /etc/lab/server.toml (errors name it).
Result<ServerConfig> parse_config(const std::string& text);
// The error `text` must give (a test failure, and "", when it loads).
std::string config_error_of(const std::string& text);

}  // namespace pxelab::server::testing
