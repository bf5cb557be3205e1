#include "conformance/scenario/reference_server.h"

#include <utility>
#include <vector>

#include "server/log.h"

namespace pxelab::conformance {

namespace {

class ReferenceServer final : public ScenarioServer {
 public:
  ReferenceServer(ServerSite site, server::ServerConfig config, server::BootServerOptions options)
      : site_(std::move(site)), config_(std::move(config)), options_(std::move(options)) {}

  Status start() override {
    if (running()) return Ok{};
    auto b = server::BootServer::create(site_.clock, config_, log_, options_);
    if (!b) return b.error();
    ports_.push_back(site_.segment.attach((*b)->host(), site_.link, site_.name));
    instances_.push_back(std::move(*b));
    return Ok{};
  }

  void stop() override {
    if (running()) instances_.back()->host().set_powered(false);
  }

  ServerReport report() const override {
    ServerReport r;
    for (std::size_t k = 0; k < instances_.size(); ++k) {
      r.instances.push_back({instances_[k]->host().mac(), config_.address, ports_[k]});
    }
    r.running = running();
    for (const auto& l : log_.lines) r.log.push_back(l.text);
    return r;
  }

 private:
  bool running() const { return !instances_.empty() && instances_.back()->host().powered(); }

  ServerSite site_;
  server::ServerConfig config_;
  server::BootServerOptions options_;
  server::MemoryLog log_;
  // Every instance ever started, oldest first, and its port.
  std::vector<std::unique_ptr<server::BootServer>> instances_;
  std::vector<sim::PortIndex> ports_;
};

}  // namespace

std::unique_ptr<ScenarioServer> make_reference_server(ServerSite site, server::ServerConfig config,
                                                      server::BootServerOptions options) {
  return std::make_unique<ReferenceServer>(std::move(site), std::move(config), std::move(options));
}

}  // namespace pxelab::conformance
