// Step 4 of a run: each [[relay]] is a router with an interface on each of its
// segments and the DHCP relay agent (RFC 1542 §4, RFC 3046 option 82) on it.
#include "conformance/scenario/scenario_steps.h"

namespace pxelab::conformance {

void place_relays(const Scenario& s, RunWorld& w) {
  BuiltNetwork& net = w.network;
  for (std::size_t ri = 0; ri < s.relays.size(); ++ri) {
    const RelaySpec& rs = s.relays[ri];
    std::vector<sim::RouterInterface> itfs;
    for (std::size_t i = 0; i < rs.interfaces.size(); ++i) {
      const auto& it = rs.interfaces[i];
      // 02:52 (locally administered, "R"), relay number, interface number.
      itfs.push_back({it.segment, wire::MacAddress{{0x02, 0x52, static_cast<std::uint8_t>(ri), static_cast<std::uint8_t>(i), 0, 1}},
                      it.address, it.prefix_length, it.directed_broadcast});
    }
    PlacedRelay placed;
    placed.spec = &rs;
    placed.router = std::make_unique<sim::Router>(net.clock(), itfs);
    for (std::size_t i = 0; i < rs.interfaces.size(); ++i) {
      const std::size_t seg = net.segment_index.at(rs.interfaces[i].segment);
      placed.ports.emplace_back(seg, net.segment(seg).attach(placed.router->host(i), link_of(s, seg, {}), rs.name));
    }
    server::RelayConfig rc;
    rc.servers = rs.servers;
    rc.add_option82 = rs.option82;
    rc.remote_id = rs.remote_id;
    rc.max_hops = rs.max_hops;
    rc.faults = rs.faults;
    placed.agent = std::make_unique<server::DhcpRelayAgent>(*placed.router, rc);
    w.relays.push_back(std::move(placed));
  }
}

}  // namespace pxelab::conformance
