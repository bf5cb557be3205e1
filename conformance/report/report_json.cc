#include "conformance/report/report_json.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "conformance/report/ladder_json.h"

namespace pxelab::conformance {

namespace {

using nlohmann::json;

json opt_time(const std::optional<sim::Time>& t) { return t ? json(static_cast<double>(*t) / 1e9) : json(nullptr); }
json opt_ip(const std::optional<wire::Ipv4Address>& a) { return a ? json(a->to_string()) : json(nullptr); }
json opt_string(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

json frames_json(const std::vector<std::uint64_t>& frames) {
  json a = json::array();
  for (auto f : frames) a.push_back(f + 1);  // Wireshark's 1-based numbers
  return a;
}

// Who sent what a finding is about: the first frame it cites that its client did not
// send (a server's, proxy's or relay's reply), so a capture with a DHCP server and a
// proxy never leaves the reader guessing whose reply broke the rule; null when the
// finding cites only the client's own frames.
json sender_json(const Finding& f, const DecodedTrace& d) {
  for (auto n : f.frames) {
    if (n >= d.frames.size()) continue;
    const FrameInfo& fi = d.frames[n];
    if (!f.client.is_zero() && fi.src_mac == f.client) continue;
    return json{{"ip", fi.src_ip.to_string()}, {"mac", fi.src_mac.to_string()}, {"frame", n + 1}};
  }
  return nullptr;
}

json finding_json(const Finding& f, const DecodedTrace& d) {
  return json{{"check", f.check},
              {"sender", sender_json(f, d)},
              {"level", std::string(to_string(f.level))},
              {"client", f.client.is_zero() ? json(nullptr) : json(f.client.to_string())},
              {"transaction", f.transaction},
              {"frames", frames_json(f.frames)},
              {"message", f.message}};
}

// What an emulated ROM read from the floppy it booted (client/floppy_reader.h).
json floppy_json(const client::FloppyContent& f) {
  json text = json::object();
  for (const auto& t : f.text) text[t.name] = t.content;
  return json{{"label", f.label}, {"fs_type", f.fs_type}, {"kib", f.kib}, {"root", f.root}, {"text", text}};
}

json outcome_json(const client::ClientOutcome& o) {
  json images = json::array();
  for (const auto& im : o.images) {
    images.push_back({{"name", im.name},
                      {"size", im.size},
                      {"tsize", im.tsize ? json(*im.tsize) : json(nullptr)},
                      {"sha256", im.sha256},
                      {"kind", im.kind},
                      {"server", im.server.to_string()},
                      {"started_s", static_cast<double>(im.started) / 1e9},
                      {"finished_s", static_cast<double>(im.finished) / 1e9}});
    if (im.floppy) images.back()["floppy"] = floppy_json(*im.floppy);
  }
  const auto& t = o.timeline;
  json decided = nullptr;
  if (o.decided_by) {
    decided = {{"time_s", static_cast<double>(o.decided_by->time) / 1e9},
               {"sent", o.decided_by->sent},
               {"frame", o.decided_by->frame ? json(*o.decided_by->frame + 1) : json(nullptr)},
               {"what", o.decided_by->what}};
  }
  json out{{"name", o.name},
              {"personality", o.personality},
              {"status", std::string(client::to_string(o.status))},
              {"code", o.code},
              {"text", o.text},
              {"decided_by", decided},
              {"address", opt_ip(o.address)},
              {"dhcp_server", opt_ip(o.dhcp_server)},
              {"boot_server", opt_ip(o.boot_server)},
              {"boot_file", o.boot_file},
              {"images", images},
              {"console", o.console},  // SAY/echo lines, QEMU console matches, probe step results
              {"timeline",
               {{"power_on_s", opt_time(t.power_on)},
                {"first_discover_s", opt_time(t.first_discover)},
                {"offer_s", opt_time(t.offer)},
                {"ack_s", opt_time(t.ack)},
                {"proxy_ack_s", opt_time(t.proxy_ack)},
                {"tftp_start_s", opt_time(t.tftp_start)},
                {"tftp_end_s", opt_time(t.tftp_end)},
                {"done_s", opt_time(t.done)}}},
              {"retransmissions",
               {{"discover", o.retransmissions.discover},
                {"request", o.retransmissions.request},
                {"proxy_request", o.retransmissions.proxy_request},
                {"tftp", o.retransmissions.tftp}}},
              {"throughput_bps", o.throughput_bps}};
  // Boots before a reboot event, oldest first; only when there were any (reports of
  // runs without reboots are unchanged).
  if (!o.earlier_boots.empty()) {
    json earlier = json::array();
    for (const auto& e : o.earlier_boots) earlier.push_back(outcome_json(e));
    out["earlier_boots"] = std::move(earlier);
  }
  return out;
}

json wire_json(const ClientFacts& c) {
  json transfers = json::array();
  for (const auto& t : c.transfers) {
    transfers.push_back({{"file", t.file},
                         {"server", t.server.to_string()},
                         {"bytes", t.bytes},
                         {"tsize", t.tsize ? json(*t.tsize) : json(nullptr)},
                         {"seconds", t.seconds},
                         {"bytes_per_second", t.bytes_per_second},
                         {"blksize", t.blksize},
                         {"windowsize", t.windowsize},
                         {"retransmissions", t.retransmissions},
                         {"end", t.end},
                         {"request_frame", t.request_frame + 1},
                         {"icmp", t.icmp ? json{{"what", t.icmp->what},
                                                {"from", t.icmp->sender.to_string()},
                                                {"from_mac", t.icmp->sender_mac.to_string()},
                                                {"frame", t.icmp->frame + 1}}
                                         : json(nullptr)}});
  }
  json fp = nullptr;
  if (c.fp) {
    fp = {{"id", c.fp->id}, {"distance", c.fp->distance}, {"matched", c.fp->matched},
          {"differed", c.fp->differed}, {"runner_up", c.fp->runner_up},
          {"identity", c.identity ? describe(*c.identity) : ""}};
  }
  json identities = json::array();
  for (std::size_t i = 0; i < c.identities.size(); ++i) {
    const auto& id = c.identities[i];
    identities.push_back({{"first_frame", id.first_frame + 1},
                          {"xid", id.xid},
                          {"fingerprint", {{"id", id.fp.id}, {"distance", id.fp.distance}, {"matched", id.fp.matched},
                                           {"differed", id.fp.differed}, {"runner_up", id.fp.runner_up}}},
                          {"identity", describe(id.identity)},
                          // A later identity of the same MAC: what the earlier one chainloaded.
                          {"chainloaded_from", i == 0 ? json(nullptr) : json(c.identities[i - 1].fp.id)}});
  }
  return json{{"first_discover_s", opt_time(c.first_discover)},
              {"identities", std::move(identities)},
              {"nothing_to_boot", opt_string(nothing_to_boot(c))},
              {"port4011_request", c.boot_request_route.empty() ? json(nullptr) : json(c.boot_request_route)},
              {"port4011_reply", c.boot_reply_route.empty() ? json(nullptr) : json(c.boot_reply_route)},
              {"first_discover_frame", c.first_discover_frame ? json(*c.first_discover_frame + 1) : json(nullptr)},
              {"offer_s", opt_time(c.offer)},
              {"ack_s", opt_time(c.ack)},
              {"dora_s", c.first_discover && c.ack ? json(static_cast<double>(*c.ack - *c.first_discover) / 1e9) : json(nullptr)},
              {"proxy_offer_s", opt_time(c.proxy_offer)},
              {"boot_server_ack_s", opt_time(c.boot_ack)},
              {"address", opt_ip(c.address)},
              {"dhcp_server", opt_ip(c.dhcp_server)},
              {"proxy_server", opt_ip(c.proxy_server)},
              {"boot_file", c.boot_file},
              {"discovers", c.discovers},
              {"requests", c.requests},
              {"fingerprint", fp},
              {"tftp", transfers}};
}

// Servers, proxies and relays as found from what they sent (Grouping::peers).
json servers_json(const Grouping& g) {
  static constexpr std::pair<std::uint8_t, const char*> kRoles[] = {
      {kRoleDhcpServer, "DHCP"}, {kRoleProxy, "proxyDHCP"}, {kRoleBootServer, "boot server (4011)"},
      {kRoleRelay, "relay"}, {kRoleTftpServer, "TFTP"}};
  json out = json::array();
  for (const auto& p : g.peers) {
    json roles = json::array();
    for (const auto& [bit, name] : kRoles) {
      if (p.roles & bit) roles.push_back(name);
    }
    out.push_back({{"ip", p.ip.to_string()}, {"mac", p.mac.to_string()}, {"roles", roles},
                   {"offers", p.offers}, {"acks", p.acks}, {"naks", p.naks}, {"proxy_offers", p.proxy_offers},
                   {"boot_replies", p.boot_replies}, {"relayed", p.relayed}, {"transfers", p.transfers},
                   {"first_frame", p.first_frame + 1}});
  }
  return out;
}

// Octets the servers, proxies and relays sent per time bin (kTrafficBins over the
// trace's span): the storm timeline's throughput line.
constexpr std::size_t kTrafficBins = 200;
json traffic_json(const DecodedTrace& d, const Grouping& g) {
  if (d.frames.size() < 2) return nullptr;
  std::vector<wire::MacAddress> servers;
  for (const auto& p : g.peers) servers.push_back(p.mac);
  const sim::Time t0 = d.frames.front().time, t1 = d.frames.back().time;
  const sim::Time bin = std::max<sim::Time>(1, (t1 - t0) / static_cast<sim::Time>(kTrafficBins) + 1);
  std::vector<std::uint64_t> bytes(kTrafficBins, 0);
  for (const auto& f : d.frames) {
    if (std::find(servers.begin(), servers.end(), f.src_mac) == servers.end()) continue;
    const sim::Time at = std::max(f.time, t0);  // a capture's clock may step back
    bytes[std::min<std::size_t>(kTrafficBins - 1, static_cast<std::size_t>((at - t0) / bin))] += f.size;
  }
  const double bin_s = static_cast<double>(bin) / 1e9;
  const auto peak = *std::max_element(bytes.begin(), bytes.end());
  return json{{"start_s", static_cast<double>(t0) / 1e9}, {"bin_s", bin_s}, {"server_bytes", bytes},
              {"peak_bytes_per_second", static_cast<double>(peak) / bin_s}};
}

}  // namespace

nlohmann::json report_json(const Run& run, const AnalyzedRun& analyzed, std::span<const CheckResult> results,
                           const std::vector<ClientFacts>& clients, const RunMeta& meta) {
  const auto& d = analyzed.decoded();
  json j;
  j["schema"] = kReportSchema;
  j["run"] = {{"kind", meta.kind},
              {"source", meta.source},
              {"scenario", meta.scenario.empty() ? json(nullptr) : json(meta.scenario)},
              {"seed", meta.seed ? json(*meta.seed) : json(nullptr)},
              {"segment", run.segment},
              {"tool", meta.tool},
              {"frames", d.frames.size()},
              {"first_frame_time_s", d.frames.empty() ? json(nullptr) : json(static_cast<double>(d.frames.front().time) / 1e9)},
              {"decode_errors", d.errors.size()},
              {"unrecorded_frames", run.trace ? run.trace->unrecorded_frames() : 0},
              {"read_error", meta.read_error.empty() ? json(nullptr) : json(meta.read_error)},
              {"frame_numbers", "1-based, as Wireshark shows them"}};
  json cl = json::array();
  const auto icmp = icmp_errors(d);
  for (const auto& c : clients) {
    json e{{"mac", c.mac.to_string()}, {"outcome", nullptr}, {"wire", wire_json(c)}};
    const auto index = analyzed.grouping().client_index(c.mac);
    e["ladder"] = index >= 0 && static_cast<std::size_t>(index) < kLadderClients
                      ? ladder_json(analyzed, static_cast<std::size_t>(index), icmp)
                      : json(nullptr);
    for (const auto& o : run.outcomes) {
      if (o.mac == c.mac) e["outcome"] = outcome_json(o);
    }
    cl.push_back(std::move(e));
  }
  for (const auto& o : run.outcomes) {  // clients that never reached the wire
    bool seen = false;
    for (const auto& c : clients) seen |= c.mac == o.mac;
    if (!seen) cl.push_back({{"mac", o.mac.to_string()}, {"outcome", outcome_json(o)}, {"wire", nullptr}});
  }
  j["clients"] = std::move(cl);
  j["servers"] = servers_json(analyzed.grouping());
  j["traffic"] = traffic_json(d, analyzed.grouping());
  json findings = json::array();
  json checks = json::array();
  std::size_t counts[3] = {0, 0, 0}, by_level[3] = {0, 0, 0};
  for (const auto& r : results) {
    for (const auto& f : r.findings) findings.push_back(finding_json(f, d));
    counts[static_cast<int>(r.verdict)]++;
    by_level[static_cast<int>(r.check->level)] += r.findings_total;
    checks.push_back({{"id", std::string(r.check->id)},
                      {"title", std::string(r.check->title)},
                      {"level", std::string(to_string(r.check->level))},
                      {"role", std::string(to_string(r.check->role))},
                      {"citation", std::string(r.check->citation)},
                      {"mode", std::string(to_string(r.check->mode))},
                      {"verdict", std::string(to_string(r.verdict))},
                      {"judged", r.judged},
                      {"reason", r.reason.empty() ? json(nullptr) : json(r.reason)},
                      {"findings", r.findings_total},
                      {"findings_listed", r.findings.size()}});
  }
  j["findings"] = std::move(findings);
  j["checks"] = std::move(checks);
  j["summary"] = {{"checks", results.size()},
                  {"pass", counts[static_cast<int>(Verdict::kPass)]},
                  {"fail", counts[static_cast<int>(Verdict::kFail)]},
                  {"not_applicable", counts[static_cast<int>(Verdict::kNotApplicable)]},
                  {"findings", {{"MUST", by_level[0]}, {"SHOULD", by_level[1]}, {"INTEROP", by_level[2]}}},
                  {"must_failures", must_failures(results)}};
  return j;
}

std::string report_json_text(const Run& run, const AnalyzedRun& analyzed, std::span<const CheckResult> results,
                             const std::vector<ClientFacts>& clients, const RunMeta& meta) {
  // Names and messages come from the wire and may hold any octets: invalid UTF-8 is
  // replaced (U+FFFD) rather than thrown on (found by fuzz_trace_analysis).
  return report_json(run, analyzed, results, clients, meta).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace pxelab::conformance
