#include "sim/udp_port.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pxelab::sim {
namespace {

const wire::Ipv4Address kLoopback = wire::Ipv4Address::from_octets(127, 0, 0, 1);

// Sends every datagram back to where it came from.
struct Echo final : Agent {
  void start(AgentContext&, Time) override {}
  void on_datagram(AgentContext& ctx, Time, const Datagram& d) override {
    EXPECT_TRUE(ctx.send(OutgoingDatagram{d.dst.port, d.src, d.payload}).ok());
  }
  void on_timer(AgentContext&, Time, std::uint64_t) override {}
};

// Sends "ping" to `to` at start, expects it back, then waits on a timer and stops.
struct Pinger final : Agent {
  explicit Pinger(RealtimeClock& c, Endpoint t) : clock(c), to(t) {}
  void start(AgentContext& ctx, Time) override {
    const std::string ping = "ping";
    EXPECT_TRUE(ctx.send(OutgoingDatagram{0, to, wire::ByteView(reinterpret_cast<const std::uint8_t*>(ping.data()),
                                                                 ping.size())}).ok());
  }
  void on_datagram(AgentContext& ctx, Time now, const Datagram& d) override {
    got.assign(d.payload.begin(), d.payload.end());
    from = d.src;
    ctx.set_timer(now + ms(5), 7);
  }
  void on_timer(AgentContext&, Time now, std::uint64_t tag) override {
    timer_tag = tag;
    timer_now = now;
    clock.stop();
  }
  RealtimeClock& clock;
  Endpoint to;
  std::string got;
  Endpoint from;
  std::uint64_t timer_tag = 0;
  Time timer_now = 0;
};

TEST(UdpPort, HandsDatagramsAndTimersToItsAgent) {
  RealtimeClock clock;
  auto a = UdpPort::open(clock, {kLoopback, 0});
  auto b = UdpPort::open(clock, {kLoopback, 0});
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  ASSERT_NE((*a)->local().port, 0);
  Echo echo;
  Pinger pinger(clock, (*a)->local());
  (*a)->run_agent(echo);
  (*b)->run_agent(pinger);
  clock.at(seconds(5), [&] { clock.stop(); });  // a bound, not the expected end
  clock.run();
  EXPECT_EQ(pinger.got, "ping");
  EXPECT_EQ(pinger.from, (*a)->local());
  EXPECT_EQ(pinger.timer_tag, 7u);
  EXPECT_LT(pinger.timer_now, seconds(5)) << "the agent's timer ended the run, not the bound";
  EXPECT_EQ((*a)->counters().datagrams_in, 1u);
  EXPECT_EQ((*a)->counters().datagrams_out, 1u);
  EXPECT_FALSE((*a)->failure().has_value());
}

TEST(UdpPort, BindsOnlyItsOwnPort) {
  RealtimeClock clock;
  auto p = UdpPort::open(clock, {kLoopback, 0});
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE((*p)->bind_port((*p)->local().port).ok());
  EXPECT_FALSE((*p)->bind_port(static_cast<std::uint16_t>((*p)->local().port + 1)).ok());
}

TEST(UdpPort, AHardSendErrorIsKeptAndStopsTheClock) {
  RealtimeClock clock;
  auto p = UdpPort::open(clock, {kLoopback, 0});
  ASSERT_TRUE(p.ok());
  const std::uint8_t byte = 0;
  // Port 0 is no destination (EINVAL): an error of the socket, not a lost datagram.
  const Status s = (*p)->send(OutgoingDatagram{0, {kLoopback, 0}, wire::ByteView(&byte, 1)});
  EXPECT_FALSE(s.ok());
  ASSERT_TRUE((*p)->failure().has_value());
  EXPECT_NE((*p)->failure()->message.find("sendto 127.0.0.1:0"), std::string::npos) << (*p)->failure()->message;
}

TEST(UdpPort, ABindThatCannotWorkIsAnError) {
  RealtimeClock clock;
  auto first = UdpPort::open(clock, {kLoopback, 0});
  ASSERT_TRUE(first.ok());
  auto second = UdpPort::open(clock, (*first)->local());  // the same port again
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("bind"), std::string::npos);
}

TEST(UdpPort, DropsAndCountsADatagramLargerThanItsSlots) {
  RealtimeClock clock;
  auto small = UdpPort::open(clock, {kLoopback, 0}, 8);
  auto sender = UdpPort::open(clock, {kLoopback, 0});
  ASSERT_TRUE(small.ok() && sender.ok());
  Echo echo;
  (*small)->run_agent(echo);
  const std::vector<std::uint8_t> nine(9, 'x'), eight(8, 'y');
  ASSERT_TRUE((*sender)->send(OutgoingDatagram{0, (*small)->local(), wire::ByteView(nine.data(), nine.size())}).ok());
  ASSERT_TRUE((*sender)->send(OutgoingDatagram{0, (*small)->local(), wire::ByteView(eight.data(), eight.size())}).ok());
  clock.at(ms(200), [&] { clock.stop(); });
  clock.run();
  EXPECT_EQ((*small)->counters().truncated, 1u);
  EXPECT_EQ((*small)->counters().datagrams_in, 1u) << "the 8-octet datagram fits and is handed on";
}

}  // namespace
}  // namespace pxelab::sim
