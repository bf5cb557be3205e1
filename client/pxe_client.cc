#include "client/pxe_client.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "client/failure.h"
#include "client/requests.h"
#include "wire/dhcp_option_values.h"

namespace pxelab::client {

namespace dhcp = wire::dhcp;

// One row per state: what happens on entry, on a datagram, when the timer expires.
// Plain function pointers (captureless lambdas; the table is a member, so they may
// call private handlers).
struct PxeClient::StateOps {
  std::string_view name;
  void (*enter)(PxeClient&, sim::AgentContext&, sim::Time);
  void (*rx)(PxeClient&, sim::AgentContext&, sim::Time, const sim::Datagram&);
  void (*expired)(PxeClient&, sim::AgentContext&, sim::Time);
};

#define PXELAB_ENTER(f) [](PxeClient& c, sim::AgentContext& x, sim::Time t) { c.f(x, t); }
#define PXELAB_RX(f) [](PxeClient& c, sim::AgentContext& x, sim::Time t, const sim::Datagram& d) { c.f(x, t, d); }

// The state table, in State order.
const PxeClient::StateOps PxeClient::kStates[] = {
    {"off", PXELAB_ENTER(enter_nothing), PXELAB_RX(rx_ignore), PXELAB_ENTER(expired_nothing)},
    {"discover", PXELAB_ENTER(enter_discover), PXELAB_RX(rx_discover), PXELAB_ENTER(expired_discover)},
    {"request", PXELAB_ENTER(enter_request), PXELAB_RX(rx_request), PXELAB_ENTER(expired_request)},
    {"proxy-request", PXELAB_ENTER(enter_proxy), PXELAB_RX(rx_proxy), PXELAB_ENTER(expired_proxy)},
    {"menu", PXELAB_ENTER(enter_menu), PXELAB_RX(rx_ignore), PXELAB_ENTER(expired_menu)},
    {"boot-server-discovery", PXELAB_ENTER(enter_proxy), PXELAB_RX(rx_proxy), PXELAB_ENTER(expired_proxy)},
    {"tftp", PXELAB_ENTER(enter_tftp), PXELAB_RX(rx_tftp), PXELAB_ENTER(expired_tftp)},
    {"done", PXELAB_ENTER(enter_nothing), PXELAB_RX(rx_ignore), PXELAB_ENTER(expired_nothing)},
};

#undef PXELAB_ENTER
#undef PXELAB_RX

namespace {

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string basename_of(std::string_view path) {
  auto slash = path.find_last_of("/\\");
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string dirname_of(std::string_view path) {
  auto slash = path.find_last_of('/');
  return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash + 1));
}

bool is_floppy_name(std::string_view name) {
  const std::string n = lower(name);
  for (const char* ext : {".img", ".ima", ".flp", ".dsk"}) {
    if (n.size() > 4 && n.compare(n.size() - 4, 4, ext) == 0) return true;
  }
  return false;
}

std::optional<std::uint16_t> random_port(sim::Rng& rng, std::pair<std::uint16_t, std::uint16_t> range) {
  const std::uint32_t span = static_cast<std::uint32_t>(range.second) - range.first + 1;
  return static_cast<std::uint16_t>(range.first + rng.below(span));
}

}  // namespace

PxeClient::PxeClient(const PersonalitySet& set, const Personality& rom, std::uint64_t seed, std::string name)
    : set_(set), rom_(&rom), stage_(&rom), rng_(seed) {
  outcome_.name = std::move(name);
  outcome_.personality = rom.id;
}

PxeClient::~PxeClient() = default;

std::string_view PxeClient::state_name() const { return kStates[static_cast<std::size_t>(state_)].name; }

// ---- Agent -----------------------------------------------------------------------

void PxeClient::start(sim::AgentContext& ctx, sim::Time now) {
  outcome_.mac = ctx.mac();
  outcome_.timeline.power_on = now;
  static_cast<void>(ctx.bind_port(kClientPort, sim::AgentContext::PortFilter::kBootReplyToMe));
  set_state(ctx, now, State::kDiscover);
}

void PxeClient::on_datagram(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  kStates[static_cast<std::size_t>(state_)].rx(*this, ctx, now, d);
}

void PxeClient::on_timer(sim::AgentContext& ctx, sim::Time now, std::uint64_t tag) {
  if (tag != timer_generation_ || !timer_set_) return;  // a timer since replaced
  timer_set_ = false;
  timer_at_ = sim::kNever;
  kStates[static_cast<std::size_t>(state_)].expired(*this, ctx, now);
}

void PxeClient::set_state(sim::AgentContext& ctx, sim::Time now, State s) {
  state_ = s;
  kStates[static_cast<std::size_t>(s)].enter(*this, ctx, now);
}

void PxeClient::arm(sim::AgentContext& ctx, sim::Time at) {
  if (timer_set_) ctx.cancel_timer(timer_);
  timer_ = ctx.set_timer(at, ++timer_generation_);
  timer_set_ = true;
  timer_at_ = at;
}

void PxeClient::disarm(sim::AgentContext& ctx) {
  if (timer_set_) ctx.cancel_timer(timer_);
  timer_set_ = false;
  timer_at_ = sim::kNever;
}

void PxeClient::enter_nothing(sim::AgentContext& ctx, sim::Time) { disarm(ctx); }
void PxeClient::rx_ignore(sim::AgentContext&, sim::Time, const sim::Datagram&) {}
void PxeClient::expired_nothing(sim::AgentContext&, sim::Time) {}

// ---- DHCP: discover ----------------------------------------------------------------

RequestFields PxeClient::fields(sim::Time now, bool for_request) {
  RequestFields f;
  f.mac = outcome_.mac;
  f.xid = xid_;
  const DhcpIdentity& id = stage_->identity;
  f.broadcast = id.broadcast || (chainloaded_ && id.broadcast_when_chainloaded);
  const auto seconds = static_cast<std::uint16_t>(std::min<sim::Time>((now - session_start_) / sim::seconds(1), 0xffff));
  switch (id.secs) {
    case SecsPolicy::kSeconds: f.secs = seconds; break;
    case SecsPolicy::kReuseFirst:
      if (!for_request) discover_secs_ = seconds;
      f.secs = discover_secs_;
      break;
    case SecsPolicy::kIpxePacked: {
      bool offer = false, proxy = false;
      for (const Offer& o : offers_) {
        offer = offer || !o.yiaddr().is_any();
        proxy = proxy || o.pxe_client;
      }
      // dhcp_tx counts the packet being sent: the first DISCOVER has count 1 (secs 4).
      f.secs = static_cast<std::uint16_t>(std::min<std::uint32_t>(packets_sent_ + 1, 0x3fff) << 2 | (offer ? 2 : 0) |
                                          (proxy ? 1 : 0));
      break;
    }
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

bool PxeClient::xid_matches(std::uint32_t xid) const {
  if (xid == xid_) return true;
  const std::size_t n = stage_->identity.accept_previous_xids;
  for (std::size_t i = 0; i < old_xids_.size() && i < n; ++i) {
    if (old_xids_[old_xids_.size() - 1 - i] == xid) return true;
  }
  return false;
}

void PxeClient::enter_discover(sim::AgentContext& ctx, sim::Time now) {
  offers_.clear();
  selection_.reset();
  selected_.reset();
  proxy_offers_.clear();
  ack_.reset();
  pxe_reply_.reset();
  old_xids_.clear();
  session_start_ = now;
  discover_round_ = 0;
  packets_sent_ = 0;
  xid_ = static_cast<std::uint32_t>(rng_.next());
  send_discover(ctx, now);
  arm(ctx, now + jittered(stage_->timing.discover_timeouts.front()));
}

void PxeClient::send_discover(sim::AgentContext& ctx, sim::Time now) {
  if (discover_round_ > 0 && stage_->identity.xid == XidPolicy::kPerAttempt) {
    old_xids_.push_back(xid_);
    xid_ = static_cast<std::uint32_t>(rng_.next());
  }
  RequestFields f = fields(now, false);
  const bool bootp = stage_->identity.bootp_only;
  wire::Bytes bytes = bootp ? build_bootrequest(f) : build_discover(*stage_, f);
  static_cast<void>(ctx.send(sim::OutgoingDatagram{kClientPort, {wire::Ipv4Address::broadcast(), kServerPort}, bytes}));
  ++packets_sent_;
  if (!outcome_.timeline.first_discover) outcome_.timeline.first_discover = now;
  if (discover_round_ > 0) ++outcome_.retransmissions.discover;
  last_sent_at_ = now;
  last_sent_what_ = std::string(bootp ? "BOOTREQUEST" : "DHCPDISCOVER") + " xid " + hex32(xid_) + " (" +
                    std::to_string(discover_round_ + 1) + " of " +
                    std::to_string(stage_->timing.discover_timeouts.size()) + ")";
}

// A BOOTREPLY for this machine and one of `xids`? Read off the raw octets first: in a
// storm every client hears every other client's broadcast replies (RFC 2131 §4.1).
bool PxeClient::addressed_to_me(const sim::AgentContext& ctx, const sim::Datagram& d, std::uint32_t xid,
                                bool any_recent_xid) const {
  const wire::ByteView b = d.payload;
  if (b.size() < dhcp::kFixedHeaderSize || b[0] != dhcp::kBootReply) return false;
  if (!std::equal(ctx.mac().octets.begin(), ctx.mac().octets.end(), b.begin() + 28)) return false;
  const std::uint32_t got = wire::load_be32(&b[4]);
  return any_recent_xid ? xid_matches(got) : got == xid;
}

void PxeClient::rx_discover(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  if (d.dst.port != kClientPort || !addressed_to_me(ctx, d, xid_, true)) return;
  auto offer = read_offer(*stage_, d, now);
  if (!offer || !xid_matches(offer->message.xid) || offer->message.mac() != ctx.mac()) return;
  if (!offer_rejection(*stage_, *offer).empty()) return;
  if (stage_->identity.bootp_only) {  // a BOOTREPLY is the whole exchange (RFC 951)
    if (offer->yiaddr().is_any()) return;
    selection_ = Selection{0, BootInfoSource::kSelected, {}};
    outcome_.timeline.offer = now;
    bound(ctx, now, std::move(*offer));
    return;
  }
  if (offers_.size() < stage_->timing.max_offers) offers_.push_back(std::move(*offer));
  try_select(ctx, now, false);
}

void PxeClient::try_select(sim::AgentContext& ctx, sim::Time now, bool timer_expired) {
  std::optional<Selection> sel;
  switch (stage_->dhcp.selection) {
    case SelectionPolicy::kFirst: sel = select_first(*stage_, offers_); break;
    case SelectionPolicy::kIpxe:
      if (ipxe_ready(*stage_, offers_, session_start_, now)) sel = select_ipxe(offers_);
      break;
    case SelectionPolicy::kEdk2:
      if (timer_expired) sel = select_by_class(offers_);  // FW-08: only when the timer expires
      break;
    case SelectionPolicy::kPxe21:
      if (!timer_expired) break;
      sel = select_by_class(offers_);
      if (!sel && discover_round_ + 1 >= stage_->timing.proxy_wait_rounds) {
        // Waited long enough for a proxy: take a plain DHCP offer; no file -> PXE-E53.
        for (std::size_t i = 0; i < offers_.size(); ++i) {
          if (classify(offers_[i]) == OfferClass::kDhcpOnly) {
            sel = Selection{i, BootInfoSource::kSelected, {}};
            break;
          }
        }
      }
      break;
  }
  if (!sel) return;
  selection_ = *sel;
  selected_ = offers_[sel->dhcp];
  proxy_offers_.clear();
  for (std::size_t i : sel->proxies) proxy_offers_.push_back(offers_[i]);
  outcome_.timeline.offer = selected_->time;
  if (selected_->bootp) {  // a BOOTREPLY needs no REQUEST
    bound(ctx, now, *selected_);
    return;
  }
  set_state(ctx, now, State::kRequest);
}

void PxeClient::expired_discover(sim::AgentContext& ctx, sim::Time now) {
  try_select(ctx, now, true);
  if (state_ != State::kDiscover) return;
  ++discover_round_;
  const auto& timeouts = stage_->timing.discover_timeouts;
  if (discover_round_ >= timeouts.size()) {
    if (stage_->timing.restart_after_discover_failure) {
      set_state(ctx, now, State::kDiscover);  // U-Boot starts over (FW timers)
      return;
    }
    fail(ctx, now, "no_offers", sent_last(now, last_sent_what_));
    return;
  }
  send_discover(ctx, now);
  arm(ctx, now + jittered(timeouts[discover_round_]));
}

// ---- DHCP: request -----------------------------------------------------------------

void PxeClient::enter_request(sim::AgentContext& ctx, sim::Time now) {
  request_round_ = 0;
  send_request(ctx, now);
  arm(ctx, now + stage_->timing.request_timeouts.front());
}

void PxeClient::send_request(sim::AgentContext& ctx, sim::Time now) {
  RequestFields f = fields(now, true);
  const wire::Ipv4Address server = selected_->server_id.value_or(selected_->from.ip);
  wire::Bytes bytes = build_request(*stage_, f, selected_->yiaddr(), server);
  static_cast<void>(ctx.send(sim::OutgoingDatagram{kClientPort, {wire::Ipv4Address::broadcast(), kServerPort}, bytes}));
  ++packets_sent_;
  if (request_round_ > 0) ++outcome_.retransmissions.request;
  last_sent_at_ = now;
  last_sent_what_ = "DHCPREQUEST xid " + hex32(xid_) + " for " + selected_->yiaddr().to_string();
}

void PxeClient::rx_request(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  if (d.dst.port != kClientPort || !addressed_to_me(ctx, d, xid_, true)) return;
  auto reply = read_offer(*stage_, d, now);
  if (!reply || !xid_matches(reply->message.xid) || reply->message.mac() != ctx.mac()) return;
  auto type = dhcp::message_type(reply->message);
  if (type != dhcp::MessageType::kAck && type != dhcp::MessageType::kNak) return;
  if (stage_->dhcp.ack_must_match_server && reply->server_id != selected_->server_id) return;  // FW-06
  if (type == dhcp::MessageType::kNak) {
    switch (stage_->dhcp.on_nak) {
      case NakPolicy::kFail: fail(ctx, now, "nak", received(d, now, "DHCPNAK from " + d.src.ip.to_string())); return;
      case NakPolicy::kRestart: set_state(ctx, now, State::kDiscover); return;
      case NakPolicy::kIgnore: return;  // FW-04: the REQUEST timeout restarts
    }
    return;
  }
  if (stage_->dhcp.decline_on_mismatch && reply->yiaddr() != selected_->yiaddr()) {
    // FW-06: EDK2 declines an ACK for another address than offered.
    RequestFields f = fields(now, true);
    const std::string why = "Lease confirmed isn't the same as that in the offer";
    wire::Bytes bytes = build_decline(*stage_, f, reply->yiaddr(), reply->server_id.value_or(d.src.ip), why);
    static_cast<void>(ctx.send(sim::OutgoingDatagram{kClientPort, {wire::Ipv4Address::broadcast(), kServerPort}, bytes}));
    fail(ctx, now, "declined",
         received(d, now, "DHCPACK for " + reply->yiaddr().to_string() + ", offered " + selected_->yiaddr().to_string()));
    return;
  }
  bound(ctx, now, std::move(*reply));
}

void PxeClient::expired_request(sim::AgentContext& ctx, sim::Time now) {
  ++request_round_;
  const auto& timeouts = stage_->timing.request_timeouts;
  if (request_round_ >= timeouts.size()) {
    if (stage_->timing.restart_after_discover_failure) {
      set_state(ctx, now, State::kDiscover);
      return;
    }
    fail(ctx, now, "no_ack", sent_last(now, last_sent_what_));
    return;
  }
  send_request(ctx, now);
  arm(ctx, now + timeouts[request_round_]);
}

// ---- bound: proxy, menus, boot server discovery -------------------------------------

void PxeClient::bound(sim::AgentContext& ctx, sim::Time now, Offer ack) {
  ack_ = std::move(ack);
  outcome_.address = ack_->yiaddr();
  outcome_.dhcp_server = ack_->server_id ? ack_->server_id : std::optional<wire::Ipv4Address>(ack_->from.ip);
  outcome_.timeline.ack = now;
  // The subnet and router from options 1 and 3: a relayed client reaches its TFTP
  // server through the router.
  std::uint8_t prefix = 0;
  if (auto mask = dhcp::subnet_mask(ack_->message)) {
    for (std::uint32_t m = mask->value; m & 0x80000000u; m <<= 1) ++prefix;
  }
  std::optional<wire::Ipv4Address> gateway;
  if (auto routers = dhcp::routers(ack_->message); routers && !routers->empty()) {
    gateway = routers->front();
  } else if (!ack_->message.giaddr.is_any()) {
    gateway = ack_->message.giaddr;  // RFC 951: a BOOTP client boots across the gateway that relayed it
    if (prefix == 0) prefix = 32;
  }
  ctx.configure_address(ack_->yiaddr(), prefix, gateway);
  disarm(ctx);

  auto where = [&](const Offer& o) {
    for (ServerSource src : stage_->boot.proxy_to) {
      if (src == ServerSource::kSiaddr && !o.message.siaddr.is_any()) return o.message.siaddr;
      if (src == ServerSource::kServerId && o.server_id) return *o.server_id;
    }
    return o.from.ip;
  };
  const BootInfoSource source = selection_ ? selection_->source : BootInfoSource::kSelected;
  if (source == BootInfoSource::kBinl && stage_->boot.proxy_request == ProxyRequestPolicy::kBinl) {
    // FW-11/FW-39: a PXEClient offer without boot file or PXE10 options sends the
    // client to port 4011 of that server.
    start_pxe_requests(ctx, now, {PxeTarget{{where(*selected_), kPxePort}, false}}, std::nullopt, false);
    return;
  }
  if (source == BootInfoSource::kProxyBinl && stage_->boot.proxy_request == ProxyRequestPolicy::kBinl) {
    std::vector<PxeTarget> targets;
    for (const Offer& p : proxy_offers_) targets.push_back(PxeTarget{{where(p), kPxePort}, false});
    start_pxe_requests(ctx, now, std::move(targets), std::nullopt, false);
    return;
  }
  if (source == BootInfoSource::kProxyOffer && stage_->boot.proxy_request == ProxyRequestPolicy::kIpxe &&
      !proxy_offers_.empty()) {
    const Offer& p = proxy_offers_.front();
    const bool has_boot = !p.message.siaddr.is_any() && (!p.message.file.empty() || dhcp::bootfile_name(p.message));
    const bool has_menu = p.pxe && p.pxe->boot_menu;
    if (!has_boot && !has_menu) {  // FW-17
      start_pxe_requests(ctx, now, {PxeTarget{{where(p), kPxePort}, false}}, std::nullopt, false);
      pxe_optional_ = true;
      return;
    }
  }
  after_boot_info(ctx, now);
}

void PxeClient::start_pxe_requests(sim::AgentContext& ctx, sim::Time now, std::vector<PxeTarget> targets,
                                   std::optional<dhcp::BootItem> item, bool discovery) {
  pxe_targets_ = std::move(targets);
  pxe_target_ = 0;
  pxe_round_ = 0;
  pxe_item_ = item;
  pxe_discovery_ = discovery;
  pxe_optional_ = false;
  const std::uint16_t port = stage_->boot.proxy_source_port;
  if (port != kClientPort && !pxe_port_bound_) {
    pxe_port_bound_ = ctx.bind_port(port, sim::AgentContext::PortFilter::kBootReplyToMe).ok();
  }
  set_state(ctx, now, discovery ? State::kDiscovery : State::kProxy);
}

void PxeClient::enter_proxy(sim::AgentContext& ctx, sim::Time now) {
  pxe_xid_ = static_cast<std::uint32_t>(rng_.next());
  send_pxe_request(ctx, now);
}

void PxeClient::send_pxe_request(sim::AgentContext& ctx, sim::Time now) {
  const auto& timeouts = pxe_discovery_ ? stage_->boot.discovery_timeouts : stage_->boot.proxy_timeouts;
  const PxeTarget& t = pxe_targets_[pxe_target_];
  RequestFields f = fields(now, true);
  f.xid = pxe_xid_;
  f.ciaddr = *outcome_.address;
  f.broadcast = t.broadcast;  // FW-16: flags 0 to 4011; broadcast discovery sets 0x8000 (FW-19)
  wire::Bytes bytes = build_pxe_request(*stage_, f, pxe_item_);
  static_cast<void>(ctx.send(sim::OutgoingDatagram{stage_->boot.proxy_source_port, t.to, bytes}));
  if (pxe_round_ > 0 || pxe_target_ > 0) ++outcome_.retransmissions.proxy_request;
  last_sent_at_ = now;
  last_sent_what_ = std::string(pxe_discovery_ ? "boot server DHCPREQUEST" : "DHCPREQUEST") + " to " +
                    t.to.ip.to_string() + ":" + std::to_string(t.to.port) + " xid " + hex32(pxe_xid_);
  arm(ctx, now + (timeouts.empty() ? sim::seconds(4) : timeouts[std::min(pxe_round_, timeouts.size() - 1)]));
}

void PxeClient::rx_proxy(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  if (d.dst.port != stage_->boot.proxy_source_port || !addressed_to_me(ctx, d, pxe_xid_, false)) return;
  auto reply = read_offer(*stage_, d, now);
  if (!reply || reply->message.xid != pxe_xid_ || reply->message.mac() != ctx.mac()) return;
  if (dhcp::message_type(reply->message) != dhcp::MessageType::kAck) return;
  if (!pxe_discovery_ && stage_->boot.proxy_reply_port != 0 && d.src.port != stage_->boot.proxy_reply_port) return;
  const bool has_file = !reply->message.file.empty() || dhcp::bootfile_name(reply->message).has_value();
  if (pxe_discovery_) {
    // The ACK must echo the boot item asked for (PXE 2.1 §2.2.6; iPXE checks it, FW-19).
    if (!reply->pxe || !reply->pxe->boot_item || reply->pxe->boot_item->type != pxe_item_->type) return;
  } else if (!has_file && !reply->pxe10()) {
    return;  // FW-16: the reply needs a boot file or PXE10 options
  }
  pxe_reply_ = std::move(*reply);
  outcome_.timeline.proxy_ack = now;
  disarm(ctx);
  if (pxe_discovery_) {
    begin_boot(ctx, now);
  } else {
    after_boot_info(ctx, now);
  }
}

void PxeClient::expired_proxy(sim::AgentContext& ctx, sim::Time now) {
  const auto& timeouts = pxe_discovery_ ? stage_->boot.discovery_timeouts : stage_->boot.proxy_timeouts;
  if (++pxe_round_ >= std::max<std::size_t>(timeouts.size(), 1)) {
    pxe_round_ = 0;
    if (++pxe_target_ >= pxe_targets_.size()) {
      if (pxe_optional_) {  // iPXE gives up on the proxy and boots from what it has
        after_boot_info(ctx, now);
        return;
      }
      fail(ctx, now, pxe_discovery_ ? "discovery_failed" : "no_proxy_reply", sent_last(now, last_sent_what_));
      return;
    }
    pxe_xid_ = static_cast<std::uint32_t>(rng_.next());
  }
  send_pxe_request(ctx, now);
}

const Offer* PxeClient::pxe_packet() const {
  if (pxe_reply_) return &*pxe_reply_;
  if (selection_ && selection_->source == BootInfoSource::kProxyOffer && !proxy_offers_.empty()) {
    return &proxy_offers_.front();
  }
  return ack_ ? &*ack_ : nullptr;
}

std::vector<const Offer*> PxeClient::boot_packets() const {
  std::vector<const Offer*> packets;
  if (ack_) packets.push_back(&*ack_);
  if (selection_ && selection_->source == BootInfoSource::kProxyOffer && !proxy_offers_.empty()) {
    packets.push_back(&proxy_offers_.front());
  }
  if (pxe_reply_) packets.push_back(&*pxe_reply_);
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
      set_state(ctx, now, State::kMenu);
      return;
    }
    if (menu == MenuPolicy::kIpxe && p->pxe->boot_menu && !use_file) {
      set_state(ctx, now, State::kMenu);
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

void PxeClient::discover_boot_server(sim::AgentContext& ctx, sim::Time now, std::uint16_t type) {
  const dhcp::PxeVendorOptions& pxe = *pxe_packet()->pxe;
  const std::uint8_t control = pxe.discovery_control.value_or(0);
  std::vector<PxeTarget> targets;
  const bool edk2 = stage_->boot.menu == MenuPolicy::kEdk2;
  if (!(control & dhcp::discovery::kNoMulticast)) {
    if (pxe.discovery_mcast_addr) {
      targets.push_back(PxeTarget{{*pxe.discovery_mcast_addr, kPxePort}, false});
    } else if (edk2) {
      // FW-19: multicast to 0.0.0.0 fails with INVALID_PARAMETER; nothing is sent.
      fail(ctx, now, "discovery_failed",
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
    fail(ctx, now, "discovery_failed",
         DecidingFrame{now, false, pxe_packet()->frame, "no discovery method for boot server type " + std::to_string(type)});
    return;
  }
  start_pxe_requests(ctx, now, std::move(targets), dhcp::BootItem{type, 0}, true);
}

// ---- boot: TFTP and loaders -------------------------------------------------------

void PxeClient::begin_boot(sim::AgentContext& ctx, sim::Time now) {
  target_ = boot_target(*stage_, boot_packets());
  outcome_.boot_file = target_.file;
  if (target_.boot_file_size) expected_size_ = std::uint64_t{*target_.boot_file_size} * 512;  // FW-12
  if (!target_.server) {
    if (stage_->failures.contains("no_server")) {
      fail(ctx, now, "no_server", DecidingFrame{ack_->time, false, ack_->frame, "no siaddr and no server identifier"});
      return;
    }
    target_.server = wire::Ipv4Address::any();  // FW-37: the ROM asks 0.0.0.0 and times out
  }
  outcome_.boot_server = *target_.server;
  if (stage_->loader.policy == LoaderPolicy::kUbootPxe) {  // U-Boot: `pxe get` straight after DHCP
    run_loader(ctx, now);
    return;
  }
  if (target_.file.empty()) {
    const Offer* last = boot_packets().back();
    fail(ctx, now, "no_bootfile", DecidingFrame{last->time, false, last->frame, "no file field and no option 67"});
    return;
  }
  const TftpRules& t = stage_->tftp;
  FileRef ref{*target_.server, target_.file};
  if (t.tsize_probe && !(t.skip_probe_with_option13 && target_.boot_file_size)) {
    fetch(ctx, now, Fetch{Purpose::kProbe, ref, "nbp"});  // FW-23
  } else {
    fetch(ctx, now, Fetch{Purpose::kNbp, ref, "nbp"});
  }
}

void PxeClient::fetch(sim::AgentContext& ctx, sim::Time now, Fetch f) {
  const TftpRules& rules = stage_->tftp;
  TftpDownloadSpec spec;
  spec.file = f.ref.path;
  spec.server = f.ref.server;
  for (const auto& o : rules.options) {
    // FW-23: the probe asks tsize; the real read after a probe does not.
    if (f.purpose != Purpose::kProbe && rules.tsize_probe && lower(o.name) == "tsize") continue;
    spec.options.push_back(o);
  }
  spec.probe_only = f.purpose == Purpose::kProbe;
  spec.hash_cache = hash_cache_;
  if (f.purpose == Purpose::kConfigTry) {
    spec.keep = TftpDownloadSpec::Keep::kAll;
  } else if (f.purpose == Purpose::kScriptTarget ||
             (f.purpose == Purpose::kNbp && stage_->loader.policy == LoaderPolicy::kIpxeScript)) {
    spec.keep = TftpDownloadSpec::Keep::kIfScript;
  }
  // A new port per transfer (RFC 1350 §4), from the firmware's range.
  for (int attempt = 0; attempt < 16; ++attempt) {
    // Never a boot protocol's well-known port: a real U-Boot may draw 4011 from its
    // 1024-4095 range, but every analyser (Wireshark too) would then read DHCP there.
    spec.local_port = *random_port(rng_, rules.source_ports);
    const bool reserved = spec.local_port == kServerPort || spec.local_port == kClientPort ||
                          spec.local_port == kPxePort || spec.local_port == 69;
    if (!reserved && spec.local_port != stage_->boot.proxy_source_port && ctx.bind_port(spec.local_port).ok()) {
      break;
    }
    spec.local_port = 0;
  }
  if (spec.local_port == 0) {
    fail(ctx, now, "loader_failed", DecidingFrame{now, false, std::nullopt, "no free UDP port for TFTP"});
    return;
  }
  current_fetch_ = std::move(f);
  download_ = std::make_unique<TftpDownload>(rules, std::move(spec));
  if (!outcome_.timeline.tftp_start) outcome_.timeline.tftp_start = now;
  set_state(ctx, now, State::kTftp);
}

void PxeClient::enter_tftp(sim::AgentContext& ctx, sim::Time now) {
  download_->start(ctx, now);
  last_sent_at_ = now;
  last_sent_what_ = "TFTP RRQ " + download_->spec().file + " to " + download_->spec().server.to_string();
  arm(ctx, download_->deadline());
}

void PxeClient::rx_tftp(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  if (!download_->on_datagram(ctx, now, d)) return;
  if (download_->finished()) {
    download_done(ctx, now);
  } else if (download_->deadline() < timer_at_) {
    arm(ctx, download_->deadline());
  }
  // A later deadline (progress) needs no new timer: the old one re-arms when it fires.
}

void PxeClient::expired_tftp(sim::AgentContext& ctx, sim::Time now) {
  if (now < download_->deadline()) {
    arm(ctx, download_->deadline());
    return;
  }
  download_->on_timeout(ctx, now);
  if (download_->finished()) {
    download_done(ctx, now);
  } else {
    arm(ctx, download_->deadline());
  }
}

void PxeClient::download_done(sim::AgentContext& ctx, sim::Time now) {
  std::unique_ptr<TftpDownload> dl = std::move(download_);
  ctx.unbind_port(dl->spec().local_port);
  outcome_.retransmissions.tftp += dl->retransmissions();
  outcome_.timeline.tftp_end = now;
  const Fetch f = std::move(*current_fetch_);
  current_fetch_.reset();
  const bool complete = dl->status() == TftpDownloadStatus::kComplete;
  switch (f.purpose) {
    case Purpose::kProbe:
      if (!complete) return fail_download(ctx, now, *dl);
      if (dl->tsize()) {
        expected_size_ = dl->tsize();
      } else if (stage_->tftp.needs_tsize && !target_.boot_file_size) {
        // FW-24: no size from the OACK (or a DATA reply) and no option 13.
        return fail(ctx, now, "no_tsize",
                    DecidingFrame{dl->deciding_time(), false, dl->deciding_frame(),
                                  dl->got_oack() ? "OACK without tsize" : "DATA instead of an OACK"});
      }
      return fetch(ctx, now, Fetch{Purpose::kNbp, f.ref, "nbp"});
    case Purpose::kNbp:
      if (!complete) return fail_download(ctx, now, *dl);
      return nbp_loaded(ctx, now, *dl);
    case Purpose::kLdlinux:
      if (!complete) {
        return fail(ctx, now, "loader_failed",
                    DecidingFrame{dl->deciding_time(), false, dl->deciding_frame(), "cannot load " + f.ref.path});
      }
      record_image(*dl, "file");
      return next_config(ctx, now);
    case Purpose::kConfigTry:
      if (dl->status() == TftpDownloadStatus::kServerError && dl->error_code() == 1) return next_config(ctx, now);
      if (!complete) return fail_download(ctx, now, *dl);
      return config_loaded(ctx, now, *dl);
    case Purpose::kStage2File:
      if (!complete) return fail_download(ctx, now, *dl);
      record_image(*dl, f.kind);
      return fetch_next_stage2_file(ctx, now);
    case Purpose::kScriptFetch:
      if (!complete) return fail_download(ctx, now, *dl);
      record_image(*dl, "file");
      script_fetched_image_ = true;
      return next_script_step(ctx, now);
    case Purpose::kScriptTarget:
      if (!complete) return fail_download(ctx, now, *dl);
      if (is_ipxe_script(std::string_view(reinterpret_cast<const char*>(dl->content().data()), dl->content().size()))) {
        record_image(*dl, "ipxe-script");
        return run_script(ctx, now, dl->content(), f.ref);
      }
      record_image(*dl, "nbp");
      return binary_loaded(ctx, now, f.ref.path);
  }
}

void PxeClient::fail_download(sim::AgentContext& ctx, sim::Time now, const TftpDownload& dl) {
  const std::string& file = dl.spec().file;
  switch (dl.status()) {
    case TftpDownloadStatus::kOpenTimeout: {
      DecidingFrame d{dl.started(), true, std::nullopt, "TFTP RRQ " + file + " to " + dl.spec().server.to_string()};
      fail(ctx, now, ctx.resolution_failed(dl.spec().server) ? "arp_timeout" : "tftp_open_timeout", d);
      return;
    }
    case TftpDownloadStatus::kTimeout:
      fail(ctx, now, "tftp_timeout",
           DecidingFrame{dl.deciding_time(), false, dl.deciding_frame(),
                         "TFTP " + file + " stalled after " + std::to_string(dl.size()) + " octets"});
      return;
    case TftpDownloadStatus::kServerError: {
      const char* reason = dl.error_code() == 1 ? "tftp_not_found" : dl.error_code() == 2 ? "tftp_access" : "tftp_error";
      fail(ctx, now, reason,
           DecidingFrame{dl.deciding_time(), false, dl.deciding_frame(),
                         "TFTP ERROR " + std::to_string(dl.error_code()) + " '" + dl.error_message() + "' for " + file});
      return;
    }
    case TftpDownloadStatus::kRefused:
      fail(ctx, now, "oack_refused",
           DecidingFrame{dl.deciding_time(), false, dl.deciding_frame(), "OACK for " + file + " refused: " + dl.error_message()});
      return;
    case TftpDownloadStatus::kTooLarge:
      fail(ctx, now, "bad_image", DecidingFrame{dl.deciding_time(), false, dl.deciding_frame(), file + " is too large"});
      return;
    case TftpDownloadStatus::kRunning:
    case TftpDownloadStatus::kComplete:
      break;
  }
}

void PxeClient::record_image(const TftpDownload& dl, const std::string& kind) {
  LoadedImage img;
  img.name = dl.spec().file;
  img.size = dl.size();
  img.tsize = dl.tsize();
  img.sha256 = dl.sha256();
  img.kind = kind;
  img.server = dl.spec().server;
  img.started = dl.started();
  img.finished = dl.finished_at();
  bytes_loaded_ += dl.size();
  outcome_.images.push_back(std::move(img));
}

void PxeClient::nbp_loaded(sim::AgentContext& ctx, sim::Time now, const TftpDownload& dl) {
  const std::string& name = dl.spec().file;
  DecidingFrame last{dl.deciding_time(), false, dl.deciding_frame(), "last DATA of " + name};
  const std::optional<std::uint64_t> announced = dl.tsize() ? dl.tsize() : expected_size_;
  if (announced && *announced != dl.size()) {
    last.what = name + ": " + std::to_string(dl.size()) + " octets arrived, " + std::to_string(*announced) + " announced";
    return fail(ctx, now, "bad_image", last);
  }
  if (dl.size() == 0) {
    last.what = name + " is empty";
    return fail(ctx, now, "bad_image", last);
  }
  const bool floppy = is_floppy_name(name) || dl.size() == 1474560;
  if (floppy) {
    const wire::Bytes& h = dl.head();
    if (h.size() < 512 || h[510] != 0x55 || h[511] != 0xaa) {
      last.what = name + ": no 0x55AA boot signature at offset 510";
      return fail(ctx, now, "bad_image", last);
    }
  }
  const wire::Bytes& content = dl.content();
  if (stage_->loader.policy == LoaderPolicy::kIpxeScript &&
      is_ipxe_script(std::string_view(reinterpret_cast<const char*>(content.data()), content.size()))) {
    record_image(dl, "ipxe-script");
    return run_script(ctx, now, content, FileRef{dl.spec().server, name});
  }
  record_image(dl, floppy ? "floppy" : "nbp");
  outcome_.images.back().tsize = announced;  // from the probe (FW-23) or option 13, if not this RRQ
  binary_loaded(ctx, now, name);
}

void PxeClient::binary_loaded(sim::AgentContext& ctx, sim::Time now, const std::string& name) {
  auto next = stage_->stage2.find(lower(basename_of(name)));
  if (next != stage_->stage2.end()) return chain_to(ctx, now, next->second);
  booted(ctx, now, "NBP " + name + " loaded and started");
}

void PxeClient::chain_to(sim::AgentContext& ctx, sim::Time now, const std::string& id) {
  auto it = set_.find(id);
  if (it == set_.end()) {
    return fail(ctx, now, "unsupported", DecidingFrame{now, false, std::nullopt, "no personality '" + id + "'"});
  }
  if (++chain_count_ > it->second.loader.max_chain) {
    return fail(ctx, now, "chain_loop",
                DecidingFrame{now, false, std::nullopt,
                              std::to_string(chain_count_ - 1) + " chained loads of " + id + ": " + outcome_.boot_file});
  }
  const std::string nbp = outcome_.boot_file;
  stage_ = &it->second;
  if (stage_->loader.start == LoaderStart::kNewDhcp) {
    chainloaded_ = true;  // FW-44: iPXE asks again, with its own identity
    set_state(ctx, now, State::kDiscover);
    return;
  }
  target_ = boot_target(*stage_, boot_packets());  // FW-15: the loader reads the cached packets itself
  if (!target_.server) target_.server = outcome_.boot_server;
  if (target_.file.empty()) target_.file = nbp;
  run_loader(ctx, now);
}

void PxeClient::run_loader(sim::AgentContext& ctx, sim::Time now) {
  const wire::Ipv4Address ip = outcome_.address.value_or(wire::Ipv4Address::any());
  switch (stage_->loader.policy) {
    case LoaderPolicy::kPxelinux:
      prefix_ = path_prefix(target_.path_prefix, target_.file);
      config_names_ = pxelinux_config_names(prefix_, target_.config_file, machine_guid(*rom_, outcome_.mac),
                                            outcome_.mac, ip);
      config_index_ = 0;
      if (stage_->loader.fetch_ldlinux) {
        return fetch(ctx, now, Fetch{Purpose::kLdlinux, FileRef{*target_.server, prefix_ + "ldlinux.c32"}, "file"});
      }
      return next_config(ctx, now);
    case LoaderPolicy::kUbootPxe:
      prefix_ = path_prefix(std::nullopt, target_.file);
      config_names_ = uboot_config_names(prefix_, target_.config_file, machine_guid(*stage_, outcome_.mac),
                                         outcome_.mac, ip, stage_->loader.arch_soc_board);
      config_index_ = 0;
      return next_config(ctx, now);
    case LoaderPolicy::kIpxeScript:
    case LoaderPolicy::kNone:
      return booted(ctx, now, "loader " + stage_->id + " started");
  }
}

void PxeClient::next_config(sim::AgentContext& ctx, sim::Time now) {
  if (config_index_ >= config_names_.size()) {
    return fail(ctx, now, "no_config",
                DecidingFrame{last_sent_at_, true, std::nullopt,
                              "tried " + std::to_string(config_names_.size()) + " names, the last " +
                                  (config_names_.empty() ? std::string("-") : config_names_.back())});
  }
  const std::string name = config_names_[config_index_++];
  fetch(ctx, now, Fetch{Purpose::kConfigTry, FileRef{*target_.server, name}, "pxelinux-config"});
}

void PxeClient::config_loaded(sim::AgentContext& ctx, sim::Time now, const TftpDownload& dl) {
  const wire::Bytes& c = dl.content();
  DecidingFrame last{dl.deciding_time(), false, dl.deciding_frame(), dl.spec().file};
  auto config = parse_loader_config(std::string_view(reinterpret_cast<const char*>(c.data()), c.size()));
  if (!config) {
    last.what = dl.spec().file + ": " + config.error().message;
    return fail(ctx, now, "bad_image", last);
  }
  record_image(dl, "pxelinux-config");
  for (const auto& s : config->say) outcome_.console.push_back(s);
  auto action = default_action(*config);
  if (!action) {
    last.what = dl.spec().file + ": " + action.error().message;
    return fail(ctx, now, "loader_failed", last);
  }
  if (action->local_boot) {
    return local_boot(ctx, now, dl.spec().file + ": label " + action->label + " is LOCALBOOT");
  }
  stage2_files_.clear();
  for (const auto& f : action->files) {
    auto ref = resolve_file_ref(f, *target_.server, prefix_);
    if (!ref) {
      last.what = ref.error().message;
      return fail(ctx, now, "unsupported", last);
    }
    stage2_files_.push_back(Fetch{Purpose::kStage2File, *ref, "file"});
  }
  std::reverse(stage2_files_.begin(), stage2_files_.end());  // popped from the back, in order
  fetch_next_stage2_file(ctx, now);
}

void PxeClient::fetch_next_stage2_file(sim::AgentContext& ctx, sim::Time now) {
  if (stage2_files_.empty()) {
    const LoadedImage& last = outcome_.images.back();
    return booted(ctx, now, "loader fetched its files, the last " + last.name);
  }
  Fetch f = std::move(stage2_files_.back());
  stage2_files_.pop_back();
  fetch(ctx, now, std::move(f));
}

std::string PxeClient::expand(std::string_view text, sim::AgentContext& ctx) const {
  std::string out;
  while (!text.empty()) {
    auto start = text.find("${");
    if (start == std::string_view::npos) break;
    auto end = text.find('}', start);
    if (end == std::string_view::npos) break;
    out.append(text.substr(0, start));
    const std::string_view var = text.substr(start + 2, end - start - 2);
    if (var == "next-server" || var == "net0/next-server") {
      out += target_.server ? target_.server->to_string() : std::string("0.0.0.0");
    } else if (var == "mac" || var == "net0/mac") {
      out += ctx.mac().to_string();
    } else if (var == "ip" || var == "net0/ip") {
      out += outcome_.address ? outcome_.address->to_string() : std::string("0.0.0.0");
    } else if (var == "filename") {
      out += target_.file;
    } else {
      out.append(text.substr(start, end - start + 1));
    }
    text.remove_prefix(end + 1);
  }
  out.append(text);
  return out;
}

void PxeClient::run_script(sim::AgentContext& ctx, sim::Time now, const wire::Bytes& content, const FileRef& from) {
  auto steps = parse_ipxe_script(std::string_view(reinterpret_cast<const char*>(content.data()), content.size()));
  if (!steps) {
    return fail(ctx, now, "bad_image", DecidingFrame{now, false, std::nullopt, steps.error().message});
  }
  script_ = std::move(*steps);
  script_step_ = 0;
  script_base_ = FileRef{from.server, dirname_of(from.path)};
  script_fetched_image_ = false;
  next_script_step(ctx, now);
}

void PxeClient::next_script_step(sim::AgentContext& ctx, sim::Time now) {
  while (script_step_ < script_.size()) {
    const IpxeStep step = script_[script_step_++];
    const std::string arg = expand(step.arg, ctx);
    switch (step.kind) {
      case IpxeStep::Kind::kEcho: outcome_.console.push_back(arg); continue;
      case IpxeStep::Kind::kExit: return local_boot(ctx, now, "iPXE script: " + arg);
      case IpxeStep::Kind::kBoot:
        if (!script_fetched_image_) {
          return fail(ctx, now, "loader_failed", DecidingFrame{now, false, std::nullopt, "iPXE boot with no image"});
        }
        return booted(ctx, now, "iPXE script booted " + outcome_.images.back().name);
      case IpxeStep::Kind::kFetch:
      case IpxeStep::Kind::kChain: {
        auto ref = resolve_file_ref(arg, script_base_.server, script_base_.path);
        if (!ref) return fail(ctx, now, "unsupported", DecidingFrame{now, false, std::nullopt, ref.error().message});
        const bool chain = step.kind == IpxeStep::Kind::kChain;
        if (chain) outcome_.boot_file = ref->path;
        return fetch(ctx, now, Fetch{chain ? Purpose::kScriptTarget : Purpose::kScriptFetch, *ref, "file"});
      }
    }
  }
  fail(ctx, now, "loader_failed", DecidingFrame{now, false, std::nullopt, "iPXE script ended without booting"});
}

// ---- outcomes -----------------------------------------------------------------------

DecidingFrame PxeClient::received(const sim::Datagram& d, sim::Time now, std::string what) const {
  DecidingFrame f{now, false, std::nullopt, std::move(what)};
  if (d.frame != sim::kNoFrameNumber) f.frame = d.frame;
  return f;
}

DecidingFrame PxeClient::sent_last(sim::Time, std::string what) const {
  return DecidingFrame{last_sent_at_, true, std::nullopt, std::move(what)};
}

void PxeClient::booted(sim::AgentContext& ctx, sim::Time now, std::string what) {
  outcome_.status = BootStatus::kBooted;
  outcome_.text = std::move(what);
  done(ctx, now);
}

void PxeClient::local_boot(sim::AgentContext& ctx, sim::Time now, std::string what) {
  outcome_.status = BootStatus::kLocalBoot;
  outcome_.text = std::move(what);
  done(ctx, now);
}

void PxeClient::fail(sim::AgentContext& ctx, sim::Time now, std::string_view reason, DecidingFrame decided) {
  Failure f = failure_for(*stage_, reason);
  outcome_.status = BootStatus::kFailed;
  outcome_.code = std::move(f.code);
  outcome_.text = std::move(f.text);
  if (decided.frame && *decided.frame == sim::kNoFrameNumber) decided.frame.reset();
  outcome_.decided_by = std::move(decided);
  done(ctx, now);
}

void PxeClient::done(sim::AgentContext& ctx, sim::Time now) {
  outcome_.timeline.done = now;
  const auto& tl = outcome_.timeline;
  if (tl.tftp_start && tl.tftp_end && *tl.tftp_end > *tl.tftp_start) {
    outcome_.throughput_bps = static_cast<double>(bytes_loaded_) * 8 / sim::to_seconds(*tl.tftp_end - *tl.tftp_start);
  }
  set_state(ctx, now, State::kDone);
  if (on_finished_) on_finished_(*this);
}

void PxeClient::end_of_run(sim::Time) {
  if (finished()) return;
  Failure f = failure_for(*stage_, "deadline");
  outcome_.status = BootStatus::kPending;
  outcome_.code = std::move(f.code);
  outcome_.text = std::move(f.text) + " (in state " + std::string(state_name()) + ")";
  outcome_.decided_by = DecidingFrame{last_sent_at_, true, std::nullopt, last_sent_what_};
}

}  // namespace pxelab::client
