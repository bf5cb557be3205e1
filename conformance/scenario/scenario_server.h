// A server in a scenario, as the run sees it: one small interface (DESIGN.md: "a
// scenario's server is either the in-process reference server or one of these, behind
// one small interface"). The run places it on its segment, starts it, stops and
// restarts it for the scenario's events, and asks it afterwards who it was on the wire
// so the checks can tell its frames from a rogue's.
//
// Implementations: the in-process reference server (reference_server.h) on either
// clock; a server under test (a third-party daemon in a network namespace, reached
// through a TAP sim::LinkPort on the RealtimeClock) implements the same three methods.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/config.h"
#include "sim/clock.h"
#include "sim/link_params.h"
#include "sim/port.h"
#include "sim/segment.h"
#include "wire/address.h"
#include "wire/result.h"

namespace pxelab::conformance {

// Where a server joins the run; given to the implementation when it is made and valid
// for the whole run (the run owns the clock and the segments and outlives its servers).
struct ServerSite {
  sim::Clock& clock;
  // The run's clock when it is the wall clock (QEMU clients, a server under test behind
  // a TAP: LinkPort::open_tap needs it); null on the VirtualClock.
  sim::RealtimeClock* realtime = nullptr;
  sim::Segment& segment;
  sim::LinkParams link;   // the server's attachment (the scenario's link over the segment's)
  std::string name;       // the scenario's server name: the port's name in the trace
  std::string work_dir;   // a directory of this run for the server's files (exists)
};

// One incarnation of a server on the wire: what the checks need to recognise it.
struct ServerInstance {
  wire::MacAddress mac;
  wire::Ipv4Address ip;
  sim::PortIndex port = sim::kNoPort;  // its attachment on the site's segment
};

// What a server says about itself, during the run (events target its current port)
// and after it (the checks' "who is who").
struct ServerReport {
  // Every instance started, in order; the last is the current one. A restart that
  // comes back as a fresh host (the reference server) adds one; a daemon restarted
  // behind the same TAP may keep one.
  std::vector<ServerInstance> instances;
  bool running = false;
  std::vector<std::string> log;  // the server's own log lines, oldest first (may be empty)
};

// What a boot-mode event changes: one host entry (by MAC) or a server's [[group]].
struct BootModeTarget {
  std::optional<wire::MacAddress> mac;
  std::string group;
  std::string text() const { return mac ? mac->to_string() : "group " + group; }
};

class ScenarioServer {
 public:
  virtual ~ScenarioServer() = default;

  // Puts the server on the wire: the first call attaches it to the site's segment; after
  // stop() it comes back (the reference server: a fresh instance that replays its lease
  // journal and has no TFTP state). Does nothing if it is running. An error (bad
  // configuration, a daemon that does not start or does not become ready) names what
  // failed; the server is then not running. May block on the wall clock (a readiness
  // probe) but never runs the site's clock.
  virtual Status start() = 0;

  // Takes the server off the wire (powered off, not detached: frames already scheduled
  // to it are dropped as to a dead host). Does nothing if it is not running.
  virtual void stop() = 0;

  virtual ServerReport report() const = 0;
  // Sets the boot mode (server/config.h BootMode) of the host entry for `target.mac`,
  // or of the server's [[group]] `target.group`, now and for later restarts: a
  // scenario's boot-mode event. A server that cannot (one under test, configured by its
  // own files) says so in the error; so does an unknown MAC or group.
  virtual Status set_boot_mode(const BootModeTarget& target, server::BootMode mode) {
    (void)mode;
    return Error{"boot-mode", 0, "this server cannot change the boot mode of " + target.text()};
  }
};

}  // namespace pxelab::conformance
