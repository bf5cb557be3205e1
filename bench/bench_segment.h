// Benchmark 2 (shared/BENCHMARKS.md): frames/s through a Segment between two Hosts
// exchanging UDP datagrams (an echo agent answers a pinger that keeps a window of
// datagrams in flight), default LinkParams, with the trace off, on, and streamed to a
// pcap file; and the anchors measured beside it:
// - memcpy of the same frames, once each, into a ring of buffers: the floor cost of
//   moving frames at all; the ratio says how many frame copies the simulator is worth;
// - libpcap's pcap_dump of the same frames to a file (same 1 MiB stdio buffer as
//   captures::PcapStreamWriter), alone: the ceiling for the pcap mode, which does the
//   same writing plus the simulation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bench/bench_runner.h"

namespace pxelab::conformance {

enum class TraceMode { kOff, kOn, kPcap };

struct SegmentLoad {
  std::uint64_t frames = 1'000'000;  // total frames (datagrams both ways, plus 2 for ARP)
  std::size_t payload = 300;         // UDP payload bytes: 342-byte frames
  int window = 64;                   // datagrams in flight
};

// Rate: frames/s; extra: MB/s of frame bytes (pcap mode: written to the file).
Measurement segment_throughput(const SegmentLoad& load, TraceMode mode);
Measurement memcpy_frames(const SegmentLoad& load);
Measurement pcap_dump_frames(const SegmentLoad& load);

}  // namespace pxelab::conformance
