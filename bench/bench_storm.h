// Benchmark 3 (shared/BENCHMARKS.md): a boot storm in virtual time. N emulated clients
// of mixed personalities power on within `spread`, each does DORA and a TFTP download
// of one `image_bytes` image from the reference server over a `link_bps` server link.
// Reported: wall and CPU time, frames/s, simulated makespan (beside its physical bound
// N x size / link rate), clients booted, failures by code, and a digest of every
// outcome (the same seed must give the same digest).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/time.h"

namespace pxelab::conformance {

struct StormConfig {
  std::uint32_t clients = 10'000;
  std::uint64_t image_bytes = 1u << 20;
  std::uint64_t link_bps = 1'000'000'000;
  sim::Time spread = sim::seconds(1);
  std::uint64_t seed = 1;
  std::vector<std::string> personalities = {"edk2-x64", "ipxe-bios", "intel-pxe21", "ipxe-efi", "uboot"};
  sim::Time deadline = sim::seconds(3600);
};

struct StormResult {
  std::uint32_t clients = 0, booted = 0, failed = 0, pending = 0;
  std::map<std::string, std::uint32_t> failures_by_code;
  sim::Time makespan = 0;        // power-on of the first to the outcome of the last
  sim::Time physical_bound = 0;  // clients x image bytes x 8 / link rate
  std::uint64_t frames = 0;      // frames the segment carried
  std::uint64_t events = 0;      // scheduler events run
  std::uint64_t retransmissions = 0;
  double wall_seconds = 0, cpu_seconds = 0;
  std::uint64_t digest = 0;      // of every outcome, for determinism
  std::string error;             // set up failed
};

StormResult run_storm(const StormConfig& config);

}  // namespace pxelab::conformance
