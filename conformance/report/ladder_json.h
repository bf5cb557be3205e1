// The ladder (sequence) diagram of one client as report.json data (clients[].ladder,
// conformance/REPORT.md): every DHCP, port 4011 and TFTP packet the client sent or was
// sent, in frame order, with times, addresses and ports; the DATA/ACK of a TFTP
// transfer folded into one "transfer" step (size, blocks, rate, retransmissions, how
// it ended). report.html draws it; a person can read it as is.
#pragma once

#include <cstddef>

#include <nlohmann/json_fwd.hpp>

#include "conformance/checks/catalogue.h"

namespace pxelab::conformance {

// Steps per client beyond which the ladder is cut (`ladder_cut` says how many were left).
inline constexpr std::size_t kLadderSteps = 200;
// Clients given a ladder (in the order of Grouping::clients); later ones get null.
inline constexpr std::size_t kLadderClients = 1000;

// {"steps": [...], "cut": N} for grouping client `client` of `run`.
nlohmann::json ladder_json(const AnalyzedRun& run, std::size_t client);

}  // namespace pxelab::conformance
