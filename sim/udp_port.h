// UdpPort: one agent on a real UDP socket of the kernel, on a RealtimeClock. The
// counterpart of Host for the command-line tools that speak to a real server (`pxelab
// tftp-get`): the agent is the same sans-I/O code the simulator runs, and this context
// hands it the socket's datagrams (read in batches with recvmmsg) and sends what it
// sends with sendto, its timers on the clock (DESIGN.md: one code path).
//
// One socket, one local port: the agent's bind_port() of that port succeeds, any other
// fails. Datagrams carry no frame number (kNoFrameNumber) and no MACs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "sim/agent.h"
#include "sim/clock.h"
#include "wire/result.h"

namespace pxelab::sim {

struct UdpPortCounters {
  std::uint64_t datagrams_in = 0;
  std::uint64_t datagrams_out = 0;
  std::uint64_t send_dropped = 0;  // ENOBUFS/EAGAIN: lost as on a wire
  std::uint64_t truncated = 0;     // larger than max_payload: dropped, never handed on
};

class UdpPort final : public AgentContext {
 public:
  // A socket bound to `local` (port 0: the kernel picks one), with a receive buffer
  // of `receive_buffer` octets (a window of large blocks must fit, or blocks drop).
  // Datagrams larger than `max_payload` are dropped and counted (`truncated`): the
  // receive slots are that large, and small slots keep a batch in the cache (64 slots
  // of 64 KiB, 64 KiB apart, would all compete for the same cache sets).
  static Result<std::unique_ptr<UdpPort>> open(RealtimeClock& clock, Endpoint local, std::size_t max_payload = 65535,
                                               int receive_buffer = 8 << 20);
  ~UdpPort() override;
  UdpPort(const UdpPort&) = delete;
  UdpPort& operator=(const UdpPort&) = delete;

  // Starts `agent` (start(), now) and from then hands it every datagram and timer.
  // The agent must outlive the port or the clock's run.
  void run_agent(Agent& agent);

  Endpoint local() const { return local_; }
  const UdpPortCounters& counters() const { return counters_; }
  // The first error of the socket that is not a lost datagram (sendto to an
  // unreachable network, a failed recvmmsg): the port then stops the clock.
  const std::optional<Error>& failure() const { return failure_; }

  // AgentContext.
  Status send(const OutgoingDatagram& datagram) override;
  TimerId set_timer(Time at, std::uint64_t tag) override;
  bool cancel_timer(TimerId id) override;
  Status bind_port(std::uint16_t port, PortFilter filter = PortFilter::kAny) override;

 private:
  UdpPort(RealtimeClock& clock, int fd, Endpoint local, std::size_t slot_size);
  void on_readable();
  void fail(Error e);

  static constexpr unsigned kBatch = 64;

  RealtimeClock& clock_;
  int fd_;
  Endpoint local_;
  Agent* agent_ = nullptr;
  std::optional<RealtimeClock::WatchId> watch_;
  std::size_t slot_size_;            // max_payload + 1: one octet more shows truncation
  std::vector<std::uint8_t> slots_;  // kBatch slots of slot_size_
  UdpPortCounters counters_;
  std::optional<Error> failure_;
};

}  // namespace pxelab::sim
