#include "sim/host.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/segment.h"
#include "wire/arp.h"
#include "wire/frame.h"

namespace pxelab::sim {
namespace {

using wire::Ipv4Address;
using wire::MacAddress;

MacAddress mac(std::uint8_t last) { return MacAddress{{0x02, 0, 0, 0, 0, last}}; }
Ipv4Address ip(std::uint8_t last) { return Ipv4Address::from_octets(192, 0, 2, last); }
wire::ByteView text(const char* s) { return {reinterpret_cast<const std::uint8_t*>(s), std::strlen(s)}; }
std::string as_text(wire::ByteView b) { return std::string(b.begin(), b.end()); }

// The example agent of the contract: answers every datagram with the same payload.
class EchoAgent final : public Agent {
 public:
  void start(AgentContext&, Time) override {}
  void on_datagram(AgentContext& ctx, Time, const Datagram& d) override {
    ++echoed;
    OutgoingDatagram reply{d.dst.port, d.src, d.payload};
    EXPECT_TRUE(ctx.send(reply).ok());
  }
  void on_timer(AgentContext&, Time, std::uint64_t) override {}
  int echoed = 0;
};

// Records what it receives.
class Recorder final : public Agent {
 public:
  struct Got {
    Time now;
    Datagram d;
    std::string payload;
  };
  void start(AgentContext&, Time) override {}
  void on_datagram(AgentContext&, Time now, const Datagram& d) override { got.push_back({now, d, as_text(d.payload)}); }
  void on_timer(AgentContext&, Time, std::uint64_t) override {}
  std::vector<Got> got;
};

struct Lan {
  Lan() : segment(clock, 1), a(clock, {mac(1), ip(1)}), b(clock, {mac(2), ip(2)}) {
    segment.attach(a, {}, "a");
    segment.attach(b, {}, "b");
    segment.add_sink(trace);
  }
  VirtualClock clock;
  Segment segment;
  Host a;
  Host b;
  Trace trace;
};

TEST(Host, ResolvesWithArpThenEchoes) {
  Lan lan;
  EchoAgent echo;
  Recorder rec;
  ASSERT_TRUE(lan.b.bind(7, echo).ok());
  ASSERT_TRUE(lan.a.bind(1000, rec).ok());
  ASSERT_TRUE(lan.a.send(rec, {1000, {ip(2), 7}, text("hello")}).ok());
  lan.clock.run();
  ASSERT_EQ(rec.got.size(), 1u);
  EXPECT_EQ(rec.got[0].payload, "hello");
  EXPECT_EQ(rec.got[0].d.src, (Endpoint{ip(2), 7}));
  EXPECT_EQ(rec.got[0].d.dst, (Endpoint{ip(1), 1000}));
  EXPECT_EQ(rec.got[0].d.src_mac, mac(2));
  EXPECT_EQ(lan.a.counters().arp_requests_sent, 1u);
  EXPECT_EQ(lan.b.counters().arp_replies_sent, 1u);
  EXPECT_EQ(lan.b.counters().arp_requests_sent, 0u) << "b learned a from a's request";
  EXPECT_EQ(lan.a.arp_cache_lookup(ip(2)), mac(2));
  ASSERT_EQ(lan.trace.frame_count(), 4u);  // ARP request, ARP reply, datagram, echo
  auto request = wire::parse_arp_frame(lan.trace.frame(0).bytes);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->eth.dst, MacAddress::broadcast());
  EXPECT_EQ(request->arp.target_ip, ip(2));
  EXPECT_TRUE(wire::parse_arp_frame(lan.trace.frame(1).bytes).ok());
  EXPECT_TRUE(wire::parse_udp_frame(lan.trace.frame(2).bytes).ok());

  // Cached now: no more ARP.
  ASSERT_TRUE(lan.a.send(rec, {1000, {ip(2), 7}, text("again")}).ok());
  lan.clock.run();
  EXPECT_EQ(rec.got.size(), 2u);
  EXPECT_EQ(lan.a.counters().arp_requests_sent, 1u);
  EXPECT_EQ(lan.trace.frame_count(), 6u);
}

TEST(Host, ArpEntriesExpire) {
  Lan lan;
  EchoAgent echo;
  Recorder rec;
  ASSERT_TRUE(lan.b.bind(7, echo).ok());
  ASSERT_TRUE(lan.a.bind(1000, rec).ok());
  ASSERT_TRUE(lan.a.send(rec, {1000, {ip(2), 7}, text("x")}).ok());
  lan.clock.run(seconds(61));
  EXPECT_FALSE(lan.a.arp_cache_lookup(ip(2)).has_value());
  ASSERT_TRUE(lan.a.send(rec, {1000, {ip(2), 7}, text("y")}).ok());
  lan.clock.run();
  EXPECT_EQ(lan.a.counters().arp_requests_sent, 2u);
  EXPECT_EQ(rec.got.size(), 2u);
}

TEST(Host, UnansweredArpRetriesThenDropsTheQueue) {
  Lan lan;
  Recorder rec;
  ASSERT_TRUE(lan.a.bind(1000, rec).ok());
  ASSERT_TRUE(lan.a.send(rec, {1000, {ip(99), 7}, text("1")}).ok());
  ASSERT_TRUE(lan.a.send(rec, {1000, {ip(99), 7}, text("2")}).ok());
  lan.clock.run();
  EXPECT_EQ(lan.a.counters().arp_requests_sent, 3u);
  EXPECT_EQ(lan.a.counters().arp_failures, 2u);
  EXPECT_EQ(lan.a.counters().datagrams_sent, 0u);
  ASSERT_EQ(lan.trace.frame_count(), 3u);
  EXPECT_EQ(lan.trace.frame(0).time, 0);
  EXPECT_EQ(lan.trace.frame(1).time, seconds(1));
  EXPECT_EQ(lan.trace.frame(2).time, seconds(2));
  EXPECT_EQ(lan.clock.now(), seconds(3)) << "given up after the last retry interval";
}

TEST(Host, DemultiplexesByPortAndCountsTheRest) {
  Lan lan;
  Recorder seven;
  Recorder nine;
  Recorder sender;
  ASSERT_TRUE(lan.b.bind(7, seven).ok());
  ASSERT_TRUE(lan.b.bind(9, nine).ok());
  EXPECT_FALSE(lan.b.bind(9, seven).ok()) << "port taken";
  ASSERT_TRUE(lan.a.send(sender, {5, {ip(2), 9}, text("to nine")}).ok());
  ASSERT_TRUE(lan.a.send(sender, {5, {ip(2), 7}, text("to seven")}).ok());
  ASSERT_TRUE(lan.a.send(sender, {5, {ip(2), 8}, text("to nobody")}).ok());
  lan.clock.run();
  ASSERT_EQ(seven.got.size(), 1u);
  ASSERT_EQ(nine.got.size(), 1u);
  EXPECT_EQ(seven.got[0].payload, "to seven");
  EXPECT_EQ(nine.got[0].payload, "to nine");
  EXPECT_EQ(lan.b.counters().datagrams_no_listener, 1u);
  lan.b.unbind(9);
  ASSERT_TRUE(lan.a.send(sender, {5, {ip(2), 9}, text("gone")}).ok());
  lan.clock.run();
  EXPECT_EQ(nine.got.size(), 1u);
  EXPECT_EQ(lan.b.counters().datagrams_no_listener, 2u);
}

TEST(Host, BroadcastsBeforeItHasAnAddressAndAcceptsDirectUnicast) {
  // A DHCP-like exchange: the client has no address; the server answers at chaddr/yiaddr.
  VirtualClock clock;
  Segment segment(clock, 1);
  Host server(clock, {mac(1), ip(1)});
  Host client(clock, {mac(50), std::nullopt});
  Host bystander(clock, {mac(3), ip(3)});
  segment.attach(server);
  segment.attach(client);
  segment.attach(bystander);
  Trace trace;
  segment.add_sink(trace);
  Recorder at_server;
  Recorder at_client;
  Recorder at_bystander;
  ASSERT_TRUE(server.bind(67, at_server).ok());
  ASSERT_TRUE(client.bind(68, at_client).ok());
  ASSERT_TRUE(bystander.bind(68, at_bystander).ok());

  ASSERT_TRUE(client.send(at_client, {68, {Ipv4Address::broadcast(), 67}, text("DISCOVER")}).ok());
  clock.run();
  ASSERT_EQ(at_server.got.size(), 1u);
  EXPECT_EQ(at_server.got[0].d.src, (Endpoint{Ipv4Address::any(), 68}));
  EXPECT_EQ(at_server.got[0].d.dst.ip, Ipv4Address::broadcast());
  EXPECT_EQ(at_server.got[0].d.src_mac, mac(50));
  auto frame = wire::parse_udp_frame(trace.frame(0).bytes);
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(frame->eth.dst, MacAddress::broadcast());
  EXPECT_EQ(frame->ip.src, Ipv4Address::any());

  OutgoingDatagram offer{67, {ip(50), 68}, text("OFFER")};
  offer.dst_mac = mac(50);
  ASSERT_TRUE(server.send(at_server, offer).ok());
  clock.run();
  ASSERT_EQ(at_client.got.size(), 1u) << "no ARP: straight to chaddr, accepted without an address";
  EXPECT_EQ(at_client.got[0].payload, "OFFER");
  EXPECT_EQ(server.counters().arp_requests_sent, 0u);
  EXPECT_TRUE(at_bystander.got.empty());

  client.set_address(ip(50));
  EXPECT_EQ(client.address(), ip(50));
  OutgoingDatagram stray{67, {ip(51), 68}, text("not yours")};
  stray.dst_mac = mac(50);
  ASSERT_TRUE(server.send(at_server, stray).ok());
  clock.run();
  EXPECT_EQ(at_client.got.size(), 1u) << "configured: other IPs are not accepted";
  EXPECT_EQ(client.counters().frames_not_for_us, 1u);
}

TEST(Host, RefusesDatagramsLargerThanTheMtu) {
  Lan lan;
  Recorder rec;
  std::vector<std::uint8_t> big(1473, 0);
  auto too_big = lan.a.send(rec, {1, {Ipv4Address::broadcast(), 2}, big});
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().field, "udp.length");
  big.resize(1472);
  EXPECT_TRUE(lan.a.send(rec, {1, {Ipv4Address::broadcast(), 2}, big}).ok());
  EXPECT_EQ(lan.a.counters().send_errors, 1u);
}

TEST(Host, DropsCorruptedDatagrams) {
  Lan lan;
  LinkParams bad;
  bad.corrupt = 1.0;
  Recorder seven;
  Recorder sender;
  ASSERT_TRUE(lan.b.bind(7, seven).ok());
  OutgoingDatagram d{5, {ip(2), 7}, text("payload that will be hit by a flipped bit")};
  d.dst_mac = mac(2);
  lan.segment.set_link_params(1, bad);
  int accepted = 0;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(lan.a.send(sender, d).ok());
    lan.clock.run();
  }
  accepted = static_cast<int>(seven.got.size());
  // A flipped bit in a MAC, padding or an unchecked field can slip through; most are caught.
  EXPECT_LT(accepted, 10);
  EXPECT_GT(lan.b.counters().frames_malformed + lan.b.counters().frames_not_for_us +
                lan.b.counters().frames_unhandled + lan.b.counters().datagrams_no_listener,
            40u);
}

// A timer-driven agent: sends a datagram `count` times, every `period`, from start().
class Ticker final : public Agent {
 public:
  Ticker(Endpoint to, int count, Time period) : to_(to), count_(count), period_(period) {}
  void start(AgentContext& ctx, Time now) override {
    started_at = now;
    pending = ctx.set_timer(now + period_, 0);
  }
  void on_datagram(AgentContext&, Time, const Datagram&) override {}
  void on_timer(AgentContext& ctx, Time now, std::uint64_t tag) override {
    fired.push_back(now);
    EXPECT_EQ(tag, static_cast<std::uint64_t>(fired.size() - 1));
    OutgoingDatagram d{1234, to_, text("tick")};
    EXPECT_TRUE(ctx.send(d).ok());
    if (static_cast<int>(fired.size()) < count_) pending = ctx.set_timer(now + period_, fired.size());
  }
  Time started_at = -1;
  std::vector<Time> fired;
  TimerId pending;

 private:
  Endpoint to_;
  int count_;
  Time period_;
};

// An agent that uses the host services of its context (what a DHCP/TFTP client does).
class ServiceUser final : public Agent {
 public:
  void start(AgentContext& c, Time) override { ctx = &c; }
  void on_datagram(AgentContext&, Time, const Datagram& d) override { frames.push_back(d.frame); }
  void on_timer(AgentContext&, Time, std::uint64_t) override {}
  AgentContext* ctx = nullptr;
  std::vector<std::uint64_t> frames;
};

TEST(Host, DatagramsCarryTheirFrameNumber) {
  Lan lan;
  Recorder sender;
  ServiceUser user;
  ASSERT_TRUE(lan.b.bind(9, user).ok());
  ASSERT_TRUE(lan.a.send(sender, {1000, {ip(2), 9}, text("x")}).ok());
  lan.clock.run();
  ASSERT_EQ(user.frames.size(), 1u);
  // Frames 0 and 1 are the ARP request and reply; the datagram is frame 2.
  EXPECT_EQ(user.frames[0], 2u);
  EXPECT_EQ(lan.trace.frame_count(), 3u);
}

TEST(Host, AgentsBindPortsAndConfigureTheAddressThroughTheirContext) {
  Lan lan;
  ServiceUser user;
  Recorder sender;
  lan.b.start(user);
  lan.clock.run();
  ASSERT_NE(user.ctx, nullptr);
  ASSERT_TRUE(user.ctx->bind_port(2000).ok());
  EXPECT_FALSE(user.ctx->bind_port(2000).ok()) << "a port is bound once";
  user.ctx->configure_address(ip(20));
  EXPECT_EQ(lan.b.address(), ip(20));
  EXPECT_EQ(user.ctx->address(), ip(20));
  ASSERT_TRUE(lan.a.send(sender, {1000, {ip(20), 2000}, text("x")}).ok());
  lan.clock.run();
  EXPECT_EQ(user.frames.size(), 1u);
  user.ctx->unbind_port(2000);
  ASSERT_TRUE(lan.a.send(sender, {1000, {ip(20), 2000}, text("y")}).ok());
  lan.clock.run();
  EXPECT_EQ(user.frames.size(), 1u);
  EXPECT_EQ(lan.b.counters().datagrams_no_listener, 1u);
}

TEST(Host, ContextReportsAddressesArpGaveUpOn) {
  Lan lan;
  ServiceUser user;
  lan.a.start(user);
  lan.clock.run();
  ASSERT_TRUE(lan.a.send(user, {1000, {ip(99), 9}, text("nobody")}).ok());
  EXPECT_FALSE(user.ctx->resolution_failed(ip(99))) << "still trying";
  lan.clock.run();
  EXPECT_TRUE(user.ctx->resolution_failed(ip(99)));
  EXPECT_FALSE(user.ctx->resolution_failed(ip(2)));
}

TEST(Host, APoweredOffHostNeitherHearsNorSpeaksAndItsTimersStaySilent) {
  Lan lan;
  EchoAgent echo;
  Recorder rec;
  ASSERT_TRUE(lan.b.bind(7, echo).ok());
  ASSERT_TRUE(lan.a.bind(1000, rec).ok());
  ASSERT_TRUE(lan.a.send(rec, {1000, {ip(2), 7}, text("one")}).ok());
  lan.clock.run();
  ASSERT_EQ(rec.got.size(), 1u);
  lan.b.set_powered(false);
  ASSERT_TRUE(lan.a.send(rec, {1000, {ip(2), 7}, text("two")}).ok());
  lan.clock.run();
  EXPECT_EQ(rec.got.size(), 1u);
  EXPECT_EQ(echo.echoed, 1);
  const auto frames = lan.trace.frame_count();
  ASSERT_TRUE(lan.b.send(echo, {7, {ip(1), 1000}, text("from b")}).ok());
  lan.clock.run();
  EXPECT_EQ(lan.trace.frame_count(), frames) << "nothing leaves a powered-off host";
}

TEST(Agent, TimersAndDatagramsComeWithTheTime) {
  Lan lan;
  Recorder rec;
  ASSERT_TRUE(lan.b.bind(9, rec).ok());
  Ticker ticker({Ipv4Address::broadcast(), 9}, 3, ms(100));
  lan.a.start(ticker, ms(5));
  lan.clock.run();
  EXPECT_EQ(ticker.started_at, ms(5));
  EXPECT_EQ(ticker.fired, (std::vector<Time>{ms(105), ms(205), ms(305)}));
  ASSERT_EQ(rec.got.size(), 3u);
  EXPECT_EQ(rec.got[2].now, ms(305));
  EXPECT_EQ(rec.got[2].d.src, (Endpoint{ip(1), 1234}));
}

TEST(Agent, CancelledTimersDoNotFire) {
  Lan lan;
  Ticker ticker({Ipv4Address::broadcast(), 9}, 3, ms(100));
  lan.a.start(ticker);
  lan.clock.run(ms(150));
  ASSERT_EQ(ticker.fired.size(), 1u);
  // Timer ids are the clock's: any context of the same clock can cancel them.
  struct Probe final : AgentContext {
    explicit Probe(Clock& c) : clock(c) {}
    Status send(const OutgoingDatagram&) override { return Ok{}; }
    TimerId set_timer(Time, std::uint64_t) override { return {}; }
    bool cancel_timer(TimerId id) override { return clock.cancel(id); }
    Clock& clock;
  } probe(lan.clock);
  EXPECT_TRUE(probe.cancel_timer(ticker.pending));
  EXPECT_FALSE(probe.cancel_timer(ticker.pending));
  lan.clock.run();
  EXPECT_EQ(ticker.fired.size(), 1u);
}

// The contract without any Host: an agent driven by a context that just records.
TEST(Agent, RunsWithoutAHostOrAClock) {
  struct Recording final : AgentContext {
    Recording() { set_identity(::pxelab::sim::mac(7), ip(7)); }
    Status send(const OutgoingDatagram& d) override {
      sent.push_back({d.dst, as_text(d.payload)});
      return Ok{};
    }
    TimerId set_timer(Time at, std::uint64_t tag) override {
      timers.emplace_back(at, tag);
      return TimerId{timers.size()};
    }
    bool cancel_timer(TimerId) override { return false; }
    std::vector<std::pair<Endpoint, std::string>> sent;
    std::vector<std::pair<Time, std::uint64_t>> timers;
  } ctx;
  EchoAgent echo;
  Datagram in{{ip(9), 4000}, {ip(7), 7}, mac(9), mac(7), text("ping")};
  echo.on_datagram(ctx, seconds(3), in);
  ASSERT_EQ(ctx.sent.size(), 1u);
  EXPECT_EQ(ctx.sent[0].first, (Endpoint{ip(9), 4000}));
  EXPECT_EQ(ctx.sent[0].second, "ping");
  EXPECT_EQ(ctx.mac(), mac(7));

  Ticker ticker({ip(9), 1}, 2, ms(10));
  ticker.start(ctx, seconds(1));
  ASSERT_EQ(ctx.timers.size(), 1u);
  EXPECT_EQ(ctx.timers[0].first, seconds(1) + ms(10));
  ticker.on_timer(ctx, ctx.timers[0].first, 0);
  EXPECT_EQ(ctx.sent.size(), 2u);
}

}  // namespace
}  // namespace pxelab::sim

namespace pxelab::sim {
namespace {

// Wake-on-LAN (issue 11): a powered-off, armed host powers on for a magic packet with
// its MAC and the right password only, in either carrier, and only once.
TEST(Host, WakesOnlyOnItsOwnMagicPacketWithTheRightPassword) {
  VirtualClock clock;
  HostConfig hc;
  hc.mac = *wire::MacAddress::parse("52:54:00:00:00:07");
  Host h(clock, hc);
  h.set_powered(false);
  const std::uint8_t pw[6] = {1, 2, 3, 4, 5, 6};
  int wakes = 0;
  h.arm_wake_on_lan(wire::WolPassword::from(wire::ByteView(pw, 6)), [&] { ++wakes; });
  const wire::MacAddress bcast{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
  const wire::MacAddress admin = *wire::MacAddress::parse("02:00:00:00:00:01");
  auto ether = [&](const wire::MacAddress& target, wire::WolPassword p) {
    return wire::build_wol_ether_frame(admin, bcast, wire::WolRepr{target, p});
  };
  auto feed = [&](const wire::Bytes& b) { h.receive(FrameView{clock.now(), wire::ByteView(b.data(), b.size())}); };

  feed(ether(*wire::MacAddress::parse("52:54:00:00:00:08"), wire::WolPassword::from(wire::ByteView(pw, 6))));
  EXPECT_FALSE(h.powered()) << "another machine's MAC";
  const std::uint8_t wrong[6] = {1, 2, 3, 4, 5, 7};
  feed(ether(hc.mac, wire::WolPassword::from(wire::ByteView(wrong, 6))));
  EXPECT_FALSE(h.powered()) << "a wrong password";
  feed(ether(hc.mac, {}));
  EXPECT_FALSE(h.powered()) << "no password where one is set";
  EXPECT_EQ(h.counters().magic_packets_ignored, 3u);
  EXPECT_EQ(h.counters().frames_received, 0u) << "asleep: nothing reaches the stack";

  wire::Bytes udp = wire::build_wol_udp_frame({admin, wire::Ipv4Address::from_octets(192, 0, 2, 1), 40000},
                                              {bcast, wire::Ipv4Address::from_octets(255, 255, 255, 255), 9},
                                              wire::WolRepr{hc.mac, wire::WolPassword::from(wire::ByteView(pw, 6))});
  feed(udp);
  EXPECT_TRUE(h.powered());
  EXPECT_EQ(wakes, 1);
  h.set_powered(false);
  feed(udp);
  EXPECT_FALSE(h.powered()) << "disarmed after the wake";
  EXPECT_EQ(wakes, 1);
}

}  // namespace
}  // namespace pxelab::sim
