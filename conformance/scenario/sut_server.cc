#include "conformance/scenario/sut_server.h"

namespace pxelab::conformance {

SutServer::SutServer(ServerSite site, sut::Profile profile, server::ServerConfig model, sut::SutOptions options)
    : site_(std::move(site)), profile_(std::move(profile)), model_(std::move(model)), options_(std::move(options)) {}

SutServer::~SutServer() {
  if (watch_event_) site_.clock.cancel(*watch_event_);
  // A destructor has nowhere to return an error; a teardown that fails leaves the run's
  // registry record, which the next pxelab start sweeps (conformance/sut/network.h).
  if (sut_) static_cast<void>(sut_->stop());
}

Status SutServer::start() {
  if (!site_.realtime) {
    return Error{"sut", 0, "server '" + site_.name + "' is a server under test: the run must be on the wall clock"};
  }
  if (sut_ && sut_->running()) return Ok{};
  if (!sut_) {
    auto s = sut::ServerUnderTest::start(*site_.realtime, profile_, model_, options_);
    if (!s) return s.error();
    sut_ = std::move(*s);
    ServerInstance inst;
    inst.mac = sut_->network().mac();
    inst.ip = model_.address;
    inst.port = site_.segment.attach(sut_->port(), site_.link, site_.name);
    instances_.push_back(inst);
    rendered_ = sut_->rendered_files();
  } else if (auto st = sut_->restart_processes(); !st) {
    return st.error();
  }
  ++incarnation_;
  watch_processes();
  return Ok{};
}

// A daemon that dies is noticed within 100 ms of wall time, not at the deadline.
void SutServer::watch_processes() {
  watch_event_ = site_.clock.after(sim::from_seconds(0.1), [this] {
    watch_event_.reset();
    if (!sut_ || !sut_->running()) return;
    if (auto f = sut_->exited()) {
      exit_failure_ = *f;
      sut_->stop_processes();
      if (on_exit_) on_exit_(*f);
      return;
    }
    watch_processes();
  });
}

void SutServer::stop() {
  if (watch_event_) {
    site_.clock.cancel(*watch_event_);
    watch_event_.reset();
  }
  if (sut_) sut_->stop_processes();
}

ServerReport SutServer::report() const {
  ServerReport r;
  r.instances = instances_;
  r.running = sut_ && sut_->running();
  if (sut_) {
    for (const auto& f : sut_->log_files()) {
      for (std::string_view rest = sut::tail_lines(f, 200); !rest.empty();) {
        auto nl = rest.find('\n');
        r.log.emplace_back(rest.substr(0, nl));
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      }
    }
  }
  return r;
}

std::vector<std::string> SutServer::log_files() const { return sut_ ? sut_->log_files() : std::vector<std::string>{}; }
std::vector<std::string> SutServer::rendered_files() const { return rendered_; }

}  // namespace pxelab::conformance
