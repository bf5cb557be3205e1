// The router's directed broadcasts (sim/router.h; RFC 1812 §5.3.5.2, RFC 2644): a
// magic packet to 192.0.3.255 sent from the server subnet reaches the router, which
// puts it on 192.0.3.0/24 as a link-layer broadcast only when that interface forwards
// directed broadcasts; with forwarding off (the default) the sleeping client stays off.
#include "sim/router.h"

#include <gtest/gtest.h>

#include "sim/segment.h"
#include "wire/wol.h"

namespace pxelab::sim {
namespace {

class Console final : public Port {
 public:
  void receive(const FrameView&) override {}
};

struct TwoSubnets {
  explicit TwoSubnets(bool forward)
      : servers(clock, 1),
        clients(clock, 2),
        router(clock, {{"servers", {{0x02, 0x52, 0, 0, 0, 1}}, wire::Ipv4Address::from_octets(192, 0, 2, 254), 24, false},
                       {"clients", {{0x02, 0x52, 0, 1, 0, 1}}, wire::Ipv4Address::from_octets(192, 0, 3, 254), 24, forward}}),
        sleeper(clock, HostConfig{.mac = {{0x52, 0x54, 0x00, 0x03, 0x00, 0x07}}}) {
    servers.attach(router.host(0), {}, "router");
    clients.attach(router.host(1), {}, "router");
    servers.attach(console, {}, "console");
    clients.attach(sleeper, {}, "sleeper");
    sleeper.set_powered(false);
    sleeper.arm_wake_on_lan({}, [this] { ++wakes; });
  }
  // The console on 192.0.2.0/24 sends the magic packet to `to` through its gateway.
  void wake(wire::Ipv4Address to) {
    wire::Bytes f = wire::build_wol_udp_frame({{{0x02, 0x77, 0, 0, 0, 1}}, wire::Ipv4Address::from_octets(192, 0, 2, 10), 40000},
                                              {router.interface(0).mac, to, wire::kWolPortDiscard},
                                              wire::WolRepr{sleeper.mac(), {}});
    console.transmit(f);
    clock.run(seconds(1));
  }
  VirtualClock clock;
  Segment servers, clients;
  Router router;
  Console console;
  Host sleeper;
  int wakes = 0;
};

TEST(Router, ForwardsADirectedBroadcastOnlyWhereConfigured) {
  TwoSubnets on(true);
  on.wake(wire::Ipv4Address::from_octets(192, 0, 3, 255));
  EXPECT_EQ(on.router.counters().directed_broadcasts, 1u);
  EXPECT_TRUE(on.sleeper.powered());
  EXPECT_EQ(on.wakes, 1);

  TwoSubnets off(false);
  off.wake(wire::Ipv4Address::from_octets(192, 0, 3, 255));
  EXPECT_EQ(off.router.counters().directed_broadcasts_dropped, 1u);
  EXPECT_EQ(off.router.counters().directed_broadcasts, 0u);
  EXPECT_FALSE(off.sleeper.powered()) << "RFC 2644: not forwarded by default";
  EXPECT_EQ(off.wakes, 0);
}

TEST(Router, AUnicastBeyondIsForwardedAsBefore) {
  TwoSubnets off(false);
  off.wake(wire::Ipv4Address::from_octets(192, 0, 3, 7));  // ARP for .7 goes unanswered: queued, not a broadcast
  EXPECT_EQ(off.router.counters().directed_broadcasts_dropped, 0u);
  EXPECT_EQ(off.router.counters().forwarded, 1u);
  EXPECT_FALSE(off.sleeper.powered());
}

}  // namespace
}  // namespace pxelab::sim
