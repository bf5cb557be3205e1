// [faults] of a server configuration (server/faults.h): read by config_toml.cc through
// this, kept apart so that file stays small. Include only from *_toml.cc files (toml++).
#pragma once

#include "server/faults.h"
#include "sim/toml_reader.h"

namespace pxelab::server {

// A boolean per fault of server/faults.h, and offer_delay_ms; an unknown key is an
// error listing the known ones.
void read_faults(sim::TomlReader& r, const toml::table& t, Faults& f);

}  // namespace pxelab::server
