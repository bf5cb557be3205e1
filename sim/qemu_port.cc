#include "sim/qemu_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pxelab::sim {

namespace {

Error sys_error(const std::string& what) { return Error{"", 0, what + ": " + std::strerror(errno)}; }

constexpr std::size_t kMaxUnixPath = sizeof(sockaddr_un::sun_path) - 1;

}  // namespace

QemuPort::QemuPort(RealtimeClock& clock, int fd, Transport transport)
    : clock_(clock), fd_(fd), transport_(transport), buffer_(65536) {
  watch_ = clock_.watch(fd_, POLLIN, [this] { on_readable(); });
}

QemuPort::~QemuPort() {
  clock_.unwatch(watch_);
  ::close(fd_);
  if (transport_ == Transport::kUnix) ::unlink(local_name_.c_str());
}

Result<std::unique_ptr<QemuPort>> QemuPort::open_unix(RealtimeClock& clock, const std::string& dir) {
  std::string local = dir + "/pxelab.sock";
  std::string peer = dir + "/qemu.sock";
  if (peer.size() > kMaxUnixPath || local.size() > kMaxUnixPath) {
    return Error{"", 0, "socket directory " + dir + " is too long for a unix socket path (" +
                            std::to_string(kMaxUnixPath) + " bytes at most)"};
  }
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return sys_error("unix datagram socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, local.c_str(), local.size() + 1);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    Error e = sys_error("bind " + local);
    ::close(fd);
    return e;
  }
  // Frames of up to 64 KiB (jumbo or odd test frames) must fit the receive queue.
  int size = 1 << 20;
  // Best effort: the kernel caps it at net.core.rmem_max and a smaller queue still works.
  static_cast<void>(::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size));
  std::unique_ptr<QemuPort> port(new QemuPort(clock, fd, Transport::kUnix));
  port->local_name_ = local;
  port->unix_peer_path_ = peer;
  sockaddr_un p{};
  p.sun_family = AF_UNIX;
  std::memcpy(p.sun_path, peer.c_str(), peer.size() + 1);
  std::memcpy(&port->peer_, &p, sizeof p);
  port->peer_length_ = sizeof p;
  return port;
}

Result<std::unique_ptr<QemuPort>> QemuPort::open_udp(RealtimeClock& clock) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return sys_error("UDP socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t length = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) < 0) {
    Error e = sys_error("bind 127.0.0.1");
    ::close(fd);
    return e;
  }
  int size = 1 << 20;
  // Best effort, as for the unix socket above.
  static_cast<void>(::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size));
  std::unique_ptr<QemuPort> port(new QemuPort(clock, fd, Transport::kUdp));
  port->udp_local_port_ = ntohs(addr.sin_port);
  port->local_name_ = "127.0.0.1:" + std::to_string(port->udp_local_port_);
  return port;
}

std::string QemuPort::netdev_arg(std::string_view id) const {
  std::string s = "dgram,id=" + std::string(id);
  if (transport_ == Transport::kUnix) {
    s += ",local.type=unix,local.path=" + unix_peer_path_ + ",remote.type=unix,remote.path=" + local_name_;
  } else {
    s += ",local.type=inet,local.host=127.0.0.1,local.port=0,remote.type=inet,remote.host=127.0.0.1,remote.port=" +
         std::to_string(udp_local_port_);
  }
  return s;
}

std::string QemuPort::peer_name() const {
  if (transport_ == Transport::kUnix) return unix_peer_path_;
  if (peer_length_ == 0) return {};
  const auto* in = reinterpret_cast<const sockaddr_in*>(&peer_);
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
  return std::string(text) + ":" + std::to_string(ntohs(in->sin_port));
}

bool QemuPort::from_peer(const sockaddr_storage& from, socklen_t length) {
  if (transport_ == Transport::kUnix) {
    // An unbound sender has an empty (or abstract) name; only QEMU's path counts.
    const auto* un = reinterpret_cast<const sockaddr_un*>(&from);
    std::size_t max = length > offsetof(sockaddr_un, sun_path) ? length - offsetof(sockaddr_un, sun_path) : 0;
    std::string_view path(un->sun_path, ::strnlen(un->sun_path, max));
    return path == unix_peer_path_;
  }
  const auto* in = reinterpret_cast<const sockaddr_in*>(&from);
  if (from.ss_family != AF_INET || in->sin_addr.s_addr != htonl(INADDR_LOOPBACK)) return false;
  if (peer_length_ == 0) {
    // The first datagram from loopback names the VM (see the header).
    std::memcpy(&peer_, &from, sizeof(sockaddr_in));
    peer_length_ = sizeof(sockaddr_in);
    return true;
  }
  const auto* p = reinterpret_cast<const sockaddr_in*>(&peer_);
  return p->sin_port == in->sin_port;
}

void QemuPort::on_readable() {
  // Drain what is there (bounded, so one busy VM cannot starve the clock's timers).
  for (int i = 0; i < 256; ++i) {
    sockaddr_storage from{};
    socklen_t length = sizeof from;
    ssize_t n = ::recvfrom(fd_, buffer_.data(), buffer_.size(), 0, reinterpret_cast<sockaddr*>(&from), &length);
    if (n < 0) return;  // EAGAIN: drained
    if (!from_peer(from, length)) {
      ++counters_.foreign;
      continue;
    }
    if (n < 14) {
      ++counters_.runts;
      continue;
    }
    ++counters_.frames_in;
    transmit(wire::ByteView(buffer_.data(), static_cast<std::size_t>(n)));
  }
}

void QemuPort::receive(const FrameView& frame) {
  if (peer_length_ == 0) {
    ++counters_.before_peer;
    return;
  }
  ssize_t n = ::sendto(fd_, frame.bytes.data(), frame.bytes.size(), MSG_DONTWAIT,
                       reinterpret_cast<const sockaddr*>(&peer_), peer_length_);
  if (n < 0 || static_cast<std::size_t>(n) != frame.bytes.size()) {
    ++counters_.send_errors;
    return;
  }
  ++counters_.frames_out;
}

}  // namespace pxelab::sim
