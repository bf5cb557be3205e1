#include "server/boot_server.h"

namespace pxelab::server {

wire::MacAddress default_server_mac(wire::Ipv4Address a) {
  return wire::MacAddress{{0x02, 0x70, static_cast<std::uint8_t>(a.value >> 24), static_cast<std::uint8_t>(a.value >> 16),
                           static_cast<std::uint8_t>(a.value >> 8), static_cast<std::uint8_t>(a.value)}};
}

Result<std::unique_ptr<BootServer>> BootServer::create(sim::Clock& clock, const ServerConfig& config, LogSink& log,
                                                       const BootServerOptions& options) {
  std::unique_ptr<BootServer> s(new BootServer());
  s->config_ = config;
  // The TFTP root is checked before the lease journal is opened: a configuration that
  // fails validation creates nothing (issue 10: a missing root left a fresh journal).
  const bool serve_tftp = options.tftp && !s->config_.tftp.root.empty();
  if (serve_tftp) {
    auto files = TftpFileSource::create(s->config_);
    if (!files) return files.error();
    s->files_.emplace(std::move(*files));
  }
  auto leases = LeaseStore::open({s->config_.lease_file, s->config_.fsync}, &s->replay_);
  if (!leases) {
    // Name the configuration file, line and key, then what the journal said.
    if (s->config_.lease_file.empty()) return leases.error();
    return Error{"server.lease_file", 0, leases.error().to_string(), s->config_.where("server.lease_file")};
  }
  s->leases_.emplace(std::move(*leases));
  sim::HostConfig hc{options.mac.value_or(default_server_mac(config.address)), config.address};
  if (options.gateway) {
    // Reach relayed clients through the router: the prefix is that of the server's own subnet.
    hc.prefix_length = 24;
    for (const Subnet& sn : config.subnets) {
      if (sn.contains(config.address)) hc.prefix_length = sn.prefix_length;
    }
    hc.gateway = options.gateway;
  }
  s->host_.emplace(clock, hc);
  s->dhcp_.emplace(s->config_, *s->leases_, log, options.lease_epoch);
  if (auto st = bind_dhcp_server(*s->host_, *s->dhcp_); !st) return st.error();
  if (serve_tftp) {
    auto ports = static_cast<std::uint16_t>(std::min<std::uint32_t>(s->config_.tftp.max_transfers, 65535u - options.tftp_first_port));
    s->tftp_.emplace(s->config_.tftp, *s->files_, log, options.tftp_first_port, ports, s->config_.faults);
    if (auto st = bind_tftp_server(*s->host_, *s->tftp_); !st) return st.error();
  }
  return s;
}

Status BootServer::set_boot_mode(const wire::MacAddress& mac, BootMode mode) {
  // The responder reads config_'s host entries through find_host(): changing the
  // entry in place is what its next answer sees.
  for (HostEntry& h : config_.hosts) {
    if (h.mac != mac) continue;
    h.boot = mode;
    if (files_) files_->set_host_mode(h, mode);
    return Ok{};
  }
  return Error{"boot", 0, "no host entry for " + mac.to_string() + ": its boot mode cannot be set"};
}

}  // namespace pxelab::server
