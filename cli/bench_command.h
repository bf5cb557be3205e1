// `pxelab bench`: the simulator benchmarks (shared/BENCHMARKS.md 1 and 2).
#pragma once

#include <CLI/CLI.hpp>

namespace pxelab::conformance {

// Adds the `bench` subcommand to `app`; a failing run sets `exit_code`.
void add_bench_command(CLI::App& app, int& exit_code);

}  // namespace pxelab::conformance
