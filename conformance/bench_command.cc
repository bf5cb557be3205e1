#include "conformance/bench_command.h"

#include <fmt/core.h>

namespace pxelab::conformance {

void add_bench_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("bench", "Run the simulator benchmarks and print figures");
  cmd->callback([&exit_code] {
    fmt::print(stderr, "pxelab bench: the simulator benchmarks are not built yet\n");
    exit_code = 1;
  });
}

}  // namespace pxelab::conformance
