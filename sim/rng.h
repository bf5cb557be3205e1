// Seeded randomness for links and faults, identical on every standard library.
//
// std::mt19937_64 is specified bit for bit by the standard, but the distribution
// classes (uniform_real_distribution, bernoulli_distribution...) are not and differ
// between libstdc++ and libc++. So every draw here is computed from raw 64-bit outputs
// of the engine with arithmetic written out below (DESIGN.md "Determinism").
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

#include "sim/time.h"

namespace pxelab::sim {

// splitmix64: mixes a run seed and a stream number into an independent seed, so that
// each link (and direction) gets its own stream and adding a link does not shift the
// draws of the others.
constexpr std::uint64_t derive_seed(std::uint64_t run_seed, std::uint64_t stream) {
  std::uint64_t z = run_seed + 0x9e3779b97f4a7c15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t next() { return engine_(); }

  // Uniform in [0, 1), 53 random bits.
  double uniform01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // True with probability p. Draws nothing when p <= 0 (a fault that is off costs
  // nothing) and nothing when p >= 1.
  bool chance(double p) {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return uniform01() < p;
  }

  // Uniform in [0, n), unbiased (rejection). Precondition: n > 0.
  std::uint64_t below(std::uint64_t n) {
    std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    for (;;) {
      std::uint64_t r = next();
      if (r >= threshold) return r % n;
    }
  }

  // Uniform in [0, max] nanoseconds.
  Time uniform_time(Time max) {
    if (max <= 0) return 0;
    return static_cast<Time>(below(static_cast<std::uint64_t>(max) + 1));
  }

  // Exponentially distributed with the given mean (inverse transform sampling).
  double exponential(double mean) { return -mean * std::log1p(-uniform01()); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace pxelab::sim
