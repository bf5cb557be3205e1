// `pxelab serve`: the reference boot server on a real link (TAP and/or AF_PACKET).
#pragma once

#include <CLI/CLI.hpp>

namespace pxelab::conformance {

void add_serve_command(CLI::App& app, int& exit_code);

}  // namespace pxelab::conformance
