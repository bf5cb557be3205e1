// Ethernet frames as the simulator carries them: the bytes (destination MAC first, no
// preamble, no FCS) and the time they were seen.
#pragma once

#include <utility>

#include "sim/time.h"
#include "wire/bytes.h"

namespace pxelab::sim {

// Borrows its bytes: valid only as long as the buffer it points into.
struct FrameView {
  Time time = 0;
  wire::ByteView bytes;
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
