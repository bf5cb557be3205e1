// Simulated time: integer nanoseconds since the start of a run.
//
// A plain integer rather than a wrapper type: it is stored in every event, trace record
// and timer, compared in the scheduler's hot loop, and written to pcap as is. The
// helpers below make literals readable (`ms(5)`, `seconds(60)`) and conversions explicit.
#pragma once

#include <cstdint>
#include <limits>

namespace pxelab::sim {

// Nanoseconds since the start of the run (a point) or between two points (a duration).
using Time = std::int64_t;

// "Never": later than every real time. Clock::run(kNever) runs until nothing is left.
inline constexpr Time kNever = std::numeric_limits<Time>::max();

constexpr Time ns(std::int64_t n) { return n; }
constexpr Time us(std::int64_t n) { return n * 1'000; }
constexpr Time ms(std::int64_t n) { return n * 1'000'000; }
constexpr Time seconds(std::int64_t n) { return n * 1'000'000'000; }

// Fractional seconds, rounded toward zero to whole nanoseconds (for configuration input).
constexpr Time from_seconds(double s) { return static_cast<Time>(s * 1e9); }
constexpr double to_seconds(Time t) { return static_cast<double>(t) * 1e-9; }
constexpr double to_milliseconds(Time t) { return static_cast<double>(t) * 1e-6; }

}  // namespace pxelab::sim
