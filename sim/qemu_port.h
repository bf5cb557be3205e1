// QemuPort: a Port whose other side is a QEMU VM's NIC, through `-netdev dgram`.
//
// QEMU's dgram backend sends each Ethernet frame the guest transmits as one datagram
// (no header, no length prefix, no FCS) and puts each datagram it receives on the
// guest's wire. pxelab owns its end of the socket pair, so no root and no TAP device is
// needed; frames cross the Segment like any other (links, faults, trace, pcap).
//
// Two transports (DESIGN.md "Real parts"):
//  - unix datagram sockets in a directory the caller owns (the launcher's per-VM
//    temporary directory): pxelab binds DIR/pxelab.sock, QEMU binds DIR/qemu.sock.
//    Nothing is shared with other users or runs; only datagrams from QEMU's path are
//    taken.
//  - loopback UDP: pxelab binds 127.0.0.1 on an ephemeral port, QEMU binds its own
//    ephemeral port (local.port=0) and sends to ours; the port latches QEMU's address
//    from the first datagram and drops datagrams from any other address afterwards.
//    Frames for the VM before it has spoken are dropped (counted): a booting VM
//    always speaks first (DHCPDISCOVER), so nothing it waits for is lost.
//
// Frames the segment delivers go to QEMU with sendto(); while QEMU is not (yet, or no
// longer) there, the kernel refuses them and they are counted, never queued: a real
// cable to a powered-off NIC loses them too.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sim/clock.h"
#include "sim/port.h"
#include "wire/result.h"

namespace pxelab::sim {

struct QemuPortCounters {
  std::uint64_t frames_in = 0;       // from the VM into the segment
  std::uint64_t frames_out = 0;      // from the segment to the VM
  std::uint64_t send_errors = 0;     // refused by the kernel (VM not there yet or gone)
  std::uint64_t runts = 0;           // datagrams shorter than an Ethernet header
  std::uint64_t foreign = 0;         // datagrams from an address that is not the VM's
  std::uint64_t before_peer = 0;     // UDP: frames for the VM before it first spoke
};

class QemuPort final : public Port {
 public:
  enum class Transport : std::uint8_t { kUnix, kUdp };

  // Unix datagram sockets in `dir` (must exist; the path of a socket must fit in 107
  // bytes). Fails if DIR/pxelab.sock exists (another port owns it).
  static Result<std::unique_ptr<QemuPort>> open_unix(RealtimeClock& clock, const std::string& dir);
  // Loopback UDP on an ephemeral port.
  static Result<std::unique_ptr<QemuPort>> open_udp(RealtimeClock& clock);

  // Stops watching, closes the socket and removes pxelab.sock (unix). QEMU's own
  // socket file belongs to the launcher's directory.
  ~QemuPort() override;

  void receive(const FrameView& frame) override;

  // The argument of QEMU's `-netdev` option for this port, network backend id `id`:
  // "dgram,id=ID,local.type=unix,local.path=DIR/qemu.sock,remote.type=unix,remote.path=DIR/pxelab.sock"
  // or the inet equivalent.
  std::string netdev_arg(std::string_view id) const;

  Transport transport() const { return transport_; }
  // unix: pxelab's socket path; udp: "127.0.0.1:PORT".
  const std::string& local_name() const { return local_name_; }
  // unix: QEMU's socket path; udp: QEMU's address once latched ("" before).
  std::string peer_name() const;
  const QemuPortCounters& counters() const { return counters_; }

 private:
  QemuPort(RealtimeClock& clock, int fd, Transport transport);
  void on_readable();
  bool from_peer(const sockaddr_storage& from, socklen_t length);

  RealtimeClock& clock_;
  int fd_;
  Transport transport_;
  std::string local_name_;
  std::string unix_peer_path_;  // unix
  std::uint16_t udp_local_port_ = 0;
  sockaddr_storage peer_{};
  socklen_t peer_length_ = 0;   // 0: no peer yet (udp)
  RealtimeClock::WatchId watch_;
  wire::Bytes buffer_;
  QemuPortCounters counters_;
};

}  // namespace pxelab::sim
