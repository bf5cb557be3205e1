#include "server/address_pool.h"

#include <gtest/gtest.h>

namespace pxelab::server {
namespace {

using wire::Ipv4Address;
using wire::MacAddress;

Ipv4Address ip(std::uint8_t last) { return Ipv4Address::from_octets(192, 0, 2, last); }

Subnet small_subnet() {
  Subnet s;
  s.network = ip(0);
  s.prefix_length = 24;
  s.pools = {{ip(10), ip(12)}, {ip(20), ip(20)}};
  return s;
}

Lease lease_for(std::uint8_t n, Ipv4Address at, LeaseState state, std::int64_t expires) {
  Lease l;
  l.ip = at;
  l.mac = MacAddress{{0x52, 0x54, 0, 0, 0, n}};
  l.state = state;
  l.expires = expires;
  return l;
}

std::string key(std::uint8_t n) { return client_key_for("", MacAddress{{0x52, 0x54, 0, 0, 0, n}}); }

TEST(AddressPool, HandsOutFreeAddressesInPoolOrderAcrossRanges) {
  auto leases = std::move(*LeaseStore::open({}));
  AddressPool pool(small_subnet(), {ip(11)});
  EXPECT_EQ(pool.size(), 4u);
  std::vector<Ipv4Address> got;
  for (std::uint8_t n = 1; n <= 3; ++n) {
    auto a = pool.choose(leases, key(n), std::nullopt, 0);
    ASSERT_TRUE(a);
    got.push_back(*a);
    ASSERT_TRUE(leases.record(lease_for(n, *a, LeaseState::Bound, 100)));
  }
  EXPECT_EQ(got, (std::vector<Ipv4Address>{ip(10), ip(12), ip(20)})) << "reserved .11 skipped";
  EXPECT_FALSE(pool.choose(leases, key(4), std::nullopt, 0)) << "exhausted";
}

TEST(AddressPool, KeepsAClientsOwnAddressAndHonoursRequests) {
  auto leases = std::move(*LeaseStore::open({}));
  AddressPool pool(small_subnet(), {});
  ASSERT_TRUE(leases.record(lease_for(1, ip(12), LeaseState::Bound, 100)));
  EXPECT_EQ(pool.choose(leases, key(1), ip(10), 50), ip(12)) << "its current lease wins over option 50";
  EXPECT_EQ(pool.choose(leases, key(2), ip(20), 50), ip(20)) << "a free requested address is given";
  EXPECT_EQ(pool.choose(leases, key(2), ip(12), 50), ip(10)) << "a taken requested address is not";
  EXPECT_EQ(pool.choose(leases, key(2), ip(99), 50), ip(11)) << "nor one outside the pools";
}

TEST(AddressPool, ExpiredAndReleasedAddressesComeBackAfterFreshOnes) {
  auto leases = std::move(*LeaseStore::open({}));
  AddressPool pool(small_subnet(), {});
  ASSERT_TRUE(leases.record(lease_for(1, ip(10), LeaseState::Bound, 100)));    // expires at 100
  ASSERT_TRUE(leases.record(lease_for(2, ip(11), LeaseState::Released, 500)));
  EXPECT_EQ(pool.choose(leases, key(3), std::nullopt, 200), ip(12)) << "fresh first";
  ASSERT_TRUE(leases.record(lease_for(3, ip(12), LeaseState::Bound, 900)));
  ASSERT_TRUE(leases.record(lease_for(4, ip(20), LeaseState::Bound, 900)));
  auto a = pool.choose(leases, key(5), std::nullopt, 200);
  ASSERT_TRUE(a);
  EXPECT_TRUE(*a == ip(10) || *a == ip(11)) << a->to_string();
  EXPECT_FALSE(pool.available_to(leases, ip(10), key(5), 50)) << "unexpired lease of another client";
  EXPECT_TRUE(pool.available_to(leases, ip(10), key(1), 50)) << "its own";
}

TEST(AddressPool, DeclinedAddressesAreHeldUntilTheirHoldPasses) {
  auto leases = std::move(*LeaseStore::open({}));
  AddressPool pool(small_subnet(), {});
  ASSERT_TRUE(leases.record(lease_for(1, ip(10), LeaseState::Declined, 300)));
  EXPECT_FALSE(pool.available_to(leases, ip(10), key(1), 100)) << "not even to the client that declined it";
  EXPECT_FALSE(pool.available_to(leases, ip(10), key(2), 100));
  EXPECT_TRUE(pool.available_to(leases, ip(10), key(2), 300));
}

TEST(AddressPool, NeverHandsOutNetworkOrBroadcast) {
  Subnet s;
  s.network = ip(0);
  s.prefix_length = 30;  // .0 network, .3 broadcast
  s.pools = {{ip(0), ip(3)}};
  auto leases = std::move(*LeaseStore::open({}));
  AddressPool pool(s, {});
  EXPECT_EQ(pool.choose(leases, key(1), ip(0), 0), ip(1));
  ASSERT_TRUE(leases.record(lease_for(1, ip(1), LeaseState::Bound, 100)));
  EXPECT_EQ(pool.choose(leases, key(2), ip(3), 0), ip(2));
  ASSERT_TRUE(leases.record(lease_for(2, ip(2), LeaseState::Bound, 100)));
  EXPECT_FALSE(pool.choose(leases, key(3), std::nullopt, 0));
}

TEST(AddressPool, AStormOfTenThousandClientsGetsDistinctAddresses) {
  Subnet s;
  s.network = Ipv4Address::from_octets(198, 18, 0, 0);
  s.prefix_length = 16;
  s.pools = {{Ipv4Address::from_octets(198, 18, 1, 0), Ipv4Address::from_octets(198, 18, 40, 255)}};
  auto leases = std::move(*LeaseStore::open({}));
  AddressPool pool(s, {});
  std::set<Ipv4Address> seen;
  for (std::uint32_t n = 0; n < 10000; ++n) {
    Lease l;
    l.mac = MacAddress{{0x52, 0x54, 0, static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)}};
    auto a = pool.choose(leases, l.client_key(), std::nullopt, 0);
    ASSERT_TRUE(a);
    ASSERT_TRUE(seen.insert(*a).second) << a->to_string() << " handed out twice";
    l.ip = *a;
    l.state = LeaseState::Bound;
    l.expires = 3600;
    ASSERT_TRUE(leases.record(l));
  }
}

}  // namespace
}  // namespace pxelab::server
