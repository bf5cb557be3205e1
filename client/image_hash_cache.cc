#include "client/image_hash_cache.h"

#include <cstring>

namespace pxelab::client {

ImageHashCache::ImageHashCache(std::size_t max_bytes) : max_bytes_(max_bytes) { nodes_.emplace_back(); }

std::optional<ImageHashCache::Node> ImageHashCache::advance(Node from, wire::ByteView block) {
  for (Node c = nodes_[from].first_child; c != kEmpty; c = nodes_[c].next_sibling) {
    const wire::Bytes& b = nodes_[c].block;
    if (b.size() == block.size() && (block.empty() || std::memcmp(b.data(), block.data(), block.size()) == 0)) {
      ++hits_;
      return c;
    }
  }
  if (stored_bytes_ + block.size() > max_bytes_ || nodes_.size() >= 0xffffffffu) return std::nullopt;
  Entry e;
  e.state = nodes_[from].state;
  e.state.update(block);
  e.block.assign(block.begin(), block.end());
  e.next_sibling = nodes_[from].first_child;
  const auto node = static_cast<Node>(nodes_.size());
  nodes_.push_back(std::move(e));  // may move nodes_: index again after
  nodes_[from].first_child = node;
  stored_bytes_ += block.size();
  return node;
}

const std::string& ImageHashCache::hex_digest(Node node) {
  Entry& e = nodes_[node];
  if (e.hex.empty()) e.hex = e.state.hex_digest();
  return e.hex;
}

Sha256 ImageHashCache::state(Node node) const { return nodes_[node].state; }

}  // namespace pxelab::client
