// [[schedule]] entries of a server configuration (server/config.h WakeScheduleEntry):
// read by config_toml.cc through this, kept apart so that file stays small. Include
// only from *_toml.cc files (toml++).
#pragma once

#include <string>

#include "server/config.h"
#include "sim/toml_reader.h"

namespace pxelab::server {

void read_schedule_entry(sim::TomlReader& r, const toml::table& t, const std::string& path, WakeScheduleEntry& e);
// After the whole file: `hosts` selects at least one [[host]]; with `mode`, every
// target is in the host table (its mode lives there).
void validate_schedules(sim::TomlReader& r, const toml::table& root, const ServerConfig& c);

}  // namespace pxelab::server
