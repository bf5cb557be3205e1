#include "sim/trace.h"

#include <algorithm>
#include <cstring>

namespace pxelab::sim {

std::string_view to_string(DropReason reason) {
  switch (reason) {
    case DropReason::kNone: return "none";
    case DropReason::kLoss: return "loss";
    case DropReason::kQueueFull: return "queue-full";
    case DropReason::kMtu: return "mtu";
    case DropReason::kNoRoute: return "no-route";
  }
  return "?";
}

TraceSink::~TraceSink() = default;

Trace::Trace() = default;
Trace::~Trace() = default;
Trace::Trace(Trace&&) noexcept = default;
Trace& Trace::operator=(Trace&&) noexcept = default;

void Trace::on_transmit(const TransmitRecord& record, wire::ByteView bytes) {
  if (frames_.size() >= frame_limit_) {
    ++unrecorded_frames_;
    return;
  }
  if (!have_first_) {
    first_frame_ = record.frame - frames_.size();
    have_first_ = true;
  }
  frames_.push_back(FrameRecord{record.time, arena_.store(bytes), static_cast<std::uint32_t>(bytes.size()), record.ingress});
}

void Trace::on_outcome(const Outcome& outcome, wire::ByteView delivered_bytes) {
  Outcome o = outcome;
  o.frame -= first_frame_;
  if (o.frame >= frames_.size()) return;  // a frame past the limit, not recorded
  if ((o.flags & kFlagCorrupted) != 0 && !delivered_bytes.empty()) {
    corrupted_.push_back(CorruptedCopy{outcomes_.size(), arena_.store(delivered_bytes),
                                       static_cast<std::uint32_t>(delivered_bytes.size())});
  }
  outcomes_.push_back(o);
}

std::size_t Trace::add_frame(Time time, PortIndex ingress, wire::ByteView bytes) {
  frames_.push_back(FrameRecord{time, arena_.store(bytes), static_cast<std::uint32_t>(bytes.size()), ingress});
  return frames_.size() - 1;
}

FrameView Trace::frame(std::size_t i) const {
  const FrameRecord& r = frames_[i];
  return FrameView{r.time, wire::ByteView(r.data, r.size)};
}

wire::ByteView Trace::outcome_bytes(std::size_t i) const {
  if (outcomes_[i].flags & kFlagCorrupted) {
    // corrupted_ is sorted by outcome index: binary search.
    std::size_t lo = 0;
    std::size_t hi = corrupted_.size();
    while (lo < hi) {
      std::size_t mid = (lo + hi) / 2;
      if (corrupted_[mid].outcome < i) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo < corrupted_.size() && corrupted_[lo].outcome == i) return wire::ByteView(corrupted_[lo].data, corrupted_[lo].size);
  }
  return frame(static_cast<std::size_t>(outcomes_[i].frame)).bytes;
}

void Trace::clear() {
  frames_.clear();
  outcomes_.clear();
  corrupted_.clear();
  arena_.clear();
  have_first_ = false;
  first_frame_ = 0;
  unrecorded_frames_ = 0;
}

}  // namespace pxelab::sim
