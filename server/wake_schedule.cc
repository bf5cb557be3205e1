#include "server/wake_schedule.h"

#include <algorithm>
#include <cmath>

namespace pxelab::server {

// The magic packets leave as this agent; it never receives anything.
class WakeScheduleRunner::Sender final : public sim::Agent {
 public:
  void start(sim::AgentContext&, sim::Time) override {}
  void on_datagram(sim::AgentContext&, sim::Time, const sim::Datagram&) override {}
  void on_timer(sim::AgentContext&, sim::Time, std::uint64_t) override {}
};

namespace {
// Concatenation by appends (GCC 12's -Wrestrict false positive on operator+ chains).
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (std::string_view p : parts) s += p;
  return s;
}
}  // namespace

bool hostname_matches(std::string_view p, std::string_view s) {
  // Iterative glob with one backtrack point (the last '*').
  std::size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (pi < p.size() && p[pi] == s[si]) {
      ++pi;
      ++si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

std::vector<wire::MacAddress> schedule_targets(const WakeScheduleEntry& e, const ServerConfig& c) {
  std::vector<wire::MacAddress> out;
  auto add = [&](const wire::MacAddress& m) {
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  };
  for (const auto& m : e.macs) add(m);
  if (!e.hosts.empty()) {
    for (const auto& h : c.hosts) {
      if (hostname_matches(e.hosts, h.hostname)) add(h.mac);
    }
  }
  return out;
}

WakeScheduleRunner::WakeScheduleRunner(sim::Clock& clock, BootServer& server, LogSink& log, double epoch_at_zero)
    : clock_(clock), server_(server), log_(log), epoch_(epoch_at_zero), sender_(std::make_unique<Sender>()) {}

WakeScheduleRunner::~WakeScheduleRunner() = default;

void WakeScheduleRunner::start() {
  const double now = epoch_ + sim::to_seconds(clock_.now());
  for (std::size_t i = 0; i < server_.config().schedules.size(); ++i) arm(i, now);
}

void WakeScheduleRunner::arm(std::size_t i, double after_wall) {
  const WakeScheduleEntry& e = server_.config().schedules[i];
  // Strictly after the current second: a fire at second S is "after" any instant in S.
  auto next = e.when.next_after(static_cast<sim::UnixSeconds>(std::floor(after_wall)));
  if (!next) {
    log_.line(clock_.now(), cat({"schedule[", std::to_string(i), "] ", e.when.describe(), ": no fire time ahead"}));
    return;
  }
  const sim::Time at = sim::from_seconds(static_cast<double>(*next) - epoch_);
  log_.line(clock_.now(), cat({"schedule[", std::to_string(i), "] ", e.when.describe(), ": next at ", e.when.zone.describe(*next)}));
  clock_.at(at, [this, i, when = *next] { fire(i, when); });
}

void WakeScheduleRunner::fire(std::size_t i, sim::UnixSeconds at) {
  const WakeScheduleEntry& e = server_.config().schedules[i];
  const std::vector<wire::MacAddress> targets = schedule_targets(e, server_.config());
  std::string mode_note;
  if (e.mode) {
    std::size_t changed = 0;
    for (const auto& m : targets) changed += server_.set_boot_mode(m, *e.mode).ok() ? 1 : 0;
    mode_note = cat({", after setting ", std::to_string(changed), " of them to boot ", to_string(*e.mode)});
  }
  // The limited broadcast and one of our own subnet go to ff:ff:ff:ff:ff:ff; anything
  // else to the host's next hop (a directed broadcast beyond a router).
  const wire::Ipv4Address self = server_.config().address;
  std::optional<wire::MacAddress> dst_mac;
  for (const auto& sn : server_.config().subnets) {
    const std::uint32_t mask = sn.prefix_length == 0 ? 0 : ~0u << (32 - sn.prefix_length);
    const bool own = (self.value & mask) == (sn.network.value & mask);
    if (own && (e.broadcast.value | mask) == 0xffffffffu && (e.broadcast.value & mask) == (sn.network.value & mask)) {
      dst_mac = wire::MacAddress::broadcast();
    }
  }
  if (e.broadcast.is_broadcast()) dst_mac = wire::MacAddress::broadcast();
  std::size_t sent = 0;
  for (const auto& m : targets) {
    const wire::Bytes payload = wire::WolRepr{m, e.password}.encode();
    sim::OutgoingDatagram d;
    d.src_port = 40000;
    d.dst = sim::Endpoint{e.broadcast, e.port};
    d.payload = wire::ByteView(payload.data(), payload.size());
    d.dst_mac = dst_mac;
    sent += server_.host().send(*sender_, d).ok() ? 1 : 0;
  }
  ++fired_;
  log_.line(clock_.now(), cat({"schedule[", std::to_string(i), "] ", e.when.describe(), " fired at ", e.when.zone.describe(at),
                               ": wake ", std::to_string(sent), " machines via udp ", e.broadcast.to_string(), ":",
                               std::to_string(e.port), mode_note}));
  arm(i, static_cast<double>(at));
}

}  // namespace pxelab::server
