// Fidelity: does an emulated personality behave on the wire like the real firmware it
// models? Compared over two client digests (trace_digest.h) of the same scenario —
// the real VM's and the other client's (an emulated personality, or another run of
// the same firmware: a golden capture) — aspect by aspect, as the client issue's
// personalities need: DISCOVER/REQUEST option codes and order, 55, 57, 60, 93, 94, 97,
// 77, 175, flags, xid policy, retry intervals (with a stated tolerance), the
// DISCOVER->REQUEST wait, 4011 behaviour, TFTP RRQ options and the tsize probe
// (FW-23), and the files a loader asks for (FW-30, FW-31).
//
// Values that differ per machine or per run are compared by shape only: 97's GUID
// (length and type), xids (the policy, not the numbers), 61's content (its type).
#pragma once

#include <string>
#include <vector>

#include "client/qemu/firmware_profile.h"  // KnownDifference
#include "client/qemu/trace_digest.h"

namespace pxelab::client::qemu {

struct FidelityOptions {
  // Two retry intervals (or waits) agree when they differ by at most
  // max(absolute, relative * the real one): TCG and a loaded host stretch real timers.
  double tolerance_seconds = 0.5;
  double tolerance_relative = 0.25;
  std::vector<KnownDifference> known;
  // Compare only up to the end of the first completed TFTP transfer (the NBP) of each
  // side: for a profile whose real run is cut at the NBP's first words, what the
  // emulated loader does next has no real counterpart.
  bool until_nbp = false;
};

struct FidelityItem {
  std::string aspect;  // "DISCOVER options", "DISCOVER 60", "TFTP RRQ 1 options", ...
  std::string real;    // rendered value ("-" when absent)
  std::string other;
  bool same = false;
  std::string known;   // reason, when listed as a known difference
};

struct FidelityReport {
  std::vector<FidelityItem> items;
  std::vector<KnownDifference> stale;  // listed as known, but the aspect is the same now
  std::size_t differences() const;  // not same and not known
};

FidelityReport compare_clients(const ClientDigest& real, const ClientDigest& other, const FidelityOptions& options = {});

// One line per aspect: "same  DISCOVER 57  1472" / "DIFF  DISCOVER 57  1472 | 576".
std::string render(const FidelityReport& report);

}  // namespace pxelab::client::qemu
