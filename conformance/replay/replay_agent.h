// ReplayAgent: one captured client put back on a segment, as a sans-I/O agent.
//
// It sends the requests of its ClientScript in order, byte for byte (xid, chaddr,
// flags, secs, options and their order as captured), and is reactive where a real
// client is:
// - addresses are mapped from the field to the run: when the new server answers a
//   request the field server answered, the pair (field yiaddr -> new yiaddr, field
//   server id -> new server id, field source/siaddr -> new) is learnt; later requests
//   have ciaddr, option 50 and their unicast destination rewritten through it;
// - a SELECTING REQUEST names the server that offered now (option 54 and 50 from the
//   new OFFER for that xid, RFC 2131 §4.3.2), not the field's;
// - a TFTP read goes to the new TFTP server, follows its TID (RFC 1350 §4), its OACK
//   (blksize, windowsize: ACK every window, RFC 7440 §4) and block numbers (past a
//   rollover), and ends as the field client ended it: every block, an ERROR after the
//   OACK (the UEFI tsize probe, FW-04), an ERROR or silence after block N.
// Timing: kExact sends each request at its captured offset from the client's first;
// kCompressed sends the next request as soon as the previous one settled (as many
// answers as the field got, or a TFTP read ended) plus the captured gap, cut to
// kCompressedGap; a request without its answers settles after kSettleTimeout.
//
// What it records (StepRecord) is what the new server answered each request: the
// answer diff and the reports are computed from it afterwards.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "conformance/replay/replay_script.h"
#include "sim/agent.h"

namespace pxelab::conformance::replay {

enum class Timing : std::uint8_t { kExact, kCompressed };

inline constexpr sim::Time kCompressedGap = sim::ms(20);
inline constexpr sim::Time kSettleTimeout = sim::seconds(2);
inline constexpr sim::Time kTftpStall = sim::seconds(3);

// One answer the new server gave, as it reached the client (frame: in the run's trace).
struct NewAnswer : FieldAnswer {
  sim::Time at = 0;
};

struct StepRecord {
  bool sent = false;
  sim::Time sent_at = 0;
  std::string rewritten;  // what was rewritten ("54 192.0.2.1 -> 198.18.0.1, 50 ...")
  std::vector<NewAnswer> answers;
  TftpFieldAnswer tftp;  // the new TFTP server's first answer and the transfer's facts
  bool settled = false;
};

class ReplayAgent final : public sim::Agent {
 public:
  // `script` must outlive the agent.
  // `settle_timeout`: how long a request waits for its answers (a real server on the
  // wall clock may take longer: dnsmasq pings an address for ~3 s before offering it).
  ReplayAgent(const ClientScript& script, Timing timing, sim::Time settle_timeout = kSettleTimeout);

  void start(sim::AgentContext& ctx, sim::Time now) override;
  void on_datagram(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) override;
  void on_timer(sim::AgentContext& ctx, sim::Time now, std::uint64_t tag) override;

  const ClientScript& script() const { return *script_; }
  const std::vector<StepRecord>& records() const { return records_; }
  bool finished() const { return finished_; }
  void set_on_finished(std::function<void()> fn) { on_finished_ = std::move(fn); }

 private:
  static constexpr std::uint64_t kSendTag = 0;            // + step index
  static constexpr std::uint64_t kSettleTag = 1ull << 40;  // + step index
  static constexpr std::uint64_t kStallTag = 2ull << 40;   // + step index
  static constexpr std::uint64_t kDallyTag = 3ull << 40;   // + step index: the last ACK again

  void send_step(sim::AgentContext& ctx, sim::Time now, std::size_t i);
  void send_dhcp(sim::AgentContext& ctx, std::size_t i);
  void send_tftp(sim::AgentContext& ctx, sim::Time now, std::size_t i);
  void settle(sim::AgentContext& ctx, sim::Time now, std::size_t i);
  void on_dhcp(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d);
  void on_tftp(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d, std::size_t i);
  void end_tftp(sim::AgentContext& ctx, sim::Time now, std::size_t i, std::string end);
  void learn(const Step& step, const NewAnswer& answer);
  wire::Ipv4Address mapped_address(wire::Ipv4Address field) const;
  wire::Ipv4Address mapped_server(wire::Ipv4Address field) const;
  Status send_tftp_packet(sim::AgentContext& ctx, std::size_t i, const wire::Bytes& payload);

  const ClientScript* script_;
  Timing timing_;
  sim::Time settle_timeout_ = kSettleTimeout;
  std::vector<StepRecord> records_;
  std::map<std::uint32_t, std::uint32_t> address_map_;  // field client address -> new
  std::map<std::uint32_t, std::uint32_t> server_map_;   // field server address -> new
  std::optional<wire::Ipv4Address> last_server_;  // the new DHCP server that ACKed
  // The last ACK's siaddr, in the field and now (0 included: where a ROM then sends
  // its RRQ, FW-37).
  std::optional<std::pair<wire::Ipv4Address, wire::Ipv4Address>> next_server_;
  std::vector<std::uint16_t> bound_;                   // ports bound
  // The TFTP read in progress (one at a time per port).
  struct Transfer {
    std::size_t step = 0;
    std::uint16_t port = 0;
    sim::Endpoint server;        // the request's destination, then the server's TID
    bool tid_known = false;
    std::uint64_t blocks = 0;    // distinct blocks, counting past 65535
    std::uint16_t last_number = 0;
    std::uint32_t blksize = 512, windowsize = 1, in_window = 0;
    std::optional<std::uint64_t> tsize;  // from the OACK: the end, when DATA blocks are not short
    std::uint32_t dallies = 0;           // last ACKs sent again
    std::optional<sim::TimerId> stall;
  };
  std::vector<Transfer> transfers_;
  std::size_t settled_count_ = 0;
  bool finished_ = false;
  std::function<void()> on_finished_;
};

}  // namespace pxelab::conformance::replay
