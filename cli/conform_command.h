// `pxelab conform --sut PROFILE`: the conformance suite (conformance/scenarios/conform)
// against a server under test (conformance/sut/profiles). Exit 0 no MUST failure, 1 MUST
// failures, 2 usage or set-up error (the step named).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace pxelab::conformance {

void add_conform_command(CLI::App& app, int& exit_code, std::string tool);

}  // namespace pxelab::conformance
