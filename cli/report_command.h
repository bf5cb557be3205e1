// `pxelab report merge DIR... --out DIR`: the shards of one `pxelab conform --shard K/N`
// run joined into one output (conform.json, junit.xml, the scenario directories).
// `pxelab report matrix DIR...`: several servers' conform outputs as one check x server
// table (markdown and JSON). The logic is conformance/report/conform_summary.h; this
// reads and writes the files. Exit 0 every scenario met (or not applicable), 1 some
// scenario failed (merge), 2 usage or unreadable/inconsistent input.
#pragma once

#include <CLI/CLI.hpp>

namespace pxelab::conformance {

void add_report_command(CLI::App& app, int& exit_code);

}  // namespace pxelab::conformance
