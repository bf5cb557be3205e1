#include "server/boot_server.h"

#include <algorithm>

#include "server/boot_choice.h"

namespace pxelab::server {

wire::MacAddress default_server_mac(wire::Ipv4Address a) {
  return wire::MacAddress{{0x02, 0x70, static_cast<std::uint8_t>(a.value >> 24), static_cast<std::uint8_t>(a.value >> 16),
                           static_cast<std::uint8_t>(a.value >> 8), static_cast<std::uint8_t>(a.value)}};
}

Result<std::unique_ptr<BootServer>> BootServer::create(sim::Clock& clock, const ServerConfig& config, LogSink& log,
                                                       const BootServerOptions& options) {
  std::unique_ptr<BootServer> s(new BootServer());
  s->config_ = config;
  s->clock_ = &clock;
  s->log_ = &log;
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
    BootServer* self = s.get();  // the agent lives inside the server it calls back
    s->tftp_->set_on_served([self](sim::Time now, const TftpServed& what) { self->served(now, what); });
  }
  return s;
}

namespace {

std::string host_text(const HostEntry& h) {
  return h.mac.to_string() + (h.hostname.empty() ? "" : " (" + h.hostname + ")");
}

std::string_view without_leading_slashes(std::string_view f) {
  while (!f.empty() && (f.front() == '/' || f.front() == '\\')) f.remove_prefix(1);
  return f;
}

}  // namespace

Status BootServer::set_boot_mode(const wire::MacAddress& mac, BootMode mode, std::string_view why) {
  // The responder reads config_'s host entries through find_host(): changing the
  // entry in place is what its next answer sees.
  for (HostEntry& h : config_.hosts) {
    if (h.mac != mac) continue;
    h.boot = mode;
    h.boot_from_once = false;
    if (files_) files_->set_host_mode(h, mode);
    if (!why.empty()) log_->line(clock_->now(), "boot mode of " + host_text(h) + " set to " + std::string(to_string(mode)) + ": " + std::string(why));
    return Ok{};
  }
  return Error{"boot", 0, "no host entry for " + mac.to_string() + ": its boot mode cannot be set"};
}

Status BootServer::set_group_mode(std::string_view group, BootMode mode, std::string_view why) {
  auto it = std::find_if(config_.groups.begin(), config_.groups.end(), [&](const HostGroup& g) { return g.name == group; });
  if (it == config_.groups.end()) return Error{"boot", 0, "no [[group]] named '" + std::string(group) + "'"};
  it->mode = mode;
  for (HostEntry& h : config_.hosts) {
    if (h.group != group) continue;
    if (h.boot_from_once) {
      h.boot.reset();
      h.boot_from_once = false;
    }
    if (files_) files_->set_host_mode(h, config_.boot_mode_of(&h));
  }
  if (!why.empty()) log_->line(clock_->now(), "boot mode of group " + std::string(group) + " set to " + std::string(to_string(mode)) + ": " + std::string(why));
  return Ok{};
}

const HostEntry* BootServer::find_host(std::string_view name) const {
  auto mac = wire::MacAddress::parse(name);
  for (const HostEntry& h : config_.hosts) {
    if ((mac && h.mac == *mac) || (!h.hostname.empty() && h.hostname == name)) return &h;
  }
  return nullptr;
}

void BootServer::served(sim::Time now, const TftpServed& what) {
  const HostEntry* host = config_.find_host(what.mac);
  if (host == nullptr || config_.boot_mode_of(host) != BootMode::Once) return;
  const std::string* given = dhcp_->once_file(what.mac);
  if (given == nullptr) return;
  // The boot file its DHCP answer named ends the one network boot; for pxelinux, the
  // host's generated configuration (pxelinux reads it after the flip otherwise, and
  // would find LOCALBOOT). A tsize probe is not a completed transfer.
  const std::string_view file = without_leading_slashes(what.file);
  const bool done = is_pxelinux(*given)
                        ? file == pxelinux_mac_name(host->mac) || (host->ip && file == pxelinux_ip_name(*host->ip))
                        : file == without_leading_slashes(*given);
  if (!done) return;
  static_cast<void>(set_boot_mode(what.mac, BootMode::Local));
  for (HostEntry& h : config_.hosts) {
    if (h.mac == what.mac) h.boot_from_once = true;
  }
  log_->line(now, "boot mode of " + host_text(*host) + " once -> local: " + what.file + " served to " + what.ip.to_string());
}

}  // namespace pxelab::server
