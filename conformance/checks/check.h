// The check catalogue's types: what a check is handed (Run, then Analysis), what it
// yields (Finding), and how a check's verdict is decided (CheckResult).
//
// A check is a plain function over an Analysis that reports to a Judge: judge() for
// each thing it examined (a reply, a transfer, a client), fail() for each violation.
// Verdict: any finding -> fail; nothing examined -> not applicable (never "pass");
// else pass. The table of checks is catalogue.cc (explicit, no self-registration).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "client/outcome.h"
#include "conformance/analysis/trace_decode.h"
#include "conformance/analysis/transactions.h"
#include "sim/port.h"
#include "sim/trace.h"
#include "wire/address.h"

namespace pxelab::conformance {

// What the scenario harness (or `pxelab check`) hands the checks. One Run is one
// segment: its trace, frame numbers and pcap are that segment's. A scenario with
// several segments runs the catalogue once per segment (one Run each, with the
// outcomes of the clients on that segment) and reports each run's findings under its
// segment name (`segment`); frame numbers then refer to that segment's pcap.
struct Run {
  const sim::Trace* trace = nullptr;  // not owned; outlives the Run
  std::string segment;                // "" for a single-segment run or a capture
  std::vector<client::ClientOutcome> outcomes;  // empty for a capture
  bool from_capture = false;          // outcome-only checks are not applicable then

  // Who is who, when the scenario knows (empty: inferred from the wire). A server or
  // relay may be named by MAC, IP or port; clients by MAC.
  std::vector<wire::MacAddress> server_macs;
  std::vector<wire::Ipv4Address> server_ips;
  std::vector<sim::PortIndex> server_ports;
  std::vector<wire::MacAddress> relay_macs;
  std::vector<wire::Ipv4Address> relay_ips;
  std::vector<wire::MacAddress> client_macs;

  // Link MTU (IP octets) per port; ports not listed (and captures) use default_mtu.
  struct PortMtu {
    sim::PortIndex port = sim::kNoPort;
    std::uint32_t mtu = 1500;
  };
  std::vector<PortMtu> link_mtu;
  std::uint32_t default_mtu = 1500;

  std::uint32_t mtu_of(sim::PortIndex port) const {
    for (const auto& p : link_mtu) {
      if (p.port == port) return p.mtu;
    }
    return default_mtu;
  }
  // The smallest MTU on the segment: the path MTU between any two of its ports.
  std::uint32_t path_mtu() const {
    std::uint32_t m = default_mtu;
    for (const auto& p : link_mtu) m = p.mtu < m ? p.mtu : m;
    return m;
  }
};

enum class Level : std::uint8_t { kMust, kShould, kInterop };
enum class Role : std::uint8_t { kServer, kClient, kRelay };
enum class Mode : std::uint8_t {
  kPassive,  // judged from any capture
  kActive,   // judged fully only when a scenario sends the stimulus (partly from the wire)
  kOutcome,  // needs the clients' outcomes: not applicable on a capture
};
std::string_view to_string(Level level);
std::string_view to_string(Role role);
std::string_view to_string(Mode mode);

struct Finding {
  std::string check;              // the check id
  Level level = Level::kMust;
  wire::MacAddress client;        // zero when no client is involved (a server-wide finding)
  std::string transaction;        // "xid 0x1a2b3c4d", "xid 0x.. port 4011", "TFTP 192.0.2.50:1234 pxelinux.0"
  std::vector<std::uint64_t> frames;  // trace indices, 0-based (reports print + 1)
  std::string message;            // expected ..., seen ...
};

enum class Verdict : std::uint8_t { kPass, kFail, kNotApplicable };
std::string_view to_string(Verdict v);

// What checks see: the run, the decoded trace and its grouping.
struct Analysis {
  const Run* run = nullptr;
  const DecodedTrace* decoded = nullptr;
  const Grouping* grouping = nullptr;

  const DecodedTrace& d() const { return *decoded; }
  const Grouping& g() const { return *grouping; }
  const FrameInfo& frame(std::uint32_t i) const { return decoded->frames[i]; }
  const FrameInfo& frame(const DhcpMsg& m) const { return decoded->frames[m.frame]; }
};

// Findings beyond kDetailLimit per check are counted, not kept: a server that gets
// one thing wrong in every reply of a 150k-packet capture yields one finding per
// reply, and the first thousand say all there is to say (the total is reported).
inline constexpr std::size_t kDetailLimit = 1000;

class Judge {
 public:
  Judge(std::string_view check, Level level) : check_(check), level_(level) {}
  void judge(std::size_t n = 1) { judged_ += n; }
  void fail(const wire::MacAddress& client, std::string transaction, std::vector<std::uint64_t> frames,
            std::string message);
  // True once kDetailLimit findings are kept: a check may then call count() instead
  // of building the finding's text.
  bool saturated() const { return findings_.size() >= kDetailLimit; }
  void count() { ++total_; }
  std::size_t judged() const { return judged_; }
  std::size_t total() const { return total_; }
  std::vector<Finding>& findings() { return findings_; }

 private:
  std::string_view check_;
  Level level_;
  std::size_t judged_ = 0;
  std::size_t total_ = 0;
  std::vector<Finding> findings_;
};

struct Check {
  std::string_view id;        // never changes meaning once published
  std::string_view title;
  Level level;
  Role role;
  std::string_view citation;  // "RFC 2131 §4.3.1 table 3", "FW-09"
  Mode mode;
  void (*run)(const Analysis&, Judge&);
};

struct CheckResult {
  const Check* check = nullptr;
  Verdict verdict = Verdict::kNotApplicable;
  std::size_t judged = 0;        // things examined
  std::string reason;            // for not applicable: why
  std::vector<Finding> findings;  // the first kDetailLimit
  std::size_t findings_total = 0;  // all of them
};

// Transaction labels used in findings.
std::string xid_label(const DhcpMsg& m, bool boot_server);
std::string transfer_label(const DecodedTrace& d, const TftpTransfer& t);

}  // namespace pxelab::conformance
