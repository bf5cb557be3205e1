// TFTP 16-bit block-number arithmetic. RFC 1350 numbers DATA blocks from 1 and is
// silent on what follows 65535 (files over 32 MiB at 512-byte blocks). Most servers
// (tftpd-hpa, dnsmasq, iPXE as a client) roll over to 0; some older ones roll to 1.
// The policy is a parameter. Block 0 is also the ACK of a WRQ or OACK (RFC 2347).
#pragma once

#include <cstdint>

namespace pxelab::wire {

enum class BlockRollover : std::uint8_t {
  kToZero,  // ..., 65534, 65535, 0, 1, ...   (cycle of 65536)
  kToOne,   // ..., 65534, 65535, 1, 2, ...   (cycle of 65535; 0 sits where 65535 does)
};

constexpr std::uint32_t block_cycle(BlockRollover r) { return r == BlockRollover::kToZero ? 65536u : 65535u; }

// Position of `block` in the cycle. Under kToOne, block 0 (the ACK before the first
// DATA) occupies the position of 65535, the block that also precedes 1.
constexpr std::uint32_t block_position(std::uint16_t block, BlockRollover r) {
  if (r == BlockRollover::kToZero) return block;
  return block == 0 ? 65534u : block - 1u;
}

// The block `n` steps after `block`.
constexpr std::uint16_t advance_block(std::uint16_t block, std::uint64_t n, BlockRollover r = BlockRollover::kToZero) {
  const std::uint64_t cycle = block_cycle(r);
  if (n == 0) return block;  // block 0 shares its position with 65535 under kToOne
  const std::uint64_t pos = (block_position(block, r) + n % cycle) % cycle;
  return r == BlockRollover::kToZero ? static_cast<std::uint16_t>(pos) : static_cast<std::uint16_t>(pos + 1);
}

constexpr std::uint16_t next_block(std::uint16_t block, BlockRollover r = BlockRollover::kToZero) {
  return advance_block(block, 1, r);
}

// Steps from `from` forward to `to`, in [0, cycle).
constexpr std::uint32_t block_steps(std::uint16_t from, std::uint16_t to, BlockRollover r = BlockRollover::kToZero) {
  const std::uint32_t cycle = block_cycle(r);
  return (block_position(to, r) + cycle - block_position(from, r)) % cycle;
}

// Serial-number comparison (in the spirit of RFC 1982): `a` comes before `b` when
// `b` is less than half a cycle ahead of it. Used to tell a duplicate (old) ACK
// from a new one across rollover.
constexpr bool block_before(std::uint16_t a, std::uint16_t b, BlockRollover r = BlockRollover::kToZero) {
  const std::uint32_t d = block_steps(a, b, r);
  return d != 0 && d < block_cycle(r) / 2;
}

// The wire number of the `index`-th DATA block of a transfer (the first is index 1,
// index 0 is the ACK-0 position).
constexpr std::uint16_t block_for_index(std::uint64_t index, BlockRollover r = BlockRollover::kToZero) {
  if (r == BlockRollover::kToZero) return static_cast<std::uint16_t>(index);
  return index == 0 ? 0 : static_cast<std::uint16_t>((index - 1) % 65535 + 1);
}

}  // namespace pxelab::wire
