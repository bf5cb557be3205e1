// Steps 8 and 9 of a run: each client's outcome (in scenario order) with the frame
// that decided it, then the check catalogue over each segment's trace, knowing who is
// who there (the scenario's servers and relays, the clients' MACs, each link's MTU).
#include <algorithm>

#include "client/qemu/trace_digest.h"
#include "conformance/scenario/scenario_steps.h"

namespace pxelab::conformance {

namespace {

client::ClientOutcome outcome_of(const Scenario& s, sim::Time now, PlacedClient& cl) {
  if (cl.agent) {
    cl.agent->end_of_run(now);
    client::ClientOutcome out = cl.agent->outcome();
    for (const auto& old : cl.old_agents) out.earlier_boots.push_back(old->outcome());
    return out;
  }
  if (cl.probe) {
    cl.probe->end_of_run(now);
    return cl.probe->outcome();
  }
  if (!cl.vm->done()) cl.vm->stop("the scenario's deadline");
  client::ClientOutcome out = cl.vm->outcome();
  out.personality = "qemu:" + s.clients[cl.group].firmware;
  return out;
}

// A request the client sent decided it: the last frame from its MAC at or before then.
void find_deciding_frame(const sim::Trace& t, client::ClientOutcome& out) {
  if (!out.decided_by || out.decided_by->frame) return;
  for (std::size_t i = t.frame_count(); i-- > 0;) {
    sim::FrameView f = t.frame(i);
    if (f.time > out.decided_by->time || f.bytes.size() < 12) continue;
    if (std::equal(out.mac.octets.begin(), out.mac.octets.end(), f.bytes.begin() + 6)) {
      out.decided_by->frame = i;
      return;
    }
  }
}

// Who is who on segment `gi`, for the checks.
void fill_run(RunWorld& w, std::size_t gi, const std::vector<client::ClientOutcome>& outcomes, Run& run) {
  for (std::size_t ci = 0; ci < w.clients.size(); ++ci) {
    if (w.clients[ci].segment != gi) continue;
    run.outcomes.push_back(outcomes[ci]);
    run.client_macs.push_back(outcomes[ci].mac);
  }
  for (auto& sv : w.servers) {
    if (sv.segment != gi || sv.spec->rogue) continue;
    for (const ServerInstance& in : sv.server->report().instances) {
      run.server_macs.push_back(in.mac);
      run.server_ips.push_back(in.ip);
      run.server_ports.push_back(in.port);
    }
  }
  for (auto& r : w.relays) {
    for (std::size_t i = 0; i < r.ports.size(); ++i) {
      if (r.ports[i].first != gi) continue;
      run.relay_macs.push_back(r.router->interface(i).mac);
      run.relay_ips.push_back(r.router->interface(i).address);
    }
  }
  const sim::Segment& segment = w.network.segment(gi);
  for (sim::PortIndex p = 0; p < segment.port_count(); ++p) run.link_mtu.push_back({p, segment.link_params(p).mtu});
}

}  // namespace

std::vector<client::ClientOutcome> collect_outcomes(const Scenario& s, RunWorld& w) {
  std::vector<client::ClientOutcome> outcomes;
  const sim::Time now = w.network.clock().now();
  for (auto& cl : w.clients) {
    client::ClientOutcome out = outcome_of(s, now, cl);
    // A real VM's wire part (address, images with their sizes...) is read off its
    // segment's trace, as `pxelab qemu` does; its status and console are its own.
    if (cl.vm) client::qemu::fill_outcome_from_digest(out, client::qemu::digest_client(*w.network.traces[cl.segment], out.mac));
    find_deciding_frame(*w.network.traces[cl.segment], out);
    outcomes.push_back(std::move(out));
  }
  return outcomes;
}

std::vector<SegmentResult> check_segments(const Scenario& s, RunWorld& w, const std::vector<client::ClientOutcome>& outcomes) {
  std::vector<const Check*> all;
  for (const auto& c : catalogue()) all.push_back(&c);
  std::vector<SegmentResult> out;
  for (std::size_t gi = 0; gi < s.segments.size(); ++gi) {
    SegmentResult seg;
    seg.name = s.segments[gi].name;
    seg.trace = std::move(w.network.traces[gi]);
    seg.run.trace = seg.trace.get();
    seg.run.segment = s.segments.size() > 1 ? seg.name : "";
    fill_run(w, gi, outcomes, seg.run);
    seg.analyzed = std::make_unique<AnalyzedRun>(seg.run);
    seg.results = run_checks(seg.analyzed->analysis(), all);
    out.push_back(std::move(seg));
  }
  return out;
}

}  // namespace pxelab::conformance
