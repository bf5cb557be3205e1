// `pxelab run SCENARIO`: runs a scenario (scenario_runner.h), writes run.pcap,
// report.json and junit.xml, prints the summary. Exit: 0 every expectation met,
// 1 one was not, 2 usage or scenario error.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace pxelab::conformance {

// `tool` names pxelab and its version in reports.
void add_run_command(CLI::App& app, int& exit_code, std::string tool);

}  // namespace pxelab::conformance
