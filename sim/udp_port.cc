#include "sim/udp_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace pxelab::sim {

namespace {

sockaddr_in to_sockaddr(Endpoint e) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(e.ip.value);
  a.sin_port = htons(e.port);
  return a;
}

Endpoint from_sockaddr(const sockaddr_in& a) {
  return Endpoint{wire::Ipv4Address{ntohl(a.sin_addr.s_addr)}, ntohs(a.sin_port)};
}

Error socket_error(const char* call) { return make_error("udp.socket", 0, std::string(call) + ": " + std::strerror(errno)); }

}  // namespace

Result<std::unique_ptr<UdpPort>> UdpPort::open(RealtimeClock& clock, Endpoint local, std::size_t max_payload,
                                               int receive_buffer) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return socket_error("socket");
  // SO_RCVBUFFORCE passes rmem_max when privileged; else the plain request, which the
  // kernel caps. Either way the socket works: a smaller buffer only drops sooner.
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer, sizeof receive_buffer) != 0 &&
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer) != 0) {
    // Kept going with the default buffer (see above).
  }
  sockaddr_in a = to_sockaddr(local);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    Error e = socket_error("bind");
    ::close(fd);
    return e;
  }
  return std::unique_ptr<UdpPort>(new UdpPort(clock, fd, from_sockaddr(a), std::min<std::size_t>(max_payload, 65535) + 1));
}

UdpPort::UdpPort(RealtimeClock& clock, int fd, Endpoint local, std::size_t slot_size)
    : clock_(clock), fd_(fd), local_(local), slot_size_(slot_size), slots_(kBatch * slot_size) {}

UdpPort::~UdpPort() {
  if (watch_) clock_.unwatch(*watch_);
  ::close(fd_);
}

void UdpPort::run_agent(Agent& agent) {
  agent_ = &agent;
  watch_ = clock_.watch(fd_, POLLIN, [this] { on_readable(); });
  agent.start(*this, clock_.now());
}

void UdpPort::fail(Error e) {
  if (!failure_) failure_ = std::move(e);
  if (watch_) clock_.unwatch(*watch_);
  watch_.reset();
  clock_.stop();
}

void UdpPort::on_readable() {
  mmsghdr msgs[kBatch];
  iovec iov[kBatch];
  sockaddr_in from[kBatch];
  for (unsigned i = 0; i < kBatch; ++i) {
    iov[i] = {slots_.data() + i * slot_size_, slot_size_};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &from[i];
    msgs[i].msg_hdr.msg_namelen = sizeof from[i];
  }
  const int n = ::recvmmsg(fd_, msgs, kBatch, MSG_DONTWAIT, nullptr);
  if (n < 0) {
    // ECONNREFUSED: an ICMP port unreachable for something we sent; as a lost datagram.
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED) return;
    fail(socket_error("recvmmsg"));
    return;
  }
  for (int i = 0; i < n && watch_; ++i) {
    if (msgs[i].msg_hdr.msg_namelen < sizeof(sockaddr_in) || from[i].sin_family != AF_INET) continue;
    if ((msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0 || msgs[i].msg_len >= slot_size_) {
      ++counters_.truncated;
      continue;
    }
    ++counters_.datagrams_in;
    Datagram d;
    d.src = from_sockaddr(from[i]);
    d.dst = local_;
    d.payload = wire::ByteView(slots_.data() + i * slot_size_, msgs[i].msg_len);
    agent_->on_datagram(*this, clock_.now(), d);
  }
}

Status UdpPort::send(const OutgoingDatagram& datagram) {
  const sockaddr_in to = to_sockaddr(datagram.dst);
  for (;;) {
    const ssize_t n = ::sendto(fd_, datagram.payload.data(), datagram.payload.size(), 0,
                               reinterpret_cast<const sockaddr*>(&to), sizeof to);
    if (n >= 0) {
      ++counters_.datagrams_out;
      return Ok{};
    }
    if (errno == EINTR) continue;
    if (errno == ENOBUFS || errno == EAGAIN || errno == EWOULDBLOCK) {
      // A full queue loses the datagram as a wire would; the agent's timers recover.
      ++counters_.send_dropped;
      return make_error("udp.send", 0, "send queue full: datagram dropped");
    }
    Error e = make_error("udp.send", 0, "sendto " + datagram.dst.ip.to_string() + ":" + std::to_string(datagram.dst.port) +
                                            ": " + std::strerror(errno));
    fail(e);
    return e;
  }
}

TimerId UdpPort::set_timer(Time at, std::uint64_t tag) {
  return clock_.at(at, [this, tag] {
    if (agent_) agent_->on_timer(*this, clock_.now(), tag);
  });
}

bool UdpPort::cancel_timer(TimerId id) { return clock_.cancel(id); }

Status UdpPort::bind_port(std::uint16_t port, PortFilter /*filter*/) {
  if (port == local_.port) return Ok{};
  return make_error("udp.port", 0, "this socket is bound to port " + std::to_string(local_.port) + ", not " +
                                       std::to_string(port));
}

}  // namespace pxelab::sim
