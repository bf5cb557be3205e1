#include "sim/link_port.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "wire/udp.h"
#include <cstring>

namespace pxelab::sim {

namespace {

// Frames a local socket sends on a veth or other offloading device reach AF_PACKET
// with the UDP checksum not yet computed (the kernel marks them CSUMNOTREADY). The
// simulator's hosts verify checksums, so the port completes it first.
void complete_udp_checksum(wire::MutableByteView frame) {
  std::size_t l3 = 14;
  if (frame.size() < l3 + 20) return;
  std::uint16_t type = wire::load_be16(&frame[12]);
  if (type == 0x8100 && frame.size() >= 18 + 20) {
    l3 = 18;
    type = wire::load_be16(&frame[16]);
  }
  if (type != 0x0800 || (frame[l3] >> 4) != 4 || frame[l3 + 9] != 17) return;
  std::size_t ihl = std::size_t{frame[l3] & 0x0fu} * 4;
  std::size_t l4 = l3 + ihl;
  if (frame.size() < l4 + 8) return;
  std::uint16_t udp_length = wire::load_be16(&frame[l4 + 4]);
  if (udp_length < 8 || frame.size() < l4 + udp_length) return;
  wire::Ipv4Address src{wire::load_be32(&frame[l3 + 12])}, dst{wire::load_be32(&frame[l3 + 16])};
  wire::store_be16(&frame[l4 + 6], 0);
  std::uint16_t sum = wire::udp_checksum(src, dst, wire::ByteView(&frame[l4], udp_length));
  wire::store_be16(&frame[l4 + 6], sum);
}

Error sys_error(const std::string& what, const std::string& name) {
  std::string hint;
  if (errno == EPERM || errno == EACCES) hint = " (needs root or CAP_NET_ADMIN/CAP_NET_RAW)";
  if (errno == ENODEV) hint = " (no such interface)";
  return Error{"", 0, what + " " + name + ": " + std::strerror(errno) + hint};
}

// Brings `name` up (SIOCSIFFLAGS), as `ip link set NAME up` would.
Status bring_up(const std::string& name) {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return sys_error("socket for", name);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  Status st = Ok{};
  if (::ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
    st = sys_error("get flags of", name);
  } else if ((ifr.ifr_flags & IFF_UP) == 0) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (::ioctl(s, SIOCSIFFLAGS, &ifr) < 0) st = sys_error("bring up", name);
  }
  ::close(s);
  return st;
}

}  // namespace

LinkPort::LinkPort(RealtimeClock& clock, int fd, Kind kind, std::string name)
    : clock_(clock), fd_(fd), kind_(kind), name_(std::move(name)), buffer_(65536 + 64) {
  watch_ = clock_.watch(fd_, POLLIN, [this] { on_readable(); });
}

LinkPort::~LinkPort() {
  if (!failed_) clock_.unwatch(watch_);
  ::close(fd_);
}

void LinkPort::fail(std::string why) {
  if (failed_) return;
  failed_ = true;
  clock_.unwatch(watch_);
  if (on_failure_) on_failure_(name_ + ": " + why);
}

Result<std::unique_ptr<LinkPort>> LinkPort::open_tap(RealtimeClock& clock, const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ) return Error{"", 0, "TAP name '" + name + "' must have 1-15 characters"};
  int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return sys_error("open /dev/net/tun for", name);
  ifreq ifr{};
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
    Error e = sys_error("attach TAP", name);
    ::close(fd);
    return e;
  }
  if (auto st = bring_up(name); !st) {
    ::close(fd);
    return st.error();
  }
  return std::unique_ptr<LinkPort>(new LinkPort(clock, fd, Kind::kTap, name));
}

Result<std::unique_ptr<LinkPort>> LinkPort::open_interface(RealtimeClock& clock, const std::string& name) {
  unsigned index = ::if_nametoindex(name.c_str());
  if (index == 0) return sys_error("find interface", name);
  int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd < 0) return sys_error("open a raw socket on", name);
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_ALL);
  addr.sll_ifindex = static_cast<int>(index);
  packet_mreq mreq{};
  mreq.mr_ifindex = static_cast<int>(index);
  mreq.mr_type = PACKET_MR_PROMISC;
  int one = 1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
      ::setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0) {
    Error e = sys_error("bind a raw socket to", name);
    ::close(fd);
    return e;
  }
  // Linux >= 4.20: do not even queue our own transmissions. Older kernels refuse the
  // option; that is fine, our own frames are recognised and skipped on receive.
  static_cast<void>(::setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one));
  // Tells us which frames still need their checksum (see complete_udp_checksum).
  if (::setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0) {
    Error e = sys_error("enable PACKET_AUXDATA on", name);
    ::close(fd);
    return e;
  }
  if (auto st = bring_up(name); !st) {
    ::close(fd);
    return st.error();
  }
  return std::unique_ptr<LinkPort>(new LinkPort(clock, fd, Kind::kPacket, name));
}

void LinkPort::on_readable() {
  if (failed_) return;
  const short revents = clock_.revents();
  if (revents & POLLNVAL) return fail("descriptor no longer valid");
  if (kind_ == Kind::kPacket && (revents & POLLERR)) {
    // A socket error (ENETDOWN when the interface goes down or away) is reported
    // once through SO_ERROR, which also clears it.
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0) {
      errno = err;
      if (!read_error_is_transient()) return;
    }
  }
  // Drain what is there; each read is one frame.
  for (int i = 0; i < 256; ++i) {
    ssize_t n;
    if (kind_ == Kind::kPacket) {
      sockaddr_ll from{};
      iovec iov{buffer_.data(), buffer_.size()};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(tpacket_auxdata))];
      msghdr msg{};
      msg.msg_name = &from;
      msg.msg_namelen = sizeof from;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      n = ::recvmsg(fd_, &msg, 0);
      if (n >= 0 && from.sll_pkttype == PACKET_OUTGOING) {
        ++counters_.skipped_own;
        continue;
      }
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); n >= 0 && c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
        tpacket_auxdata aux{};
        std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
        if (aux.tp_status & TP_STATUS_CSUMNOTREADY) {
          ++counters_.checksums_completed;
          complete_udp_checksum(wire::MutableByteView(buffer_.data(), static_cast<std::size_t>(n)));
        }
      }
    } else {
      n = ::read(fd_, buffer_.data(), buffer_.size());
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;  // drained
      if (!read_error_is_transient()) return;
      break;
    }
    if (n < 14) continue;
    ++counters_.frames_in;
    transmit(wire::ByteView(buffer_.data(), static_cast<std::size_t>(n)));
  }
  // POLLHUP with nothing left to read: the other side is gone for good.
  if ((revents & POLLHUP) && !failed_) fail("hang-up");
}

// errno is a read error: true if the link may recover (an interface that is down but
// still exists), false after giving the port up.
bool LinkPort::read_error_is_transient() {
  int err = errno;
  if (err == ENETDOWN && kind_ == Kind::kPacket && ::if_nametoindex(name_.c_str()) != 0) {
    ++counters_.read_errors;
    return true;
  }
  fail(std::string("read failed: ") + std::strerror(err) + (::if_nametoindex(name_.c_str()) == 0 ? " (the device is gone)" : ""));
  return false;
}

void LinkPort::receive(const FrameView& frame) {
  if (failed_) {
    ++counters_.write_errors;
    return;
  }
  ssize_t n = ::write(fd_, frame.bytes.data(), frame.bytes.size());
  if (n < 0 || static_cast<std::size_t>(n) != frame.bytes.size()) {
    ++counters_.write_errors;
    return;
  }
  ++counters_.frames_out;
}

}  // namespace pxelab::sim
