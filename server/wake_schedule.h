// Runs a server configuration's [[schedule]] entries (server/config.h) on a clock while
// the server serves: `pxelab serve` on the wall clock, tests on a VirtualClock. Each
// fire: the entry's targets (its macs, then the [[host]] entries whose hostname
// matches `hosts`) get `mode` in the host table first if set, then one Wake-on-LAN
// magic packet each (wire/wol.h) leaves through the server's own host, UDP from its
// address to `broadcast`:`port` (RFC 1812 §5.3.5.2: a directed broadcast beyond the
// server's subnet goes to its next hop, which must forward it). Each action is one log
// line with the wall time. Sans-I/O: the wall time of clock time 0 is given.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "server/boot_server.h"
#include "server/config.h"
#include "sim/clock.h"

namespace pxelab::server {

// '*' matches any run of characters (also none); everything else itself.
bool hostname_matches(std::string_view pattern, std::string_view hostname);
// The MACs an entry wakes, each once, in order: macs, then matching [[host]] entries.
std::vector<wire::MacAddress> schedule_targets(const WakeScheduleEntry& entry, const ServerConfig& config);

class WakeScheduleRunner {
 public:
  // `epoch_at_zero`: the wall time (UTC seconds, fractional) at clock time 0.
  WakeScheduleRunner(sim::Clock& clock, BootServer& server, LogSink& log, double epoch_at_zero);
  WakeScheduleRunner(const WakeScheduleRunner&) = delete;
  WakeScheduleRunner& operator=(const WakeScheduleRunner&) = delete;
  ~WakeScheduleRunner();

  // Puts every entry's next fire time after now on the clock; each fire re-arms the
  // next. Logs each entry's first fire time (or that it will not fire again).
  void start();
  std::size_t fired() const { return fired_; }

 private:
  class Sender;
  void arm(std::size_t entry, double after_wall);
  void fire(std::size_t entry, sim::UnixSeconds at);

  sim::Clock& clock_;
  BootServer& server_;
  LogSink& log_;
  double epoch_;
  std::unique_ptr<Sender> sender_;
  std::size_t fired_ = 0;
};

}  // namespace pxelab::server
