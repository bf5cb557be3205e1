// The server agents on a simulated segment: clients on other hosts talk to them
// through frames, ARP and all.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "server/dhcp_agent.h"
#include "server/tftp_agent.h"
#include "sim/clock.h"
#include "sim/segment.h"
#include "wire/dhcp_option_values.h"

namespace pxelab::server {
namespace {

namespace dhcp = wire::dhcp;
using wire::Ipv4Address;
using wire::MacAddress;

MacAddress mac(std::uint8_t n) { return MacAddress{{0x52, 0x54, 0x00, 0x00, 0x01, n}}; }
Ipv4Address ip(const char* s) { return *Ipv4Address::parse(s); }

// The smallest DHCP client that does DORA, for driving the server.
class MiniDhcpClient final : public sim::Agent {
 public:
  explicit MiniDhcpClient(sim::Host& host) : host_(host) {}
  void start(sim::AgentContext& ctx, sim::Time) override {
    dhcp::Message m;
    m.xid = 0xabc000u + ctx.mac().octets[5];
    m.set_mac(ctx.mac());
    dhcp::set_message_type(m, dhcp::MessageType::kDiscover);
    send(ctx, m);
  }
  void on_datagram(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) override {
    auto m = dhcp::parse(d.payload);
    ASSERT_TRUE(m) << m.error().to_string();
    auto type = dhcp::message_type(*m);
    if (type == dhcp::MessageType::kOffer) {
      offer_to = d.dst;
      dhcp::Message req;
      req.xid = m->xid;
      req.set_mac(ctx.mac());
      dhcp::set_message_type(req, dhcp::MessageType::kRequest);
      dhcp::set_server_id(req, *dhcp::server_id(*m));
      dhcp::set_requested_address(req, m->yiaddr);
      requested_at = now;
      send(ctx, req);
    } else if (type == dhcp::MessageType::kAck) {
      acked_at = now;
      bound = m->yiaddr;
      host_.set_address(m->yiaddr);
    }
  }
  void on_timer(sim::AgentContext&, sim::Time, std::uint64_t) override {}

  std::optional<Ipv4Address> bound;
  sim::Endpoint offer_to;
  sim::Time requested_at = 0, acked_at = 0;

 private:
  void send(sim::AgentContext& ctx, const dhcp::Message& m) {
    auto bytes = dhcp::emit(m);
    ASSERT_TRUE(bytes);
    ASSERT_TRUE(ctx.send(sim::OutgoingDatagram{68, {Ipv4Address::broadcast(), 67}, *bytes}));
  }
  sim::Host& host_;
};

// A lock-step TFTP reader that records everything.
class MiniTftpClient final : public sim::Agent {
 public:
  MiniTftpClient(std::string file, std::uint16_t port, wire::TftpOpcode op = wire::TftpOpcode::kRrq)
      : file_(std::move(file)), port_(port), op_(op) {}
  void start(sim::AgentContext& ctx, sim::Time) override {
    wire::TftpRequest r{op_, file_, "octet", {}};
    r.options.set_blksize(1024);
    r.options.set_tsize(0);
    auto bytes = wire::encode_tftp(r);
    ASSERT_TRUE(ctx.send(sim::OutgoingDatagram{port_, {ip("192.0.2.1"), 69}, bytes}));
  }
  void on_datagram(sim::AgentContext& ctx, sim::Time, const sim::Datagram& d) override {
    auto p = wire::parse_tftp(d.payload);
    ASSERT_TRUE(p);
    server_tids.insert(d.src.port);
    if (auto* o = std::get_if<wire::TftpOack>(&*p)) {
      oack = *o;
      ack(ctx, d.src, 0);
    } else if (auto* data = std::get_if<wire::TftpData>(&*p)) {
      if (data->block == next_) {
        received.insert(received.end(), data->data.begin(), data->data.end());
        ++next_;
        if (data->data.size() < 1024) done = true;
      }
      ack(ctx, d.src, data->block);
    } else if (auto* e = std::get_if<wire::TftpError>(&*p)) {
      errors.push_back(*e);
    }
  }
  void on_timer(sim::AgentContext&, sim::Time, std::uint64_t) override {}

  wire::Bytes received;
  std::optional<wire::TftpOack> oack;
  std::vector<wire::TftpError> errors;
  std::set<std::uint16_t> server_tids;
  bool done = false;

 private:
  void ack(sim::AgentContext& ctx, sim::Endpoint to, std::uint16_t block) {
    auto bytes = wire::encode_tftp(wire::TftpAck{block});
    ASSERT_TRUE(ctx.send(sim::OutgoingDatagram{port_, to, bytes}));
  }
  std::string file_;
  std::uint16_t port_;
  wire::TftpOpcode op_;
  std::uint16_t next_ = 1;
};

// Uploads `content` with a WRQ, lock-step, and records the server's answers.
class MiniTftpWriter final : public sim::Agent {
 public:
  MiniTftpWriter(std::string file, wire::Bytes content) : file_(std::move(file)), content_(std::move(content)) {}
  void start(sim::AgentContext& ctx, sim::Time) override {
    auto bytes = wire::encode_tftp(wire::TftpRequest{wire::TftpOpcode::kWrq, file_, "octet", {}});
    ASSERT_TRUE(ctx.send(sim::OutgoingDatagram{2001, {ip("192.0.2.1"), 69}, bytes}));
  }
  void on_datagram(sim::AgentContext& ctx, sim::Time, const sim::Datagram& d) override {
    auto p = wire::parse_tftp(d.payload);
    ASSERT_TRUE(p);
    if (auto* e = std::get_if<wire::TftpError>(&*p)) {
      errors.push_back(*e);
      return;
    }
    auto* ack = std::get_if<wire::TftpAck>(&*p);
    ASSERT_NE(ack, nullptr);
    acked = ack->block;
    std::size_t offset = std::size_t{ack->block} * 512;
    if (offset > content_.size()) {
      done = true;
      return;
    }
    std::size_t n = std::min<std::size_t>(512, content_.size() - offset);
    auto bytes = wire::encode_tftp(wire::TftpData{static_cast<std::uint16_t>(ack->block + 1), wire::ByteView(content_.data() + offset, n)});
    ASSERT_TRUE(ctx.send(sim::OutgoingDatagram{2001, d.src, bytes}));
  }
  void on_timer(sim::AgentContext&, sim::Time, std::uint64_t) override {}
  std::vector<wire::TftpError> errors;
  std::uint16_t acked = 0;
  bool done = false;

 private:
  std::string file_;
  wire::Bytes content_;
};

// Sends one stray packet to a port at a time.
class Stranger final : public sim::Agent {
 public:
  void start(sim::AgentContext&, sim::Time) override {}
  void on_datagram(sim::AgentContext&, sim::Time, const sim::Datagram& d) override {
    auto p = wire::parse_tftp(d.payload);
    if (p) {
      if (auto* e = std::get_if<wire::TftpError>(&*p)) errors.push_back(*e);
    }
  }
  void on_timer(sim::AgentContext&, sim::Time, std::uint64_t) override {}
  std::vector<wire::TftpError> errors;
};

struct Lab : ::testing::Test {
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pxelab-agents-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    std::filesystem::create_directories(dir + "/tftp");
    image.resize(100'000);
    for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<std::uint8_t>(i % 253);
    std::ofstream(dir + "/tftp/pxelinux.0", std::ios::binary).write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
    std::ofstream(dir + "/server.toml") << "[server]\naddress = \"192.0.2.1\"\nlease_file = \"leases\"\nfsync = \"group\"\n"
                                           "group_commit_ms = 3\n[[subnet]]\nnetwork = \"192.0.2.0/24\"\n"
                                           "pool = \"192.0.2.100-192.0.2.150\"\n[tftp]\nroot = \"tftp\"\nmax_transfers = 2\n";
    auto c = load_server_config(dir + "/server.toml");
    ASSERT_TRUE(c) << c.error().to_string();
    config = std::move(*c);
    auto l = LeaseStore::open({config.lease_file, config.fsync});
    ASSERT_TRUE(l) << l.error().to_string();
    leases.emplace(std::move(*l));
    auto f = TftpFileSource::create(config);
    ASSERT_TRUE(f) << f.error().to_string();
    files.emplace(std::move(*f));
    server.emplace(clock, sim::HostConfig{mac(1), ip("192.0.2.1")});
    link.latency = sim::us(100);  // so transfers overlap in time
    segment.attach(*server, link, "server");
    dhcp_agent.emplace(config, *leases, log);
    tftp_agent.emplace(config.tftp, *files, log, 50000, 8);
    ASSERT_TRUE(bind_dhcp_server(*server, *dhcp_agent));
    ASSERT_TRUE(bind_tftp_server(*server, *tftp_agent));
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  sim::Host& add_host(std::uint8_t n, std::optional<Ipv4Address> address = std::nullopt) {
    hosts.push_back(std::make_unique<sim::Host>(clock, sim::HostConfig{mac(n), address}));
    segment.attach(*hosts.back(), link, "client" + std::to_string(n));
    return *hosts.back();
  }

  std::string dir;
  wire::Bytes image;
  ServerConfig config;
  std::optional<LeaseStore> leases;
  std::optional<TftpFileSource> files;
  sim::VirtualClock clock;
  sim::Segment segment{clock, 7};
  sim::LinkParams link;
  std::optional<sim::Host> server;
  MemoryLog log;
  std::optional<DhcpServerAgent> dhcp_agent;
  std::optional<TftpServerAgent> tftp_agent;
  std::vector<std::unique_ptr<sim::Host>> hosts;
};

TEST_F(Lab, DoraOverTheWireWithGroupCommit) {
  sim::Host& h = add_host(10);
  MiniDhcpClient client(h);
  ASSERT_TRUE(h.bind(68, client));
  h.start(client);
  clock.run(sim::seconds(5));
  ASSERT_TRUE(client.bound) << "log:\n" << (log.lines.empty() ? "" : log.lines.back().text);
  EXPECT_EQ(*client.bound, ip("192.0.2.100"));
  EXPECT_EQ(h.address(), ip("192.0.2.100"));
  // The ACK waited for the group commit (3 ms) and its lease is on disk.
  EXPECT_GE(client.acked_at - client.requested_at, sim::ms(3));
  EXPECT_GE(leases->durable_seq(), 1u);
  auto reopened = LeaseStore::open({config.lease_file, FsyncPolicy::None});
  ASSERT_TRUE(reopened);
  ASSERT_NE(reopened->find_by_ip(ip("192.0.2.100")), nullptr);
  EXPECT_EQ(reopened->find_by_ip(ip("192.0.2.100"))->mac, mac(10));
  EXPECT_TRUE(log.contains("DISCOVER 52:54:00:00:01:0a"));
  EXPECT_TRUE(log.contains("ACK 192.0.2.100"));
  EXPECT_EQ(dhcp_agent->replies_sent(), 2u);
}

TEST_F(Lab, TenClientsGetDistinctAddresses) {
  std::vector<std::unique_ptr<MiniDhcpClient>> clients;
  for (std::uint8_t n = 20; n < 30; ++n) {
    sim::Host& h = add_host(n);
    clients.push_back(std::make_unique<MiniDhcpClient>(h));
    ASSERT_TRUE(h.bind(68, *clients.back()));
    h.start(*clients.back(), sim::ms(n));
  }
  clock.run(sim::seconds(5));
  std::set<Ipv4Address> seen;
  for (auto& c : clients) {
    ASSERT_TRUE(c->bound);
    EXPECT_TRUE(seen.insert(*c->bound).second);
  }
}

TEST_F(Lab, TftpServesFromANewPortAndRefusesStrangers) {
  sim::Host& h = add_host(40, ip("192.0.2.40"));
  MiniTftpClient client("pxelinux.0", 2000);
  ASSERT_TRUE(h.bind(2000, client));
  h.start(client);
  // A stranger on another host pokes the transfer's port midway.
  sim::Host& other = add_host(41, ip("192.0.2.41"));
  Stranger stranger;
  ASSERT_TRUE(other.bind(3000, stranger));
  clock.at(sim::ms(20), [&] {
    auto ack = wire::encode_tftp(wire::TftpAck{1});
    ASSERT_TRUE(other.send(stranger, sim::OutgoingDatagram{3000, {ip("192.0.2.1"), 50000}, ack}));
  });
  clock.run(sim::seconds(30));
  ASSERT_TRUE(client.done) << (log.lines.empty() ? "" : log.lines.back().text);
  EXPECT_EQ(client.received, image);
  ASSERT_TRUE(client.oack);
  EXPECT_EQ(client.oack->options.tsize(), image.size());
  EXPECT_EQ(client.server_tids, std::set<std::uint16_t>{50000}) << "TFTP-NEW-TID: one new port, never 69";
  ASSERT_EQ(stranger.errors.size(), 1u);
  EXPECT_EQ(stranger.errors[0].code, 5);
  EXPECT_EQ(tftp_agent->stats().completed, 1u);
  EXPECT_EQ(tftp_agent->stats().foreign_tid, 1u);
  EXPECT_EQ(tftp_agent->active_transfers(), 0u);
  EXPECT_TRUE(log.contains("TFTP RRQ pxelinux.0 from 192.0.2.40:2000 blksize 1024"));
}

TEST_F(Lab, ARepeatedRequestDoesNotStartASecondTransfer) {
  // The client's RRQ goes out twice at once (an ARP-queued original and a retry):
  // one transfer, one TID (TFTP-NEW-TID), and the file arrives whole.
  sim::Host& h = add_host(42, ip("192.0.2.42"));
  MiniTftpClient client("pxelinux.0", 2000);
  ASSERT_TRUE(h.bind(2000, client));
  h.start(client);
  clock.at(0, [&] {
    wire::TftpRequest r{wire::TftpOpcode::kRrq, "pxelinux.0", "octet", {}};
    r.options.set_blksize(1024);
    r.options.set_tsize(0);
    ASSERT_TRUE(h.send(client, sim::OutgoingDatagram{2000, {ip("192.0.2.1"), 69}, wire::encode_tftp(r)}));
  });
  clock.run(sim::seconds(30));
  ASSERT_TRUE(client.done);
  EXPECT_EQ(client.received, image);
  EXPECT_EQ(client.server_tids.size(), 1u);
  EXPECT_EQ(tftp_agent->stats().requests, 2u);
  EXPECT_EQ(tftp_agent->stats().duplicate_requests, 1u);
  EXPECT_EQ(tftp_agent->stats().completed, 1u);
}

TEST_F(Lab, TftpErrorsForMissingForbiddenUploadsAndBusy) {
  struct Case {
    const char* file;
    wire::TftpOpcode op;
    std::uint16_t code;
  } cases[] = {
      {"missing.0", wire::TftpOpcode::kRrq, 1},
      {"../server.toml", wire::TftpOpcode::kRrq, 2},
      {"upload.bin", wire::TftpOpcode::kWrq, 2},
  };
  std::vector<std::unique_ptr<MiniTftpClient>> clients;
  std::uint8_t n = 50;
  for (const auto& c : cases) {
    sim::Host& h = add_host(n, Ipv4Address::from_octets(192, 0, 2, n));
    clients.push_back(std::make_unique<MiniTftpClient>(c.file, 2000, c.op));
    ASSERT_TRUE(h.bind(2000, *clients.back()));
    h.start(*clients.back(), sim::ms(n));
    ++n;
  }
  clock.run(sim::seconds(1));
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    ASSERT_EQ(clients[i]->errors.size(), 1u) << cases[i].file;
    EXPECT_EQ(clients[i]->errors[0].code, cases[i].code) << cases[i].file;
    EXPECT_NE(*clients[i]->server_tids.begin(), 69) << "errors come from a fresh port too";
  }
  EXPECT_EQ(tftp_agent->active_transfers(), 0u);

  // max_transfers = 2: a third simultaneous reader is told the server is busy.
  std::vector<std::unique_ptr<MiniTftpClient>> readers;
  for (std::uint8_t k = 0; k < 3; ++k) {
    sim::Host& h = add_host(static_cast<std::uint8_t>(60 + k), Ipv4Address::from_octets(192, 0, 2, static_cast<std::uint8_t>(60 + k)));
    readers.push_back(std::make_unique<MiniTftpClient>("pxelinux.0", 2000));
    ASSERT_TRUE(h.bind(2000, *readers.back()));
    h.start(*readers.back(), clock.now() + sim::us(k));
  }
  clock.run(clock.now() + sim::seconds(30));
  int busy = 0, done = 0;
  for (auto& r : readers) {
    done += r->done;
    busy += !r->errors.empty() && r->errors[0].code == 0;
  }
  EXPECT_EQ(done, 2);
  EXPECT_EQ(busy, 1);
  EXPECT_EQ(tftp_agent->stats().busy, 1u);
}

TEST_F(Lab, UploadsWhenAllowedNeverOverwriting) {
  wire::Bytes upload(1300);
  for (std::size_t i = 0; i < upload.size(); ++i) upload[i] = static_cast<std::uint8_t>(i * 3);
  // Refused by default (allow_write = false).
  sim::Host& h1 = add_host(70, ip("192.0.2.70"));
  MiniTftpWriter refused("log.bin", upload);
  ASSERT_TRUE(h1.bind(2001, refused));
  h1.start(refused);
  clock.run(sim::seconds(2));
  ASSERT_EQ(refused.errors.size(), 1u);
  EXPECT_EQ(refused.errors[0].code, 2);

  // A server that allows uploads.
  config.tftp.allow_write = true;
  TftpServerAgent writer_agent(config.tftp, *files, log, 51000, 4);
  sim::Host upload_server(clock, sim::HostConfig{mac(2), ip("192.0.2.2")});
  segment.attach(upload_server, link, "upload-server");
  ASSERT_TRUE(bind_tftp_server(upload_server, writer_agent));
  sim::Host& h2 = add_host(71, ip("192.0.2.71"));
  MiniTftpWriter ok("log.bin", upload), clash("pxelinux.0", upload);
  ASSERT_TRUE(h2.bind(2001, ok));
  sim::Host& h3 = add_host(72, ip("192.0.2.72"));
  ASSERT_TRUE(h3.bind(2001, clash));
  // Aim both at the upload server.
  clock.at(clock.now(), [&] {
    auto w1 = wire::encode_tftp(wire::TftpRequest{wire::TftpOpcode::kWrq, "log.bin", "octet", {}});
    ASSERT_TRUE(h2.send(ok, sim::OutgoingDatagram{2001, {ip("192.0.2.2"), 69}, w1}));
    auto w2 = wire::encode_tftp(wire::TftpRequest{wire::TftpOpcode::kWrq, "pxelinux.0", "octet", {}});
    ASSERT_TRUE(h3.send(clash, sim::OutgoingDatagram{2001, {ip("192.0.2.2"), 69}, w2}));
  });
  clock.run(clock.now() + sim::seconds(5));
  EXPECT_TRUE(ok.errors.empty());
  EXPECT_EQ(ok.acked, 3) << "the last block (276 octets) acknowledged once stored";
  std::ifstream in(dir + "/tftp/log.bin", std::ios::binary);
  wire::Bytes stored((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(stored, upload);
  ASSERT_EQ(clash.errors.size(), 1u);
  EXPECT_EQ(clash.errors[0].code, 6) << "uploads never overwrite";
  EXPECT_EQ(writer_agent.stats().uploads, 1u);
  EXPECT_TRUE(log.contains("TFTP WRQ log.bin from 192.0.2.71:2001 blksize 512: stored 1300 bytes"));
}

}  // namespace
}  // namespace pxelab::server
