// `pxelab run SCENARIO`: runs a scenario (scenario_runner.h), writes run.pcap,
// report.json and junit.xml, prints the summary. Exit: 0 every expectation met,
// 1 one was not, 2 usage or scenario error.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "conformance/scenario/scenario.h"
#include "conformance/scenario/scenario_runner.h"

namespace pxelab::conformance {

// Writes OUT/run.pcapng (each finding a comment on the frames it cites; run.pcap
// without comments if classic_pcap), report.json, report.html, junit.xml of a finished
// run and prints its summary (only the verdict line if quiet). Returns 0 every
// expectation met, 1 not, 2 files.
int write_run_outputs(const Scenario& scenario, const ScenarioResult& result, const std::string& source,
                      const std::string& out, bool quiet, const std::string& tool, bool classic_pcap = false);

// `tool` names pxelab and its version in reports.
void add_run_command(CLI::App& app, int& exit_code, std::string tool);

}  // namespace pxelab::conformance
