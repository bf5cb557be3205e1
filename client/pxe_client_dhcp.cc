// PxeClient's DHCP states: DISCOVER with retries and the personality's offer selection,
// REQUEST -> ACK/NAK (DECLINE where the firmware does), and what binding the address
// leads to (pxe_client.h).
#include <algorithm>

#include "client/failure.h"
#include "client/pxe_client.h"
#include "wire/dhcp_option_values.h"
#include "wire/text.h"

namespace pxelab::client {

namespace dhcp = wire::dhcp;

namespace {

using wire::hex32;  // wire/text.h

}  // namespace

RequestFields PxeClient::fields(sim::Time now, bool for_request) {
  RequestFields f;
  f.mac = outcome_.mac;
  f.xid = session_.xid;
  const DhcpIdentity& id = stage_->identity;
  f.broadcast = id.broadcast || (chainloaded_ && id.broadcast_when_chainloaded);
  const auto seconds = static_cast<std::uint16_t>(std::min<sim::Time>((now - session_.start) / sim::seconds(1), 0xffff));
  switch (id.secs) {
    case SecsPolicy::kSeconds: f.secs = seconds; break;
    case SecsPolicy::kReuseFirst:
      if (!for_request) session_.discover_secs = seconds;
      f.secs = session_.discover_secs;
      break;
    case SecsPolicy::kIpxePacked:
      // dhcp_tx counts the packet being sent: the first DISCOVER has count 1 (secs 4).
      f.secs = static_cast<std::uint16_t>(std::min<std::uint32_t>(session_.packets_sent + 1, 0x3fff) << 2 |
                                          (session_.saw_offer ? 2 : 0) | (session_.saw_proxy ? 1 : 0));
      break;
    case SecsPolicy::kZero: f.secs = 0; break;
  }
  return f;
}

sim::Time PxeClient::jittered(sim::Time t) {
  const double j = stage_->timing.discover_jitter;
  if (j <= 0) return t;
  const double factor = 1.0 + (rng_.uniform01() * 2 - 1) * j;
  return static_cast<sim::Time>(static_cast<double>(t) * factor);
}

// ---- discover ------------------------------------------------------------------------

void PxeClient::enter_discover(sim::AgentContext& ctx, sim::Time now) {
  session_ = Session{};
  session_.start = now;
  session_.xid = static_cast<std::uint32_t>(rng_.next());
  send_discover(ctx, now);
  arm(ctx, now + jittered(stage_->timing.discover_timeouts.front()));
}

void PxeClient::send_discover(sim::AgentContext& ctx, sim::Time now) {
  const std::size_t round = in<Discovering>().round;
  if (round > 0 && stage_->identity.xid == XidPolicy::kPerAttempt) {
    session_.old_xids.push_back(session_.xid);
    session_.xid = static_cast<std::uint32_t>(rng_.next());
  }
  RequestFields f = fields(now, false);
  const bool bootp = stage_->identity.bootp_only;
  wire::Bytes bytes = bootp ? build_bootrequest(f) : build_discover(*stage_, f);
  transmit(ctx, now, sim::OutgoingDatagram{kClientPort, {wire::Ipv4Address::broadcast(), kServerPort}, bytes},
           std::string(bootp ? "BOOTREQUEST" : "DHCPDISCOVER") + " xid " + hex32(session_.xid) + " (" +
               std::to_string(round + 1) + " of " + std::to_string(stage_->timing.discover_timeouts.size()) + ")");
  ++session_.packets_sent;
  if (!outcome_.timeline.first_discover) outcome_.timeline.first_discover = now;
  if (round > 0) ++outcome_.retransmissions.discover;
}

void PxeClient::rx_discover(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  auto offer = accept_reply(ctx, now, d, kClientPort, session_.xid, true);
  if (!offer || !offer_rejection(*stage_, *offer).empty()) return;
  if (stage_->identity.bootp_only) {  // a BOOTREPLY is the whole exchange (RFC 951)
    if (offer->yiaddr().is_any()) return;
    session_.selection = Selection{0, BootInfoSource::kSelected, {}};
    outcome_.timeline.offer = now;
    bound(ctx, now, std::move(*offer));
    return;
  }
  Discovering& s = in<Discovering>();
  if (s.offers.size() < stage_->timing.max_offers) {
    session_.saw_offer = session_.saw_offer || !offer->yiaddr().is_any();
    session_.saw_proxy = session_.saw_proxy || offer->pxe_client;
    s.offers.push_back(std::move(*offer));
  }
  try_select(ctx, now, false);
}

void PxeClient::try_select(sim::AgentContext& ctx, sim::Time now, bool timer_expired) {
  const Discovering& s = in<Discovering>();
  const std::vector<Offer>& offers = s.offers;
  std::optional<Selection> sel;
  switch (stage_->dhcp.selection) {
    case SelectionPolicy::kFirst: sel = select_first(*stage_, offers); break;
    case SelectionPolicy::kIpxe:
      if (ipxe_ready(*stage_, offers, session_.start, now)) sel = select_ipxe(offers);
      break;
    case SelectionPolicy::kEdk2:
      if (timer_expired) sel = select_by_class(offers);  // FW-08: only when the timer expires
      break;
    case SelectionPolicy::kPxe21:
      if (!timer_expired) break;
      sel = select_by_class(offers);
      if (!sel && s.round + 1 >= stage_->timing.proxy_wait_rounds) {
        // Waited long enough for a proxy: take a plain DHCP offer; no file -> PXE-E53.
        for (std::size_t i = 0; i < offers.size(); ++i) {
          if (classify(offers[i]) == OfferClass::kDhcpOnly) {
            sel = Selection{i, BootInfoSource::kSelected, {}};
            break;
          }
        }
      }
      break;
  }
  if (!sel) return;
  session_.selection = *sel;
  session_.selected = offers[sel->dhcp];
  session_.proxy_offers.clear();
  for (std::size_t i : sel->proxies) session_.proxy_offers.push_back(offers[i]);
  outcome_.timeline.offer = session_.selected->time;
  if (session_.selected->bootp) {  // a BOOTREPLY needs no REQUEST
    bound(ctx, now, *session_.selected);
    return;
  }
  set_state(ctx, now, Requesting{});
}

void PxeClient::expired_discover(sim::AgentContext& ctx, sim::Time now) {
  try_select(ctx, now, true);
  if (state() != State::kDiscover) return;
  const std::size_t round = ++in<Discovering>().round;
  const auto& timeouts = stage_->timing.discover_timeouts;
  if (round >= timeouts.size()) {
    if (stage_->timing.restart_after_discover_failure) {
      set_state(ctx, now, Discovering{});  // U-Boot starts over (FW timers)
      return;
    }
    // Offers held but none selected: EDK2 says so in its own words (PXE-E16, seen on
    // real OVMF: captures/golden/qemu/ovmf-x64-noboot.pcap); other ROMs time out.
    const bool unusable = !in<Discovering>().offers.empty() && stage_->failures.contains(FailureReason::kNoValidOffer);
    if (!unusable && stage_->timing.local_boot_after_no_offers) {
      // The ROM gives up and the BIOS boots the next device (personality data).
      Failure f = failure_for(*stage_, FailureReason::kNoOffers);
      outcome_.decided_by = sent_last(last_sent_what_);
      outcome_.code = f.code;  // still says why: nobody answered
      local_boot(ctx, now, f.text + "; gave up, the BIOS boots the next device (local disk)");
      return;
    }
    fail(ctx, now, unusable ? FailureReason::kNoValidOffer : FailureReason::kNoOffers, sent_last(last_sent_what_));
    return;
  }
  send_discover(ctx, now);
  arm(ctx, now + jittered(timeouts[round]));
}

// ---- request -------------------------------------------------------------------------

void PxeClient::enter_request(sim::AgentContext& ctx, sim::Time now) {
  send_request(ctx, now);
  arm(ctx, now + stage_->timing.request_timeouts.front());
}

void PxeClient::send_request(sim::AgentContext& ctx, sim::Time now) {
  RequestFields f = fields(now, true);
  const Offer& selected = *session_.selected;
  const wire::Ipv4Address server = selected.server_id.value_or(selected.from.ip);
  wire::Bytes bytes = build_request(*stage_, f, selected.yiaddr(), server);
  transmit(ctx, now, sim::OutgoingDatagram{kClientPort, {wire::Ipv4Address::broadcast(), kServerPort}, bytes},
           "DHCPREQUEST xid " + hex32(session_.xid) + " for " + selected.yiaddr().to_string());
  ++session_.packets_sent;
  if (in<Requesting>().round > 0) ++outcome_.retransmissions.request;
}

void PxeClient::rx_request(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  auto reply = accept_reply(ctx, now, d, kClientPort, session_.xid, true);
  if (!reply) return;
  auto type = dhcp::message_type(reply->message);
  if (type != dhcp::MessageType::kAck && type != dhcp::MessageType::kNak) return;
  const Offer& selected = *session_.selected;
  if (stage_->dhcp.ack_must_match_server && reply->server_id != selected.server_id) return;  // FW-06
  if (type == dhcp::MessageType::kNak) {
    switch (stage_->dhcp.on_nak) {
      case NakPolicy::kFail:
        fail(ctx, now, FailureReason::kNak, received(d, now, "DHCPNAK from " + d.src.ip.to_string()));
        return;
      case NakPolicy::kRestart: set_state(ctx, now, Discovering{}); return;
      case NakPolicy::kIgnore: return;  // FW-04: the REQUEST timeout restarts
    }
    return;
  }
  if (stage_->dhcp.decline_on_mismatch && reply->yiaddr() != selected.yiaddr()) {
    // FW-06: EDK2 declines an ACK for another address than offered.
    RequestFields f = fields(now, true);
    const std::string why = "Lease confirmed isn't the same as that in the offer";
    wire::Bytes bytes = build_decline(*stage_, f, reply->yiaddr(), reply->server_id.value_or(d.src.ip), why);
    const DecidingFrame decided =
        received(d, now, "DHCPACK for " + reply->yiaddr().to_string() + ", offered " + selected.yiaddr().to_string());
    transmit(ctx, now, sim::OutgoingDatagram{kClientPort, {wire::Ipv4Address::broadcast(), kServerPort}, bytes},
             "DHCPDECLINE xid " + hex32(session_.xid));
    fail(ctx, now, FailureReason::kDeclined, decided);
    return;
  }
  bound(ctx, now, std::move(*reply));
}

void PxeClient::expired_request(sim::AgentContext& ctx, sim::Time now) {
  const std::size_t round = ++in<Requesting>().round;
  const auto& timeouts = stage_->timing.request_timeouts;
  if (round >= timeouts.size()) {
    if (stage_->timing.restart_after_discover_failure) {
      set_state(ctx, now, Discovering{});
      return;
    }
    fail(ctx, now, FailureReason::kNoAck, sent_last(last_sent_what_));
    return;
  }
  send_request(ctx, now);
  arm(ctx, now + timeouts[round]);
}

// ---- bound: the address, then where the boot information comes from -----------------

void PxeClient::bound(sim::AgentContext& ctx, sim::Time now, Offer ack) {
  session_.ack = std::move(ack);
  const Offer& a = *session_.ack;
  outcome_.address = a.yiaddr();
  outcome_.dhcp_server = a.server_id ? a.server_id : std::optional<wire::Ipv4Address>(a.from.ip);
  outcome_.timeline.ack = now;
  // The subnet and router from options 1 and 3: a relayed client reaches its TFTP
  // server through the router.
  std::uint8_t prefix = 0;
  if (auto mask = dhcp::subnet_mask(a.message)) {
    for (std::uint32_t m = mask->value; m & 0x80000000u; m <<= 1) ++prefix;
  }
  std::optional<wire::Ipv4Address> gateway;
  if (auto routers = dhcp::routers(a.message); routers && !routers->empty()) {
    gateway = routers->front();
  } else if (!a.message.giaddr.is_any()) {
    gateway = a.message.giaddr;  // RFC 951: a BOOTP client boots across the gateway that relayed it
    if (prefix == 0) prefix = 32;
  }
  ctx.configure_address(a.yiaddr(), prefix, gateway);
  disarm(ctx);

  auto where = [&](const Offer& o) {
    for (ServerSource src : stage_->boot.proxy_to) {
      if (src == ServerSource::kSiaddr && !o.message.siaddr.is_any()) return o.message.siaddr;
      if (src == ServerSource::kServerId && o.server_id) return *o.server_id;
    }
    return o.from.ip;
  };
  const BootInfoSource source = session_.selection ? session_.selection->source : BootInfoSource::kSelected;
  const ProxyRequestPolicy policy = stage_->boot.proxy_request;
  if (source == BootInfoSource::kBinl && policy == ProxyRequestPolicy::kBinl) {
    // FW-11/FW-39: a PXEClient offer without boot file or PXE10 options sends the
    // client to port 4011 of that server.
    PxeRequests r;
    r.targets = {PxeTarget{{where(*session_.selected), kPxePort}, false}};
    start_pxe_requests(ctx, now, false, std::move(r));
    return;
  }
  if (source == BootInfoSource::kProxyBinl && policy == ProxyRequestPolicy::kBinl) {
    PxeRequests r;
    for (const Offer& p : session_.proxy_offers) r.targets.push_back(PxeTarget{{where(p), kPxePort}, false});
    start_pxe_requests(ctx, now, false, std::move(r));
    return;
  }
  if (source == BootInfoSource::kProxyOffer && policy == ProxyRequestPolicy::kIpxe && !session_.proxy_offers.empty()) {
    const Offer& p = session_.proxy_offers.front();
    const bool has_boot = !p.message.siaddr.is_any() && (!p.message.file.empty() || dhcp::bootfile_name(p.message));
    const bool has_menu = p.pxe && p.pxe->boot_menu;
    if (!has_boot && !has_menu) {  // FW-17
      PxeRequests r;
      r.targets = {PxeTarget{{where(p), kPxePort}, false}};
      r.optional = true;
      start_pxe_requests(ctx, now, false, std::move(r));
      return;
    }
  }
  after_boot_info(ctx, now);
}

}  // namespace pxelab::client
