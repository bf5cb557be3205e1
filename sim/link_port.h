// LinkPort: a Port whose other side is a real Ethernet link of the kernel — a TAP
// device (`--tap NAME`) or a raw AF_PACKET socket on an interface (`--interface IF`).
// Frames from the link enter the segment; frames the segment delivers to this port go
// out on the link. It runs on a RealtimeClock, which polls its descriptor.
//
// Notes from FIRMWARE.md ("Seen on this kind of machine"): an AF_PACKET socket also
// sees its own outgoing frames (PACKET_OUTGOING), which are skipped; the interface is
// put in promiscuous mode so unicast to the emulated hosts' MACs is seen. The kernel
// must not own the server's address on that interface, or it answers ARP and sends
// ICMP port-unreachable beside pxelab.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "sim/clock.h"
#include "sim/port.h"
#include "wire/result.h"

namespace pxelab::sim {

struct LinkPortCounters {
  std::uint64_t frames_in = 0;      // from the link into the segment
  std::uint64_t frames_out = 0;     // from the segment onto the link
  std::uint64_t write_errors = 0;   // frames the kernel refused (logged by count only)
  std::uint64_t skipped_own = 0;    // AF_PACKET: our own transmissions seen again
  std::uint64_t checksums_completed = 0;  // AF_PACKET: offloaded UDP checksums filled in
  std::uint64_t read_errors = 0;    // transient read errors (an interface that went down)
};

class LinkPort final : public Port {
 public:
  // Attaches to the TAP device `name` (created if absent; an existing persistent one,
  // e.g. from `ip tuntap add`, is reused) and sets it up.
  static Result<std::unique_ptr<LinkPort>> open_tap(RealtimeClock& clock, const std::string& name);
  // A raw socket on interface `name`, promiscuous.
  static Result<std::unique_ptr<LinkPort>> open_interface(RealtimeClock& clock, const std::string& name);

  ~LinkPort() override;
  void receive(const FrameView& frame) override;

  const std::string& name() const { return name_; }
  const LinkPortCounters& counters() const { return counters_; }

  // A link that cannot carry frames any more — its TAP device or interface was
  // deleted (EBADFD, ENODEV, ENXIO, POLLNVAL, POLLHUP) or another read error that
  // would repeat at once — is given up: the port stops watching its descriptor (no
  // busy loop), drops what the segment still sends it, and calls `on_failure` once
  // with the reason. A link that is only down (ENETDOWN with the interface still
  // there) is kept: frames flow again when it comes back up.
  void set_on_failure(std::function<void(std::string_view why)> on_failure) { on_failure_ = std::move(on_failure); }
  bool failed() const { return failed_; }

 private:
  enum class Kind : std::uint8_t { kTap, kPacket };
  LinkPort(RealtimeClock& clock, int fd, Kind kind, std::string name);
  void on_readable();
  void fail(std::string why);
  bool read_error_is_transient();

  RealtimeClock& clock_;
  int fd_;
  Kind kind_;
  std::string name_;
  RealtimeClock::WatchId watch_;
  wire::Bytes buffer_;
  LinkPortCounters counters_;
  bool failed_ = false;
  std::function<void(std::string_view)> on_failure_;
};

}  // namespace pxelab::sim
