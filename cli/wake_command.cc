#include "cli/wake_command.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "sim/clock.h"
#include "sim/link_port.h"
#include "wire/wol.h"

namespace pxelab::conformance {

namespace {

constexpr const char* kHelp =
    "Send a Wake-on-LAN magic packet (6 x 0xff, then the MAC 16 times, then the SecureOn\n"
    "password if given) to each MAC, once, on a real link:\n"
    "  UDP (default): to --broadcast (default 255.255.255.255; a directed broadcast such\n"
    "    as 192.0.2.255 reaches machines behind a router that forwards it) port --udp\n"
    "    (default 9). No root needed.\n"
    "  --ethertype: a raw Ethernet frame, EtherType 0x0842, to ff:ff:ff:ff:ff:ff from\n"
    "    --interface's MAC. Needs root (or CAP_NET_RAW).\n"
    "  --tap NAME: the frames themselves (UDP to --broadcast:--udp in Ethernet/IPv4, or\n"
    "    EtherType 0x0842 with --ethertype; from 02:77:61:6b:65:01) written to the TAP\n"
    "    device NAME, opened (or created, and set up) by name: what a machine on that\n"
    "    TAP's link receives. Needs root (CAP_NET_ADMIN).\n"
    "Examples:\n"
    "  pxelab wake 52:54:00:12:34:56\n"
    "  pxelab wake 52:54:00:12:34:56 52:54:00:12:34:57 --broadcast 192.0.2.255 --udp 7\n"
    "  pxelab wake 52:54:00:12:34:56 --ethertype --interface eth0 --password 01:02:03:04:05:06\n"
    "  pxelab wake 52:54:00:12:34:56 --tap pxtap0 --broadcast 192.0.2.255\n";

constexpr const char* kFooter =
    "\nOne line per packet sent: 'woke MAC via udp ADDR:PORT (N bytes)', 'via ethertype IF' or\n"
    "'via tap NAME (udp ADDR:PORT|ethertype, N bytes)'.\n"
    "Exit status: 0 every packet sent, 1 a send failed (the system's reason is printed),\n"
    "2 usage error (a MAC, password or address that does not parse).\n";

struct WakeOptions {
  std::vector<std::string> macs;
  std::string password;
  int udp_port = wire::kWolPortDiscard;
  bool ethertype = false;
  std::string broadcast = "255.255.255.255";
  std::string interface;
  std::string tap;
};

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string os_error(const std::string& what) { return what + ": " + std::strerror(errno); }

Status send_udp(const std::vector<wire::WolRepr>& packets, wire::Ipv4Address to, std::uint16_t port) {
  Fd s{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) return Error{"wake", 0, os_error("socket")};
  int on = 1;
  if (::setsockopt(s.fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) != 0) return Error{"wake", 0, os_error("SO_BROADCAST")};
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(port);
  dst.sin_addr.s_addr = htonl(to.value);
  for (const auto& p : packets) {
    wire::Bytes payload = p.encode();
    if (::sendto(s.fd, payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&dst), sizeof dst) < 0) {
      return Error{"wake", 0, os_error("sendto " + to.to_string() + ":" + std::to_string(port))};
    }
    fmt::print("woke {} via udp {}:{} ({} bytes)\n", p.target.to_string(), to.to_string(), port, payload.size());
  }
  return Ok{};
}

Status send_ethertype(const std::vector<wire::WolRepr>& packets, const std::string& ifname) {
  Fd s{::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(0x0842))};
  if (s.fd < 0) return Error{"wake", 0, os_error("raw socket (needs root or CAP_NET_RAW)")};
  const unsigned index = ::if_nametoindex(ifname.c_str());
  if (index == 0) return Error{"wake", 0, os_error("interface " + ifname)};
  ifreq ifr{};
  std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname.c_str());
  if (::ioctl(s.fd, SIOCGIFHWADDR, &ifr) != 0) return Error{"wake", 0, os_error("MAC of " + ifname)};
  wire::MacAddress src;
  std::memcpy(src.octets.data(), ifr.ifr_hwaddr.sa_data, 6);
  const wire::MacAddress bcast{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = static_cast<int>(index);
  to.sll_halen = 6;
  std::memcpy(to.sll_addr, bcast.octets.data(), 6);
  for (const auto& p : packets) {
    wire::Bytes frame = wire::build_wol_ether_frame(src, bcast, p);
    if (::sendto(s.fd, frame.data(), frame.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0) {
      return Error{"wake", 0, os_error("send on " + ifname)};
    }
    fmt::print("woke {} via ethertype {} ({} bytes)\n", p.target.to_string(), ifname, frame.size());
  }
  return Ok{};
}

// The frames go into the TAP as if they came from its link (sim::LinkPort writes what
// a segment sends it to the device).
Status send_tap(const std::vector<wire::WolRepr>& packets, const std::string& name, bool ethertype, wire::Ipv4Address to,
                std::uint16_t port) {
  sim::RealtimeClock clock;
  auto tap = sim::LinkPort::open_tap(clock, name);
  if (!tap) return Error{"wake", 0, tap.error().to_string()};
  const wire::MacAddress src{{0x02, 0x77, 0x61, 0x6b, 0x65, 0x01}};  // locally administered "wake"
  const wire::MacAddress bcast = wire::MacAddress::broadcast();
  for (const auto& p : packets) {
    wire::Bytes frame = ethertype ? wire::build_wol_ether_frame(src, bcast, p)
                                  : wire::build_wol_udp_frame({src, wire::Ipv4Address::any(), 40000}, {bcast, to, port}, p);
    const auto before = (*tap)->counters().write_errors;
    (*tap)->receive(sim::FrameView{0, wire::ByteView(frame.data(), frame.size())});
    if ((*tap)->counters().write_errors != before) return Error{"wake", 0, "write to TAP " + name + " failed"};
    if (ethertype) {
      fmt::print("woke {} via tap {} (ethertype, {} bytes)\n", p.target.to_string(), name, frame.size());
    } else {
      fmt::print("woke {} via tap {} (udp {}:{}, {} bytes)\n", p.target.to_string(), name, to.to_string(), port, frame.size());
    }
  }
  return Ok{};
}

int run(const WakeOptions& o) {
  wire::WolPassword password;
  if (!o.password.empty()) {
    auto p = wire::parse_wol_password(o.password);
    if (!p) {
      fmt::print(stderr, "pxelab wake: --password: {}\n", p.error().message);
      return 2;
    }
    password = *p;
  }
  std::vector<wire::WolRepr> packets;
  for (const auto& m : o.macs) {
    auto mac = wire::MacAddress::parse(m);
    if (!mac) {
      fmt::print(stderr, "pxelab wake: '{}' is not a MAC address (aa:bb:cc:dd:ee:ff)\n", m);
      return 2;
    }
    packets.push_back({*mac, password});
  }
  Status st = Ok{};
  if (!o.tap.empty()) {
    auto to = wire::Ipv4Address::parse(o.broadcast);
    if (!to) {
      fmt::print(stderr, "pxelab wake: --broadcast '{}' is not an IPv4 address\n", o.broadcast);
      return 2;
    }
    st = send_tap(packets, o.tap, o.ethertype, *to, static_cast<std::uint16_t>(o.udp_port));
  } else if (o.ethertype) {
    if (o.interface.empty()) {
      fmt::print(stderr, "pxelab wake: --ethertype needs --interface IF\n");
      return 2;
    }
    st = send_ethertype(packets, o.interface);
  } else {
    auto to = wire::Ipv4Address::parse(o.broadcast);
    if (!to) {
      fmt::print(stderr, "pxelab wake: --broadcast '{}' is not an IPv4 address\n", o.broadcast);
      return 2;
    }
    st = send_udp(packets, *to, static_cast<std::uint16_t>(o.udp_port));
  }
  if (!st) {
    fmt::print(stderr, "pxelab wake: {}\n", st.error().message);
    return 1;
  }
  return 0;
}

}  // namespace

void add_wake_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<WakeOptions>();
  auto* cmd = app.add_subcommand("wake", "Send Wake-on-LAN magic packets now (UDP broadcast or EtherType 0x0842)");
  cmd->description(kHelp);
  cmd->footer(kFooter);
  cmd->add_option("mac", opts->macs, "MAC address(es) to wake")->required();
  cmd->add_option("--password", opts->password, "SecureOn password: aa:bb:cc:dd:ee:ff or 1.2.3.4");
  auto* udp = cmd->add_option("--udp", opts->udp_port, "UDP port (default 9)")->check(CLI::Range(1, 65535));
  auto* eth = cmd->add_flag("--ethertype", opts->ethertype, "Raw EtherType 0x0842 frame instead of UDP (root)");
  udp->excludes(eth);
  auto* tap = cmd->add_option("--tap", opts->tap, "Write the frames to this TAP device (root)");
  cmd->add_option("--broadcast", opts->broadcast, "UDP destination (default 255.255.255.255)");
  cmd->add_option("--interface", opts->interface, "Interface for --ethertype")->excludes(tap);
  cmd->callback([opts, &exit_code] { exit_code = run(*opts); });
}

}  // namespace pxelab::conformance
