#include "sim/scheduler.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>

namespace pxelab::sim {

namespace {

constexpr std::size_t kPrefetchDistance = 8;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "pxelab::sim::Scheduler: %s\n", what);
  std::abort();
}

}  // namespace

Scheduler::Scheduler() = default;
Scheduler::~Scheduler() = default;

std::uint32_t Scheduler::allocate_slot() {
  if (free_head_ != 0) {
    std::uint32_t slot = free_head_ - 1;
    free_head_ = slots_[slot].next_free;
    return slot;
  }
  if (slots_.size() > kSlotMask) fail("more than 2^24 events pending at once");
  slots_.emplace_back();
  return static_cast<std::uint32_t>(slots_.size() - 1);
}

void Scheduler::free_slot(std::uint32_t slot) {
  Slot& s = slots_[slot];
  if (++s.generation == 0) s.generation = 1;  // 0 never names a live event
  s.cancelled = false;
  s.next_free = free_head_;
  free_head_ = slot + 1;
}

int Scheduler::bucket_of(Time t) const {
  return std::bit_width(static_cast<std::uint64_t>(t) ^ static_cast<std::uint64_t>(last_));
}

EventId Scheduler::schedule(Time t, Callback fn) {
  if (next_sequence_ >> (64 - kSlotBits) != 0) fail("more than 2^40 events in one run");
  if (t < floor_) t = floor_;
  std::uint32_t slot = allocate_slot();
  Slot& s = slots_[slot];
  s.fn = std::move(fn);
  if (t < last_) rebase(t);
  buckets_[bucket_of(t)].push_back(Entry{t, (next_sequence_++ << kSlotBits) | slot});
  ++entries_;
  ++live_;
  return EventId{(std::uint64_t{s.generation} << 32) | slot};
}

bool Scheduler::cancel(EventId id) {
  std::uint64_t slot = id.value & 0xffffffffu;
  auto generation = static_cast<std::uint32_t>(id.value >> 32);
  if (generation == 0 || slot >= slots_.size()) return false;
  Slot& s = slots_[slot];
  // A slot on the free list has a newer generation than any id handed out for it.
  if (s.generation != generation || s.cancelled) return false;
  s.cancelled = true;
  s.fn.reset();
  --live_;
  ++cancelled_pending_;
  if (cancelled_pending_ > 1024 && cancelled_pending_ * 2 > entries_) purge_cancelled();
  return true;
}

// Makes bucket 0 hold at least one entry not yet consumed; false if there is none.
bool Scheduler::refill() {
  std::vector<Entry>& zero = buckets_[0];
  if (consumed_ < zero.size()) return true;
  zero.clear();
  consumed_ = 0;
  int b = 1;
  while (b < kBuckets && buckets_[b].empty()) ++b;
  if (b == kBuckets) return false;
  std::vector<Entry>& source = buckets_[b];
  Time minimum = source.front().time;
  for (const Entry& e : source) minimum = std::min(minimum, e.time);
  last_ = minimum;
  for (const Entry& e : source) buckets_[bucket_of(e.time)].push_back(e);  // all below b
  source.clear();
  // Entries due together came from different buckets: restore scheduling order.
  auto by_sequence = [](const Entry& x, const Entry& y) { return x.key < y.key; };
  if (!std::is_sorted(zero.begin(), zero.end(), by_sequence)) std::sort(zero.begin(), zero.end(), by_sequence);
  return true;
}

void Scheduler::drop_consumed_prefix() {
  std::vector<Entry>& zero = buckets_[0];
  zero.erase(zero.begin(), zero.begin() + static_cast<std::ptrdiff_t>(consumed_));
  consumed_ = 0;
}

void Scheduler::rebase(Time t) {
  drop_consumed_prefix();
  scratch_.clear();
  for (std::vector<Entry>& bucket : buckets_) {
    scratch_.insert(scratch_.end(), bucket.begin(), bucket.end());
    bucket.clear();
  }
  last_ = t;
  for (const Entry& e : scratch_) buckets_[bucket_of(e.time)].push_back(e);  // all later than t
}

Time Scheduler::next_time() {
  for (;;) {
    if (!refill()) return kNever;
    const Entry& e = buckets_[0][consumed_];
    if (cancelled_pending_ == 0) return e.time;
    auto slot = static_cast<std::uint32_t>(e.key & kSlotMask);
    if (!slots_[slot].cancelled) return e.time;
    ++consumed_;
    --entries_;
    --cancelled_pending_;
    free_slot(slot);
  }
}

Callback Scheduler::pop_next() {
  next_time();  // usually done by the caller already: then a compare or two
  std::vector<Entry>& zero = buckets_[0];
  auto slot = static_cast<std::uint32_t>(zero[consumed_].key & kSlotMask);
  floor_ = zero[consumed_].time;
  ++consumed_;
  --entries_;
  if (consumed_ < zero.size()) {
    // The slots of the events due next are usually not in cache (they were filled when
    // those events were scheduled): start fetching a few events ahead, so that each
    // load has several events' time to complete.
    std::size_t ahead = std::min(consumed_ + kPrefetchDistance, zero.size() - 1);
    __builtin_prefetch(&slots_[zero[ahead].key & kSlotMask]);
    // Compact a bucket 0 that keeps being refilled at the same instant.
    if (consumed_ >= 4096 && consumed_ * 2 >= zero.size()) drop_consumed_prefix();
  }
  Callback fn = std::move(slots_[slot].fn);
  free_slot(slot);
  --live_;
  return fn;
}

void Scheduler::purge_cancelled() {
  drop_consumed_prefix();
  for (std::vector<Entry>& bucket : buckets_) {
    std::erase_if(bucket, [this](const Entry& e) {
      auto slot = static_cast<std::uint32_t>(e.key & kSlotMask);
      if (!slots_[slot].cancelled) return false;
      free_slot(slot);
      return true;
    });
  }
  entries_ -= cancelled_pending_;
  cancelled_pending_ = 0;
}

std::size_t Scheduler::queue_capacity() const {
  std::size_t n = 0;
  for (const auto& bucket : buckets_) n += bucket.capacity();
  n += scratch_.capacity();
  return n;
}

}  // namespace pxelab::sim
