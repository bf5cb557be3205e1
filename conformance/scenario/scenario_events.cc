// Step 6 of a run: the scenario's [[event]]s on the clock. Link events change the
// loss of every attachment of their target (a server's current port, each of a
// relay's interfaces, each client of a group); server events stop and start a server
// through ScenarioServer. A server that does not come back is a RunError: the run
// reports it as an unmet expectation rather than carrying on as if it had.
#include <map>
#include <memory>

#include <fmt/core.h>

#include "conformance/scenario/scenario_steps.h"

namespace pxelab::conformance {

namespace {

using SegmentPort = std::pair<std::size_t, sim::PortIndex>;

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

void schedule_server_event(RunWorld& w, const EventSpec& e) {
  const bool stop = e.action == EventAction::kServerStop;
  w.network.clock().at(sim::from_seconds(e.at), [&w, target = e.target, stop, at = e.at] {
    for (auto& sv : w.servers) {
      if (sv.spec->name != target) continue;
      if (stop) {
        sv.server->stop();
      } else if (auto st = sv.server->start(); !st) {
        w.errors.push_back({fmt::format("server '{}' starts again at {} s", target, at), st.error().to_string()});
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
void schedule_boot_mode_event(const Scenario& s, RunWorld& w, const EventSpec& e) {
  w.network.clock().at(sim::from_seconds(e.at), [&s, &w, e] {
    auto failed = [&](const Error& err) {
      w.errors.push_back({fmt::format("boot-mode {} for '{}' at {} s", server::to_string(e.mode), e.target, e.at), err.to_string()});
    };
    if (!e.group.empty()) {
      for (auto& sv : w.servers) {
        if (sv.spec->name != e.target) continue;
        if (auto st = sv.server->set_boot_mode(BootModeTarget{std::nullopt, e.group}, e.mode); !st) failed(st.error());
      }
      return;
    }
    for (auto& cl : w.clients) {
      const ClientSpec& group = s.clients[cl.group];
      if (group.name != e.target || !group.host) continue;
      for (auto& sv : w.servers) {
        if (sv.spec->name != group.host->server) continue;
        if (auto st = sv.server->set_boot_mode(BootModeTarget{cl.mac, ""}, e.mode); !st) failed(st.error());
      }
    }
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

void schedule_wake_event(const Scenario& s, RunWorld& w, const EventSpec& e, std::vector<std::unique_ptr<sim::Port>>& senders) {
  // One sender per segment the group's clients are on, attached now (before the run).
  std::map<std::size_t, sim::Port*> by_segment;
  for (auto& cl : w.clients) {
    if (s.clients[cl.group].name != e.target || by_segment.count(cl.segment)) continue;
    senders.push_back(std::make_unique<WakeSender>());
    w.network.segment(cl.segment).attach(*senders.back(), {}, "wake");
    by_segment[cl.segment] = senders.back().get();
  }
  w.network.clock().at(sim::from_seconds(e.at), [&s, &w, e, by_segment] {
    const wire::MacAddress bcast{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    for (auto& cl : w.clients) {
      if (s.clients[cl.group].name != e.target) continue;
      wire::Bytes frame = wire::build_wol_udp_frame({kWakeMac, wire::Ipv4Address::from_octets(192, 0, 2, 250), 40000},
                                                    {bcast, wire::Ipv4Address::from_octets(255, 255, 255, 255), wire::kWolPortDiscard},
                                                    wire::WolRepr{cl.mac, e.password});
      by_segment.at(cl.segment)->transmit(frame);
    }
  });
}

// Every client of the group power-cycles at `at` (emulated only: validated). Each
// reboot is one more outcome the run waits for.
void schedule_reboot_event(const Scenario& s, RunWorld& w, const EventSpec& e) {
  for (auto& cl : w.clients) {
    if (s.clients[cl.group].name == e.target && cl.reboot) ++w.progress.total;
  }
  w.network.clock().at(sim::from_seconds(e.at), [&s, &w, target = e.target] {
    for (std::size_t i = 0; i < w.clients.size(); ++i) {
      if (s.clients[w.clients[i].group].name == target && w.clients[i].reboot) w.clients[i].reboot();
    }
  });
}

}  // namespace

void schedule_events(const Scenario& s, RunWorld& w) {
  for (const EventSpec& e : s.events) {
    if (e.action == EventAction::kServerStop || e.action == EventAction::kServerStart) {
      schedule_server_event(w, e);
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

}  // namespace pxelab::conformance
