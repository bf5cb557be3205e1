// Trace: every frame a segment saw, and what became of it.
//
// Two tables:
// - frames: one record per frame a port transmitted into the segment, in order:
//   {time, ingress port, bytes as transmitted}. Frame numbers are indices here; checks
//   cite them, and they are the packet numbers of the pcap written from the trace.
// - outcomes: for each frame, what happened to it, in time order: delivered to an
//   egress port (flags: duplicate copy, corrupted, reordered) or dropped with a
//   reason; a flooded frame has one outcome per egress port, a duplicated one two.
//   A corrupted delivery keeps the bytes as delivered.
// Storage is compact and allocation-free per frame: fixed-size records and frame bytes
// appended to 4 MiB blocks that never move (arena.h), so views stay valid while the
// trace grows and nothing is ever copied twice.
//
// A segment reports to TraceSinks; Trace is the recording one (for one segment: frame
// numbers are that segment's), captures/ has a
// streaming pcap writer. With no sink attached nothing is recorded ("trace off").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sim/arena.h"
#include "sim/frame.h"
#include "sim/port.h"
#include "sim/time.h"
#include "wire/bytes.h"

namespace pxelab::sim {

enum class Fate : std::uint8_t { kDelivered, kDropped };

enum class DropReason : std::uint8_t {
  kNone,       // not dropped
  kLoss,       // LinkParams::loss
  kQueueFull,  // tail drop: LinkParams::queue_frames frames already queued
  kMtu,        // payload larger than LinkParams::mtu
  kNoRoute,    // nowhere to send: destination learned on the ingress port, no other
               // port, a frame too short to switch, or the egress port was destroyed
};
inline constexpr int kDropReasonCount = 5;
std::string_view to_string(DropReason reason);

// Outcome::flags
inline constexpr std::uint8_t kFlagDuplicate = 1;  // the extra copy made by duplication
inline constexpr std::uint8_t kFlagCorrupted = 2;  // a bit was flipped on the way
inline constexpr std::uint8_t kFlagReordered = 4;  // held back so that later frames overtook it

// A frame entering the segment from a port.
struct TransmitRecord {
  Time time = 0;
  std::uint64_t frame = 0;  // the segment's frame number (0, 1, 2... per segment)
  PortIndex ingress = kNoPort;
};

struct Outcome {
  Time time = 0;            // delivery time, or when the drop was decided
  std::uint64_t frame = 0;  // frame number (Trace: index into its frames)
  PortIndex ingress = kNoPort;
  PortIndex egress = kNoPort;  // kNoPort: dropped before the switch chose an egress
  Fate fate = Fate::kDelivered;
  DropReason reason = DropReason::kNone;
  std::uint8_t flags = 0;
  bool operator==(const Outcome&) const = default;
};

// Receives a segment's frames and outcomes as they happen (2 virtual methods).
class TraceSink {
 public:
  virtual ~TraceSink();
  virtual void on_transmit(const TransmitRecord& record, wire::ByteView bytes) = 0;
  // `delivered_bytes`: for a delivery, the bytes as delivered (they differ from the
  // frame's when kFlagCorrupted is set); empty for a drop.
  virtual void on_outcome(const Outcome& outcome, wire::ByteView delivered_bytes) = 0;
};

class Trace final : public TraceSink {
 public:
  Trace();
  ~Trace() override;
  Trace(Trace&&) noexcept;
  Trace& operator=(Trace&&) noexcept;

  // TraceSink. Frame numbers are rebased so that the first frame recorded is 0.
  void on_transmit(const TransmitRecord& record, wire::ByteView bytes) override;
  void on_outcome(const Outcome& outcome, wire::ByteView delivered_bytes) override;

  // Appends a frame that came from elsewhere (a capture file); returns its number.
  std::size_t add_frame(Time time, PortIndex ingress, wire::ByteView bytes);

  // At most `frames` frames are kept (and their outcomes); later ones are counted, not
  // stored. Wall-clock runs with a server under test set it: a SUT that floods the
  // segment must not fill memory and disk (issue 10). Default: no limit.
  void set_frame_limit(std::size_t frames) { frame_limit_ = frames; }
  std::size_t frame_limit() const { return frame_limit_; }
  // Frames that crossed the segment after the limit was reached.
  std::uint64_t unrecorded_frames() const { return unrecorded_frames_; }

  std::size_t frame_count() const { return frames_.size(); }
  FrameView frame(std::size_t i) const;
  PortIndex ingress(std::size_t i) const { return frames_[i].ingress; }

  // Indexable and iterable (size(), [i], back(), range-for).
  const RecordLog<Outcome>& outcomes() const { return outcomes_; }
  // The delivered bytes of outcome i: the corrupted copy, or the frame's own bytes.
  wire::ByteView outcome_bytes(std::size_t i) const;

  // Bytes of blocks held (frame bytes and records), for memory accounting and tests.
  std::size_t capacity_bytes() const {
    return arena_.capacity() + frames_.capacity_bytes() + outcomes_.capacity_bytes() + corrupted_.capacity_bytes();
  }
  void clear();

 private:
  std::size_t frame_limit_ = static_cast<std::size_t>(-1);
  std::uint64_t unrecorded_frames_ = 0;
  struct FrameRecord {
    Time time;
    const std::uint8_t* data;
    std::uint32_t size;
    PortIndex ingress;
  };
  struct CorruptedCopy {
    std::size_t outcome;
    const std::uint8_t* data;
    std::uint32_t size;
  };

  RecordLog<FrameRecord> frames_;
  RecordLog<Outcome> outcomes_;
  RecordLog<CorruptedCopy> corrupted_;
  ByteArena arena_;
  std::uint64_t first_frame_ = 0;
  bool have_first_ = false;
};

}  // namespace pxelab::sim
