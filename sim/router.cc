#include "sim/router.h"

namespace pxelab::sim {

// Forwarded datagrams leave as this agent; it never receives anything.
class Router::Sender final : public Agent {
 public:
  void start(AgentContext&, Time) override {}
  void on_datagram(AgentContext&, Time, const Datagram&) override {}
  void on_timer(AgentContext&, Time, std::uint64_t) override {}
};

namespace {
bool within(wire::Ipv4Address ip, const RouterInterface& i) {
  const std::uint32_t mask = i.prefix_length == 0 ? 0 : ~0u << (32 - i.prefix_length);
  return (ip.value & mask) == (i.address.value & mask);
}
}  // namespace

Router::Router(Clock& clock, const std::vector<RouterInterface>& interfaces)
    : interfaces_(interfaces), sender_(std::make_unique<Sender>()) {
  for (const auto& i : interfaces_) {
    HostConfig hc;
    hc.mac = i.mac;
    hc.address = i.address;
    hc.prefix_length = i.prefix_length;
    auto host = std::make_unique<Host>(clock, hc);
    host->set_forwarder(this);
    hosts_.push_back(std::move(host));
  }
}

Router::~Router() = default;

std::optional<std::size_t> Router::interface_for(wire::Ipv4Address ip) const {
  for (std::size_t i = 0; i < interfaces_.size(); ++i) {
    if (within(ip, interfaces_[i])) return i;
  }
  return std::nullopt;
}

std::optional<std::size_t> Router::interface_with_address(wire::Ipv4Address ip) const {
  for (std::size_t i = 0; i < interfaces_.size(); ++i) {
    if (interfaces_[i].address == ip) return i;
  }
  return std::nullopt;
}

void Router::forward(Host& from, const wire::UdpFrameView& d) {
  if (auto local = interface_with_address(d.ip.dst)) {
    // For another of our own addresses (a DHCP server answering the relay's giaddr).
    Datagram in{Endpoint{d.ip.src, d.udp.src_port}, Endpoint{d.ip.dst, d.udp.dst_port}, d.eth.src, d.eth.dst, d.payload};
    if (hosts_[*local]->deliver(in)) ++counters_.delivered_locally;
    return;
  }
  auto out = interface_for(d.ip.dst);
  if (!out || hosts_[*out].get() == &from) {
    ++counters_.no_route;
    return;
  }
  OutgoingDatagram o;
  o.src_port = d.udp.src_port;
  o.dst = Endpoint{d.ip.dst, d.udp.dst_port};
  o.payload = d.payload;
  o.src_ip = d.ip.src;
  const RouterInterface& itf = interfaces_[*out];
  const std::uint32_t host_bits = itf.prefix_length >= 32 ? 0 : ~0u >> itf.prefix_length;
  if (host_bits != 0 && (d.ip.dst.value & host_bits) == host_bits) {  // the subnet's broadcast address
    if (!itf.directed_broadcast) {
      ++counters_.directed_broadcasts_dropped;  // RFC 2644: off unless configured
      return;
    }
    o.dst_mac = wire::MacAddress::broadcast();
    if (hosts_[*out]->send(*sender_, o).ok()) ++counters_.directed_broadcasts;
    return;
  }
  if (hosts_[*out]->send(*sender_, o).ok()) ++counters_.forwarded;
}

}  // namespace pxelab::sim
