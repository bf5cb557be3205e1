#include "sim/arp_table.h"

#include <gtest/gtest.h>

#include <map>

namespace pxelab::sim {
namespace {

wire::MacAddress mac_of(std::uint32_t n) {
  return {{0x02, 0, static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
           static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)}};
}

TEST(ArpTable, FindsWhatWasPutAndNothingElse) {
  ArpTable t;
  EXPECT_EQ(t.find(wire::Ipv4Address{0}), nullptr);  // 0.0.0.0 is a key like any other
  t.put(wire::Ipv4Address{0x0a000001}, mac_of(1), 100);
  ASSERT_NE(t.find(wire::Ipv4Address{0x0a000001}), nullptr);
  EXPECT_EQ(t.find(wire::Ipv4Address{0x0a000001})->mac, mac_of(1));
  EXPECT_EQ(t.find(wire::Ipv4Address{0x0a000001})->expires, 100);
  EXPECT_FALSE(t.contains(wire::Ipv4Address{0x0a000002}));
  EXPECT_FALSE(t.contains(wire::Ipv4Address{0}));
  t.put(wire::Ipv4Address{0}, mac_of(0), 5);
  EXPECT_TRUE(t.contains(wire::Ipv4Address{0}));
  EXPECT_EQ(t.size(), 2u);
}

TEST(ArpTable, RefreshOverwritesInPlace) {
  ArpTable t;
  t.put(wire::Ipv4Address{7}, mac_of(1), 10);
  t.put(wire::Ipv4Address{7}, mac_of(2), 20);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.find(wire::Ipv4Address{7})->mac, mac_of(2));
  EXPECT_EQ(t.find(wire::Ipv4Address{7})->expires, 20);
}

TEST(ArpTable, AgreesWithAMapThroughGrowthAndClear) {
  ArpTable t;
  std::map<std::uint32_t, Time> model;
  // Consecutive addresses (a storm's leases) and a stride that collides in small tables.
  for (std::uint32_t i = 0; i < 20'000; ++i) {
    const std::uint32_t ip = i % 2 == 0 ? 0x0a000000 + i : i * 4096;
    t.put(wire::Ipv4Address{ip}, mac_of(ip), i);
    model[ip] = i;
  }
  EXPECT_EQ(t.size(), model.size());
  for (const auto& [ip, expires] : model) {
    const ArpTable::Entry* e = t.find(wire::Ipv4Address{ip});
    ASSERT_NE(e, nullptr) << ip;
    EXPECT_EQ(e->expires, expires);
    EXPECT_EQ(e->mac, mac_of(ip));
  }
  EXPECT_FALSE(t.contains(wire::Ipv4Address{0x0b000000}));
  t.clear();
  EXPECT_EQ(t.size(), 0u);
  EXPECT_FALSE(t.contains(wire::Ipv4Address{0x0a000000}));
}

}  // namespace
}  // namespace pxelab::sim
