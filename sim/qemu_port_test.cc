// QemuPort against a stand-in for QEMU: a plain datagram socket where QEMU's would be.
// (The real VM is exercised by ci/e2e/test_qemu.py.)
#include "sim/qemu_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "sim/segment.h"
#include "sim/trace.h"

namespace pxelab::sim {
namespace {

using wire::Bytes;

class TestPort final : public Port {
 public:
  void receive(const FrameView& frame) override { got.emplace_back(frame.bytes.begin(), frame.bytes.end()); }
  std::vector<Bytes> got;
};

Bytes frame(std::uint8_t tag, std::size_t size = 60) {
  Bytes f(size, tag);
  for (int i = 0; i < 6; ++i) f[static_cast<std::size_t>(i)] = 0xff;  // broadcast
  f[6] = 0x52, f[7] = 0x54, f[8] = 0, f[9] = 0x12, f[10] = 0x34, f[11] = tag;
  f[12] = 0x88, f[13] = 0xb5;
  return f;
}

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/pxelab-qport-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { static_cast<void>(std::system(("rm -rf " + path).c_str())); }
  std::string path;
};

// A socket standing where QEMU's would be.
struct FakeVm {
  explicit FakeVm(const std::string& path) {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    bound = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~FakeVm() { ::close(fd); }
  bool send_to(const std::string& path, const Bytes& b) const {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    return ::sendto(fd, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a) == static_cast<ssize_t>(b.size());
  }
  std::vector<Bytes> drain() const {
    std::vector<Bytes> out;
    Bytes buf(65536);
    for (;;) {
      ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n < 0) return out;
      out.emplace_back(buf.begin(), buf.begin() + n);
    }
  }
  int fd = -1;
  bool bound = false;
};

TEST(QemuPort, UnixFramesCrossTheSegmentBothWaysAndAreTraced) {
  TempDir dir;
  RealtimeClock clock;
  Segment segment(clock, 1);
  Trace trace;
  segment.add_sink(trace);
  auto port = QemuPort::open_unix(clock, dir.path);
  ASSERT_TRUE(port) << port.error().to_string();
  TestPort other;
  segment.attach(**port, {}, "vm");
  segment.attach(other, {}, "other");
  EXPECT_EQ((*port)->netdev_arg("n0"), "dgram,id=n0,local.type=unix,local.path=" + dir.path +
                                          "/qemu.sock,remote.type=unix,remote.path=" + dir.path + "/pxelab.sock");

  FakeVm vm(dir.path + "/qemu.sock");
  ASSERT_TRUE(vm.bound);
  ASSERT_TRUE(vm.send_to(dir.path + "/pxelab.sock", frame(1)));
  ASSERT_TRUE(vm.send_to(dir.path + "/pxelab.sock", frame(2, 1514)));
  clock.run(clock.now() + ms(200));
  ASSERT_EQ(other.got.size(), 2u);
  EXPECT_EQ(other.got[0], frame(1));
  EXPECT_EQ(other.got[1], frame(2, 1514));
  EXPECT_EQ((*port)->counters().frames_in, 2u);

  other.transmit(frame(3));
  clock.run(clock.now() + ms(200));
  auto at_vm = vm.drain();
  ASSERT_EQ(at_vm.size(), 1u);
  EXPECT_EQ(at_vm[0], frame(3));
  EXPECT_EQ((*port)->counters().frames_out, 1u);
  EXPECT_EQ(trace.frame_count(), 3u);
  EXPECT_EQ(trace.ingress(0), (*port)->index());
}

TEST(QemuPort, UnixDropsRuntsAndStrangersAndCountsSendsWithoutAVm) {
  TempDir dir;
  RealtimeClock clock;
  Segment segment(clock, 1);
  auto port = QemuPort::open_unix(clock, dir.path);
  ASSERT_TRUE(port);
  TestPort other;
  segment.attach(**port);
  segment.attach(other);

  // No VM yet: the frame is refused by the kernel and counted, nothing blocks.
  other.transmit(frame(9));
  clock.run(clock.now() + ms(50));
  EXPECT_EQ((*port)->counters().send_errors, 1u);

  FakeVm stranger(dir.path + "/stranger.sock");
  ASSERT_TRUE(stranger.send_to(dir.path + "/pxelab.sock", frame(4)));
  FakeVm vm(dir.path + "/qemu.sock");
  ASSERT_TRUE(vm.send_to(dir.path + "/pxelab.sock", Bytes(13, 0xff)));
  ASSERT_TRUE(vm.send_to(dir.path + "/pxelab.sock", Bytes{}));
  clock.run(clock.now() + ms(100));
  EXPECT_TRUE(other.got.empty());
  EXPECT_EQ((*port)->counters().foreign, 1u);
  EXPECT_EQ((*port)->counters().runts, 2u);
  EXPECT_EQ((*port)->counters().frames_in, 0u);
}

TEST(QemuPort, UnixSocketIsRemovedAndASecondPortIsRefused) {
  TempDir dir;
  RealtimeClock clock;
  std::string sock = dir.path + "/pxelab.sock";
  {
    auto port = QemuPort::open_unix(clock, dir.path);
    ASSERT_TRUE(port);
    struct stat st {};
    EXPECT_EQ(::stat(sock.c_str(), &st), 0);
    auto again = QemuPort::open_unix(clock, dir.path);
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().message.find("pxelab.sock"), std::string::npos) << again.error().message;
  }
  struct stat st {};
  EXPECT_NE(::stat(sock.c_str(), &st), 0);
  auto missing = QemuPort::open_unix(clock, dir.path + "/no/such/dir");
  EXPECT_FALSE(missing);
  auto too_long = QemuPort::open_unix(clock, "/tmp/" + std::string(120, 'x'));
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().message.find("too long"), std::string::npos);
}

struct UdpPeer {
  UdpPeer() {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  ~UdpPeer() { ::close(fd); }
  bool send_to(std::uint16_t port, const Bytes& b) const {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return ::sendto(fd, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a) == static_cast<ssize_t>(b.size());
  }
  std::size_t drain() const {
    std::size_t n = 0;
    char buf[2048];
    while (::recv(fd, buf, sizeof buf, 0) >= 0) ++n;
    return n;
  }
  int fd = -1;
};

TEST(QemuPort, UdpLatchesTheFirstSenderAndIgnoresOthers) {
  RealtimeClock clock;
  Segment segment(clock, 1);
  auto port = QemuPort::open_udp(clock);
  ASSERT_TRUE(port);
  TestPort other;
  segment.attach(**port);
  segment.attach(other);
  const std::string& local = (*port)->local_name();
  ASSERT_EQ(local.rfind("127.0.0.1:", 0), 0u);
  auto udp_port = static_cast<std::uint16_t>(std::stoi(local.substr(10)));
  EXPECT_NE((*port)->netdev_arg("n1").find("local.port=0,remote.type=inet,remote.host=127.0.0.1,remote.port=" +
                                           std::to_string(udp_port)),
            std::string::npos);

  other.transmit(frame(1));  // before the VM spoke: dropped, counted
  clock.run(clock.now() + ms(50));
  EXPECT_EQ((*port)->counters().before_peer, 1u);
  EXPECT_EQ((*port)->peer_name(), "");

  UdpPeer vm, stranger;
  ASSERT_TRUE(vm.send_to(udp_port, frame(2)));
  clock.run(clock.now() + ms(100));
  ASSERT_TRUE(stranger.send_to(udp_port, frame(3)));
  clock.run(clock.now() + ms(100));
  ASSERT_EQ(other.got.size(), 1u);
  EXPECT_EQ(other.got[0], frame(2));
  EXPECT_EQ((*port)->counters().foreign, 1u);
  EXPECT_NE((*port)->peer_name(), "");

  other.transmit(frame(4));
  clock.run(clock.now() + ms(100));
  EXPECT_EQ(vm.drain(), 1u);
  EXPECT_EQ(stranger.drain(), 0u);
}

}  // namespace
}  // namespace pxelab::sim
