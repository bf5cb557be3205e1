// Where the server's one-line-per-exchange log goes: stderr for `pxelab serve`, a
// vector in tests and simulations (then the report can quote it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sim/time.h"

namespace pxelab::server {

class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void line(sim::Time now, std::string_view text) = 0;
};

class MemoryLog final : public LogSink {
 public:
  void line(sim::Time now, std::string_view text) override { lines.push_back({now, std::string(text)}); }
  struct Line {
    sim::Time time;
    std::string text;
  };
  std::vector<Line> lines;
  // Whether any line contains `needle`.
  bool contains(std::string_view needle) const {
    for (const auto& l : lines) {
      if (l.text.find(needle) != std::string::npos) return true;
    }
    return false;
  }
};

// Discards everything (benchmarks).
class NullLog final : public LogSink {
 public:
  void line(sim::Time, std::string_view) override {}
};

}  // namespace pxelab::server
