// The event scheduler: events ordered by (time, sequence), cancellable by id.
//
// Structure (chosen for the hold model: ~10^5 pending events, push one / pop one):
// - a 4-ary implicit min-heap of 16-byte entries {time, sequence<<24 | slot}. Four
//   children are one 64-byte cache line (the array is 64-byte aligned and the root is
//   offset so that every group of siblings starts on a line), so a sift-down costs about
//   one cache miss per level and the tree is half as deep as a binary heap.
// - the callables live in a slab of slots with a free list (LIFO, so a slot freed by the
//   event being run is the one the next schedule() reuses: it is still in cache).
// - an EventId is {generation, slot}; freeing a slot bumps its generation, so cancel()
//   of an id that already fired, was cancelled, or never existed is a harmless no-op.
// - cancel() is lazy: it marks the slot and destroys the callable at once; the heap
//   entry is dropped when it reaches the top (or when cancelled entries outnumber the
//   live ones, the heap is rebuilt without them, so re-armed timers cannot pile up).
// Ties in time run in the order they were scheduled (FIFO): sequence numbers are
// 40 bits (10^12 events per run), slots 24 bits (16.7 M events pending at once); going
// past either is a programming error and aborts with a message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/callback.h"
#include "sim/time.h"

namespace pxelab::sim {

// Names one scheduled event. Default-constructed: names none (cancel() returns false).
struct EventId {
  std::uint64_t value = 0;
  explicit operator bool() const { return value != 0; }
  friend bool operator==(EventId, EventId) = default;
};

class Scheduler {
 public:
  Scheduler();
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Schedules `fn` at time `t`. Events at equal times run in the order scheduled.
  EventId schedule(Time t, Callback fn);

  // Cancels a pending event; false if `id` already ran, was cancelled, or is unknown.
  bool cancel(EventId id);

  // Time of the earliest pending event, or kNever if none (drops cancelled entries on
  // the way, hence not const).
  Time next_time();

  // Removes the earliest pending event and returns its callable, which the caller runs.
  // Its slot is free again before it runs: the callable may schedule and cancel freely,
  // and cancel() of its own id returns false. Precondition: next_time() != kNever.
  Callback pop_next();

  // Live (not cancelled) pending events.
  std::size_t pending() const { return live_; }
  bool empty() const { return live_ == 0; }

  // Capacity figures for tests that prove the hot path stops allocating.
  std::size_t slot_capacity() const { return slots_.size(); }
  std::size_t heap_capacity() const { return heap_capacity_; }

 private:
  struct Entry {
    Time time;
    std::uint64_t key;  // sequence << kSlotBits | slot: orders ties FIFO
  };
  struct Slot {
    Callback fn;
    std::uint32_t generation = 1;
    std::uint32_t next_free = 0;  // free list link (slot index + 1; 0 ends the list)
    bool cancelled = false;
  };

  static constexpr int kSlotBits = 24;
  static constexpr std::uint64_t kSlotMask = (std::uint64_t{1} << kSlotBits) - 1;

  static bool before(const Entry& a, const Entry& b) {
    return a.time < b.time || (a.time == b.time && a.key < b.key);
  }
  std::uint32_t allocate_slot();
  void free_slot(std::uint32_t slot);
  void push(Entry e);
  void pop_top();
  void sift_down(std::size_t hole, Entry e);
  void grow_heap();
  void purge_cancelled();

  // Heap storage: raw_ is 64-byte aligned; heap_ = raw_ + 3 so that children
  // 4i+1..4i+4 of node i sit at raw_[4i+4..4i+7], one cache line.
  Entry* raw_ = nullptr;
  Entry* heap_ = nullptr;
  std::size_t heap_size_ = 0;
  std::size_t heap_capacity_ = 0;

  std::vector<Slot> slots_;
  std::uint32_t free_head_ = 0;  // slot index + 1; 0: none free
  std::uint64_t next_sequence_ = 0;
  std::size_t live_ = 0;
  std::size_t cancelled_in_heap_ = 0;
};

}  // namespace pxelab::sim
