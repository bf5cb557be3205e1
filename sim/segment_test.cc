#include "sim/segment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace pxelab::sim {
namespace {

using wire::Bytes;
using wire::MacAddress;

MacAddress mac(std::uint8_t last) { return MacAddress{{0x02, 0, 0, 0, 0, last}}; }

// An Ethernet frame with `payload` bytes after the header; the payload carries `tag`.
// (Filled in place: growing a vector from 6 octets with insert() trips a GCC 12
// -Warray-bounds false positive at -O3.)
Bytes make_frame(MacAddress dst, MacAddress src, std::size_t payload, std::uint8_t tag = 0, bool vlan = false) {
  const std::size_t header = vlan ? 18 : 14;
  Bytes f(header + payload, tag);
  std::copy(dst.octets.begin(), dst.octets.end(), f.begin());
  std::copy(src.octets.begin(), src.octets.end(), f.begin() + 6);
  if (vlan) {
    f[12] = 0x81, f[13] = 0x00, f[14] = 0x00, f[15] = 0x0a;
  }
  f[header - 2] = 0x88, f[header - 1] = 0xb5;  // local experimental EtherType
  return f;
}

class TestPort final : public Port {
 public:
  struct Received {
    Time time;
    Bytes bytes;
  };
  void receive(const FrameView& frame) override {
    got.push_back({frame.time, Bytes(frame.bytes.begin(), frame.bytes.end())});
  }
  std::vector<Received> got;
};

struct Net {
  explicit Net(std::uint64_t seed = 1, std::size_t ports = 3, LinkParams params = {}) : segment(clock, seed) {
    p.resize(ports);
    for (std::size_t i = 0; i < ports; ++i) {
      p[i] = std::make_unique<TestPort>();
      segment.attach(*p[i], params);
    }
    segment.add_sink(trace);
  }
  TestPort& port(std::size_t i) { return *p[i]; }
  VirtualClock clock;
  Segment segment;
  Trace trace;
  std::vector<std::unique_ptr<TestPort>> p;
};

TEST(Segment, FloodsUnknownThenForwardsToLearnedPorts) {
  Net net;
  net.port(0).transmit(make_frame(mac(2), mac(1), 50));  // 2 unknown: flooded
  net.clock.run();
  EXPECT_EQ(net.port(1).got.size(), 1u);
  EXPECT_EQ(net.port(2).got.size(), 1u);
  EXPECT_TRUE(net.port(0).got.empty()) << "never back to the ingress port";
  EXPECT_EQ(net.segment.lookup(mac(1)), 0u);
  EXPECT_EQ(net.segment.lookup(mac(2)), kNoPort);

  net.port(1).transmit(make_frame(mac(1), mac(2), 50));  // 1 known: port 0 only
  net.clock.run();
  EXPECT_EQ(net.port(0).got.size(), 1u);
  EXPECT_EQ(net.port(2).got.size(), 1u);
  EXPECT_EQ(net.segment.lookup(mac(2)), 1u);

  net.port(0).transmit(make_frame(mac(2), mac(1), 50));  // now learned: port 1 only
  net.clock.run();
  EXPECT_EQ(net.port(1).got.size(), 2u);
  EXPECT_EQ(net.port(2).got.size(), 1u);
  EXPECT_EQ(net.segment.counters(1).delivered, 2u);
}

// Trace::set_frame_limit: frames after the limit still cross the segment; the trace
// keeps the first ones with their outcomes and counts the rest.
TEST(Segment, ATraceWithAFrameLimitKeepsTheFirstFramesAndCountsTheRest) {
  Net net;
  net.trace.set_frame_limit(3);
  for (int i = 0; i < 10; ++i) net.port(0).transmit(make_frame(MacAddress::broadcast(), mac(1), 50, static_cast<std::uint8_t>(i)));
  net.clock.run();
  EXPECT_EQ(net.port(1).got.size(), 10u) << "the limit is the trace's, not the segment's";
  EXPECT_EQ(net.trace.frame_count(), 3u);
  EXPECT_EQ(net.trace.unrecorded_frames(), 7u);
  ASSERT_EQ(net.trace.outcomes().size(), 6u) << "two deliveries (ports 1 and 2) per recorded frame";
  for (const auto& o : net.trace.outcomes()) EXPECT_LT(o.frame, 3u);
  EXPECT_EQ(net.trace.frame(2).bytes.back(), 2) << "the first three, in order";
  net.trace.clear();
  EXPECT_EQ(net.trace.unrecorded_frames(), 0u);
}

TEST(Segment, BroadcastAndMulticastReachEveryOtherPort) {
  Net net(1, 4);
  net.port(2).transmit(make_frame(MacAddress::broadcast(), mac(3), 50));
  net.port(2).transmit(make_frame(MacAddress{{0x01, 0x00, 0x5e, 0, 0, 1}}, mac(3), 50));
  net.clock.run();
  for (std::size_t i : {0u, 1u, 3u}) EXPECT_EQ(net.port(i).got.size(), 2u) << i;
  EXPECT_TRUE(net.port(2).got.empty());
  EXPECT_EQ(net.trace.frame_count(), 2u);
  EXPECT_EQ(net.trace.outcomes().size(), 6u);
}

TEST(Segment, FrameToAMacOnItsOwnPortGoesNowhere) {
  Net net(1, 2);
  net.port(0).transmit(make_frame(MacAddress::broadcast(), mac(1), 50));
  net.port(0).transmit(make_frame(mac(1), mac(9), 50));  // 1 was learned on port 0
  net.clock.run();
  EXPECT_EQ(net.port(1).got.size(), 1u);
  EXPECT_EQ(net.segment.counters(0).drops(DropReason::kNoRoute), 1u);
  // The drop is decided at once; the broadcast's delivery is an event (later, same time).
  ASSERT_EQ(net.trace.outcomes().size(), 2u);
  const Outcome& dropped = net.trace.outcomes()[0];
  EXPECT_EQ(dropped.fate, Fate::kDropped);
  EXPECT_EQ(dropped.reason, DropReason::kNoRoute);
  EXPECT_EQ(dropped.frame, 1u);
  EXPECT_EQ(dropped.egress, kNoPort);
}

// `pxelab serve` with several links: port 0 is the server, 1 and 2 are kernel links
// marked isolated. Each link reaches the server, never the other link.
TEST(Segment, IsolatedPortsReachOnlyNonIsolatedPorts) {
  Net net(1, 3);
  net.segment.set_isolated(1, true);
  net.segment.set_isolated(2, true);
  EXPECT_TRUE(net.segment.isolated(1));
  EXPECT_FALSE(net.segment.isolated(0));
  net.port(1).transmit(make_frame(MacAddress::broadcast(), mac(1), 50));  // flooded: server only
  net.port(2).transmit(make_frame(MacAddress::broadcast(), mac(2), 50));
  net.clock.run();
  EXPECT_EQ(net.port(0).got.size(), 2u);
  EXPECT_TRUE(net.port(1).got.empty());
  EXPECT_TRUE(net.port(2).got.empty());

  net.port(1).transmit(make_frame(mac(2), mac(1), 50));  // unicast to a MAC learned on link 2
  net.clock.run();
  EXPECT_TRUE(net.port(2).got.empty()) << "isolated links never exchange frames";
  EXPECT_EQ(net.segment.counters(1).drops(DropReason::kNoRoute), 1u);
  net.port(1).transmit(make_frame(mac(7), mac(1), 50));  // unknown unicast: flooded to the server only
  net.clock.run();
  EXPECT_EQ(net.port(0).got.size(), 3u);
  EXPECT_TRUE(net.port(2).got.empty());

  // The server reaches both: broadcast to each, unicast to the learned link.
  net.port(0).transmit(make_frame(MacAddress::broadcast(), mac(9), 50));
  net.port(0).transmit(make_frame(mac(2), mac(9), 50));
  net.clock.run();
  EXPECT_EQ(net.port(1).got.size(), 1u);
  EXPECT_EQ(net.port(2).got.size(), 2u);
}

// The same with a flood-filtering port on the segment (as the server's Host is): the
// filtered flood path keeps the isolation too, with and without a trace.
class FilteringPort final : public Port {
 public:
  FilteringPort() { set_flood_filtering(true); }
  void receive(const FrameView&) override { ++got; }
  int got = 0;
};

TEST(Segment, IsolationHoldsWhenAPortFiltersFloods) {
  for (bool traced : {false, true}) {
    VirtualClock clock;
    Segment segment(clock, 1);
    Trace trace;
    TestPort server, link1, link2;
    FilteringPort filtering;
    segment.attach(server);
    segment.set_isolated(segment.attach(link1), true);
    segment.set_isolated(segment.attach(link2), true);
    segment.attach(filtering);
    if (traced) segment.add_sink(trace);
    link1.transmit(make_frame(MacAddress::broadcast(), mac(1), 50));
    link2.transmit(make_frame(mac(1), mac(2), 50));  // unicast to a MAC learned on link1
    clock.run();
    EXPECT_EQ(server.got.size(), 1u) << traced;
    EXPECT_TRUE(link2.got.empty()) << traced;
    EXPECT_TRUE(link1.got.empty()) << traced;
  }
}

TEST(Segment, LatenciesOfBothAttachmentsAdd) {
  Net net(1, 2);
  LinkParams a;
  a.latency = ms(1);
  LinkParams b;
  b.latency = ms(2);
  net.segment.set_link_params(0, a);
  net.segment.set_link_params(1, b);
  net.clock.run(ms(10));
  net.port(0).transmit(make_frame(mac(2), mac(1), 100));
  net.clock.run();
  ASSERT_EQ(net.port(1).got.size(), 1u);
  EXPECT_EQ(net.port(1).got[0].time, ms(10) + ms(3));
  EXPECT_EQ(net.trace.outcomes()[0].time, ms(13));
  EXPECT_EQ(net.trace.frame(0).time, ms(10)) << "the trace keeps the transmit time too";
}

TEST(Segment, SerializationDelayIsBitsOverRateAndFramesQueueBehindEachOther) {
  Net net(1, 2);
  LinkParams slow;
  slow.bandwidth_bps = 1'000'000;  // 1 Mb/s: 1 000 bytes take 8 ms
  net.segment.set_link_params(0, slow);
  Bytes f = make_frame(mac(2), mac(1), 1000 - 14);
  ASSERT_EQ(f.size(), 1000u);
  EXPECT_EQ(serialization_delay(slow, 1000), ms(8));
  net.port(0).transmit(f);
  net.port(0).transmit(f);
  net.port(0).transmit(f);
  net.clock.run();
  ASSERT_EQ(net.port(1).got.size(), 3u);
  EXPECT_EQ(net.port(1).got[0].time, ms(8));
  EXPECT_EQ(net.port(1).got[1].time, ms(16));
  EXPECT_EQ(net.port(1).got[2].time, ms(24));

  slow.framing_overhead = 24;
  EXPECT_EQ(serialization_delay(slow, 1000), us(8192));
  LinkParams gig;
  gig.bandwidth_bps = 1'000'000'000;
  EXPECT_EQ(serialization_delay(gig, 1), 8);
  EXPECT_EQ(serialization_delay(gig, 1514), 12112);
}

TEST(Segment, FullQueueTailDropsExactly) {
  Net net(1, 2);
  LinkParams slow;
  slow.bandwidth_bps = 1'000'000;
  slow.queue_frames = 3;
  net.segment.set_link_params(0, slow);
  Bytes f = make_frame(mac(2), mac(1), 1000 - 14);
  for (int i = 0; i < 10; ++i) net.port(0).transmit(f);
  net.clock.run(ms(8));  // first frame done: one slot free again
  for (int i = 0; i < 2; ++i) net.port(0).transmit(f);
  net.clock.run();
  EXPECT_EQ(net.port(1).got.size(), 4u);
  EXPECT_EQ(net.segment.counters(0).drops(DropReason::kQueueFull), 8u);
  EXPECT_EQ(net.segment.total_drops(DropReason::kQueueFull), 8u);
  EXPECT_EQ(net.port(1).got[3].time, ms(32));
}

TEST(Segment, OversizeFramesAreDroppedAndCounted) {
  Net net(1, 2);
  LinkParams small;
  small.mtu = 100;
  net.segment.set_link_params(1, small);  // the egress side
  net.port(0).transmit(make_frame(MacAddress::broadcast(), mac(1), 100));
  net.port(0).transmit(make_frame(MacAddress::broadcast(), mac(1), 101));
  net.port(0).transmit(make_frame(MacAddress::broadcast(), mac(1), 100, 0, /*vlan=*/true));
  net.port(0).transmit(make_frame(MacAddress::broadcast(), mac(1), 1500));
  net.clock.run();
  EXPECT_EQ(net.port(1).got.size(), 2u);
  EXPECT_EQ(net.segment.counters(1).drops(DropReason::kMtu), 2u);
  int mtu_drops = 0;
  for (const Outcome& o : net.trace.outcomes()) {
    if (o.reason == DropReason::kMtu) {
      ++mtu_drops;
      EXPECT_EQ(o.egress, 1u);
    }
  }
  EXPECT_EQ(mtu_drops, 2);
}

TEST(Segment, LossRateIsNearItsProbabilityForAFixedSeed) {
  LinkParams lossy;
  lossy.loss = 0.3;
  Net net(7, 2);
  net.segment.set_link_params(0, lossy);
  Bytes f = make_frame(mac(2), mac(1), 64);
  for (int i = 0; i < 10'000; ++i) {
    net.port(0).transmit(f);
    net.clock.run();
  }
  auto lost = net.segment.counters(0).drops(DropReason::kLoss);
  EXPECT_GT(lost, 2800u);  // 30 % of 10 000, sigma = 46
  EXPECT_LT(lost, 3200u);
  EXPECT_EQ(lost + net.port(1).got.size(), 10'000u);
}

TEST(Segment, DuplicationSendsTheFrameTwiceAndMarksTheCopy) {
  LinkParams dup;
  dup.duplicate = 1.0;
  Net net(1, 2);
  net.segment.set_link_params(0, dup);
  net.port(0).transmit(make_frame(mac(2), mac(1), 64, 0xaa));
  net.clock.run();
  ASSERT_EQ(net.port(1).got.size(), 2u);
  EXPECT_EQ(net.port(1).got[0].bytes, net.port(1).got[1].bytes);
  ASSERT_EQ(net.trace.outcomes().size(), 2u);
  EXPECT_EQ(net.trace.outcomes()[0].flags, 0);
  EXPECT_EQ(net.trace.outcomes()[1].flags, kFlagDuplicate);
  EXPECT_EQ(net.trace.outcomes()[1].frame, 0u);

  LinkParams half;
  half.duplicate = 0.5;
  Net stat(3, 2);
  stat.segment.set_link_params(0, half);
  for (int i = 0; i < 4000; ++i) stat.port(0).transmit(make_frame(mac(2), mac(1), 64));
  stat.clock.run();
  EXPECT_GT(stat.port(1).got.size(), 5800u);
  EXPECT_LT(stat.port(1).got.size(), 6200u);
}

TEST(Segment, CorruptionFlipsExactlyOneBitAndTheTraceKeepsBothVersions) {
  LinkParams bad;
  bad.corrupt = 1.0;
  Net net(5, 2);
  net.segment.set_link_params(1, bad);
  Bytes sent = make_frame(mac(2), mac(1), 200, 0x55);
  for (int i = 0; i < 20; ++i) net.port(0).transmit(sent);
  net.clock.run();
  ASSERT_EQ(net.port(1).got.size(), 20u);
  int differing_frames = 0;
  for (std::size_t k = 0; k < 20; ++k) {
    const Bytes& got = net.port(1).got[k].bytes;
    ASSERT_EQ(got.size(), sent.size());
    int bits = 0;
    for (std::size_t i = 0; i < sent.size(); ++i) bits += __builtin_popcount(got[i] ^ sent[i]);
    EXPECT_EQ(bits, 1);
    differing_frames += got != net.port(1).got[0].bytes;
    EXPECT_EQ(net.trace.outcomes()[k].flags, kFlagCorrupted);
    wire::ByteView delivered = net.trace.outcome_bytes(k);
    EXPECT_TRUE(std::equal(delivered.begin(), delivered.end(), got.begin(), got.end()));
    wire::ByteView original = net.trace.frame(k).bytes;
    EXPECT_TRUE(std::equal(original.begin(), original.end(), sent.begin(), sent.end()));
  }
  EXPECT_GT(differing_frames, 10) << "the flipped bit is drawn per frame";
}

TEST(Segment, ReorderingHoldsSomeFramesBackSoOthersOvertake) {
  LinkParams re;
  re.reorder = 0.25;
  re.reorder_delay = us(50);
  Net net(11, 2);
  net.segment.set_link_params(0, re);
  for (int i = 0; i < 200; ++i) {
    net.port(0).transmit(make_frame(mac(2), mac(1), 64, static_cast<std::uint8_t>(i)));
    net.clock.run(net.clock.now() + us(10));
  }
  net.clock.run();
  ASSERT_EQ(net.port(1).got.size(), 200u);
  int out_of_order = 0;
  int flagged = 0;
  for (std::size_t k = 1; k < 200; ++k) {
    out_of_order += net.port(1).got[k].bytes.back() < net.port(1).got[k - 1].bytes.back();
  }
  for (const Outcome& o : net.trace.outcomes()) {
    if (o.flags & kFlagReordered) {
      ++flagged;
      EXPECT_EQ(o.time, net.trace.frame(o.frame).time + us(50));
    }
  }
  EXPECT_GT(flagged, 25);
  EXPECT_LT(flagged, 80);
  EXPECT_GT(out_of_order, 10);
}

TEST(Segment, JitterStaysWithinItsBound) {
  LinkParams j;
  j.latency = us(100);
  j.jitter = us(20);
  Net net(2, 2);
  net.segment.set_link_params(0, j);
  for (int i = 0; i < 500; ++i) net.port(0).transmit(make_frame(mac(2), mac(1), 64));
  net.clock.run();
  Time lo = kNever;
  Time hi = 0;
  for (const auto& r : net.port(1).got) {
    lo = std::min(lo, r.time);
    hi = std::max(hi, r.time);
  }
  EXPECT_GE(lo, us(100));
  EXPECT_LE(hi, us(120));
  EXPECT_GT(hi - lo, us(15)) << "spread over the interval";
}

std::vector<Outcome> lossy_run(std::uint64_t seed) {
  LinkParams p;
  p.loss = 0.2;
  p.jitter = us(5);
  p.duplicate = 0.05;
  Net net(seed, 3, p);
  for (int i = 0; i < 300; ++i) {
    net.port(i % 3).transmit(make_frame(MacAddress::broadcast(), mac(static_cast<std::uint8_t>(i % 3)), 80));
    net.clock.run(net.clock.now() + us(1));
  }
  net.clock.run();
  return std::vector<Outcome>(net.trace.outcomes().begin(), net.trace.outcomes().end());
}

TEST(Segment, SameSeedSameTraceDifferentSeedDifferentTrace) {
  auto a = lossy_run(42);
  EXPECT_EQ(a, lossy_run(42));
  EXPECT_NE(a, lossy_run(43));
}

TEST(Segment, UnattachedPortCountsItsDrops) {
  TestPort lone;
  lone.transmit(make_frame(mac(1), mac(2), 10));
  EXPECT_EQ(lone.unattached_drops(), 1u);
  EXPECT_FALSE(lone.attached());
}

TEST(Segment, BufferPoolStopsGrowingInSteadyState) {
  Net net(1, 2);
  Bytes f = make_frame(mac(2), mac(1), 300);
  Bytes g = make_frame(mac(1), mac(2), 300);
  auto burst = [&] {
    for (int i = 0; i < 100; ++i) {
      net.port(0).transmit(f);
      net.port(1).transmit(g);
    }
    net.clock.run();
  };
  net.segment.remove_sink(net.trace);
  burst();
  std::size_t pool = net.segment.buffer_pool_size();
  std::size_t slots = net.clock.scheduler().slot_capacity();
  for (int i = 0; i < 50; ++i) burst();
  EXPECT_EQ(net.segment.buffer_pool_size(), pool);
  EXPECT_EQ(net.clock.scheduler().slot_capacity(), slots);
  EXPECT_EQ(net.segment.buffers_in_use(), 0u);
}

}  // namespace
}  // namespace pxelab::sim
