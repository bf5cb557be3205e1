// A DHCP lease as the server records it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wire/address.h"

namespace pxelab::server {

// Where a lease is in its life (RFC 2131 §4.3). Only Bound and Offered addresses are
// taken; Released, Declined and Expired records are kept so that the journal shows
// the history and a returning client can get its old address back (§4.3.1 "previous
// address").
enum class LeaseState : std::uint8_t { Offered, Bound, Released, Declined, Expired };

std::string_view to_string(LeaseState s);
std::optional<LeaseState> lease_state_from_string(std::string_view s);

struct Lease {
  wire::Ipv4Address ip;
  wire::MacAddress mac;
  // The client identifier (option 61) bytes if the client sent one, else empty.
  // RFC 2131 §4.2: a client is identified by option 61 when present, else by chaddr.
  std::string client_id;
  LeaseState state = LeaseState::Offered;
  // Seconds on the lease clock (the caller's: Unix time for `pxelab serve`,
  // seconds since run start in the simulator).
  std::int64_t expires = 0;
  std::string hostname;

  // The key the server identifies this client by (see client_id).
  std::string client_key() const;
  bool holds_address() const { return state == LeaseState::Offered || state == LeaseState::Bound; }
  bool operator==(const Lease&) const = default;
};

// client_key() of a client that sent `client_id` (may be empty) from `mac`.
std::string client_key_for(std::string_view client_id, const wire::MacAddress& mac);

}  // namespace pxelab::server
