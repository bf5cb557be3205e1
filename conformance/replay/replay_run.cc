#include "conformance/replay/replay_run.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/core.h>

#include "server/boot_server.h"
#include "server/log.h"
#include "sim/rng.h"
#include "wire/dhcp_message.h"
#include "wire/ports.h"

namespace pxelab::conformance::replay {

namespace {

namespace fs = std::filesystem;

constexpr sim::Time kDrainAfterLastClient = sim::ms(100);

// What pairs an answer with its counterpart: the message type and who sent it.
std::string answer_kind(const FieldAnswer& a) {
  auto v = wire::dhcp::MessageView::make(a.message);
  std::uint8_t type = 0;
  if (v && v->has_magic_cookie()) {
    wire::dhcp::ParseOptions po;
    po.require_end = false;
    if (auto scan = wire::dhcp::scan_options(*v, po)) {
      for (const auto& in : scan->instances) {
        if (in.code == 53 && in.data.size() == 1) type = in.data[0];
      }
    }
  }
  static constexpr const char* kNames[] = {"BOOTREPLY", "DISCOVER", "OFFER", "REQUEST", "DECLINE",
                                           "ACK",       "NAK",      "RELEASE", "INFORM"};
  std::string name = type < std::size(kNames) ? kNames[type] : "DHCP " + std::to_string(type);
  if (a.src_port == wire::kPxeBootServerPort) return "boot server " + name;
  if (v && v->yiaddr().is_any() && (type == 2 || type == 5)) return "proxy " + name;
  return name;
}

Status make_tftp_root(const std::string& root, std::span<const ClientScript> scripts, std::uint64_t seed) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return Error{"tftp.root", 0, "cannot create " + root + ": " + ec.message()};
  for (const auto& c : scripts) {
    for (const auto& s : c.steps) {
      if (s.kind != StepKind::kTftp || s.filename.empty()) continue;
      if (!served(s)) continue;  // the field server refused it: so does the replay's
      std::uint64_t size = kUnknownFileSize;
      for (const auto& o : c.steps) {
        if (o.kind == StepKind::kTftp && o.filename == s.filename) size = served_size(o).value_or(size);
      }
      std::string name = s.filename;
      while (!name.empty() && name.front() == '/') name.erase(0, 1);
      if (name.empty() || name.find("..") != std::string::npos) continue;
      const fs::path p = fs::path(root) / name;
      if (fs::exists(p)) continue;
      fs::create_directories(p.parent_path(), ec);
      std::ofstream out(p, std::ios::binary);
      if (s.tftp_answer.content) {
        out.write(reinterpret_cast<const char*>(s.tftp_answer.content->data()),
                  static_cast<std::streamsize>(s.tftp_answer.content->size()));
        if (!out) return Error{"tftp.root", 0, "cannot write " + p.string()};
        continue;
      }
      sim::Rng rng(sim::derive_seed(seed, std::hash<std::string>{}(name)));
      std::string chunk(64 * 1024, '\0');
      for (std::uint64_t left = size; left > 0;) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size()));
        for (std::size_t k = 0; k < n; ++k) chunk[k] = static_cast<char>(rng.next());
        out.write(chunk.data(), static_cast<std::streamsize>(n));
        left -= n;
      }
      if (!out) return Error{"tftp.root", 0, "cannot write " + p.string()};
    }
  }
  return Ok{};
}

// The request frame the replay sent for a step: the first frame of the client's
// kind at or after the send time.
std::optional<std::uint32_t> sent_frame(const DecodedTrace& d, const wire::MacAddress& mac, const Step& s,
                                        sim::Time sent_at, std::uint32_t& cursor) {
  const FrameKind want = s.kind == StepKind::kTftp ? FrameKind::kTftp : FrameKind::kDhcp;
  for (std::uint32_t i = cursor; i < d.frames.size(); ++i) {
    const FrameInfo& f = d.frames[i];
    if (f.time < sent_at || f.src_mac != mac || f.kind != want || f.record == kNone) continue;
    if (want == FrameKind::kTftp && d.tftp[static_cast<std::size_t>(f.record)].opcode != wire::TftpOpcode::kRrq) continue;
    if (want == FrameKind::kDhcp && d.dhcp[static_cast<std::size_t>(f.record)].xid != s.xid) continue;
    cursor = i + 1;
    return i;
  }
  return std::nullopt;
}

}  // namespace

ReplayClientSource::ReplayClientSource(sim::Clock& clock, std::span<const ClientScript> scripts, Timing timing,
                                       sim::Time settle_timeout)
    : clock_(&clock), scripts_(scripts), timing_(timing), settle_timeout_(settle_timeout) {}

void ReplayClientSource::place(sim::Segment& segment, const sim::LinkParams& link, sim::Time start) {
  if (scripts_.empty()) return;
  sim::Time first = scripts_.front().start;
  for (const auto& c : scripts_) first = std::min(first, c.start);
  // Power-on order as captured; compressed: gaps cut.
  std::vector<std::size_t> order(scripts_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return scripts_[a].start < scripts_[b].start; });
  std::vector<sim::Time> power_on(scripts_.size());
  sim::Time at = start, prev = first;
  for (std::size_t i : order) {
    const sim::Time gap = scripts_[i].start - prev;
    at += timing_ == Timing::kExact ? gap : std::min(gap, sim::ms(1));
    prev = scripts_[i].start;
    power_on[i] = at;
  }
  for (std::size_t i = 0; i < scripts_.size(); ++i) {
    sim::HostConfig hc;
    hc.mac = scripts_[i].mac;
    hosts_.push_back(std::make_unique<sim::Host>(*clock_, hc));
    agents_.push_back(std::make_unique<ReplayAgent>(scripts_[i], timing_, settle_timeout_));
    macs_.push_back(scripts_[i].mac);
    agents_.back()->set_on_finished([this] {
      if (++finished_ == agents_.size() && on_all_finished_) on_all_finished_();
    });
    segment.attach(*hosts_.back(), link, "replay-" + scripts_[i].mac.to_string());
    hosts_.back()->start(*agents_.back(), power_on[i]);
  }
}

const FieldDiff* RequestReport::decisive() const {
  const FieldDiff* best = nullptr;
  for (const auto& a : answers) {
    const FieldDiff* d = a.diff.decisive();
    if (d && (!best || d->rank < best->rank)) best = d;
  }
  return best;
}

const RequestReport* decisive_request(const ReplayResult& r) {
  const RequestReport* best = nullptr;
  for (const auto& rr : r.requests) {
    if (!rr.decisive()) continue;
    if (!best || rr.field_frame < best->field_frame) best = &rr;
  }
  return best;
}

std::vector<AnswerPair> pair_answers(const Step& step, const StepRecord& record) {
  std::vector<AnswerPair> out;
  if (step.kind == StepKind::kTftp) {
    AnswerPair p;
    p.what = "TFTP";
    if (step.tftp_answer.kind != TftpFieldAnswer::Kind::kNone) p.field_frame = step.tftp_answer.frame;
    if (record.tftp.kind != TftpFieldAnswer::Kind::kNone) p.new_frame = record.tftp.frame;
    p.diff = diff_tftp(step.tftp_answer, record.tftp);
    out.push_back(std::move(p));
    return out;
  }
  std::vector<bool> used(record.answers.size(), false);
  for (const FieldAnswer& f : step.answers) {
    AnswerPair p;
    p.what = answer_kind(f);
    p.field_frame = f.frame;
    const FieldAnswer* match = nullptr;
    for (std::size_t k = 0; k < record.answers.size(); ++k) {
      if (!used[k] && answer_kind(record.answers[k]) == p.what) {
        used[k] = true;
        match = &record.answers[k];
        break;
      }
    }
    if (!match) {
      // Nothing of that kind: the first unused answer is what the client got instead.
      for (std::size_t k = 0; k < record.answers.size() && !match; ++k) {
        if (!used[k]) {
          used[k] = true;
          match = &record.answers[k];
        }
      }
    }
    if (match) p.new_frame = match->frame;
    p.diff = diff_dhcp(&f, match);
    out.push_back(std::move(p));
  }
  for (std::size_t k = 0; k < record.answers.size(); ++k) {
    if (used[k]) continue;
    AnswerPair p;
    p.what = answer_kind(record.answers[k]);
    p.new_frame = record.answers[k].frame;
    p.diff = diff_dhcp(nullptr, &record.answers[k]);
    out.push_back(std::move(p));
  }
  return out;
}

namespace {

std::vector<const Check*> every_check() {
  std::vector<const Check*> all;
  for (const auto& c : catalogue()) all.push_back(&c);
  return all;
}

// Every MAC of --clients must be a client of the capture: a typo must not quietly
// replay fewer clients than asked for.
Status check_clients_known(const ReplayResult& result, std::span<const Reference> references, const ReplayRunOptions& o) {
  std::string unknown;
  for (const auto& mac : o.clients) {
    const bool found = std::any_of(result.scripts.begin(), result.scripts.end(), [&](const ClientScript& c) { return c.mac == mac; });
    if (!found) unknown += (unknown.empty() ? "" : ", ") + mac.to_string();
  }
  if (unknown.empty()) return Ok{};
  const auto everyone = extract_scripts(result.field->analyzed->decoded(), result.field->analyzed->grouping(), references);
  std::string known;
  for (std::size_t i = 0; i < everyone.size() && i < 8; ++i) known += (i ? ", " : "") + everyone[i].mac.to_string();
  if (everyone.size() > 8) known += fmt::format(", ... ({} in all)", everyone.size());
  return Error{"", 0,
               "--clients: not a client in the capture (it sent no request of its own): " + unknown +
                   (known.empty() ? "; the capture has no client requests" : "; its clients: " + known)};
}

// The field side: the capture analysed, its clients' scripts extracted, every check run.
Status analyze_field(const sim::Trace& capture, const ReplayRunOptions& o, ReplayResult& result) {
  result.field = std::make_unique<Side>();
  result.field->run.trace = &capture;
  result.field->run.from_capture = true;
  result.field->analyzed = std::make_unique<AnalyzedRun>(result.field->run);
  std::string note;
  const auto references = default_references(&note);
  ScriptOptions so;
  so.only = o.clients;
  result.scripts = extract_scripts(result.field->analyzed->decoded(), result.field->analyzed->grouping(), references, so);
  if (result.scripts.empty() && o.clients.empty()) {
    return Error{"", 0, "no client requests in the capture (no BOOTP/DHCP from port 68, no 4011 request, no TFTP read)"};
  }
  if (auto st = check_clients_known(result, references, o); !st) return st;
  result.field->results = run_checks(result.field->analyzed->analysis(), every_check());
  return Ok{};
}

// The server, with a TFTP root of the files the field served unless it has its own.
Result<server::ServerConfig> replay_server_config(const server::ServerConfig& config, const ReplayRunOptions& o,
                                                  ReplayResult& result) {
  server::ServerConfig cfg = config;
  if (cfg.tftp.root.empty() || !fs::is_directory(cfg.tftp.root)) {
    cfg.tftp.root = o.work_dir + "/tftp";
    if (auto st = make_tftp_root(cfg.tftp.root, result.scripts, o.seed); !st) return st.error();
  }
  if (!cfg.lease_file.empty()) cfg.lease_file = o.work_dir + "/leases";
  result.tftp_root = cfg.tftp.root;
  return cfg;
}

// The new side's checks, knowing who the server is.
void judge_replay(ReplayResult& result, const wire::MacAddress& server_mac, wire::Ipv4Address server_ip,
                  const std::vector<wire::MacAddress>& client_macs) {
  result.now = std::make_unique<Side>();
  Run& run = result.now->run;
  run.trace = result.trace.get();
  run.from_capture = true;  // replayed clients have no outcomes of their own
  run.server_macs.push_back(server_mac);
  run.server_ips.push_back(server_ip);
  run.client_macs = client_macs;
  result.now->analyzed = std::make_unique<AnalyzedRun>(run);
  result.now->results = run_checks(result.now->analyzed->analysis(), every_check());
}

// What the client saw for a request sent as `sent_frame`, plus the replies its host did
// not deliver (unicast to an address it does not have, FW-41): answers all the same,
// the wire has them.
StepRecord answers_on_wire(const DecodedTrace& nd, const StepRecord& r, std::uint32_t sent_frame) {
  StepRecord seen = r;
  for (std::uint32_t qi = 0; qi < nd.dhcp.size(); ++qi) {
    const DhcpMsg& m = nd.dhcp[qi];
    if (!m.is_reply() || m.request == kNone || nd.dhcp[static_cast<std::size_t>(m.request)].frame != sent_frame) continue;
    if (!(m.sender & (kFromServer | kRelayDelivery))) continue;
    const bool known = std::any_of(seen.answers.begin(), seen.answers.end(), [&](const NewAnswer& a) { return a.frame == m.frame; });
    if (known) continue;
    NewAnswer a;
    static_cast<FieldAnswer&>(a) = answer_of(nd, m);
    a.at = nd.frames[m.frame].time;
    seen.answers.push_back(std::move(a));
  }
  std::sort(seen.answers.begin(), seen.answers.end(), [](const NewAnswer& a, const NewAnswer& b) { return a.frame < b.frame; });
  return seen;
}

// One RequestReport per step of every client: the field's answers beside the new ones.
void report_requests(ReplayResult& result, const ReplayClientSource& clients) {
  const DecodedTrace& nd = result.now->analyzed->decoded();
  for (std::size_t ci = 0; ci < result.scripts.size(); ++ci) {
    const ClientScript& c = result.scripts[ci];
    const ReplayAgent& agent = clients.agent(ci);
    std::uint32_t cursors[2] = {0, 0};  // DHCP, TFTP requests
    for (std::size_t si = 0; si < c.steps.size(); ++si) {
      const Step& s = c.steps[si];
      const StepRecord& r = agent.records()[si];
      RequestReport rr;
      rr.client = ci;
      rr.step = si;
      rr.what = describe(s);
      rr.field_frame = s.frame;
      rr.sent = r.sent;
      rr.rewritten = r.rewritten;
      if (r.sent) rr.new_frame = sent_frame(nd, c.mac, s, r.sent_at, cursors[s.kind == StepKind::kTftp]);
      const bool dhcp_sent = rr.new_frame && s.kind != StepKind::kTftp;
      rr.answers = pair_answers(s, dhcp_sent ? answers_on_wire(nd, r, *rr.new_frame) : r);
      if (rr.decisive()) ++result.forbidden;
      result.requests.push_back(std::move(rr));
    }
  }
}

// The scripts replayed against the server `place` puts on one segment of `clock`, then
// the new side judged and every request reported.
Status run_replay(const server::ServerConfig& cfg, const ReplayRunOptions& o, sim::Clock& clock, const PlaceServer& place,
                  sim::Time deadline, ReplayResult& result) {
  sim::Segment segment(clock, sim::derive_seed(o.seed, 0x5e6));
  result.trace = std::make_unique<sim::Trace>();
  segment.add_sink(*result.trace);
  auto placed = place(clock, segment, cfg);
  if (!placed) return placed.error();
  result.server = placed->label;
  ReplayClientSource clients(clock, result.scripts, o.timing, o.settle_timeout);
  // Once every client is done, frames still in flight (a last request that waits for
  // no answer, as in the field) land before the run ends.
  clients.set_on_all_finished([&clock] { clock.at(clock.now() + kDrainAfterLastClient, [&clock] { clock.stop(); }); });
  clients.place(segment, {}, clock.now());  // after a server under test's start-up
  sim::Time longest = 0;
  for (const auto& c : result.scripts) {
    if (!c.steps.empty()) longest = std::max(longest, c.steps.back().settled);
  }
  if (deadline == 0) deadline = o.timing == Timing::kExact ? longest + sim::seconds(60) : sim::seconds(3600);
  clock.run(clock.now() + deadline);
  result.simulated_seconds = sim::to_seconds(clock.now());
  result.clients_finished = clients.finished();
  placed->keep.reset();  // the server's part is over (a server under test stops here)
  judge_replay(result, placed->mac, placed->ip, clients.macs());
  report_requests(result, clients);
  return Ok{};
}

}  // namespace

Result<ReplayResult> replay_against_reference(const sim::Trace& capture, const server::ServerConfig& config,
                                              const ReplayRunOptions& o) {
  sim::VirtualClock clock;
  auto log = std::make_shared<server::MemoryLog>();
  const PlaceServer place = [log](sim::Clock& c, sim::Segment& segment,
                                  const server::ServerConfig& cfg) -> Result<PlacedServer> {
    auto boot = server::BootServer::create(c, cfg, *log, {});
    if (!boot) return boot.error();
    segment.attach((*boot)->host(), {}, "server");
    PlacedServer p;
    p.mac = (*boot)->host().mac();
    p.ip = cfg.address;
    p.label = "reference server " + cfg.address.to_string();
    p.keep = std::shared_ptr<server::BootServer>(std::move(*boot));
    return p;
  };
  return replay_against(capture, config, o, clock, place);
}

Result<ReplayResult> replay_against(const sim::Trace& capture, const server::ServerConfig& config,
                                    const ReplayRunOptions& o, sim::Clock& clock, const PlaceServer& place,
                                    sim::Time deadline) {
  const auto wall_start = std::chrono::steady_clock::now();
  ReplayResult result;
  if (auto st = analyze_field(capture, o, result); !st) return st.error();
  auto cfg = replay_server_config(config, o, result);
  if (!cfg) return cfg.error();
  if (auto st = run_replay(*cfg, o, clock, place, deadline, result); !st) return st.error();
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return result;
}

}  // namespace pxelab::conformance::replay
