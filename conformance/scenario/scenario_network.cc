// Step 2 of a run: the clock and the segments, each with its trace; and the naming
// and link arithmetic the placing steps share.
#include "conformance/scenario/scenario_steps.h"

#include "sim/rng.h"

namespace pxelab::conformance {

BuiltNetwork build_network(const Scenario& s, const RunPlan& plan) {
  BuiltNetwork b;
  b.net = RunNetwork(plan.realtime);
  for (std::size_t i = 0; i < s.segments.size(); ++i) {
    b.segment_index[s.segments[i].name] = i;
    b.traces.push_back(std::make_unique<sim::Trace>());
    // On the wall clock a server under test (or a VM) sends what it likes: a flood
    // must not fill memory and the pcap (issue 10). Emulated runs keep every frame.
    if (plan.realtime) b.traces.back()->set_frame_limit(kWallClockTraceFrames);
    b.net.add_segment(sim::derive_seed(plan.seed, 0x5e6 + i), *b.traces.back());
  }
  return b;
}

sim::LinkParams link_of(const Scenario& s, std::size_t segment, const LinkSpec& own) {
  return own.apply(s.segments[segment].link.apply({}));
}

wire::MacAddress mac_plus(const wire::MacAddress& m, std::uint64_t n) {
  std::uint64_t v = 0;
  for (auto o : m.octets) v = (v << 8) | o;
  v += n;
  wire::MacAddress out;
  for (int i = 5; i >= 0; --i) {
    out.octets[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
    v >>= 8;
  }
  return out;
}

std::string replace_all(std::string text, std::string_view from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
  return text;
}

std::string replace_n(std::string s, std::uint32_t n) { return replace_all(std::move(s), "{n}", std::to_string(n)); }

std::string client_name(const ClientSpec& c, std::uint32_t n) {
  return c.count == 1 ? c.name : c.name + "-" + std::to_string(n);
}

}  // namespace pxelab::conformance
