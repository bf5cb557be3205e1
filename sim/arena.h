// Storage for records that only grow (the trace): big blocks that never move.
//
// Why not std::vector: a trace of 10^6 frames holds ~350 MB of bytes and ~60 MB of
// records. Doubling a vector copies everything again and again, and touching fresh
// memory 4 KiB page by page costs a page fault each (very expensive in a VM). Blocks of
// 4 MiB from mmap, advised for transparent huge pages (MADV_HUGEPAGE), fault in 2 MiB
// at a time and are never copied; pointers into them stay valid as the trace grows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <type_traits>
#include <vector>

#include "wire/bytes.h"

namespace pxelab::sim {

// A block of `bytes` (a multiple of 2 MiB is best), zero-filled, huge pages advised.
// Aborts if memory is exhausted (as operator new would throw).
void* map_block(std::size_t bytes);
void unmap_block(void* block, std::size_t bytes);

inline constexpr std::size_t kBlockSize = std::size_t{4} << 20;

// Frame bytes, appended; views returned by store() stay valid until clear().
class ByteArena {
 public:
  ByteArena() = default;
  ~ByteArena();
  ByteArena(ByteArena&& other) noexcept;
  ByteArena& operator=(ByteArena&& other) noexcept;

  const std::uint8_t* store(wire::ByteView bytes);
  std::size_t capacity() const { return capacity_; }
  void clear();

 private:
  struct Block {
    void* data;
    std::size_t size;
  };
  std::vector<Block> blocks_;
  std::size_t used_ = kBlockSize;  // in the last block; full: the next store maps one
  std::size_t capacity_ = 0;
};

// An append-only array of trivially copyable records in fixed blocks.
template <class T>
class RecordLog {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  static constexpr std::size_t kPerBlock = kBlockSize / sizeof(T);

  RecordLog() = default;
  ~RecordLog() { clear(); }
  RecordLog(RecordLog&& o) noexcept : blocks_(std::move(o.blocks_)), size_(o.size_) { o.size_ = 0; }
  RecordLog& operator=(RecordLog&& o) noexcept {
    if (this != &o) {
      clear();
      blocks_ = std::move(o.blocks_);
      size_ = o.size_;
      o.size_ = 0;
    }
    return *this;
  }

  void push_back(const T& value) {
    if (size_ == blocks_.size() * kPerBlock) blocks_.push_back(static_cast<T*>(map_block(kBlockSize)));
    std::memcpy(&blocks_[size_ / kPerBlock][size_ % kPerBlock], &value, sizeof(T));
    ++size_;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T& operator[](std::size_t i) const { return blocks_[i / kPerBlock][i % kPerBlock]; }
  const T& back() const { return (*this)[size_ - 1]; }
  void clear() {
    for (T* b : blocks_) unmap_block(b, kBlockSize);
    blocks_.clear();
    size_ = 0;
  }
  std::size_t capacity_bytes() const { return blocks_.size() * kBlockSize; }

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;
    const_iterator() = default;
    const_iterator(const RecordLog* log, std::size_t i) : log_(log), i_(i) {}
    reference operator*() const { return (*log_)[i_]; }
    pointer operator->() const { return &(*log_)[i_]; }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++i_;
      return old;
    }
    bool operator==(const const_iterator& o) const { return i_ == o.i_; }

   private:
    const RecordLog* log_ = nullptr;
    std::size_t i_ = 0;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }

 private:
  std::vector<T*> blocks_;
  std::size_t size_ = 0;
};

}  // namespace pxelab::sim
