#include "sim/scheduler.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <new>

namespace pxelab::sim {

namespace {

constexpr std::size_t kHeapOffset = 3;
constexpr std::align_val_t kHeapAlign{64};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "pxelab::sim::Scheduler: %s\n", what);
  std::abort();
}

}  // namespace

Scheduler::Scheduler() = default;

Scheduler::~Scheduler() {
  if (raw_ != nullptr) ::operator delete(raw_, kHeapAlign);
}

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

EventId Scheduler::schedule(Time t, Callback fn) {
  if (next_sequence_ >> (64 - kSlotBits) != 0) fail("more than 2^40 events in one run");
  std::uint32_t slot = allocate_slot();
  Slot& s = slots_[slot];
  s.fn = std::move(fn);
  push(Entry{t, (next_sequence_++ << kSlotBits) | slot});
  ++live_;
  return EventId{(std::uint64_t{s.generation} << 32) | slot};
}

bool Scheduler::cancel(EventId id) {
  std::uint64_t slot = id.value & 0xffffffffu;
  auto generation = static_cast<std::uint32_t>(id.value >> 32);
  if (generation == 0 || slot >= slots_.size()) return false;
  Slot& s = slots_[slot];
  if (s.generation != generation || s.cancelled) return false;
  // A slot on the free list has a newer generation than any id handed out for it.
  s.cancelled = true;
  s.fn.reset();
  --live_;
  ++cancelled_in_heap_;
  if (cancelled_in_heap_ > 1024 && cancelled_in_heap_ * 2 > heap_size_) purge_cancelled();
  return true;
}

Time Scheduler::next_time() {
  while (heap_size_ != 0) {
    auto slot = static_cast<std::uint32_t>(heap_[0].key & kSlotMask);
    if (!slots_[slot].cancelled) return heap_[0].time;
    pop_top();
    free_slot(slot);
    --cancelled_in_heap_;
  }
  return kNever;
}

Callback Scheduler::pop_next() {
  auto slot = static_cast<std::uint32_t>(heap_[0].key & kSlotMask);
  pop_top();
  Callback fn = std::move(slots_[slot].fn);
  free_slot(slot);
  --live_;
  return fn;
}

void Scheduler::grow_heap() {
  std::size_t capacity = std::max<std::size_t>(64, heap_capacity_ * 2);
  auto* raw = static_cast<Entry*>(::operator new((capacity + kHeapOffset) * sizeof(Entry), kHeapAlign));
  if (heap_size_ != 0) std::copy(heap_, heap_ + heap_size_, raw + kHeapOffset);
  if (raw_ != nullptr) ::operator delete(raw_, kHeapAlign);
  raw_ = raw;
  heap_ = raw + kHeapOffset;
  heap_capacity_ = capacity;
}

void Scheduler::push(Entry e) {
  if (heap_size_ == heap_capacity_) grow_heap();
  std::size_t hole = heap_size_++;
  while (hole != 0) {
    std::size_t parent = (hole - 1) / 4;
    if (!before(e, heap_[parent])) break;
    heap_[hole] = heap_[parent];
    hole = parent;
  }
  heap_[hole] = e;
}

void Scheduler::pop_top() {
  Entry last = heap_[--heap_size_];
  if (heap_size_ != 0) sift_down(0, last);
}

void Scheduler::sift_down(std::size_t hole, Entry e) {
  const std::size_t n = heap_size_;
  for (;;) {
    std::size_t first = 4 * hole + 1;
    if (first >= n) break;
    std::size_t best = first;
    std::size_t end = std::min(first + 4, n);
    for (std::size_t c = first + 1; c < end; ++c) {
      if (before(heap_[c], heap_[best])) best = c;
    }
    if (!before(heap_[best], e)) break;
    heap_[hole] = heap_[best];
    hole = best;
  }
  heap_[hole] = e;
}

void Scheduler::purge_cancelled() {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < heap_size_; ++i) {
    auto slot = static_cast<std::uint32_t>(heap_[i].key & kSlotMask);
    if (slots_[slot].cancelled) {
      free_slot(slot);
    } else {
      heap_[kept++] = heap_[i];
    }
  }
  heap_size_ = kept;
  cancelled_in_heap_ = 0;
  // Floyd's bottom-up heap construction.
  if (heap_size_ > 1) {
    for (std::size_t i = (heap_size_ - 2) / 4 + 1; i-- > 0;) sift_down(i, heap_[i]);
  }
}

}  // namespace pxelab::sim
