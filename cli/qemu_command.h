// `pxelab qemu FIRMWARE`: one real firmware under QEMU against the reference server in
// the simulator (conformance/scenario/qemu_run.h); prints the outcome and the seconds from QEMU
// start to the boot marker, writes the pcap.
#pragma once

#include <CLI/CLI.hpp>

namespace pxelab::conformance {

void add_qemu_command(CLI::App& app, int& exit_code);

}  // namespace pxelab::conformance
