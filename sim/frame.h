// Ethernet frames as the simulator carries them: the bytes (destination MAC first, no
// preamble, no FCS) and the time they were seen.
#pragma once

#include <cstdint>
#include <utility>

#include "sim/time.h"
#include "wire/bytes.h"

namespace pxelab::sim {

// The number of a frame nobody numbered (a frame that did not come through a Segment).
inline constexpr std::uint64_t kNoFrameNumber = ~std::uint64_t{0};

// Borrows its bytes: valid only as long as the buffer it points into.
struct FrameView {
  Time time = 0;
  wire::ByteView bytes;
  // The segment's number of this frame (its Trace index when the trace was attached
  // from the start), so that what a port does with it can cite the frame.
  std::uint64_t number = kNoFrameNumber;
  // The checksums are known to be right (see Port::transmits_valid_checksums): a
  // receiver need not compute them again.
  bool checksums_trusted = false;
};

// Owns its bytes.
struct Frame {
  Time time = 0;
  wire::Bytes bytes;

  Frame() = default;
  Frame(Time t, wire::Bytes b) : time(t), bytes(std::move(b)) {}
  explicit Frame(const FrameView& v) : time(v.time), bytes(v.bytes.begin(), v.bytes.end()) {}
  FrameView view() const { return {time, bytes}; }
};

}  // namespace pxelab::sim
