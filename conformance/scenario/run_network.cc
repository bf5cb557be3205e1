#include "conformance/scenario/run_network.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace pxelab::conformance {

namespace fs = std::filesystem;

Result<WorkDir> WorkDir::make(const std::string& keep_dir, const std::string& prefix) {
  WorkDir w;
  if (!keep_dir.empty()) {
    std::error_code ec;
    fs::create_directories(keep_dir, ec);
    if (ec) return Error{"", 0, "cannot create " + keep_dir + ": " + ec.message()};
    w.path_ = fs::absolute(keep_dir).string();
    w.keep_ = true;
    return w;
  }
  const char* t = std::getenv("TMPDIR");
  std::string tmpl = std::string((t && *t) ? t : "/tmp") + "/" + prefix + "XXXXXX";
  if (!::mkdtemp(tmpl.data())) {
    return Error{"", 0, "cannot create a temporary directory " + tmpl + ": " + std::strerror(errno)};
  }
  w.path_ = tmpl;
  return w;
}

WorkDir::WorkDir(WorkDir&& other) noexcept : path_(std::move(other.path_)), keep_(other.keep_) { other.path_.clear(); }

WorkDir& WorkDir::operator=(WorkDir&& other) noexcept {
  if (this != &other) {
    WorkDir old(std::move(*this));
    path_ = std::move(other.path_);
    keep_ = other.keep_;
    other.path_.clear();
  }
  return *this;
}

WorkDir::~WorkDir() {
  if (path_.empty() || keep_) return;
  std::error_code ec;
  fs::remove_all(path_, ec);  // best effort: a leftover temporary directory is not an error of the run
}

RunNetwork::RunNetwork(bool wall_clock) {
  if (wall_clock) {
    auto rt = std::make_unique<sim::RealtimeClock>();
    realtime = rt.get();
    clock = std::move(rt);
  } else {
    clock = std::make_unique<sim::VirtualClock>();
  }
}

RunNetwork::~RunNetwork() { segments.clear(); }

sim::Segment& RunNetwork::add_segment(std::uint64_t seed, sim::Trace& trace) {
  segments.push_back(std::make_unique<sim::Segment>(*clock, seed));
  segments.back()->add_sink(trace);
  return *segments.back();
}

}  // namespace pxelab::conformance
