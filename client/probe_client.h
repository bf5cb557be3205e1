// The conformance probe: not a firmware but a scripted client that sends what boot
// ROMs never do, so that the catalogue's active checks have something to judge (and
// the mutation tests a stimulus for every MUST server check). Sans-I/O like PxeClient.
//
// Its script, in this order (each step only if listed in ProbeOptions::steps):
//   dora          DISCOVER (61, 60 PXEClient, 93/94/97, no 57, broadcast flag as set),
//                 each of DISCOVER and REQUEST retransmitted after 4 s, given up 8 s later,
//                 REQUEST for the first offer -> ACK; the address is configured.
//   inform        INFORM from the bound address (RFC 2131 §4.3.5)     DHCP-INFORM-ACK
//   renew         unicast REQUEST with ciaddr, no 50/54 (§4.3.2)       DHCP-RENEW
//   select-other  REQUEST naming another server (§4.3.2)              DHCP-SELECT-OTHER
//   init-reboot   REQUEST for an address not its own (§4.3.2)         DHCP-INIT-REBOOT, NAK
//   tftp-dotdot   RRQ "probe/../FILE" (expected: ERROR)                TFTP-PATH
//   tftp-missing  RRQ for a file that does not exist (ERROR)           TFTP-ERROR-FINAL
//   tftp          RRQ FILE with blksize 1024, tsize 0, timeout 3        TFTP-TIMEOUT, -TSIZE...
//   tftp-window   RRQ FILE with blksize 1024, windowsize 4             TFTP-WINDOW
//   tftp-rollover RRQ ProbeOptions::rollover_file (over 32 MiB) with    TFTP-ROLLOVER
//                 blksize 512: its block numbers pass 65535 (FW-46). Only when listed:
//                 an empty ProbeOptions::steps means every step but this one.
// Each step waits for its answer up to `wait`, then goes on whatever happened. FILE is
// the boot file of the ACK (file field, else 67), else ProbeOptions::file.
// Outcome: what the probe saw. Booted when the script has run, the DORA step (when
// listed) got an ACK, no step was skipped for want of a lease and every download of the
// boot file (tftp, tftp-window) arrived whole; otherwise failed, with the code of the
// first thing that went wrong (PXE-E51 no offer or a step skipped without a lease,
// DHCP-NAK, PXE-E18 no ACK after the offer, PXE-E32/-E3B/TFTP-ABORTED for the boot
// file) - so a silent or broken server fails OUTCOME-BOOTED. The text says "completed N of M steps,
// K answered" (skipped steps are not completed; a step is answered when the server
// sent anything for it). Every step's result is a console line ("inform: DHCPACK
// 0.0.0.0", "init-reboot: DHCPNAK"), for people.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/outcome.h"
#include "client/personality.h"
#include "client/tftp_download.h"
#include "sim/agent.h"
#include "sim/rng.h"
#include "wire/dhcp_message.h"
#include "wire/dhcp_option_values.h"

namespace pxelab::client {

struct ProbeOptions {
  std::vector<std::string> steps;  // empty: all but tftp-rollover, in the order above
  std::string file;                // when the ACK names none
  bool broadcast_flag = true;
  sim::Time wait = sim::seconds(2);
  // The DORA step's DISCOVER and REQUEST are retransmitted as RFC 2131 §4.1 has a client
  // do (4 s, then 8 s; not randomized, so a run stays deterministic for its seed): a
  // server that checks an address before offering it (dnsmasq pings it first, about 3 s)
  // answers after `wait`. Each entry is the wait after one transmission.
  std::vector<sim::Time> dora_waits = {sim::seconds(4), sim::seconds(8)};
  // The file of the tftp-rollover step: the server must have one over 32 MiB (65,536
  // blocks of 512) under this name.
  std::string rollover_file = "pxelab-rollover.bin";
};

// The step names, in script order.
const std::vector<std::string>& probe_steps();

class ProbeClient final : public sim::Agent {
 public:
  ProbeClient(ProbeOptions options, std::uint64_t seed, std::string name);
  ~ProbeClient() override;

  void start(sim::AgentContext& ctx, sim::Time now) override;
  void on_datagram(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) override;
  void on_timer(sim::AgentContext& ctx, sim::Time now, std::uint64_t tag) override;

  const ClientOutcome& outcome() const { return outcome_; }
  bool finished() const { return step_ >= script_.size(); }
  void end_of_run(sim::Time now);
  void set_on_finished(std::function<void(const ProbeClient&)> fn) { on_finished_ = std::move(fn); }

 private:
  enum class Step : std::uint8_t {
    kDora, kInform, kRenew, kSelectOther, kInitReboot, kTftpDotDot, kTftpMissing, kTftp, kTftpWindow, kTftpRollover
  };

  void begin(sim::AgentContext& ctx, sim::Time now);  // the current step
  // How a step ended: ran or skipped; answered or not.
  enum class StepEnd : std::uint8_t { kAnswered, kUnanswered, kSkipped };
  void next(sim::AgentContext& ctx, sim::Time now, std::string result, StepEnd end);
  void fail_once(std::string_view code, std::string why);  // keeps the first failure
  void finish(sim::Time now);
  void arm(sim::AgentContext& ctx, sim::Time at);
  wire::dhcp::Message request_base(wire::dhcp::MessageType type) const;
  void send_dhcp(sim::AgentContext& ctx, wire::dhcp::Message m, sim::Endpoint to);
  // Sends `m` broadcast as the DORA step's message and arms its first wait.
  void send_dora(sim::AgentContext& ctx, sim::Time now, wire::dhcp::Message m);
  void on_dhcp(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d);
  void start_tftp(sim::AgentContext& ctx, sim::Time now, std::string file, std::vector<TftpOptionRequest> options);
  void tftp_done(sim::AgentContext& ctx, sim::Time now);

  ProbeOptions options_;
  sim::Rng rng_;
  ClientOutcome outcome_;
  std::vector<Step> script_;
  std::size_t step_ = 0;
  std::size_t steps_completed_ = 0;  // not skipped
  std::size_t steps_answered_ = 0;
  std::string failure_code_;         // the first failure ("" while none)
  std::string failure_why_;
  std::uint32_t xid_ = 0;
  bool offer_taken_ = false;
  wire::dhcp::Message dora_message_;  // the DORA step's last DISCOVER or REQUEST, for retransmission
  std::size_t dora_sends_ = 0;        // of dora_message_
  std::optional<wire::Ipv4Address> address_;
  std::optional<wire::Ipv4Address> server_;       // the DHCP server (54)
  std::optional<wire::Ipv4Address> tftp_server_;  // siaddr, else 54
  std::uint8_t prefix_ = 24;
  std::string boot_file_;
  Personality identity_;  // only its DHCP identity: what client/requests.h adds to each request
  TftpRules tftp_rules_;
  std::unique_ptr<TftpDownload> download_;
  std::uint16_t next_port_ = 0;
  sim::TimerId timer_{};
  bool timer_armed_ = false;
  std::function<void(const ProbeClient&)> on_finished_;
};

}  // namespace pxelab::client
