// The TFTP server agent: RRQs on port 69, each transfer on a port of its own from a
// configured range (RFC 1350 §4, TFTP-NEW-TID), a limit on concurrent transfers, and
// ERROR 5 to packets from a foreign TID while the transfer goes on.
//
// The harness binds port 69 and every port of [first_port, first_port + port_count)
// to this agent (bind_tftp_server() does both). WRQ is refused with ERROR 2 unless
// tftp.allow_write is set; uploads then land in the root, never overwriting (ERROR 6).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "server/log.h"
#include "server/tftp_files.h"
#include "server/tftp_transfer.h"
#include "sim/agent.h"
#include "sim/host.h"

namespace pxelab::server {

struct TftpServerStats {
  std::uint64_t requests = 0;
  std::uint64_t completed = 0;
  std::uint64_t client_errors = 0;  // ended by the client's ERROR (tsize probes included)
  std::uint64_t timed_out = 0;
  std::uint64_t not_found = 0;
  std::uint64_t access_violations = 0;
  std::uint64_t busy = 0;
  std::uint64_t foreign_tid = 0;
  std::uint64_t malformed = 0;
  std::uint64_t bytes_sent = 0;  // payload bytes of completed transfers
  std::uint64_t uploads = 0;     // completed and stored WRQs
  std::uint64_t duplicate_requests = 0;  // an active transfer's request again: no second transfer
};

// A read transfer that completed: who got which file (as requested in the RRQ).
struct TftpServed {
  wire::MacAddress mac;  // the Ethernet source of the request
  wire::Ipv4Address ip;
  std::string file;
};

class TftpServerAgent final : public sim::Agent {
 public:
  // `files` and `log` must outlive the agent. `faults`: the server's [faults] table
  // (server/faults.h), of which the TFTP switches apply here.
  TftpServerAgent(const TftpConfig& config, const TftpFileSource& files, LogSink& log, std::uint16_t first_port,
                  std::uint16_t port_count, const Faults& faults = {});

  void start(sim::AgentContext& ctx, sim::Time now) override;
  void on_datagram(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) override;
  void on_timer(sim::AgentContext& ctx, sim::Time now, std::uint64_t tag) override;

  const TftpServerStats& stats() const { return stats_; }
  // Called after every completed read transfer (BootServer: the once flip).
  void set_on_served(std::function<void(sim::Time, const TftpServed&)> fn) { on_served_ = std::move(fn); }
  std::size_t active_transfers() const { return active_; }
  std::uint16_t first_port() const { return first_port_; }
  std::uint16_t port_count() const { return port_count_; }

 private:
  bool from_69() const { return limits_.faults.has(Fault::kTftpReplyFrom69); }
  struct Transfer {
    sim::Endpoint client;
    std::string file;
    sim::Time started = 0;
    sim::TimerId timer;
    std::unique_ptr<TftpReadTransfer> reader;   // RRQ
    std::unique_ptr<TftpWriteTransfer> writer;  // WRQ
    wire::Bytes request;  // the RRQ/WRQ as received, to recognise it sent again
    sim::Time timer_at = sim::kNever;  // when `timer` fires (it may fire early: re-armed then)
    wire::MacAddress mac;              // the client's Ethernet address
    sim::Time deadline() const { return reader ? reader->deadline() : writer->deadline(); }
    bool finished() const { return reader ? reader->finished() : writer->finished(); }
  };

  void on_request(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d);
  void send_error(sim::AgentContext& ctx, std::uint16_t from_port, const sim::Endpoint& to, wire::TftpErrorCode code,
                  std::string_view message);
  std::optional<std::uint16_t> allocate_port();
  void reschedule(sim::AgentContext& ctx, std::uint16_t port, Transfer& t);
  void finish_if_done(sim::AgentContext& ctx, sim::Time now, std::uint16_t port);

  TftpConfig config_;
  TftpLimits limits_;
  const TftpFileSource& files_;
  LogSink& log_;
  std::uint16_t first_port_;
  std::uint16_t port_count_;
  std::uint16_t cursor_ = 0;
  // Transfers by our port: slot (port - first_port). A storm of thousands of transfers
  // looks one up per packet, so an index, not a tree.
  Transfer* find(std::uint16_t port);
  Transfer& emplace(std::uint16_t port, Transfer t);
  void erase(std::uint16_t port);
  std::vector<std::optional<Transfer>> slots_;
  std::size_t active_ = 0;
  // Our port of the active transfer by client endpoint (address << 16 | port).
  std::unordered_map<std::uint64_t, std::uint16_t> by_client_;
  static std::uint64_t client_key(const sim::Endpoint& e) { return std::uint64_t{e.ip.value} << 16 | e.port; }
  TftpServerStats stats_;
  std::function<void(sim::Time, const TftpServed&)> on_served_;
};

// Binds port 69 and the agent's transfer ports on `host`.
Status bind_tftp_server(sim::Host& host, TftpServerAgent& agent);

}  // namespace pxelab::server
