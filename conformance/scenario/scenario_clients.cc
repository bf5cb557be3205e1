// Step 5 of a run: every client of every [[client]] group on its segment: an emulated
// ROM (a Host + the PxeClient agent of its personality), the conformance probe, or
// real firmware in a QEMU VM. Each reports to the run's progress when its outcome is
// final; power-on times are drawn from one RNG of the run's seed, in scenario order.
#include "conformance/scenario/scenario_steps.h"

#include "sim/rng.h"

namespace pxelab::conformance {

namespace {

// One client to make: who it is and where it goes.
struct ClientPlacement {
  const ClientSpec& group;
  std::uint32_t n = 1;        // its number in the group, from 1
  std::uint64_t number = 0;   // its number in the run, from 0 (its RNG stream)
  std::string name;
  wire::MacAddress mac;
  sim::LinkParams link;
  sim::Time power_on = 0;
};

void one_done(RunWorld& w) {
  RunProgress& p = w.progress;
  ++p.done;
  p.last_done = w.network.clock().now();
  if (p.done == p.total) w.network.clock().stop();
}

// A fresh Host + PxeClient for `c` on its segment: slot.host, slot.agent, slot.port.
// `boot` counts the boots of this client (its RNG stream per boot).
void make_emulated(const RunPlan& plan, RunWorld& w, const ClientPlacement& c, PlacedClient& slot, std::uint64_t boot) {
  const client::Personality& p = plan.personalities.at(c.group.personality);
  sim::HostConfig hc;
  hc.mac = c.mac;
  hc.arp.attempts = static_cast<int>(p.arp_attempts);
  hc.arp.retry_interval = p.arp_retry;
  slot.host = std::make_unique<sim::Host>(w.network.clock(), hc);
  const std::uint64_t stream = 0xc1 + c.number + (boot << 32);
  slot.agent = std::make_unique<client::PxeClient>(plan.personalities, p, sim::derive_seed(plan.seed, stream), c.name);
  slot.agent->set_on_finished([&w](const client::PxeClient&) { one_done(w); });
  slot.port = w.network.segment(slot.segment).attach(*slot.host, c.link, c.name);
}

// A reboot: the boot so far is kept (its outcome becomes an earlier boot; one not yet
// final counts as done now, cut short), its host is powered off and stays attached,
// and a new host with the same MAC powers on at once on a new port of the segment
// (the switch learns it from its first frame). `index` is the slot in w.clients.
void reboot_emulated(const RunPlan& plan, RunWorld& w, const ClientPlacement& c, std::size_t index) {
  PlacedClient& slot = w.clients[index];
  if (!slot.agent->finished()) {
    slot.agent->end_of_run(w.network.clock().now());
    one_done(w);
  }
  slot.host->set_powered(false);
  slot.old_hosts.push_back(std::move(slot.host));
  slot.old_agents.push_back(std::move(slot.agent));
  make_emulated(plan, w, c, slot, slot.old_agents.size());
  slot.host->start(*slot.agent);
}

void place_emulated(const RunPlan& plan, RunWorld& w, const ClientPlacement& c, PlacedClient& slot) {
  make_emulated(plan, w, c, slot, 0);
  slot.reboot = [&plan, &w, c, index = w.clients.size()] { reboot_emulated(plan, w, c, index); };
  if (c.group.powered_off) {
    // Off until a magic packet for its MAC wakes it; then it powers on at once (its
    // outcome's power_on is the wake, so done - power_on is the wake -> boot latency).
    sim::Host* host = slot.host.get();
    client::PxeClient* agent = slot.agent.get();
    host->set_powered(false);
    host->arm_wake_on_lan(c.group.wake_password, [host, agent] { host->start(*agent); });
    return;
  }
  slot.host->start(*slot.agent, c.power_on);
}

void place_probe(const RunPlan& plan, RunWorld& w, const ClientPlacement& c, PlacedClient& slot) {
  sim::HostConfig hc;
  hc.mac = c.mac;
  slot.host = std::make_unique<sim::Host>(w.network.clock(), hc);
  client::ProbeOptions po;
  po.steps = c.group.probe_steps;
  po.file = c.group.probe_file;
  po.broadcast_flag = c.group.broadcast_flag;
  slot.probe = std::make_unique<client::ProbeClient>(std::move(po), sim::derive_seed(plan.seed, 0xc1 + c.number), c.name);
  slot.probe->set_on_finished([&w](const client::ProbeClient&) { one_done(w); });
  slot.port = w.network.segment(slot.segment).attach(*slot.host, c.link, c.name);
  slot.host->start(*slot.probe, c.power_on);
}

Status place_qemu(const RunPlan& plan, RunWorld& w, const ClientPlacement& c, PlacedClient& slot) {
  const client::qemu::FirmwareProfile& profile = plan.profiles.at(c.group.firmware);
  client::qemu::VmOptions vo;
  vo.name = c.name;
  vo.mac = c.mac;
  vo.hostname = c.group.host ? replace_n(c.group.host->hostname, c.n) : c.name;
  vo.link = c.link;
  if (plan.keep) vo.keep_dir = plan.work.path() + "/vm-" + c.name;
  auto vm = client::qemu::QemuVm::start(*w.network.net.realtime, w.network.segment(slot.segment), profile, vo);
  if (!vm) return vm.error();
  slot.vm = std::move(*vm);
  slot.port = slot.vm->port_index();
  slot.vm->set_on_done([&w] { one_done(w); });
  return Ok{};
}

}  // namespace

Status place_clients(const Scenario& s, const RunPlan& plan, RunWorld& w) {
  w.progress.total = s.client_count();
  sim::Rng power_rng(sim::derive_seed(plan.seed, 0x90e7));
  std::uint64_t number = 0;
  for (std::size_t gi = 0; gi < s.clients.size(); ++gi) {
    const ClientSpec& group = s.clients[gi];
    const std::size_t seg = w.network.segment_index.at(group.segment);
    for (std::uint32_t n = 1; n <= group.count; ++n, ++number) {
      ClientPlacement c{group, n, number, client_name(group, n), mac_plus(group.mac, n - 1), link_of(s, seg, group.link), 0};
      c.power_on = sim::from_seconds(group.power_on) +
                   (group.spread > 0 ? power_rng.uniform_time(sim::from_seconds(group.spread)) : 0);
      PlacedClient slot;
      slot.group = gi;
      slot.segment = seg;
      slot.mac = c.mac;
      switch (group.kind) {
        case ClientKind::kEmulated: place_emulated(plan, w, c, slot); break;
        case ClientKind::kProbe: place_probe(plan, w, c, slot); break;
        case ClientKind::kQemu:
          if (auto st = place_qemu(plan, w, c, slot); !st) return st.error();
          break;
      }
      w.clients.push_back(std::move(slot));
    }
  }
  return Ok{};
}

}  // namespace pxelab::conformance
