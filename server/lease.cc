#include "server/lease.h"

#include <algorithm>
#include <array>

namespace pxelab::server {

namespace {
constexpr std::array<std::string_view, 5> kStateNames = {"offered", "bound", "released", "declined", "expired"};
}  // namespace

std::string_view to_string(LeaseState s) { return kStateNames[static_cast<std::size_t>(s)]; }

std::optional<LeaseState> lease_state_from_string(std::string_view s) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == s) return static_cast<LeaseState>(i);
  }
  return std::nullopt;
}

std::string client_key_for(std::string_view client_id, const wire::MacAddress& mac) {
  // Prefixes keep the two spaces apart: an option 61 that happens to equal a MAC
  // never collides with a client identified by chaddr.
  // Built by append: `"i" + std::string(...)` trips GCC 12's -Wrestrict false positive at -O3.
  std::string key;
  key.reserve(1 + std::max<std::size_t>(client_id.size(), mac.octets.size()));
  if (!client_id.empty()) {
    key.push_back('i');
    key.append(client_id);
  } else {
    key.push_back('m');
    key.append(mac.octets.begin(), mac.octets.end());
  }
  return key;
}

std::string Lease::client_key() const { return client_key_for(client_id, mac); }

}  // namespace pxelab::server
