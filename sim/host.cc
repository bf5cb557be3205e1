#include "sim/host.h"

#include <algorithm>
#include <cstring>

#include "wire/arp.h"
#include "wire/ethernet.h"
#include "wire/frame.h"

namespace pxelab::sim {

// The context one agent acts through: knows its host and its agent.
class Host::Context final : public AgentContext {
 public:
  Context(Host& host, Agent& agent) : host_(host), agent_(agent) { refresh(); }

  Status send(const OutgoingDatagram& datagram) override { return host_.send_from(*this, datagram); }
  TimerId set_timer(Time at, std::uint64_t tag) override {
    return host_.clock_.at(at, [this, tag] {
      if (host_.powered_) agent_.on_timer(*this, host_.clock_.now(), tag);
    });
  }
  bool cancel_timer(TimerId id) override { return host_.clock_.cancel(id); }
  Status bind_port(std::uint16_t port, PortFilter filter) override { return host_.bind(port, agent_, filter); }
  void unbind_port(std::uint16_t port) override { host_.unbind_agent_port(port, *this); }
  void configure_address(std::optional<wire::Ipv4Address> address, std::uint8_t prefix_length,
                         std::optional<wire::Ipv4Address> gateway) override {
    host_.set_route(prefix_length, gateway);
    host_.set_address(address);
  }
  bool resolution_failed(wire::Ipv4Address ip) const override { return host_.arp_failed(ip); }

  void refresh() { set_identity(host_.config_.mac, host_.config_.address); }
  Agent& agent() { return agent_; }

 private:
  Host& host_;
  Agent& agent_;
};

namespace {

constexpr std::size_t kMaxHeaders = 14 + 4 + 20 + 8;  // Ethernet + 802.1Q + IPv4 + UDP

bool is_ipv4_multicast(wire::Ipv4Address ip) { return (ip.value >> 28) == 0xe; }

wire::MacAddress multicast_mac(wire::Ipv4Address ip) {  // RFC 1112 §6.4
  return wire::MacAddress{{0x01, 0x00, 0x5e, static_cast<std::uint8_t>((ip.value >> 16) & 0x7f),
                           static_cast<std::uint8_t>(ip.value >> 8), static_cast<std::uint8_t>(ip.value)}};
}

}  // namespace

// A Host filters floods (flood_key.h): it acts on flooded frames to its MAC, ARP
// frames naming its address or an address it has cached or is resolving (RFC 826
// merge), and UDP broadcasts to its bound ports - nothing else.
Host::Host(Clock& clock, const HostConfig& config)
    : clock_(clock), config_(config), tx_buffer_(kMaxHeaders + config.mtu + 64) {
  subscribe_flood(FloodKey::mac(config_.mac));
  if (config_.address) subscribe_flood(FloodKey::arp_target(*config_.address));
  set_flood_filtering(config_.filter_floods);
}

void Host::subscribe_arp_sender(wire::Ipv4Address ip) { subscribe_flood(FloodKey::arp_sender(ip)); }

Host::~Host() {
  for (auto& [ip, p] : pending_) clock_.cancel(p.retry);
}

void Host::set_address(std::optional<wire::Ipv4Address> address) {
  if (config_.address && config_.address != address) unsubscribe_flood(FloodKey::arp_target(*config_.address));
  if (address) subscribe_flood(FloodKey::arp_target(*address));
  config_.address = address;
  arp_cache_.clear();
  arp_failed_.clear();
  for (auto& c : contexts_) c->refresh();
}

void Host::set_route(std::uint8_t prefix_length, std::optional<wire::Ipv4Address> gateway) {
  config_.prefix_length = prefix_length > 32 ? 32 : prefix_length;
  config_.gateway = gateway;
}

wire::Ipv4Address Host::next_hop(wire::Ipv4Address ip) const {
  if (config_.prefix_length == 0 || !config_.gateway || !config_.address) return ip;
  const std::uint32_t mask = ~0u << (32 - config_.prefix_length);
  return (ip.value & mask) == (config_.address->value & mask) ? ip : *config_.gateway;
}

Host::Context& Host::context_for(Agent& agent) {
  for (auto& c : contexts_) {
    if (&c->agent() == &agent) return *c;
  }
  contexts_.push_back(std::make_unique<Context>(*this, agent));
  return *contexts_.back();
}

Status Host::bind(std::uint16_t port, Agent& agent, AgentContext::PortFilter filter) {
  auto it = std::lower_bound(bindings_.begin(), bindings_.end(), port,
                             [](const Binding& b, std::uint16_t p) { return b.port < p; });
  if (it != bindings_.end() && it->port == port) {
    return make_error("udp.port", 0, "port " + std::to_string(port) + " is already bound");
  }
  const FloodKey key = filter == AgentContext::PortFilter::kBootReplyToMe ? FloodKey::boot_reply(port, config_.mac)
                                                                         : FloodKey::udp(port);
  bindings_.insert(it, Binding{port, &context_for(agent), key});
  subscribe_flood(key);
  if (port_table_ || bindings_.size() > kPortTableThreshold) rebuild_port_table();
  return Ok{};
}

void Host::rebuild_port_table() {
  if (!port_table_) {
    port_table_ = std::make_unique<Context*[]>(65536);
    for (const Binding& b : bindings_) port_table_[b.port] = b.context;
    return;
  }
  std::fill(port_table_.get(), port_table_.get() + 65536, nullptr);
  for (const Binding& b : bindings_) port_table_[b.port] = b.context;
}

void Host::unbind(std::uint16_t port) {
  std::erase_if(bindings_, [this, port](const Binding& b) {
    if (b.port != port) return false;
    unsubscribe_flood(b.key);
    return true;
  });
  if (port_table_) port_table_[port] = nullptr;
}

void Host::unbind_agent_port(std::uint16_t port, const Context& ctx) {
  std::erase_if(bindings_, [this, port, &ctx](const Binding& b) {
    if (b.port != port || b.context != &ctx) return false;
    unsubscribe_flood(b.key);
    if (port_table_) port_table_[port] = nullptr;
    return true;
  });
}

void Host::start(Agent& agent, std::optional<Time> at) {
  Context* ctx = &context_for(agent);
  clock_.at(at.value_or(clock_.now()), [this, ctx] {
    if (powered_) ctx->agent().start(*ctx, clock_.now());
  });
}

Status Host::send(Agent& agent, const OutgoingDatagram& datagram) { return send_from(context_for(agent), datagram); }

const Host::ArpEntry* Host::cached(wire::Ipv4Address ip) const {
  const ArpEntry* e = arp_cache_.find(ip);
  return e == nullptr || e->expires <= clock_.now() ? nullptr : e;
}

std::optional<wire::MacAddress> Host::arp_cache_lookup(wire::Ipv4Address ip) const {
  const ArpEntry* e = cached(ip);
  if (e == nullptr) return std::nullopt;
  return e->mac;
}

Status Host::send_from(Context& /*ctx*/, const OutgoingDatagram& d) {
  if (!powered_) return Ok{};  // off: nothing leaves
  if (d.payload.size() + 28 > config_.mtu) {
    ++counters_.send_errors;
    return make_error("udp.length", 0,
                      "payload of " + std::to_string(d.payload.size()) + " bytes exceeds the MTU (" +
                          std::to_string(config_.mtu) + ") less IPv4 and UDP headers; pxelab does not fragment");
  }
  wire::UdpEndpoint src{config_.mac, d.src_ip.value_or(config_.address.value_or(wire::Ipv4Address::any())), d.src_port};
  wire::UdpEndpoint dst{wire::MacAddress{}, d.dst.ip, d.dst.port};
  bool resolved = true;
  if (d.dst_mac) {
    dst.mac = *d.dst_mac;
  } else if (d.dst.ip.is_broadcast() || d.dst.ip.is_any()) {
    dst.mac = wire::MacAddress::broadcast();
  } else if (is_ipv4_multicast(d.dst.ip)) {
    dst.mac = multicast_mac(d.dst.ip);
  } else if (const ArpEntry* e = cached(next_hop(d.dst.ip))) {
    dst.mac = e->mac;
  } else {
    resolved = false;
  }
  std::size_t size = wire::write_udp_frame(tx_buffer_, src, dst, d.payload);
  if (size == 0) {
    ++counters_.send_errors;
    return make_error("udp", 0, "frame does not fit");
  }
  wire::ByteView frame(tx_buffer_.data(), size);
  if (resolved) {
    ++counters_.datagrams_sent;
    transmit(frame);
    return Ok{};
  }
  // Queue until ARP answers for the next hop; the destination MAC is patched in then.
  const wire::Ipv4Address hop = next_hop(d.dst.ip);
  subscribe_arp_sender(hop);
  Pending& p = pending_[hop.value];
  if (p.frames.size() >= config_.arp.max_queued) {
    ++counters_.arp_failures;
    return Ok{};  // like a full neighbour queue: dropped, counted, not the sender's error
  }
  p.frames.emplace_back(frame.begin(), frame.end());
  if (p.requests_sent == 0) arp_retry(hop);
  return Ok{};
}

void Host::send_arp_request(wire::Ipv4Address target) {
  if (!powered_) return;
  auto request = wire::ArpRepr::request(config_.mac, config_.address.value_or(wire::Ipv4Address::any()), target);
  std::size_t size = wire::write_arp_frame(tx_buffer_, wire::MacAddress::broadcast(), request);
  ++counters_.arp_requests_sent;
  transmit(wire::ByteView(tx_buffer_.data(), size));
}

void Host::arp_retry(wire::Ipv4Address target) {
  auto it = pending_.find(target.value);
  if (it == pending_.end()) return;
  Pending& p = it->second;
  if (p.requests_sent >= config_.arp.attempts) {
    counters_.arp_failures += p.frames.size();
    arp_failed_.insert(target.value);
    pending_.erase(it);
    return;
  }
  ++p.requests_sent;
  send_arp_request(target);
  p.retry = clock_.after(config_.arp.retry_interval, [this, target] { arp_retry(target); });
}

void Host::arp_resolved(wire::Ipv4Address ip, const wire::MacAddress& mac) {
  subscribe_arp_sender(ip);
  arp_cache_.put(ip, mac, clock_.now() + config_.arp.cache_lifetime);
  if (!arp_failed_.empty()) arp_failed_.erase(ip.value);
  auto it = pending_.find(ip.value);
  if (it == pending_.end()) return;
  Pending p = std::move(it->second);
  pending_.erase(it);
  clock_.cancel(p.retry);
  for (wire::Bytes& f : p.frames) {
    std::memcpy(f.data(), mac.octets.data(), 6);
    ++counters_.datagrams_sent;
    transmit(f);
  }
}

void Host::arm_wake_on_lan(wire::WolPassword password, std::function<void()> on_wake) {
  wol_ = WakeOnLan{password, std::move(on_wake)};
  // A magic packet may come to any UDP port or as EtherType 0x0842, which no flood key
  // names: a sleeping NIC looks at every flooded frame (flood_key.h), until it wakes.
  set_flood_filtering(false);
}

void Host::standby_receive(const FrameView& frame) {
  auto wol = wire::parse_wol_frame(frame.bytes);
  if (!wol) return;  // not a magic packet: a sleeping NIC ignores it
  if (wol->wol.target != config_.mac || !(wol->wol.password == wol_->password)) {
    ++counters_.magic_packets_ignored;
    return;
  }
  std::function<void()> wake = std::move(wol_->on_wake);
  wol_.reset();
  set_flood_filtering(config_.filter_floods);
  powered_ = true;
  if (wake) wake();
}

void Host::receive(const FrameView& frame) {
  if (!powered_) {
    if (wol_) standby_receive(frame);
    return;
  }
  ++counters_.frames_received;
  wire::ByteView bytes = frame.bytes;
  if (bytes.size() < wire::kEthernetHeaderSize) {
    ++counters_.frames_malformed;
    return;
  }
  wire::MacAddress dst;
  std::memcpy(dst.octets.data(), bytes.data(), 6);
  if (dst != config_.mac && !dst.is_multicast()) {
    ++counters_.frames_not_for_us;
    return;
  }
  std::size_t type_at = 12;
  if (bytes.size() >= 18 && wire::load_be16(bytes.data() + 12) == wire::ethertype::kVlan) type_at = 16;
  std::uint16_t ethertype = wire::load_be16(bytes.data() + type_at);
  if (ethertype == wire::ethertype::kArp) {
    handle_arp(bytes);
  } else if (ethertype == wire::ethertype::kIpv4) {
    handle_ipv4(frame);
  } else {
    ++counters_.frames_unhandled;
  }
}

void Host::handle_arp(wire::ByteView frame) {
  auto parsed = wire::parse_arp_frame(frame);
  if (!parsed) {
    ++counters_.frames_malformed;
    return;
  }
  const wire::ArpRepr& arp = parsed->arp;
  const bool for_us = config_.address && arp.target_ip == *config_.address;
  // RFC 826 "merge": refresh a known sender; learn it if the packet is for us.
  if (!arp.sender_ip.is_any() && (for_us || arp_cache_.contains(arp.sender_ip) ||
                                  pending_.contains(arp.sender_ip.value))) {
    arp_resolved(arp.sender_ip, arp.sender_mac);
  }
  if (for_us && arp.operation == wire::ArpOperation::kRequest) {
    auto reply = wire::ArpRepr::reply_to(arp, config_.mac);
    std::size_t size = wire::write_arp_frame(tx_buffer_, arp.sender_mac, reply);
    ++counters_.arp_replies_sent;
    transmit(wire::ByteView(tx_buffer_.data(), size));
  }
}

void Host::handle_ipv4(const FrameView& frame) {
  wire::UdpFrameParseOptions po;
  po.verify_udp_checksum = !frame.checksums_trusted;  // a Host's frame, intact on the way
  auto parsed = wire::parse_udp_frame(frame.bytes, po);
  if (!parsed) {
    if (parsed.error().field == "ipv4.protocol") {
      ++counters_.frames_unhandled;
    } else {
      ++counters_.frames_malformed;
    }
    return;
  }
  const wire::UdpFrameView& udp = *parsed;
  if (!udp.checksums_ok() && !frame.checksums_trusted) {
    ++counters_.frames_malformed;
    return;
  }
  const wire::Ipv4Address ip = udp.ip.dst;
  if (config_.address && ip != *config_.address && !ip.is_broadcast() && !is_ipv4_multicast(ip)) {
    if (forwarder_ && !udp.eth.dst.is_multicast()) {  // a router's interface: sent to our MAC for beyond
      ++counters_.datagrams_forwarded;
      forwarder_->forward(*this, udp);
      return;
    }
    ++counters_.frames_not_for_us;
    return;
  }
  Datagram d{Endpoint{udp.ip.src, udp.udp.src_port}, Endpoint{ip, udp.udp.dst_port}, udp.eth.src, udp.eth.dst,
             udp.payload, frame.number};
  if (!deliver(d)) ++counters_.datagrams_no_listener;
}

bool Host::deliver(const Datagram& d) {
  Context* ctx = nullptr;
  if (port_table_) {
    ctx = port_table_[d.dst.port];
  } else {
    // Sorted by port: a client with a few ports bound pays a couple of compares.
    auto it = std::lower_bound(bindings_.begin(), bindings_.end(), d.dst.port,
                               [](const Binding& b, std::uint16_t p) { return b.port < p; });
    if (it != bindings_.end() && it->port == d.dst.port) ctx = it->context;
  }
  if (ctx == nullptr) return false;
  ++counters_.datagrams_delivered;
  ctx->agent().on_datagram(*ctx, clock_.now(), d);
  return true;
}

}  // namespace pxelab::sim
