#include "sim/arena.h"

#include <sys/mman.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace pxelab::sim {

void* map_block(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    std::fprintf(stderr, "pxelab::sim: out of memory mapping %zu bytes\n", bytes);
    std::abort();
  }
  (void)madvise(p, bytes, MADV_HUGEPAGE);  // advice only: fine if refused
  return p;
}

void unmap_block(void* block, std::size_t bytes) { munmap(block, bytes); }

ByteArena::~ByteArena() { clear(); }

ByteArena::ByteArena(ByteArena&& other) noexcept
    : blocks_(std::move(other.blocks_)), used_(other.used_), capacity_(other.capacity_) {
  other.blocks_.clear();
  other.used_ = kBlockSize;
  other.capacity_ = 0;
}

ByteArena& ByteArena::operator=(ByteArena&& other) noexcept {
  if (this != &other) {
    clear();
    blocks_ = std::move(other.blocks_);
    used_ = other.used_;
    capacity_ = other.capacity_;
    other.blocks_.clear();
    other.used_ = kBlockSize;
    other.capacity_ = 0;
  }
  return *this;
}

const std::uint8_t* ByteArena::store(wire::ByteView bytes) {
  if (bytes.empty()) return nullptr;
  if (bytes.size() > kBlockSize / 4) {
    // Rare (> 1 MiB; jumbo frames are 9 KiB): a block of its own, inserted before the
    // last one so that the block being filled stays last.
    std::size_t size = (bytes.size() + 4095) / 4096 * 4096;
    void* own = map_block(size);
    std::memcpy(own, bytes.data(), bytes.size());
    blocks_.insert(blocks_.empty() ? blocks_.end() : blocks_.end() - 1, Block{own, size});
    capacity_ += size;
    return static_cast<const std::uint8_t*>(own);
  }
  if (used_ + bytes.size() > kBlockSize) {
    blocks_.push_back(Block{map_block(kBlockSize), kBlockSize});
    capacity_ += kBlockSize;
    used_ = 0;
  }
  auto* p = static_cast<std::uint8_t*>(blocks_.back().data) + used_;
  std::memcpy(p, bytes.data(), bytes.size());
  used_ += bytes.size();
  return p;
}

void ByteArena::clear() {
  for (const Block& b : blocks_) unmap_block(b.data, b.size);
  blocks_.clear();
  used_ = kBlockSize;
  capacity_ = 0;
}

}  // namespace pxelab::sim
