#include "conformance/scenario/reference_server.h"

#include <algorithm>
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
    keep_modes();
    auto b = server::BootServer::create(site_.clock, config_, log_, options_);
    if (!b) return b.error();
    ports_.push_back(site_.segment.attach((*b)->host(), site_.link, site_.name));
    instances_.push_back(std::move(*b));
    return Ok{};
  }

  void stop() override {
    if (running()) instances_.back()->host().set_powered(false);
  }

  Status set_boot_mode(const BootModeTarget& target, server::BootMode mode) override {
    const std::string why = "boot-mode event";
    if (!target.mac) {
      auto g = std::find_if(config_.groups.begin(), config_.groups.end(), [&](const auto& x) { return x.name == target.group; });
      if (g == config_.groups.end()) return Error{"boot-mode", 0, "no [[group]] named '" + target.group + "' in this server's configuration"};
      if (!instances_.empty()) {
        if (auto st = instances_.back()->set_group_mode(target.group, mode, why); !st) return st;
        keep_modes();
      } else {
        g->mode = mode;  // as BootServer::set_group_mode: once flips give way to the group
        for (auto& h : config_.hosts) {
          if (h.group != target.group || !h.boot_from_once) continue;
          h.boot.reset();
          h.boot_from_once = false;
        }
      }
      return Ok{};
    }
    const wire::MacAddress mac = *target.mac;
    server::HostEntry* entry = nullptr;
    for (auto& h : config_.hosts) {
      if (h.mac == mac) entry = &h;
    }
    if (!entry) return Error{"boot-mode", 0, "no host entry for " + mac.to_string() + " in this server's table"};
    entry->boot = mode;  // a restart starts from config_: the mode survives it
    entry->boot_from_once = false;
    if (!instances_.empty()) {
      if (auto st = instances_.back()->set_boot_mode(mac, mode, why); !st) return st;
    }
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
  // The modes the last instance ended with (once flips, events) are what the next
  // one starts with: a restart keeps them.
  void keep_modes() {
    if (instances_.empty()) return;
    config_.hosts = instances_.back()->config().hosts;
    config_.groups = instances_.back()->config().groups;
  }
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
