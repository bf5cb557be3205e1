// PxeClient after the address is bound: the port-4011 request (ProxyDHCP, FW-11, FW-16,
// FW-17, FW-39), the PXE boot menu (PXE 2.1 §2.4, FW-20) and boot server discovery
// (PXE 2.1 §2.2.6, FW-19), each its own row of the state table (pxe_client.h).
#include <algorithm>

#include "client/pxe_client.h"
#include "wire/dhcp_option_values.h"
#include "wire/text.h"

namespace pxelab::client {

namespace dhcp = wire::dhcp;

namespace {

using wire::hex32;  // wire/text.h

}  // namespace

void PxeClient::start_pxe_requests(sim::AgentContext& ctx, sim::Time now, bool discovery, PxeRequests r) {
  const std::uint16_t port = stage_->boot.proxy_source_port;
  if (port != kClientPort && !pxe_port_bound_) {
    pxe_port_bound_ = ctx.bind_port(port, sim::AgentContext::PortFilter::kBootReplyToMe).ok();
  }
  if (discovery) {
    set_state(ctx, now, BootServerDiscovery{std::move(r)});
  } else {
    set_state(ctx, now, ProxyRequest{std::move(r)});
  }
}

void PxeClient::send_pxe_request(sim::AgentContext& ctx, sim::Time now, PxeRequests& r, bool discovery) {
  const auto& timeouts = discovery ? stage_->boot.discovery_timeouts : stage_->boot.proxy_timeouts;
  const PxeTarget& t = r.targets[r.target];
  RequestFields f = fields(now, true);
  f.xid = r.xid;
  f.ciaddr = *outcome_.address;
  f.broadcast = t.broadcast;  // FW-16: flags 0 to 4011; broadcast discovery sets 0x8000 (FW-19)
  wire::Bytes bytes = build_pxe_request(*stage_, f, r.item);
  transmit(ctx, now, sim::OutgoingDatagram{stage_->boot.proxy_source_port, t.to, bytes},
           std::string(discovery ? "boot server DHCPREQUEST" : "DHCPREQUEST") + " to " + t.to.ip.to_string() + ":" +
               std::to_string(t.to.port) + " xid " + hex32(r.xid));
  if (r.round > 0 || r.target > 0) ++outcome_.retransmissions.proxy_request;
  arm(ctx, now + (timeouts.empty() ? sim::seconds(4) : timeouts[std::min(r.round, timeouts.size() - 1)]));
}

std::optional<Offer> PxeClient::pxe_ack(const sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d,
                                        const PxeRequests& r, bool discovery) const {
  auto reply = accept_reply(ctx, now, d, stage_->boot.proxy_source_port, r.xid, false);
  if (!reply || dhcp::message_type(reply->message) != dhcp::MessageType::kAck) return std::nullopt;
  if (discovery) {
    // The ACK must echo the boot item asked for (PXE 2.1 §2.2.6; iPXE checks it, FW-19).
    if (!reply->pxe || !reply->pxe->boot_item || reply->pxe->boot_item->type != r.item->type) return std::nullopt;
    return reply;
  }
  if (stage_->boot.proxy_reply_port != 0 && d.src.port != stage_->boot.proxy_reply_port) return std::nullopt;
  const bool has_file = !reply->message.file.empty() || dhcp::bootfile_name(reply->message).has_value();
  if (!has_file && !reply->pxe10()) return std::nullopt;  // FW-16: the reply needs a boot file or PXE10 options
  return reply;
}

bool PxeClient::retry_pxe_request(sim::AgentContext& ctx, sim::Time now, PxeRequests& r, bool discovery) {
  const auto& timeouts = discovery ? stage_->boot.discovery_timeouts : stage_->boot.proxy_timeouts;
  if (++r.round >= std::max<std::size_t>(timeouts.size(), 1)) {
    r.round = 0;
    if (++r.target >= r.targets.size()) return false;
    r.xid = static_cast<std::uint32_t>(rng_.next());
  }
  send_pxe_request(ctx, now, r, discovery);
  return true;
}

// ---- the port-4011 request -----------------------------------------------------------

void PxeClient::enter_proxy(sim::AgentContext& ctx, sim::Time now) {
  ProxyRequest& r = in<ProxyRequest>();
  r.xid = static_cast<std::uint32_t>(rng_.next());
  send_pxe_request(ctx, now, r, false);
}

void PxeClient::rx_proxy(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  auto reply = pxe_ack(ctx, now, d, in<ProxyRequest>(), false);
  if (!reply) return;
  session_.pxe_reply = std::move(*reply);
  outcome_.timeline.proxy_ack = now;
  disarm(ctx);
  after_boot_info(ctx, now);
}

void PxeClient::expired_proxy(sim::AgentContext& ctx, sim::Time now) {
  ProxyRequest& r = in<ProxyRequest>();
  if (retry_pxe_request(ctx, now, r, false)) return;
  if (r.optional) {  // iPXE gives up on the proxy and boots from what it has
    after_boot_info(ctx, now);
    return;
  }
  fail(ctx, now, FailureReason::kNoProxyReply, sent_last(last_sent_what_));
}

// ---- boot server discovery -----------------------------------------------------------

void PxeClient::enter_discovery(sim::AgentContext& ctx, sim::Time now) {
  BootServerDiscovery& r = in<BootServerDiscovery>();
  r.xid = static_cast<std::uint32_t>(rng_.next());
  send_pxe_request(ctx, now, r, true);
}

void PxeClient::rx_discovery(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  auto reply = pxe_ack(ctx, now, d, in<BootServerDiscovery>(), true);
  if (!reply) return;
  session_.pxe_reply = std::move(*reply);
  outcome_.timeline.proxy_ack = now;
  disarm(ctx);
  begin_boot(ctx, now);
}

void PxeClient::expired_discovery(sim::AgentContext& ctx, sim::Time now) {
  if (retry_pxe_request(ctx, now, in<BootServerDiscovery>(), true)) return;
  fail(ctx, now, FailureReason::kDiscoveryFailed, sent_last(last_sent_what_));
}

void PxeClient::discover_boot_server(sim::AgentContext& ctx, sim::Time now, std::uint16_t type) {
  const dhcp::PxeVendorOptions& pxe = *pxe_packet()->pxe;
  const std::uint8_t control = pxe.discovery_control.value_or(0);
  PxeRequests r;
  r.item = dhcp::BootItem{type, 0};
  std::vector<PxeTarget>& targets = r.targets;
  const bool edk2 = stage_->boot.menu == MenuPolicy::kEdk2;
  if (!(control & dhcp::discovery::kNoMulticast)) {
    if (pxe.discovery_mcast_addr) {
      targets.push_back(PxeTarget{{*pxe.discovery_mcast_addr, kPxePort}, false});
    } else if (edk2) {
      // FW-19: multicast to 0.0.0.0 fails with INVALID_PARAMETER; nothing is sent.
      fail(ctx, now, FailureReason::kDiscoveryFailed,
           DecidingFrame{now, false, pxe_packet()->frame, "multicast discovery enabled (43.6 bit 1 clear) without 43.7"});
      return;
    }
  }
  if (!(control & dhcp::discovery::kNoBroadcast)) {
    targets.push_back(PxeTarget{{wire::Ipv4Address::broadcast(), kServerPort}, true});
  }
  if (pxe.boot_servers) {
    for (const auto& s : *pxe.boot_servers) {
      if (s.type != type) continue;
      for (const auto& a : s.addresses) targets.push_back(PxeTarget{{a, kPxePort}, false});
    }
  }
  if (edk2 && targets.size() > 1) targets.resize(1);  // FW-19: exactly one method, no fallback
  if (targets.empty()) {
    fail(ctx, now, FailureReason::kDiscoveryFailed,
         DecidingFrame{now, false, pxe_packet()->frame, "no discovery method for boot server type " + std::to_string(type)});
    return;
  }
  start_pxe_requests(ctx, now, true, std::move(r));
}

// ---- the boot information and the menu -----------------------------------------------

const Offer* PxeClient::pxe_packet() const {
  const Session& s = session_;
  if (s.pxe_reply) return &*s.pxe_reply;
  if (s.selection && s.selection->source == BootInfoSource::kProxyOffer && !s.proxy_offers.empty()) {
    return &s.proxy_offers.front();
  }
  return s.ack ? &*s.ack : nullptr;
}

std::vector<const Offer*> PxeClient::boot_packets() const {
  const Session& s = session_;
  std::vector<const Offer*> packets;
  if (s.ack) packets.push_back(&*s.ack);
  if (s.selection && s.selection->source == BootInfoSource::kProxyOffer && !s.proxy_offers.empty()) {
    packets.push_back(&s.proxy_offers.front());
  }
  if (s.pxe_reply) packets.push_back(&*s.pxe_reply);
  return packets;
}

void PxeClient::after_boot_info(sim::AgentContext& ctx, sim::Time now) {
  const Offer* p = pxe_packet();
  const MenuPolicy menu = stage_->boot.menu;
  if (menu != MenuPolicy::kNone && p && p->pxe) {
    const std::uint8_t control = p->pxe->discovery_control.value_or(0);
    const bool use_file = (control & dhcp::discovery::kUseBootfile) && !boot_target(*stage_, boot_packets()).file.empty();
    if (menu == MenuPolicy::kEdk2 && p->pxe10() && !use_file) {
      if (!p->pxe->boot_menu) {
        // FW-20: a PXE10 offer with no menu and not (bit 3 + file) selects type 0.
        local_boot(ctx, now, "PXE10 options without a boot menu: boot item 0, local boot (FW-20)");
        return;
      }
      set_state(ctx, now, Menu{});
      return;
    }
    if (menu == MenuPolicy::kIpxe && p->pxe->boot_menu && !use_file) {
      set_state(ctx, now, Menu{});
      return;
    }
  }
  begin_boot(ctx, now);
}

void PxeClient::enter_menu(sim::AgentContext& ctx, sim::Time now) {
  const Offer* p = pxe_packet();
  const auto& prompt = p->pxe->menu_prompt;
  if (prompt) outcome_.console.push_back(prompt->prompt);
  if (!prompt || prompt->timeout == 0) {  // no prompt, or timeout 0: the default at once (FW-20)
    choose_menu_item(ctx, now);
    return;
  }
  if (prompt->timeout == 255) {  // wait for a key that an emulated machine never presses
    disarm(ctx);
    return;
  }
  arm(ctx, now + sim::seconds(prompt->timeout));
}

void PxeClient::expired_menu(sim::AgentContext& ctx, sim::Time now) { choose_menu_item(ctx, now); }

void PxeClient::choose_menu_item(sim::AgentContext& ctx, sim::Time now) {
  const auto& items = *pxe_packet()->pxe->boot_menu;
  if (items.empty()) {
    local_boot(ctx, now, "empty boot menu: local boot (FW-20)");
    return;
  }
  const dhcp::BootMenuEntry& item = items.front();  // the default is the first item (PXE 2.1 §2.4)
  outcome_.console.push_back(item.description);
  if (item.type == 0) {
    local_boot(ctx, now, "boot menu default '" + item.description + "' is type 0: local boot (PXE 2.1 §2.4)");
    return;
  }
  discover_boot_server(ctx, now, item.type);
}

}  // namespace pxelab::client
