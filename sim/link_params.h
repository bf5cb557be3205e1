// What one attachment to a Segment does to the frames that cross it.
//
// An attachment is a full-duplex cable between a port and the switch. Both directions
// (port -> switch, "up"; switch -> port, "down") have these parameters and each has its
// own queue, transmitter and random stream. A frame from port A to port B crosses A's
// up direction and then B's down direction, so the latencies add up, and a fault with
// probability p strikes each direction independently.
//
// Order of the stages for a frame entering a direction (this is also the order of the
// random draws, which is part of the determinism contract):
//   1. MTU: a frame whose Ethernet payload (after the header and any 802.1Q tag)
//      exceeds `mtu` is dropped (DropReason::kMtu).
//   2. loss: dropped with probability `loss`.
//   3. duplication: with probability `duplicate` a second copy follows the frame
//      (marked duplicate in the trace); both copies go through the stages below.
//   4. queue: with a bandwidth set, a frame that finds `queue_frames` frames waiting or
//      being serialized is tail-dropped (kQueueFull); otherwise it is serialized after
//      the frames before it, taking (size + framing_overhead) * 8 / bandwidth seconds.
//   5. latency + jitter: arrives `latency` + uniform[0, jitter] after serialization.
//      Jitter can reorder frames, as a real variable-delay path does.
//   6. reordering: with probability `reorder` held back `reorder_delay` more, so that
//      the frames behind it overtake it (marked reordered).
//   7. corruption: with probability `corrupt` one uniformly chosen bit of the frame is
//      flipped (marked corrupted; the trace keeps the corrupted bytes).
#pragma once

#include <cstdint>

#include "sim/time.h"

namespace pxelab::sim {

struct LinkParams {
  Time latency = 0;                      // one-way propagation delay
  Time jitter = 0;                       // + uniform [0, jitter] per frame
  std::uint64_t bandwidth_bps = 0;       // bits/s; 0 = unlimited (no serialization, no queue)
  std::uint32_t framing_overhead = 0;    // bytes added for serialization: 24 = preamble + FCS + gap
  std::uint32_t queue_frames = 1000;     // frames waiting or serializing, per direction
  double loss = 0;                       // probability per frame per direction
  double duplicate = 0;
  double reorder = 0;
  Time reorder_delay = ms(1);
  double corrupt = 0;
  std::uint32_t mtu = 1500;              // max Ethernet payload; 9000 for jumbo frames

  // No delay and no fault: frames cross at once (the segment skips an event).
  bool ideal() const {
    return latency == 0 && jitter == 0 && bandwidth_bps == 0 && loss <= 0 && duplicate <= 0 &&
           reorder <= 0 && corrupt <= 0;
  }
};

// Serialization time of `frame_bytes` at `params.bandwidth_bps`, rounded up to a
// whole nanosecond; 0 if the bandwidth is unlimited.
constexpr Time serialization_delay(const LinkParams& params, std::uint64_t frame_bytes) {
  if (params.bandwidth_bps == 0) return 0;
  std::uint64_t bits = (frame_bytes + params.framing_overhead) * 8;
  return static_cast<Time>((bits * 1'000'000'000ull + params.bandwidth_bps - 1) / params.bandwidth_bps);
}

}  // namespace pxelab::sim
