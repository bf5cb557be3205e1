#include "server/address_pool.h"

namespace pxelab::server {

AddressPool::AddressPool(const Subnet& subnet, std::set<wire::Ipv4Address> reserved)
    : subnet_(subnet), reserved_(std::move(reserved)) {
  for (const auto& r : subnet_.pools) total_ += r.size();
}

bool AddressPool::in_pool(wire::Ipv4Address ip) const {
  for (const auto& r : subnet_.pools) {
    if (r.contains(ip)) return true;
  }
  return false;
}

wire::Ipv4Address AddressPool::at(std::uint64_t index) const {
  for (const auto& r : subnet_.pools) {
    if (index < r.size()) return wire::Ipv4Address{static_cast<std::uint32_t>(r.first.value + index)};
    index -= r.size();
  }
  return {};
}

bool AddressPool::available_to(const LeaseStore& leases, wire::Ipv4Address ip, std::string_view client_key,
                               std::int64_t now) const {
  if (!in_pool(ip) || reserved_.count(ip) != 0) return false;
  // The network and broadcast addresses are never handed out, whatever the pool says.
  if (ip == subnet_.network || ip.value == (subnet_.network.value | ~subnet_.mask())) return false;
  const Lease* l = leases.find_by_ip(ip);
  if (l == nullptr || l->client_key() == client_key) return l == nullptr || l->state != LeaseState::Declined || l->expires <= now;
  bool held = (l->holds_address() || l->state == LeaseState::Declined) && l->expires > now;
  return !held;
}

std::optional<wire::Ipv4Address> AddressPool::choose(const LeaseStore& leases, std::string_view client_key,
                                                     std::optional<wire::Ipv4Address> requested, std::int64_t now) {
  if (const Lease* mine = leases.find_by_client(client_key); mine && available_to(leases, mine->ip, client_key, now)) {
    return mine->ip;
  }
  if (requested && available_to(leases, *requested, client_key, now)) return requested;
  // First addresses nobody has a record for, from the cursor on; only when none is
  // left, an expired, released or declined-and-cooled one — so a client that comes
  // back is likely to find its previous address still free.
  for (std::uint64_t step = 0; step < total_; ++step) {
    std::uint64_t index = (cursor_ + step) % total_;
    wire::Ipv4Address ip = at(index);
    if (leases.find_by_ip(ip) == nullptr && available_to(leases, ip, client_key, now)) {
      cursor_ = (index + 1) % total_;
      return ip;
    }
  }
  for (std::uint64_t index = 0; index < total_; ++index) {
    wire::Ipv4Address ip = at(index);
    if (available_to(leases, ip, client_key, now)) return ip;
  }
  return std::nullopt;
}

}  // namespace pxelab::server
