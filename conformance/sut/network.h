// The wire a server under test sits on: per run, a network namespace with a bridge and
// a TAP on it. pxelab holds the TAP's descriptor (a sim::LinkPort, attached to the
// scenario's segment like any port); the TAP itself lives in the namespace, enslaved to
// the bridge that carries the SUT's address. So the SUT's frames pass the segment's
// links, trace and pcap exactly as an in-process server's do.
//
//   segment ── LinkPort (fd) ═══ TAP ── bridge (198.18.x.y/p) ── dnsmasq, kea, tftpd ...
//                                 └──────── namespace pxsutPIDxN ────────┘
//
// Everything created is recorded first in a run registry (one file per run naming the
// owner's pid and start time), removed at teardown (also on error and on SIGINT/SIGTERM,
// which end the clock so destructors run) and, after a SIGKILL of pxelab, swept at the
// next start: a record whose owner is gone has its namespace's processes killed and the
// namespace and TAP deleted. Addresses are 198.18.0.0/15 only (checked here).
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/clock.h"
#include "sim/link_port.h"
#include "wire/address.h"
#include "wire/result.h"

namespace pxelab::sut {

// Where run records are kept; one file per live run.
inline constexpr const char* kDefaultRegistryDir = "/run/pxelab/sut";

struct RunRecord {
  pid_t owner = 0;
  unsigned long long owner_start = 0;  // /proc/PID/stat field 22: tells a reused pid apart
  std::string netns;
  std::string tap;
};

class RunRegistry {
 public:
  explicit RunRegistry(std::string dir = kDefaultRegistryDir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }
  Status record(const RunRecord& r) const;
  void forget(const std::string& netns) const;
  std::vector<RunRecord> records() const;
  // Removes what runs whose owner is dead left behind; returns their namespaces' names.
  std::vector<std::string> sweep() const;

 private:
  std::string dir_;
};

// Whether `pid` is alive and still the process that started at `start`.
bool owner_alive(pid_t pid, unsigned long long start);
unsigned long long process_start_time(pid_t pid);

// The pids of every process whose network namespace is `netns` (an `ip netns` name).
std::vector<pid_t> pids_in_netns(const std::string& netns);
// Kills them (SIGKILL), deletes the namespace and, if it is still in the root namespace,
// the TAP. Idempotent; what could not be removed is named in the error.
Status remove_run(const std::string& netns, const std::string& tap);

struct NetworkOptions {
  wire::Ipv4Address address;       // the SUT's own address, on the bridge
  std::uint8_t prefix_length = 24;
  std::vector<wire::Ipv4Address> extra_addresses;  // more addresses on the bridge (a second server)
  // The namespace's default route (a relay's address on the segment): how the SUT's
  // answers reach giaddr and its TFTP reaches relayed clients. None: on-link only.
  std::optional<wire::Ipv4Address> gateway;
  // The bridge's MAC: the SUT's frames carry it (a bridge would otherwise take its
  // lowest port's, the TAP's random one). Locally administered.
  wire::MacAddress mac{{0x02, 0x53, 0x55, 0x54, 0x00, 0x01}};
  std::string registry_dir = kDefaultRegistryDir;
};

class Network {
 public:
  static Result<std::unique_ptr<Network>> create(sim::RealtimeClock& clock, const NetworkOptions& o);
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  const std::string& netns() const { return netns_; }
  const std::string& bridge() const { return bridge_; }
  const std::string& tap() const { return tap_; }
  const wire::MacAddress& mac() const { return mac_; }
  sim::LinkPort& port() { return *port_; }
  // Closes the TAP, kills what still runs in the namespace, deletes it and forgets the
  // record. Called by the destructor; safe to call twice.
  Status teardown();

 private:
  Network(RunRegistry registry, std::string netns, std::string tap)
      : registry_(std::move(registry)), netns_(std::move(netns)), tap_(std::move(tap)) {}
  RunRegistry registry_;
  std::string netns_;
  std::string tap_;
  std::string bridge_ = "br0";
  wire::MacAddress mac_;
  std::unique_ptr<sim::LinkPort> port_;
  bool torn_down_ = false;
};

// 198.18.0.0/15 (RFC 2544's benchmarking block): the only addresses a SUT may have.
bool in_benchmark_block(wire::Ipv4Address a);

}  // namespace pxelab::sut
