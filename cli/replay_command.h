// `pxelab replay CAPTURE`: the clients of a field capture replayed, reactively, against
// the reference server in the simulator; every answer diffed against the field's; the
// check catalogue on both sides; optionally a scenario that reproduces the failure.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace pxelab::conformance {

inline constexpr int kReplaySame = 0;       // no answer differs where the rules forbid it
inline constexpr int kReplayDiffers = 1;    // some answer differs where it must not
inline constexpr int kReplayUsage = 2;      // usage error, unreadable capture or configuration
inline constexpr int kReplayDamaged = 3;    // the capture is cut or corrupt (the frames before were replayed)

void add_replay_command(CLI::App& app, int& exit_code, std::string tool);

}  // namespace pxelab::conformance
