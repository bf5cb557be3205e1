// `pxelab fidelity REAL.pcap OTHER.pcap`: the wire behaviour of one client in two
// captures of the same scenario, aspect by aspect (client/qemu/fidelity.h) — a real
// firmware's run against an emulated personality's, or against a golden capture.
#pragma once

#include <CLI/CLI.hpp>

namespace pxelab::conformance {

void add_fidelity_command(CLI::App& app, int& exit_code);

}  // namespace pxelab::conformance
