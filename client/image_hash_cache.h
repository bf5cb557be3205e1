// ImageHashCache: SHA-256 states of image prefixes shared by the downloads of a run.
//
// A boot storm has thousands of clients download the same image; hashing each copy
// (ClientOutcome::images[].sha256) costs more than simulating its frames. The cache
// keeps a tree of prefixes: a node is the SHA-256 state after a sequence of blocks, and
// its children are the blocks seen next, with their bytes. A download that receives a
// block equal (memcmp) to a child's continues from that child without hashing; a block
// not seen before is hashed once from its parent's state and added. The digest is the
// same as hashing every byte (it is the same computation, done once per distinct
// prefix), so a cache changes no result, only the time.
//
// Bounded: once the stored blocks reach `max_bytes`, advance() says no and the download
// goes on with a private copy of the state (TftpDownload does so). Not thread-safe; one
// cache per run (owned by whoever builds the clients, handed in by pointer: no global).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/sha256.h"
#include "wire/bytes.h"

namespace pxelab::client {

class ImageHashCache {
 public:
  using Node = std::uint32_t;
  static constexpr Node kEmpty = 0;  // the empty prefix

  explicit ImageHashCache(std::size_t max_bytes = std::size_t{64} << 20);

  // The prefix `from` followed by `block`: a cached node, or a new one; nullopt when
  // the block is new and the cache is full.
  std::optional<Node> advance(Node from, wire::ByteView block);
  // Lowercase hex digest of the prefix (computed once per node, then remembered).
  const std::string& hex_digest(Node node);
  // The running state of the prefix, to go on hashing privately.
  Sha256 state(Node node) const;

  std::size_t nodes() const { return nodes_.size(); }
  std::size_t stored_bytes() const { return stored_bytes_; }
  // advance() calls answered from the cache (no hashing).
  std::uint64_t hits() const { return hits_; }

 private:
  struct Entry {
    Sha256 state;
    wire::Bytes block;  // the bytes that led here from the parent
    Node first_child = kEmpty;   // kEmpty: none (the root is nobody's child)
    Node next_sibling = kEmpty;
    std::string hex;    // filled by hex_digest()
  };
  std::vector<Entry> nodes_;
  std::size_t max_bytes_;
  std::size_t stored_bytes_ = 0;
  std::uint64_t hits_ = 0;
};

}  // namespace pxelab::client
