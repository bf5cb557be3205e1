// Chooses addresses from a subnet's pools (RFC 2131 §4.3.1 "choosing a network address").
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string_view>

#include "server/config.h"
#include "server/lease_store.h"

namespace pxelab::server {

class AddressPool {
 public:
  // `reserved`: addresses never handed out from the pool (fixed host addresses, the
  // server's own, the router's).
  AddressPool(const Subnet& subnet, std::set<wire::Ipv4Address> reserved);

  // RFC 2131 §4.3.1, in its order: the client's current or previous address (its
  // lease record, still inside a pool); else the address it requested (option 50) if
  // free; else a free address. nullopt: the pool is exhausted.
  // Free addresses are taken in pool order from a cursor that moves on, so a storm of
  // N new clients costs O(N), not O(N × pool); released and expired addresses are
  // found again when the cursor wraps.
  std::optional<wire::Ipv4Address> choose(const LeaseStore& leases, std::string_view client_key,
                                          std::optional<wire::Ipv4Address> requested, std::int64_t now);

  // Whether `client_key` may have `ip` now: inside a pool, not reserved, and not held
  // by another client (an unexpired Offered/Bound lease, or a Declined one until its
  // hold time passes, RFC 2131 §4.3.3).
  bool available_to(const LeaseStore& leases, wire::Ipv4Address ip, std::string_view client_key, std::int64_t now) const;

  bool in_pool(wire::Ipv4Address ip) const;
  std::uint64_t size() const { return total_; }
  const Subnet& subnet() const { return subnet_; }

 private:
  wire::Ipv4Address at(std::uint64_t index) const;

  Subnet subnet_;
  std::set<wire::Ipv4Address> reserved_;
  std::uint64_t total_ = 0;
  std::uint64_t cursor_ = 0;
};

}  // namespace pxelab::server
