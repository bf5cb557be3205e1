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

  Status set_boot_mode(const wire::MacAddress& mac, server::BootMode mode) override {
    server::HostEntry* entry = nullptr;
    for (auto& h : config_.hosts) {
      if (h.mac == mac) entry = &h;
    }
    if (!entry) return Error{"boot-mode", 0, "no host entry for " + mac.to_string() + " in this server's table"};
    entry->boot = mode;  // a restart starts from config_: the mode survives it
    if (!instances_.empty()) {
      if (auto st = instances_.back()->set_boot_mode(mac, mode); !st) return st;
    }
    log_.line(site_.clock.now(), "boot mode of " + mac.to_string() + (entry->hostname.empty() ? "" : " (" + entry->hostname + ")") +
                                     " set to " + std::string(server::to_string(mode)));
    return Ok{};
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
