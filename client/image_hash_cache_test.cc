#include "client/image_hash_cache.h"

#include <gtest/gtest.h>

#include "client/sha256.h"
#include "sim/rng.h"

namespace pxelab::client {
namespace {

wire::Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  sim::Rng rng(seed);
  wire::Bytes b(n);
  for (auto& c : b) c = static_cast<std::uint8_t>(rng.next());
  return b;
}

// Follows `image` through the cache in blocks of `block`; the digest of the node reached.
std::string cached_digest(ImageHashCache& cache, const wire::Bytes& image, std::size_t block) {
  ImageHashCache::Node node = ImageHashCache::kEmpty;
  for (std::size_t at = 0; at < image.size(); at += block) {
    auto next = cache.advance(node, wire::ByteView(image.data() + at, std::min(block, image.size() - at)));
    EXPECT_TRUE(next.has_value());
    if (!next) return {};
    node = *next;
  }
  return cache.hex_digest(node);
}

TEST(ImageHashCache, SameDigestAsHashingEveryByte) {
  ImageHashCache cache;
  const wire::Bytes image = random_bytes(100 * 1468 + 17, 1);
  const std::string want = Sha256::of(image);
  EXPECT_EQ(cached_digest(cache, image, 1468), want);
  const std::size_t nodes = cache.nodes();
  EXPECT_EQ(cached_digest(cache, image, 1468), want);  // the second copy: all hits
  EXPECT_EQ(cache.nodes(), nodes);
  EXPECT_EQ(cache.hits(), 101u);
  EXPECT_EQ(cache.hex_digest(ImageHashCache::kEmpty), Sha256::of({}));
}

TEST(ImageHashCache, ImagesThatDifferInOneByteOrInBlockSizeKeepTheirOwnDigests) {
  ImageHashCache cache;
  const wire::Bytes a = random_bytes(20 * 512, 2);
  wire::Bytes b = a;
  b[7 * 512 + 3] ^= 1;  // forks after 7 shared blocks
  EXPECT_EQ(cached_digest(cache, a, 512), Sha256::of(a));
  EXPECT_EQ(cached_digest(cache, b, 512), Sha256::of(b));
  EXPECT_EQ(cached_digest(cache, a, 1024), Sha256::of(a));  // other blocks, same bytes
  EXPECT_EQ(cached_digest(cache, b, 512), Sha256::of(b));
  EXPECT_EQ(cached_digest(cache, a, 512), Sha256::of(a));
}

TEST(ImageHashCache, FullCacheRefusesNewBlocksAndHandsOutTheStateToContinue) {
  ImageHashCache cache(3 * 512);
  const wire::Bytes image = random_bytes(5 * 512, 3);
  ImageHashCache::Node node = ImageHashCache::kEmpty;
  std::size_t at = 0;
  for (; at < image.size(); at += 512) {
    auto next = cache.advance(node, wire::ByteView(image.data() + at, 512));
    if (!next) break;
    node = *next;
  }
  EXPECT_EQ(at, 3u * 512);
  Sha256 rest = cache.state(node);
  rest.update(wire::ByteView(image.data() + at, image.size() - at));
  EXPECT_EQ(rest.hex_digest(), Sha256::of(image));
}

}  // namespace
}  // namespace pxelab::client
