// A small lab for client tests: a segment, the reference boot server with a TFTP root
// of its own, and emulated clients. Test-only (included by *_test.cc).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "client/pxe_client.h"
#include "server/boot_server.h"
#include "server/config.h"
#include "server/dhcp_relay.h"
#include "sim/clock.h"
#include "sim/host.h"
#include "sim/router.h"
#include "sim/segment.h"
#include "sim/trace.h"

namespace pxelab::client::testing {

inline const PersonalitySet& personalities() {
  static const PersonalitySet set = [] {
    auto s = load_personalities(std::string(PXELAB_SOURCE_DIR) + "/client/personalities");
    if (!s) ADD_FAILURE() << s.error().to_string();
    return s ? std::move(*s) : PersonalitySet{};
  }();
  return set;
}

inline wire::MacAddress client_mac(std::uint32_t n) {
  return wire::MacAddress{{0x52, 0x54, 0x00, 0x10, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)}};
}

// The TFTP root every lab serves: a BIOS NBP, pxelinux and its files, iPXE binaries
// and a script, a kernel and initrd.
class TftpRoot {
 public:
  TftpRoot() {
    char tmpl[] = "/tmp/pxelab-client-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    write("pxelinux.0", std::string(30000, 'P'));
    write("ldlinux.c32", std::string(4000, 'L'));
    write("pxelinux.cfg/default", "DEFAULT linux\nLABEL linux\n  KERNEL vmlinuz\n  APPEND initrd=initrd.img\n");
    write("vmlinuz", std::string(70000, 'K'));
    write("initrd.img", std::string(5000, 'I'));
    write("undionly.kpxe", std::string(60000, 'U'));
    write("ipxe.efi", std::string(90000, 'E'));
    write("boot.ipxe", "#!ipxe\necho pxelab script\nkernel vmlinuz\ninitrd initrd.img\nboot\n");
    write("grubaa64.efi", std::string(50000, 'G'));
    write("installer.0", std::string(20000, 'N'));
  }
  ~TftpRoot() { std::filesystem::remove_all(dir_); }
  TftpRoot(const TftpRoot&) = delete;
  TftpRoot& operator=(const TftpRoot&) = delete;

  void write(const std::string& name, const std::string& content) {
    std::filesystem::path p = std::filesystem::path(dir_) / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
  }
  void remove(const std::string& name) { std::filesystem::remove(std::filesystem::path(dir_) / name); }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

// Server configuration with the TFTP root filled in. `body` holds the rest.
inline server::ServerConfig server_config(const TftpRoot& root, const std::string& body) {
  std::string text = body + "\n[tftp]\nroot = \"" + root.dir() + "\"\n";
  auto c = server::parse_server_config(text, root.dir() + "/server.toml");
  if (!c) ADD_FAILURE() << c.error().to_string();
  return c ? std::move(*c) : server::ServerConfig{};
}

inline const char* kFullDhcp = R"(
[server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.199"
router = "192.0.2.1"
[boot]
default_file = "pxelinux.0"
ipxe_script = "boot.ipxe"
[boot.file]
bios = "pxelinux.0"
x64-efi = "ipxe.efi"
9 = "ipxe.efi"
arm64-efi = "grubaa64.efi"
)";

// A LAN as the tests see it: gigabit, 50 µs each way (so transfers take time).
inline sim::LinkParams lan_link() {
  sim::LinkParams l;
  l.latency = sim::us(50);
  l.bandwidth_bps = 1'000'000'000;
  l.framing_overhead = 24;
  return l;
}

struct Client {
  std::unique_ptr<sim::Host> host;
  std::unique_ptr<PxeClient> agent;
};

class Lab {
 public:
  explicit Lab(std::uint64_t seed = 1) : segment(clock, seed), seed_(seed) { segment.add_sink(trace); }

  // Puts clients on a second segment behind a router running a DHCP relay to the
  // server at 192.0.2.1: clients' segment 198.18.0.0/24 (router 198.18.0.1), servers'
  // segment 192.0.2.0/24 (router 192.0.2.254). Call before adding clients.
  void use_relay(const server::RelayConfig& relay = {{wire::Ipv4Address::from_octets(192, 0, 2, 1)}}) {
    client_segment = std::make_unique<sim::Segment>(clock, sim::derive_seed(seed_, 999));
    client_segment->add_sink(client_trace);
    router = std::make_unique<sim::Router>(
        clock, std::vector<sim::RouterInterface>{
                   {"servers", {{0x02, 0x52, 0, 0, 0, 1}}, wire::Ipv4Address::from_octets(192, 0, 2, 254), 24},
                   {"lab", {{0x02, 0x52, 0, 0, 0, 2}}, wire::Ipv4Address::from_octets(198, 18, 0, 1), 24}});
    segment.attach(router->host(0), lan_link(), "router-servers");
    client_segment->attach(router->host(1), lan_link(), "router-lab");
    relay_agent = std::make_unique<server::DhcpRelayAgent>(*router, relay);
  }

  server::BootServer& add_server(const server::ServerConfig& config, const sim::LinkParams& link = lan_link(),
                                 server::BootServerOptions options = {}) {
    auto s = server::BootServer::create(clock, config, log, options);
    EXPECT_TRUE(s) << (s ? "" : s.error().to_string());
    servers.push_back(std::move(*s));
    segment.attach(servers.back()->host(), link, "server");
    return *servers.back();
  }

  PxeClient& add_client(const std::string& personality, std::uint32_t n, sim::Time power_on = 0,
                        const sim::LinkParams& link = lan_link()) {
    const Personality& p = personalities().at(personality);
    Client c;
    sim::HostConfig hc;
    hc.mac = client_mac(n);
    hc.arp.attempts = static_cast<int>(p.arp_attempts);
    hc.arp.retry_interval = p.arp_retry;
    hc.filter_floods = filter_floods;
    c.host = std::make_unique<sim::Host>(clock, hc);
    c.agent = std::make_unique<PxeClient>(personalities(), p, sim::derive_seed(seed_, n), personality + "-" + std::to_string(n));
    (client_segment ? *client_segment : segment).attach(*c.host, link, c.agent->outcome().name);
    c.host->start(*c.agent, power_on);
    clients.push_back(std::move(c));
    return *clients.back().agent;
  }

  void run(sim::Time until = sim::seconds(300)) {
    clock.run(until);
    for (auto& c : clients) c.agent->end_of_run(clock.now());
  }

  sim::VirtualClock clock;
  sim::Segment segment;
  sim::Trace trace;
  std::unique_ptr<sim::Segment> client_segment;  // with use_relay()
  sim::Trace client_trace;
  std::unique_ptr<sim::Router> router;
  std::unique_ptr<server::DhcpRelayAgent> relay_agent;
  server::MemoryLog log;
  std::vector<std::unique_ptr<server::BootServer>> servers;
  std::vector<Client> clients;
  bool filter_floods = true;  // clients' hosts skip floods they would ignore (sim/flood_key.h)

 private:
  std::uint64_t seed_;
};

inline std::string describe(const ClientOutcome& o) {
  std::string s = o.name + ": " + std::string(to_string(o.status)) + " " + o.code + " " + o.text;
  if (o.decided_by) s += " [" + o.decided_by->what + "]";
  for (const auto& i : o.images) s += "\n  image " + i.name + " " + std::to_string(i.size) + " " + i.kind;
  return s;
}

}  // namespace pxelab::client::testing

#include "wire/dhcp_option_values.h"
#include "wire/frame.h"
#include "wire/ports.h"
#include "wire/tftp.h"

namespace pxelab::client::testing {

// What a client put on the wire, read back from the trace.
struct SeenDhcp {
  sim::Time time;
  std::uint64_t frame;
  wire::UdpFrameView udp;
  wire::dhcp::Message message;
};
inline std::vector<SeenDhcp> dhcp_sent_by(const sim::Trace& trace, const wire::MacAddress& mac) {
  std::vector<SeenDhcp> out;
  for (std::size_t i = 0; i < trace.frame_count(); ++i) {
    auto f = trace.frame(i);
    auto udp = wire::parse_udp_frame(f.bytes);
    if (!udp || udp->eth.src != mac) continue;
    if (udp->udp.dst_port != wire::kDhcpServerPort && udp->udp.dst_port != wire::kPxeBootServerPort) continue;
    auto m = wire::dhcp::parse(udp->payload);
    if (m) out.push_back({f.time, i, *udp, *m});
  }
  return out;
}
struct SeenTftp {
  sim::Time time;
  wire::UdpFrameView udp;
  wire::TftpPacket packet;
  wire::Bytes payload;  // the packet borrows from here
};
// TFTP packets sent by `mac` (to any port but the DHCP ones).
inline std::vector<SeenTftp> tftp_sent_by(const sim::Trace& trace, const wire::MacAddress& mac) {
  std::vector<SeenTftp> out;
  for (std::size_t i = 0; i < trace.frame_count(); ++i) {
    auto f = trace.frame(i);
    auto udp = wire::parse_udp_frame(f.bytes);
    if (!udp || udp->eth.src != mac) continue;
    const auto p = udp->udp.dst_port;
    if (p == wire::kDhcpServerPort || p == wire::kDhcpClientPort || p == wire::kPxeBootServerPort) continue;
    auto t = wire::parse_tftp(udp->payload);
    if (t) out.push_back({f.time, *udp, *t, wire::Bytes(udp->payload.begin(), udp->payload.end())});
  }
  return out;
}
inline std::vector<wire::TftpRequest> rrqs_of(const std::vector<SeenTftp>& seen) {
  std::vector<wire::TftpRequest> out;
  for (const auto& s : seen) {
    if (const auto* r = std::get_if<wire::TftpRequest>(&s.packet)) out.push_back(*r);
  }
  return out;
}

// A DHCP/TFTP server that does what a test tells it: stimuli no sane server sends.
// It answers on 67 and 4011 with `on_dhcp`, and TFTP requests on 69 with `on_rrq`
// (from port 2000, every later packet from the client to 2000 goes to `on_tftp`).
class ScriptedServer final : public sim::Agent {
 public:
  struct Reply {
    wire::dhcp::Message message;
    sim::Time delay = 0;                  // after the request
    std::optional<sim::Endpoint> to;      // default: broadcast :68, or the request's source on 4011
    std::uint16_t from_port = wire::kDhcpServerPort;
  };
  using DhcpScript = std::function<std::vector<Reply>(const wire::dhcp::Message& request, const sim::Datagram& d)>;
  using TftpScript = std::function<std::vector<wire::Bytes>(const wire::TftpPacket& packet, const sim::Datagram& d)>;

  ScriptedServer(sim::VirtualClock& clock, sim::Segment& segment, wire::Ipv4Address address)
      : clock_(clock), host_(clock, sim::HostConfig{wire::MacAddress{{0x02, 0x5c, 0, 0, 0, 9}}, address}) {
    segment.attach(host_, lan_link(), "scripted");
    for (std::uint16_t p : {wire::kDhcpServerPort, wire::kPxeBootServerPort, wire::kTftpServerPort, std::uint16_t{2000}}) EXPECT_TRUE(host_.bind(p, *this).ok());
  }
  void start(sim::AgentContext&, sim::Time) override {}
  void on_datagram(sim::AgentContext& ctx, sim::Time, const sim::Datagram& d) override {
    if (d.dst.port == wire::kTftpServerPort || d.dst.port == 2000) {
      auto p = wire::parse_tftp(d.payload);
      if (!p) return;
      tftp_seen.push_back(*p);
      const TftpScript& script = d.dst.port == wire::kTftpServerPort ? on_rrq : on_tftp;
      if (!script) return;
      for (const auto& bytes : script(*p, d)) static_cast<void>(ctx.send(sim::OutgoingDatagram{2000, d.src, bytes}));
      return;
    }
    auto m = wire::dhcp::parse(d.payload);
    if (!m || !on_dhcp) return;
    requests.push_back(*m);
    for (Reply r : on_dhcp(*m, d)) {
      wire::dhcp::EmitOptions eo;
      eo.max_message_size = 1500;
      auto bytes = wire::dhcp::emit(r.message, eo);
      EXPECT_TRUE(bytes) << (bytes ? "" : bytes.error().to_string());
      const sim::Endpoint to = r.to ? *r.to : d.dst.port == wire::kPxeBootServerPort ? d.src : sim::Endpoint{wire::Ipv4Address::broadcast(), wire::kDhcpClientPort};
      auto send = [this, bytes = *bytes, to, port = r.from_port] {
        static_cast<void>(host_.send(*this, sim::OutgoingDatagram{port, to, bytes}));
      };
      if (r.delay == 0) {
        send();
      } else {
        clock_.after(r.delay, send);
      }
    }
  }
  void on_timer(sim::AgentContext&, sim::Time, std::uint64_t) override {}

  DhcpScript on_dhcp;
  TftpScript on_rrq;
  TftpScript on_tftp;
  std::vector<wire::dhcp::Message> requests;
  std::vector<wire::TftpPacket> tftp_seen;
  sim::Host& host() { return host_; }

 private:
  sim::VirtualClock& clock_;
  sim::Host host_;
};

// An OFFER/ACK for `request` as a plain server would make it.
inline wire::dhcp::Message reply_to(const wire::dhcp::Message& request, wire::dhcp::MessageType type,
                                    const char* yiaddr, const char* server = "192.0.2.9") {
  namespace dhcp = wire::dhcp;
  dhcp::Message m;
  m.op = dhcp::kBootReply;
  m.xid = request.xid;
  m.flags = request.flags;
  m.chaddr = request.chaddr;
  m.yiaddr = *wire::Ipv4Address::parse(yiaddr);
  dhcp::set_message_type(m, type);
  dhcp::set_server_id(m, *wire::Ipv4Address::parse(server));
  dhcp::set_lease_time(m, 3600);
  dhcp::set_subnet_mask(m, *wire::Ipv4Address::parse("255.255.255.0"));
  return m;
}

inline wire::Bytes tftp_bytes(const wire::TftpPacket& p) { return wire::encode_tftp(p); }

}  // namespace pxelab::client::testing
