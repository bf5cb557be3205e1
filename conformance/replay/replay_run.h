// A replay run: the clients of a capture put back, reactively, on a simulated segment
// in front of a new server, every request's answers diffed against the field's, and
// the check catalogue run over both sides.
//
// The clients are a client source of their own (ReplayClientSource): it places one
// Host + ReplayAgent per captured MAC on a segment and tells when all are done, and
// knows nothing of the server they face - the reference server here, a server under
// test or a scenario's pipeline later (DESIGN.md: "place clients ... or replayed
// frames").
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "conformance/checks/catalogue.h"
#include "conformance/checks/check.h"
#include "conformance/replay/answer_diff.h"
#include "conformance/replay/replay_agent.h"
#include "conformance/replay/replay_script.h"
#include "server/config.h"
#include "sim/clock.h"
#include "sim/host.h"
#include "sim/segment.h"
#include "sim/trace.h"

namespace pxelab::conformance::replay {

class ReplayClientSource {
 public:
  // `scripts` must outlive the source.
  ReplayClientSource(sim::Clock& clock, std::span<const ClientScript> scripts, Timing timing,
                     sim::Time settle_timeout = kSettleTimeout);
  ReplayClientSource(const ReplayClientSource&) = delete;
  ReplayClientSource& operator=(const ReplayClientSource&) = delete;

  // Attaches every client to `segment` and powers each on at its captured offset from
  // the first client (kExact) or with the gaps between power-ons cut to kCompressedGap.
  void place(sim::Segment& segment, const sim::LinkParams& link, sim::Time start);
  std::size_t size() const { return agents_.size(); }
  std::size_t finished() const { return finished_; }
  // Called once all agents have finished.
  void set_on_all_finished(std::function<void()> fn) { on_all_finished_ = std::move(fn); }
  const ReplayAgent& agent(std::size_t i) const { return *agents_[i]; }
  const std::vector<wire::MacAddress>& macs() const { return macs_; }

 private:
  sim::Clock* clock_;
  std::span<const ClientScript> scripts_;
  Timing timing_;
  sim::Time settle_timeout_;
  std::vector<std::unique_ptr<sim::Host>> hosts_;
  std::vector<std::unique_ptr<ReplayAgent>> agents_;
  std::vector<wire::MacAddress> macs_;
  std::size_t finished_ = 0;
  std::function<void()> on_all_finished_;
};

// One answer of a request, paired across the two sides (by message type and whether
// it came from a proxy, a DHCP server or a boot server).
struct AnswerPair {
  std::optional<std::uint32_t> field_frame, new_frame;  // 0-based, in each side's pcap
  std::string what;                                     // "OFFER", "proxy OFFER", "ACK", "OACK"
  AnswerDiff diff;
};

struct RequestReport {
  std::size_t client = 0;  // index into ReplayResult::scripts
  std::size_t step = 0;
  std::string what;        // describe(step)
  std::uint32_t field_frame = 0;
  std::optional<std::uint32_t> new_frame;
  bool sent = false;
  std::string rewritten;
  std::vector<AnswerPair> answers;
  // The first forbidden difference among the answers (nullptr: none).
  const FieldDiff* decisive() const;
};

// One side's checks: the run as the checks see it, and their results.
struct Side {
  Run run;
  std::unique_ptr<AnalyzedRun> analyzed;
  std::vector<CheckResult> results;
};

struct ReplayRunOptions {
  Timing timing = Timing::kCompressed;
  std::uint64_t seed = 1;
  std::vector<wire::MacAddress> clients;  // empty: all
  // Where a TFTP root is made when the server configuration names none that exists:
  // the files the field clients read, at the sizes the field served.
  std::string work_dir;
  // How long a request waits for its answers (ReplayAgent).
  sim::Time settle_timeout = kSettleTimeout;
};

struct ReplayResult {
  std::vector<ClientScript> scripts;
  std::unique_ptr<sim::Trace> trace;  // the replay's segment
  std::unique_ptr<Side> field, now;
  std::vector<RequestReport> requests;  // per client, in script order
  std::size_t forbidden = 0;            // requests with a forbidden difference
  std::string tftp_root;                // what the server served from
  std::string server;                   // the server's address and kind
  double simulated_seconds = 0, wall_seconds = 0;
  std::size_t clients_finished = 0;
};

// The run's decisive difference: the first request in the capture (by field frame)
// whose answers differ where they must not. What follows it is mostly its consequence
// (no siaddr, then no TFTP answer), so the earliest is the cause a reader looks at
// first; within it, the most decisive difference by rank (RequestReport::decisive).
// nullptr: no request differs.
const RequestReport* decisive_request(const ReplayResult& r);

// `capture` is the field trace (kept borrowed by result.field). Errors: no client
// requests in the capture, a MAC of options.clients that is no client of it, a server configuration the
// reference server refuses, a TFTP root that cannot be made.
Result<ReplayResult> replay_against_reference(const sim::Trace& capture, const server::ServerConfig& config,
                                              const ReplayRunOptions& options);

// A server put on the replay's segment by a PlaceServer: who it is on the wire, and
// what keeps it running (released when the clients are done, before the segment goes:
// a server under test is stopped and its namespace removed there).
struct PlacedServer {
  wire::MacAddress mac;
  wire::Ipv4Address ip;
  std::string label;            // ReplayResult::server
  std::shared_ptr<void> keep;
};
// Places and starts the server, configured by `config` (its TFTP root already made),
// on `segment` of `clock`. An error names what failed.
using PlaceServer =
    std::function<Result<PlacedServer>(sim::Clock& clock, sim::Segment& segment, const server::ServerConfig& config)>;

// The replay against any server, on a clock the caller owns: replay_against_reference
// is this on a VirtualClock with the in-process reference server; `pxelab replay --sut`
// passes a RealtimeClock and a server under test (conformance/scenario's SutServer).
// `deadline` bounds the run on `clock` (0: an hour, or the capture's length + 60 s
// for kExact).
Result<ReplayResult> replay_against(const sim::Trace& capture, const server::ServerConfig& config,
                                    const ReplayRunOptions& options, sim::Clock& clock, const PlaceServer& place,
                                    sim::Time deadline = 0);

// Pairs a request's answers and diffs each pair (pure; used by the run and tests).
std::vector<AnswerPair> pair_answers(const Step& step, const StepRecord& record);

}  // namespace pxelab::conformance::replay
