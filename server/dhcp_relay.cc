#include "server/dhcp_relay.h"

#include "server/dhcp_responder.h"
#include "wire/dhcp_message.h"
#include "wire/pxe_options.h"

namespace pxelab::server {

namespace dhcp = wire::dhcp;

namespace {

std::optional<dhcp::OptionScan> scan(wire::ByteView message) {
  auto view = dhcp::MessageView::make(message);
  if (!view || !view->has_magic_cookie()) return std::nullopt;
  dhcp::ParseOptions po;
  po.require_end = false;
  po.check_option_lengths = false;
  auto s = dhcp::scan_options(*view, po);
  if (!s) return std::nullopt;
  return std::move(*s);
}

// Offset of the END octet of the options field, or the field's end when END is missing.
std::size_t options_end(wire::ByteView message) {
  std::size_t i = dhcp::kOptionsOffset;
  while (i < message.size()) {
    const std::uint8_t code = message[i];
    if (code == dhcp::code::kEnd) return i;
    if (code == dhcp::code::kPad) {
      ++i;
      continue;
    }
    if (i + 1 >= message.size()) return message.size();
    i += 2 + message[i + 1];
  }
  return message.size();
}

}  // namespace

wire::Bytes insert_option_before_end(wire::ByteView message, std::uint8_t code, wire::ByteView value) {
  if (!scan(message)) return {};
  const std::size_t at = std::min(options_end(message), message.size());
  wire::Bytes out(message.begin(), message.begin() + static_cast<std::ptrdiff_t>(at));
  dhcp::append_option_instances(out, code, value);
  if (at < message.size()) {
    out.insert(out.end(), message.begin() + static_cast<std::ptrdiff_t>(at), message.end());
  } else {
    out.push_back(dhcp::code::kEnd);
  }
  return out;
}

wire::Bytes remove_option(wire::ByteView message, std::uint8_t code) {
  auto s = scan(message);
  if (!s) return wire::Bytes(message.begin(), message.end());
  wire::Bytes out;
  out.reserve(message.size());
  std::size_t copied = 0;
  for (const auto& inst : s->instances) {
    if (inst.code != code || inst.area != dhcp::OptionArea::kOptions) continue;
    out.insert(out.end(), message.begin() + static_cast<std::ptrdiff_t>(copied),
               message.begin() + static_cast<std::ptrdiff_t>(inst.offset));
    copied = inst.offset + 2 + inst.data.size();
  }
  out.insert(out.end(), message.begin() + static_cast<std::ptrdiff_t>(copied), message.end());
  return out;
}

DhcpRelayAgent::DhcpRelayAgent(sim::Router& router, RelayConfig config)
    : router_(router), config_(std::move(config)), contexts_(router.interface_count(), nullptr) {
  for (std::size_t i = 0; i < router_.interface_count(); ++i) {
    // A router's interface hosts run no other agent: port 67 is free, bind cannot fail.
    static_cast<void>(router_.host(i).bind(kDhcpServerPort, *this));
    router_.host(i).start(*this);
  }
}

void DhcpRelayAgent::start(sim::AgentContext& ctx, sim::Time) {
  if (auto i = router_.interface_with_address(ctx.address().value_or(wire::Ipv4Address{}))) contexts_[*i] = &ctx;
}

void DhcpRelayAgent::on_datagram(sim::AgentContext& ctx, sim::Time, const sim::Datagram& d) {
  auto view = dhcp::MessageView::make(d.payload);
  auto arrival = router_.interface_with_address(ctx.address().value_or(wire::Ipv4Address{}));
  if (!view || !arrival) {
    ++counters_.dropped_malformed;
    return;
  }
  contexts_[*arrival] = &ctx;
  if (view->op() == dhcp::kBootRequest) {
    relay_request(*arrival, d.payload);
  } else if (view->op() == dhcp::kBootReply) {
    relay_reply(d.payload);
  } else {
    ++counters_.dropped_malformed;
  }
}

void DhcpRelayAgent::relay_request(std::size_t arrival, wire::ByteView in) {
  auto view = dhcp::MessageView::make(in);
  if (router_.interface_with_address(view->giaddr())) {
    ++counters_.dropped_loop;  // our own relayed request coming back
    return;
  }
  if (view->hops() >= config_.max_hops) {
    ++counters_.dropped_hops;
    return;
  }
  wire::Bytes out(in.begin(), in.end());
  out[3] = static_cast<std::uint8_t>(view->hops() + 1);
  if (view->giaddr().is_any()) wire::store_be32(&out[24], router_.interface(arrival).address.value);
  if (config_.add_option82) {
    auto s = scan(out);
    bool has82 = false;
    if (s) {
      for (const auto& inst : s->instances) has82 = has82 || inst.code == dhcp::code::kRelayAgentInfo;
    }
    if (s && !has82) {
      dhcp::RelayAgentInfo info;
      const std::string& name = router_.interface(arrival).name;
      info.suboptions.push_back({dhcp::relay_code::kCircuitId, wire::Bytes(name.begin(), name.end())});
      if (!config_.remote_id.empty()) {
        info.suboptions.push_back(
            {dhcp::relay_code::kRemoteId, wire::Bytes(config_.remote_id.begin(), config_.remote_id.end())});
      }
      if (auto v = dhcp::encode_relay_agent_info(info)) out = insert_option_before_end(out, dhcp::code::kRelayAgentInfo, *v);
    }
  }
  for (wire::Ipv4Address server : config_.servers) {
    auto via = router_.interface_for(server);
    if (!via || contexts_[*via] == nullptr) {
      ++counters_.dropped_no_route;
      continue;
    }
    if (!contexts_[*via]->send(sim::OutgoingDatagram{kDhcpServerPort, {server, kDhcpServerPort}, out})) {
      ++counters_.dropped_too_big;  // option 82 pushed it over the MTU of the server's side
      continue;
    }
    ++counters_.requests_relayed;
  }
}

void DhcpRelayAgent::relay_reply(wire::ByteView in) {
  auto view = dhcp::MessageView::make(in);
  auto to = router_.interface_with_address(view->giaddr());
  if (!to || contexts_[*to] == nullptr) {
    ++counters_.dropped_no_route;
    return;
  }
  wire::Bytes out = remove_option(in, dhcp::code::kRelayAgentInfo);  // RFC 3046 §2.2
  sim::OutgoingDatagram o{kDhcpServerPort, {wire::Ipv4Address::broadcast(), kDhcpClientPort}, out};
  if (!(view->flags() & dhcp::kBroadcastFlag) && !view->yiaddr().is_any() && view->htype() == 1 && view->hlen() == 6) {
    wire::MacAddress chaddr;
    std::copy_n(view->chaddr().begin(), 6, chaddr.octets.begin());
    o.dst = sim::Endpoint{view->yiaddr(), kDhcpClientPort};
    o.dst_mac = chaddr;  // RFC 1542 §5.4: the client cannot answer ARP yet
  }
  if (!contexts_[*to]->send(o)) {
    ++counters_.dropped_too_big;  // over the MTU of the client's side
    return;
  }
  ++counters_.replies_relayed;
}

}  // namespace pxelab::server
