#include "client/pxe_client.h"

#include <algorithm>

#include "client/failure.h"

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

// The state table, in State order (= StateData's alternatives).
const PxeClient::StateOps PxeClient::kStates[] = {
    {"off", PXELAB_ENTER(enter_nothing), PXELAB_RX(rx_ignore), PXELAB_ENTER(expired_nothing)},
    {"discover", PXELAB_ENTER(enter_discover), PXELAB_RX(rx_discover), PXELAB_ENTER(expired_discover)},
    {"request", PXELAB_ENTER(enter_request), PXELAB_RX(rx_request), PXELAB_ENTER(expired_request)},
    {"proxy-request", PXELAB_ENTER(enter_proxy), PXELAB_RX(rx_proxy), PXELAB_ENTER(expired_proxy)},
    {"menu", PXELAB_ENTER(enter_menu), PXELAB_RX(rx_ignore), PXELAB_ENTER(expired_menu)},
    {"boot-server-discovery", PXELAB_ENTER(enter_discovery), PXELAB_RX(rx_discovery), PXELAB_ENTER(expired_discovery)},
    {"tftp", PXELAB_ENTER(enter_tftp), PXELAB_RX(rx_tftp), PXELAB_ENTER(expired_tftp)},
    {"done", PXELAB_ENTER(enter_nothing), PXELAB_RX(rx_ignore), PXELAB_ENTER(expired_nothing)},
};

#undef PXELAB_ENTER
#undef PXELAB_RX

PxeClient::PxeClient(const PersonalitySet& set, const Personality& rom, std::uint64_t seed, std::string name)
    : set_(set), rom_(&rom), stage_(&rom), rng_(seed) {
  outcome_.name = std::move(name);
  outcome_.personality = rom.id;
}

PxeClient::~PxeClient() = default;

std::string_view PxeClient::state_name() const { return kStates[state_.index()].name; }

// ---- Agent -----------------------------------------------------------------------

void PxeClient::start(sim::AgentContext& ctx, sim::Time now) {
  outcome_.mac = ctx.mac();
  outcome_.timeline.power_on = now;
  if (!ctx.bind_port(kClientPort, sim::AgentContext::PortFilter::kBootReplyToMe).ok()) {
    // Nothing can reach the ROM: its DISCOVERs go out and every reply is lost, so it
    // ends as a ROM on a dead wire does (PXE-E51 after its retries).
  }
  set_state(ctx, now, Discovering{});
}

void PxeClient::on_datagram(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  kStates[state_.index()].rx(*this, ctx, now, d);
}

void PxeClient::on_timer(sim::AgentContext& ctx, sim::Time now, std::uint64_t tag) {
  if (tag != timer_generation_ || !timer_set_) return;  // a timer since replaced
  timer_set_ = false;
  timer_at_ = sim::kNever;
  kStates[state_.index()].expired(*this, ctx, now);
}

void PxeClient::set_state(sim::AgentContext& ctx, sim::Time now, StateData next) {
  static_assert(std::variant_size_v<StateData> == std::size(kStates), "one StateData alternative per table row");
  state_ = std::move(next);
  kStates[state_.index()].enter(*this, ctx, now);
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

// ---- the transmit path and the reply filter ---------------------------------------

void PxeClient::transmit(sim::AgentContext& ctx, sim::Time now, const sim::OutgoingDatagram& d, std::string what) {
  if (!ctx.send(d).ok()) {
    // Larger than the link's MTU: lost as on a real wire. The state's timer resends or
    // gives up, and the outcome cites this datagram as the last one sent.
  }
  last_sent_at_ = now;
  last_sent_what_ = std::move(what);
}

bool PxeClient::xid_matches(std::uint32_t xid) const {
  if (xid == session_.xid) return true;
  const std::size_t n = stage_->identity.accept_previous_xids;
  const auto& old = session_.old_xids;
  for (std::size_t i = 0; i < old.size() && i < n; ++i) {
    if (old[old.size() - 1 - i] == xid) return true;
  }
  return false;
}

// Read off the raw octets first: in a storm every client hears every other client's
// broadcast replies (RFC 2131 §4.1), and most are not for it.
std::optional<Offer> PxeClient::accept_reply(const sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d,
                                             std::uint16_t port, std::uint32_t xid, bool recent) const {
  if (d.dst.port != port) return std::nullopt;
  const wire::ByteView b = d.payload;
  if (b.size() < dhcp::kFixedHeaderSize || b[dhcp::kOpOffset] != dhcp::kBootReply) return std::nullopt;
  if (!std::equal(ctx.mac().octets.begin(), ctx.mac().octets.end(), b.begin() + dhcp::kChaddrOffset)) return std::nullopt;
  const std::uint32_t got = wire::load_be32(&b[dhcp::kXidOffset]);
  if (recent ? !xid_matches(got) : got != xid) return std::nullopt;
  auto offer = read_offer(*stage_, d, now);
  if (!offer || offer->message.mac() != ctx.mac()) return std::nullopt;
  if (recent ? !xid_matches(offer->message.xid) : offer->message.xid != xid) return std::nullopt;
  return std::move(*offer);
}

// ---- outcomes -----------------------------------------------------------------------

DecidingFrame PxeClient::received(const sim::Datagram& d, sim::Time now, std::string what) const {
  DecidingFrame f{now, false, std::nullopt, std::move(what)};
  if (d.frame != sim::kNoFrameNumber) f.frame = d.frame;
  return f;
}

DecidingFrame PxeClient::sent_last(std::string what) const {
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

void PxeClient::fail(sim::AgentContext& ctx, sim::Time now, FailureReason reason, DecidingFrame decided) {
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
  set_state(ctx, now, Done{});
  if (on_finished_) on_finished_(*this);
}

void PxeClient::end_of_run(sim::Time) {
  if (finished()) return;
  Failure f = failure_for(*stage_, FailureReason::kDeadline);
  outcome_.status = BootStatus::kPending;
  outcome_.code = std::move(f.code);
  outcome_.text = std::move(f.text) + " (in state " + std::string(state_name()) + ")";
  outcome_.decided_by = DecidingFrame{last_sent_at_, true, std::nullopt, last_sent_what_};
}

}  // namespace pxelab::client
