#include "wire/tftp_block.h"

#include <gtest/gtest.h>

namespace pxelab::wire {
namespace {

constexpr auto kZero = BlockRollover::kToZero;
constexpr auto kOne = BlockRollover::kToOne;

static_assert(next_block(1) == 2);
static_assert(next_block(65535, kZero) == 0);
static_assert(next_block(65535, kOne) == 1);
static_assert(next_block(0, kOne) == 1);  // ACK 0 -> DATA 1

TEST(TftpBlock, NextRollsOverPerPolicy) {
  EXPECT_EQ(next_block(65534, kZero), 65535);
  EXPECT_EQ(next_block(65535, kZero), 0);
  EXPECT_EQ(next_block(0, kZero), 1);
  EXPECT_EQ(next_block(65535, kOne), 1);
}

TEST(TftpBlock, IndexToWireNumber) {
  EXPECT_EQ(block_for_index(0, kZero), 0);
  EXPECT_EQ(block_for_index(1, kZero), 1);
  EXPECT_EQ(block_for_index(65535, kZero), 65535);
  EXPECT_EQ(block_for_index(65536, kZero), 0);
  EXPECT_EQ(block_for_index(65537, kZero), 1);
  EXPECT_EQ(block_for_index(0, kOne), 0);
  EXPECT_EQ(block_for_index(65535, kOne), 65535);
  EXPECT_EQ(block_for_index(65536, kOne), 1);
  EXPECT_EQ(block_for_index(2 * 65535 + 1, kOne), 1);
  // A 4 GiB image at 512-byte blocks crosses many rollovers.
  EXPECT_EQ(block_for_index(8388608, kZero), 0);
}

TEST(TftpBlock, AdvanceMatchesRepeatedNext) {
  for (auto r : {kZero, kOne}) {
    std::uint16_t b = 65000;
    for (std::uint64_t n = 0; n < 2000; ++n) {
      ASSERT_EQ(advance_block(65000, n, r), b) << n;
      b = next_block(b, r);
    }
  }
}

TEST(TftpBlock, StepsAndOrderingAcrossRollover) {
  EXPECT_EQ(block_steps(65535, 0, kZero), 1u);
  EXPECT_EQ(block_steps(65535, 1, kOne), 1u);
  EXPECT_EQ(block_steps(0, 1, kOne), 1u);
  EXPECT_EQ(block_steps(65530, 4, kZero), 10u);
  EXPECT_EQ(block_steps(65530, 4, kOne), 9u);
  EXPECT_EQ(block_steps(7, 7, kOne), 0u);

  EXPECT_TRUE(block_before(65535, 0, kZero));
  EXPECT_FALSE(block_before(0, 65535, kZero));
  EXPECT_TRUE(block_before(65530, 3, kOne));
  EXPECT_FALSE(block_before(3, 65530, kOne));
  EXPECT_FALSE(block_before(9, 9, kZero));
  // A duplicate ACK (older) versus the expected one, with window size 4.
  EXPECT_TRUE(block_before(65534, 1, kZero));
  EXPECT_EQ(block_cycle(kZero), 65536u);
  EXPECT_EQ(block_cycle(kOne), 65535u);
}

}  // namespace
}  // namespace pxelab::wire
