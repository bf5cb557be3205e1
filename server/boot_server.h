// The reference boot server as one piece: a Host with the DHCP/proxy/4011 agent and
// the TFTP agent, its lease store and file source, built from a ServerConfig. The
// simulator attaches it to a Segment; `pxelab serve` attaches the same thing to a real
// link through a LinkPort (DESIGN.md: one graph for both).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "server/config.h"
#include "server/dhcp_agent.h"
#include "server/log.h"
#include "server/tftp_agent.h"
#include "sim/clock.h"
#include "sim/host.h"

namespace pxelab::server {

struct BootServerOptions {
  // The MAC of the server's host; default 02:70:78 + the server address
  // (locally administered, "px", unique per address).
  std::optional<wire::MacAddress> mac;
  std::uint16_t tftp_first_port = 49152;  // transfer ports: [first, first + max_transfers)
  std::int64_t lease_epoch = 0;           // see DhcpServerAgent
  bool tftp = true;                       // false: DHCP only (e.g. beside a real TFTP server)
  // The router to relayed clients' subnets (its address on the server's subnet).
  std::optional<wire::Ipv4Address> gateway;
};

class BootServer {
 public:
  // Opens the lease journal (replaying it) and checks the TFTP root. `config` is copied;
  // `clock` and `log` must outlive the server.
  static Result<std::unique_ptr<BootServer>> create(sim::Clock& clock, const ServerConfig& config, LogSink& log,
                                                    const BootServerOptions& options = {});

  sim::Host& host() { return *host_; }
  const ServerConfig& config() const { return config_; }
  LeaseStore& leases() { return *leases_; }
  DhcpServerAgent& dhcp() { return *dhcp_; }
  TftpServerAgent* tftp() { return tftp_ ? &*tftp_ : nullptr; }
  const ReplayReport& replay() const { return replay_; }

  // Changes the boot mode of the host entry for `mac` while the server runs (a
  // scenario's boot-mode event, `pxelab serve`'s control file, a once flip): its next
  // DHCP answers and its generated pxelinux.cfg follow `mode`. An error when the table
  // has no such host (a mode belongs to a host entry; an unknown client gets
  // [boot].default_mode). Logged when `why` is not empty.
  Status set_boot_mode(const wire::MacAddress& mac, BootMode mode, std::string_view why = {});
  // The same for a [[group]]: its mode changes, members whose own mode came from a
  // once flip drop it (so `group lab once` arms them again), and every member's
  // pxelinux.cfg is written again. Members with a mode of their own keep it
  // (host.boot > group mode). An error for a group the configuration does not declare.
  Status set_group_mode(std::string_view group, BootMode mode, std::string_view why = {});
  // The host entry named `name` (its hostname) or whose MAC is `name`; nullptr if none.
  const HostEntry* find_host(std::string_view name) const;

  // Makes every queued lease record durable (shutdown).
  Status flush() { return leases_->flush(); }

 private:
  BootServer() = default;
  // A TFTP read transfer completed: the once flip (BootMode::Once).
  void served(sim::Time now, const TftpServed& what);
  sim::Clock* clock_ = nullptr;
  LogSink* log_ = nullptr;

  ServerConfig config_;
  ReplayReport replay_;
  std::optional<LeaseStore> leases_;
  std::optional<TftpFileSource> files_;
  std::optional<sim::Host> host_;
  std::optional<DhcpServerAgent> dhcp_;
  std::optional<TftpServerAgent> tftp_;
};

wire::MacAddress default_server_mac(wire::Ipv4Address address);

}  // namespace pxelab::server
