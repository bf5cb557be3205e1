// The DHCP server agent: binds 67 and 4011, hands each datagram to the DhcpResponder,
// and sends its replies. With group commit (FsyncPolicy::Group) ACKs wait in a queue
// until one flush makes their leases durable (at most group_commit_ms later): an ACK
// never leaves before its lease is on disk.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "server/dhcp_responder.h"
#include "server/log.h"
#include "sim/agent.h"
#include "sim/host.h"

namespace pxelab::server {

class DhcpServerAgent final : public sim::Agent {
 public:
  // `lease_epoch` is added to the run's seconds to give the lease clock (Unix time
  // for `pxelab serve`, 0 in simulations). Everything passed must outlive the agent.
  DhcpServerAgent(const ServerConfig& config, LeaseStore& leases, LogSink& log, std::int64_t lease_epoch = 0);

  void start(sim::AgentContext& ctx, sim::Time now) override;
  void on_datagram(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) override;
  void on_timer(sim::AgentContext& ctx, sim::Time now, std::uint64_t tag) override;

  const ResponderStats& stats() const { return responder_.stats(); }
  std::uint64_t replies_sent() const { return replies_sent_; }
  std::size_t replies_waiting() const { return waiting_.size(); }
  // The boot file last sent to the host `mac` while its mode is once (BootMode::Once);
  // nullptr if none. A chainloaded iPXE binary does not count (FW-44: iPXE comes back
  // for its script). BootServer flips the host when this boot has been served
  // (boot_choice.h is_pxelinux: for pxelinux, its generated configuration).
  const std::string* once_file(const wire::MacAddress& mac) const;

 private:
  void send(sim::AgentContext& ctx, sim::Time now, const Reply& reply);
  void commit(sim::AgentContext& ctx, sim::Time now);
  void send_at(sim::AgentContext& ctx, sim::Time at, Reply reply);  // faults: late or repeated OFFERs
  void note_once_file(const wire::dhcp::Message& sent);

  const ServerConfig& config_;
  LeaseStore& leases_;
  LogSink& log_;
  std::int64_t lease_epoch_;
  DhcpResponder responder_;
  std::vector<Reply> waiting_;  // ACKs whose leases are not durable yet
  bool commit_pending_ = false;
  std::map<std::uint64_t, Reply> delayed_;  // timer tag -> reply (faults only)
  std::uint64_t next_delayed_ = 0;
  std::uint64_t replies_sent_ = 0;
  std::map<wire::MacAddress, std::string> once_files_;  // see once_file()
};

// Binds 67 and 4011 on `host`.
Status bind_dhcp_server(sim::Host& host, DhcpServerAgent& agent);

}  // namespace pxelab::server
