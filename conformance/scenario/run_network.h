// The simulated network of one run, and the run's working directory: what both the
// scenario runner (scenario_network.cc) and the one-VM runs of qemu_run.cc build, made
// in one place.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/clock.h"
#include "sim/segment.h"
#include "sim/trace.h"
#include "wire/result.h"

namespace pxelab::conformance {

// A directory for a run's files (TFTP roots, leases, VM files): either one the user
// names, created if absent and kept, or a fresh $TMPDIR/<prefix>XXXXXX (default /tmp)
// removed with everything in it when the WorkDir goes, whatever happens.
class WorkDir {
 public:
  static Result<WorkDir> make(const std::string& keep_dir, const std::string& prefix);
  WorkDir() = default;
  WorkDir(WorkDir&& other) noexcept;
  WorkDir& operator=(WorkDir&& other) noexcept;
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  ~WorkDir();

  const std::string& path() const { return path_; }
  bool kept() const { return keep_; }

 private:
  std::string path_;
  bool keep_ = false;
};

// The clock (VirtualClock, or RealtimeClock when real parts join) and the segments.
// Segments are destroyed before the clock they run on.
struct RunNetwork {
  std::unique_ptr<sim::Clock> clock;
  sim::RealtimeClock* realtime = nullptr;  // = clock when it is the wall clock, else null
  std::vector<std::unique_ptr<sim::Segment>> segments;

  explicit RunNetwork(bool wall_clock);
  RunNetwork(RunNetwork&&) noexcept = default;
  RunNetwork& operator=(RunNetwork&&) noexcept = default;
  ~RunNetwork();

  // A new segment whose links draw from `seed`; every frame it sees goes to `trace`
  // (which must outlive the segment's runs).
  sim::Segment& add_segment(std::uint64_t seed, sim::Trace& trace);
};

}  // namespace pxelab::conformance
