// Step 6 of a run: the scenario's [[event]]s on the clock. Link events change the
// loss of every attachment of their target (a server's current port, each of a
// relay's interfaces, each client of a group); server events stop and start a server
// through ScenarioServer. A server that does not come back is a RunError: the run
// reports it as an unmet expectation rather than carrying on as if it had. An event
// with a cron schedule fires at each of its matches inside the run (the [clock] gives
// the wall time at t = 0). Every action carried out is logged (RunWorld::actions).
#include <cmath>
#include <map>
#include <memory>

#include <fmt/core.h>

#include "conformance/scenario/scenario_steps.h"

namespace pxelab::conformance {

namespace {

using SegmentPort = std::pair<std::size_t, sim::PortIndex>;

// Appends what `e` did now to the run's log, with the wall time when the scenario has
// a [clock] (in the event's own zone for a cron event).
void log_action(const Scenario& s, RunWorld& w, const EventSpec& e, std::string detail) {
  RunAction a;
  a.at = sim::to_seconds(w.network.clock().now());
  a.action = std::string(to_string(e.action));
  a.target = e.target;
  a.trigger = e.schedule ? e.schedule->describe() : fmt::format("at {} s", e.at);
  if (s.clock) {
    const sim::TimeZone& zone = e.schedule ? e.schedule->zone : s.clock->zone;
    a.wall = zone.describe(s.clock->start_utc + static_cast<sim::UnixSeconds>(std::floor(a.at)));
  }
  a.detail = std::move(detail);
  w.actions.push_back(std::move(a));
}

// Every attachment of `target` now (a restarted server has a new port).
std::vector<SegmentPort> ports_of(const Scenario& s, RunWorld& w, const std::string& target) {
  std::vector<SegmentPort> out;
  for (auto& sv : w.servers) {
    if (sv.spec->name != target) continue;
    const ServerReport r = sv.server->report();
    if (!r.instances.empty()) out.emplace_back(sv.segment, r.instances.back().port);
  }
  for (auto& r : w.relays) {
    if (r.spec->name == target) out.insert(out.end(), r.ports.begin(), r.ports.end());
  }
  for (auto& cl : w.clients) {
    if (s.clients[cl.group].name == target) out.emplace_back(cl.segment, cl.port);
  }
  return out;
}

void schedule_server_event(const Scenario& s, RunWorld& w, const EventSpec& e) {
  const bool stop = e.action == EventAction::kServerStop;
  w.network.clock().at(sim::from_seconds(e.at), [&s, &w, e, stop] {
    for (auto& sv : w.servers) {
      if (sv.spec->name != e.target) continue;
      if (stop) {
        sv.server->stop();
        log_action(s, w, e, "stopped");
      } else if (auto st = sv.server->start(); !st) {
        w.errors.push_back({fmt::format("server '{}' starts again at {} s", e.target, e.at), st.error().to_string()});
        log_action(s, w, e, "failed to start: " + st.error().to_string());
      } else {
        log_action(s, w, e, "started");
      }
    }
  });
}

void schedule_link_event(const Scenario& s, RunWorld& w, const EventSpec& e) {
  // The loss each link was configured with: what link-up restores.
  std::vector<double> configured_loss;
  for (const auto& [seg, port] : ports_of(s, w, e.target)) {
    configured_loss.push_back(w.network.segment(seg).link_params(port).loss);
  }
  w.network.clock().at(sim::from_seconds(e.at), [&s, &w, e, configured_loss] {
    std::size_t i = 0;
    for (const auto& seg_port : ports_of(s, w, e.target)) {
      sim::Segment& segment = w.network.segment(seg_port.first);
      const auto port = seg_port.second;  // a named copy: clang cannot capture structured bindings
      sim::LinkParams p = segment.link_params(port);
      const sim::LinkParams before = p;
      const double configured = i < configured_loss.size() ? configured_loss[i] : 0.0;
      ++i;
      if (e.action == EventAction::kLinkDown) p.loss = 1.0;
      if (e.action == EventAction::kLinkUp) p.loss = configured;
      if (e.action == EventAction::kLoss) p.loss = e.loss;
      segment.set_link_params(port, p);
      log_action(s, w, e, fmt::format("loss {} on {}", p.loss, segment.port_name(port)));
      if (e.action == EventAction::kLoss && e.duration > 0) {
        w.network.clock().after(sim::from_seconds(e.duration), [&segment, port, before] {
          sim::LinkParams q = segment.link_params(port);
          q.loss = before.loss;
          segment.set_link_params(port, q);
        });
      }
    }
  });
}

// Every client of the group gets `mode` on the group's host.server, or (target a
// server, `group` set) the server's [[group]] does; each change is in that server's
// log. A server that cannot (or a MAC or group it does not know) is a RunError.
// Returns how many host entries (or groups) changed.
std::size_t apply_boot_mode(const Scenario& s, RunWorld& w, const EventSpec& e, server::BootMode mode) {
  std::size_t changed = 0;
  auto apply = [&](ScenarioServer& server, const BootModeTarget& target) {
    if (auto st = server.set_boot_mode(target, mode); !st) {
      w.errors.push_back({fmt::format("boot-mode {} for '{}' at {} s", server::to_string(mode), e.target, e.at), st.error().to_string()});
    } else {
      ++changed;
    }
  };
  if (!e.group.empty()) {
    for (auto& sv : w.servers) {
      if (sv.spec->name == e.target) apply(*sv.server, BootModeTarget{std::nullopt, e.group});
    }
    return changed;
  }
  for (auto& cl : w.clients) {
    const ClientSpec& group = s.clients[cl.group];
    if (group.name != e.target || !group.host) continue;
    for (auto& sv : w.servers) {
      if (sv.spec->name == group.host->server) apply(*sv.server, BootModeTarget{cl.mac, ""});
    }
  }
  return changed;
}

void schedule_boot_mode_event(const Scenario& s, RunWorld& w, const EventSpec& e) {
  w.network.clock().at(sim::from_seconds(e.at), [&s, &w, e] {
    const std::size_t n = apply_boot_mode(s, w, e, e.mode);
    log_action(s, w, e, fmt::format("{} host entries set to boot {}", n, server::to_string(e.mode)));
  });
}

// The administrator's console that sends wake events' magic packets: a port on the
// target group's segment that receives nothing (a sender only).
class WakeSender final : public sim::Port {
 public:
  void receive(const sim::FrameView&) override {}
};

// The sender's identity on the wire: locally administered "wake" MAC, TEST-NET address.
constexpr wire::MacAddress kWakeMac{{0x02, 0x77, 0x61, 0x6b, 0x65, 0x01}};

// Where a wake event's console sends from: a segment and the destination MAC (the
// broadcast, or the router on that segment when the address is a directed broadcast
// beyond it: the packet is routed, RFC 1812 §5.3.5.2).
struct WakePath {
  std::size_t segment = 0;
  wire::MacAddress dst_mac = wire::MacAddress::broadcast();
  wire::Ipv4Address dst_ip = wire::Ipv4Address::from_octets(255, 255, 255, 255);
};

WakePath wake_path(RunWorld& w, const EventSpec& e, std::size_t segment) {
  WakePath p;
  p.segment = e.from.empty() ? segment : w.network.segment_index.at(e.from);
  if (!e.broadcast) return p;
  p.dst_ip = *e.broadcast;
  // The gateway: a router with an interface here and one whose subnet holds the address.
  for (auto& r : w.relays) {
    std::optional<wire::MacAddress> here;
    bool beyond = false;
    for (std::size_t i = 0; i < r.ports.size(); ++i) {
      const sim::RouterInterface& itf = r.router->interface(i);
      const std::uint32_t mask = ~0u << (32 - itf.prefix_length);
      const bool holds = (p.dst_ip.value & mask) == (itf.address.value & mask);
      if (r.ports[i].first == p.segment) {
        if (holds) return p;  // a directed broadcast of this very segment: an L2 broadcast
        here = itf.mac;
      } else {
        beyond = beyond || holds;
      }
    }
    if (here && beyond) {
      p.dst_mac = *here;
      return p;
    }
  }
  return p;
}

void schedule_wake_event(const Scenario& s, RunWorld& w, const EventSpec& e, std::vector<std::unique_ptr<sim::Port>>& senders) {
  // One sender per segment it sends from, attached now (before the run).
  std::map<std::size_t, std::pair<sim::Port*, WakePath>> by_segment;  // client segment -> sender, path
  std::map<std::size_t, sim::Port*> attached;                          // sending segment -> sender
  for (auto& cl : w.clients) {
    if (s.clients[cl.group].name != e.target || by_segment.count(cl.segment)) continue;
    const WakePath path = wake_path(w, e, cl.segment);
    if (!attached.count(path.segment)) {
      senders.push_back(std::make_unique<WakeSender>());
      w.network.segment(path.segment).attach(*senders.back(), {}, "wake");
      attached[path.segment] = senders.back().get();
    }
    by_segment[cl.segment] = {attached[path.segment], path};
  }
  w.network.clock().at(sim::from_seconds(e.at), [&s, &w, e, by_segment] {
    std::string detail;
    if (e.wake_mode) {
      const std::size_t n = apply_boot_mode(s, w, e, *e.wake_mode);
      detail = fmt::format("{} host entries set to boot {}, then ", n, server::to_string(*e.wake_mode));
    }
    std::size_t sent = 0;
    std::string to;
    for (auto& cl : w.clients) {
      if (s.clients[cl.group].name != e.target) continue;
      const auto& [sender, path] = by_segment.at(cl.segment);
      wire::Bytes frame = wire::build_wol_udp_frame({kWakeMac, wire::Ipv4Address::from_octets(192, 0, 2, 250), 40000},
                                                    {path.dst_mac, path.dst_ip, wire::kWolPortDiscard},
                                                    wire::WolRepr{cl.mac, e.password});
      sender->transmit(frame);
      ++sent;
      to = path.dst_ip.to_string();
    }
    log_action(s, w, e, detail + fmt::format("{} magic packets to {}:{}", sent, to, wire::kWolPortDiscard));
  });
}

// Every client of the group power-cycles at `at` (emulated only: validated). Each
// reboot is one more outcome the run waits for.
void schedule_reboot_event(const Scenario& s, RunWorld& w, const EventSpec& e) {
  for (auto& cl : w.clients) {
    if (s.clients[cl.group].name == e.target && cl.reboot) ++w.progress.total;
  }
  w.network.clock().at(sim::from_seconds(e.at), [&s, &w, e] {
    std::size_t n = 0;
    for (std::size_t i = 0; i < w.clients.size(); ++i) {
      if (s.clients[w.clients[i].group].name == e.target && w.clients[i].reboot) {
        w.clients[i].reboot();
        ++n;
      }
    }
    log_action(s, w, e, fmt::format("{} clients power-cycled", n));
  });
}

// The instants of the run (seconds from t = 0) an event fires at: its `at`, or each
// match of its cron schedule in [0, deadline].
std::vector<double> fire_seconds(const Scenario& s, const EventSpec& e) {
  if (!e.schedule || !s.clock) return {e.at};
  std::vector<double> out;
  const sim::UnixSeconds t0 = s.clock->start_utc;
  for (sim::UnixSeconds f : e.schedule->fire_times(t0 - 1, t0 + static_cast<sim::UnixSeconds>(s.deadline))) {
    out.push_back(static_cast<double>(f - t0));
  }
  return out;
}

}  // namespace

void schedule_events(const Scenario& s, RunWorld& w) {
  for (const EventSpec& spec : s.events) {
    for (double at : fire_seconds(s, spec)) {
      EventSpec e = spec;
      e.at = at;
      if (e.action == EventAction::kServerStop || e.action == EventAction::kServerStart) {
        schedule_server_event(s, w, e);
      } else if (e.action == EventAction::kBootMode) {
        schedule_boot_mode_event(s, w, e);
      } else if (e.action == EventAction::kWake) {
        schedule_wake_event(s, w, e, w.wake_senders);
      } else if (e.action == EventAction::kReboot) {
        schedule_reboot_event(s, w, e);
      } else {
        schedule_link_event(s, w, e);
      }
    }
  }
}

}  // namespace pxelab::conformance
