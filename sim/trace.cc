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

const std::uint8_t* Trace::store(wire::ByteView bytes) {
  if (bytes.empty()) return nullptr;
  if (bytes.size() > kChunkSize / 4) {
    // Rare (jumbo frames are 9 KiB; this is > 256 KiB): a block of its own.
    auto own = std::make_unique_for_overwrite<std::uint8_t[]>(bytes.size());
    std::memcpy(own.get(), bytes.data(), bytes.size());
    const std::uint8_t* p = own.get();
    oversize_.push_back(std::move(own));
    oversize_bytes_ += bytes.size();
    return p;
  }
  if (chunk_used_ + bytes.size() > kChunkSize) {
    chunks_.push_back(std::make_unique_for_overwrite<std::uint8_t[]>(kChunkSize));
    chunk_used_ = 0;
  }
  std::uint8_t* p = chunks_.back().get() + chunk_used_;
  std::memcpy(p, bytes.data(), bytes.size());
  chunk_used_ += bytes.size();
  return p;
}

void Trace::on_transmit(const TransmitRecord& record, wire::ByteView bytes) {
  if (!have_first_) {
    first_frame_ = record.frame - frames_.size();
    have_first_ = true;
  }
  frames_.push_back(FrameRecord{record.time, store(bytes), static_cast<std::uint32_t>(bytes.size()), record.ingress});
}

void Trace::on_outcome(const Outcome& outcome, wire::ByteView delivered_bytes) {
  Outcome o = outcome;
  o.frame -= first_frame_;
  if ((o.flags & kFlagCorrupted) != 0 && !delivered_bytes.empty()) {
    corrupted_.push_back(CorruptedCopy{outcomes_.size(), store(delivered_bytes),
                                       static_cast<std::uint32_t>(delivered_bytes.size())});
  }
  outcomes_.push_back(o);
}

std::size_t Trace::add_frame(Time time, PortIndex ingress, wire::ByteView bytes) {
  frames_.push_back(FrameRecord{time, store(bytes), static_cast<std::uint32_t>(bytes.size()), ingress});
  return frames_.size() - 1;
}

FrameView Trace::frame(std::size_t i) const {
  const FrameRecord& r = frames_[i];
  return FrameView{r.time, wire::ByteView(r.data, r.size)};
}

wire::ByteView Trace::outcome_bytes(std::size_t i) const {
  if (outcomes_[i].flags & kFlagCorrupted) {
    auto it = std::lower_bound(corrupted_.begin(), corrupted_.end(), i,
                               [](const CorruptedCopy& c, std::size_t k) { return c.outcome < k; });
    if (it != corrupted_.end() && it->outcome == i) return wire::ByteView(it->data, it->size);
  }
  return frame(static_cast<std::size_t>(outcomes_[i].frame)).bytes;
}

void Trace::clear() {
  frames_.clear();
  outcomes_.clear();
  corrupted_.clear();
  chunks_.clear();
  oversize_.clear();
  chunk_used_ = kChunkSize;
  oversize_bytes_ = 0;
  have_first_ = false;
  first_frame_ = 0;
}

}  // namespace pxelab::sim
