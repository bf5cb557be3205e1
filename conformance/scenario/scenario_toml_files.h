// [server.files] of a scenario (FileSpec, scenario.h): read by scenario_toml.cc through
// this, kept apart so that file stays small. Include only from *_toml*.cc files (toml++).
#pragma once

#include <string>
#include <vector>

#include "conformance/scenario/scenario.h"
#include "sim/toml_reader.h"

namespace pxelab::conformance {

// Every entry of `files` (the table at `path`, e.g. "server[0].files") into `out`;
// errors name the file's key.
void read_server_files(sim::TomlReader& r, const toml::table& files, const std::string& path, std::vector<FileSpec>& out);

}  // namespace pxelab::conformance
