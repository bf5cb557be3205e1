#include "client/probe_client.h"

#include <algorithm>

#include "client/requests.h"
#include "wire/dhcp_option_values.h"
#include "wire/ports.h"

namespace pxelab::client {

namespace {

namespace dhcp = wire::dhcp;

constexpr std::uint16_t kClientPort = wire::kDhcpClientPort;
constexpr std::uint16_t kServerPort = wire::kDhcpServerPort;
constexpr std::uint16_t kFirstTftpPort = 20000;

// What the probe asks for in 55: enough that a server with a few forced or large
// options has to overload (DHCP-OVERLOAD-END, DHCP-MAX-SIZE) when the client gives
// no 57.
const std::vector<std::uint8_t> kProbePrl = {1, 3, 6, 12, 15, 17, 28, 42, 43, 60, 66, 67, 119, 208, 209, 210};

std::string ip_text(const std::optional<wire::Ipv4Address>& a) { return a ? a->to_string() : std::string("?"); }

// The code a ROM would show for a boot file that did not arrive.
std::string_view tftp_failure_code(TftpDownloadStatus status, std::uint16_t error_code) {
  switch (status) {
    case TftpDownloadStatus::kOpenTimeout: return kCodeTftpOpenTimeout;
    case TftpDownloadStatus::kServerError: return error_code == 1 ? kCodeTftpFileNotFound : kCodeTftpAborted;
    default: return kCodeTftpAborted;
  }
}

}  // namespace

const std::vector<std::string>& probe_steps() {
  static const std::vector<std::string> kSteps = {"dora",        "inform",       "renew", "select-other", "init-reboot",
                                                  "tftp-dotdot", "tftp-missing", "tftp",  "tftp-window",  "tftp-rollover"};
  return kSteps;
}

ProbeClient::ProbeClient(ProbeOptions options, std::uint64_t seed, std::string name)
    : options_(std::move(options)), rng_(seed) {
  outcome_.name = std::move(name);
  outcome_.personality = "probe";
  const auto& all = probe_steps();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const bool listed = options_.steps.empty()
                            ? all[i] != "tftp-rollover"  // 32 MiB: only where a scenario asks for it
                            : std::find(options_.steps.begin(), options_.steps.end(), all[i]) != options_.steps.end();
    if (listed) {
      script_.push_back(static_cast<Step>(i));
    }
  }
  // What every request carries, as a personality would say it: 61 (type 1 + MAC, which
  // the server must echo: DHCP-CLIENT-ID-ECHO), a PXE identity (60, 93, 94, 97) and a
  // long 55, but no 57.
  DhcpIdentity& id = identity_.identity;
  id.parameter_request_list = kProbePrl;
  id.client_id = true;
  id.vendor_class = "PXEClient:Arch:00000:UNDI:002001";
  id.arch = 0;
  id.ndi = std::vector<std::uint8_t>{1, 2, 1};
  id.machine_id = MachineIdPolicy::kZeros;
  // Lenient like iPXE (any OACK), patient enough for a broken server.
  tftp_rules_.oack = OackPolicy::kTolerant;
  tftp_rules_.timeouts = {sim::seconds(2), sim::seconds(2), sim::seconds(2)};
  tftp_rules_.abort_code = 0;
}

ProbeClient::~ProbeClient() = default;

void ProbeClient::start(sim::AgentContext& ctx, sim::Time now) {
  outcome_.mac = ctx.mac();
  outcome_.timeline.power_on = now;
  if (!ctx.bind_port(kClientPort).ok()) {
    // Port 68 taken: no reply can reach the probe, so every step ends in its timeout
    // and the outcome says which answers never came.
  }
  xid_ = static_cast<std::uint32_t>(rng_.next());
  begin(ctx, now);
}

void ProbeClient::arm(sim::AgentContext& ctx, sim::Time at) {
  if (timer_armed_) ctx.cancel_timer(timer_);
  timer_ = ctx.set_timer(at, 1);
  timer_armed_ = true;
}

dhcp::Message ProbeClient::request_base(dhcp::MessageType type) const {
  return request_message(identity_, RequestFields{outcome_.mac, xid_, 0, options_.broadcast_flag, {}}, type);
}

void ProbeClient::send_dhcp(sim::AgentContext& ctx, dhcp::Message m, sim::Endpoint to) {
  const wire::Bytes bytes = encode_request(identity_, m);
  if (bytes.empty()) return;  // cannot happen: the probe's messages are small
  if (!ctx.send(sim::OutgoingDatagram{kClientPort, to, bytes}).ok()) {
    // Larger than the MTU: lost as on a wire; the step's timer judges the silence.
  }
}

void ProbeClient::send_dora(sim::AgentContext& ctx, sim::Time now, dhcp::Message m) {
  dora_message_ = std::move(m);
  dora_sends_ = 1;
  send_dhcp(ctx, dora_message_, {wire::Ipv4Address::broadcast(), kServerPort});
  arm(ctx, now + (options_.dora_waits.empty() ? options_.wait : options_.dora_waits.front()));
}

void ProbeClient::begin(sim::AgentContext& ctx, sim::Time now) {
  if (step_ >= script_.size()) {
    finish(now);
    if (timer_armed_) ctx.cancel_timer(timer_);
    timer_armed_ = false;
    if (on_finished_) on_finished_(*this);
    return;
  }
  const Step s = script_[step_];
  const bool needs_lease = s != Step::kDora && s != Step::kTftpDotDot && s != Step::kTftpMissing && s != Step::kTftp &&
                           s != Step::kTftpWindow && s != Step::kTftpRollover;
  if ((needs_lease && !address_) || (!needs_lease && s != Step::kDora && !tftp_server_)) {
    next(ctx, now, "skipped (no lease from the DORA step)", StepEnd::kSkipped);
    return;
  }
  xid_ = static_cast<std::uint32_t>(rng_.next());
  const sim::Endpoint broadcast{wire::Ipv4Address::broadcast(), kServerPort};
  switch (s) {
    case Step::kDora: {
      offer_taken_ = false;
      outcome_.timeline.first_discover = now;
      send_dora(ctx, now, request_base(dhcp::MessageType::kDiscover));
      return;
    }
    case Step::kInform: {
      dhcp::Message m = request_base(dhcp::MessageType::kInform);
      m.ciaddr = *address_;
      m.flags = 0;
      send_dhcp(ctx, m, {*server_, kServerPort});
      break;
    }
    case Step::kRenew: {
      dhcp::Message m = request_base(dhcp::MessageType::kRequest);
      m.ciaddr = *address_;
      m.flags = 0;
      send_dhcp(ctx, m, {*server_, kServerPort});
      break;
    }
    case Step::kSelectOther: {
      // Another server's id: one that cannot be the server that answered.
      dhcp::Message m = request_base(dhcp::MessageType::kRequest);
      const wire::Ipv4Address other{server_->value ^ 0x00000001u};
      dhcp::set_server_id(m, other);
      dhcp::set_requested_address(m, *address_);
      send_dhcp(ctx, m, broadcast);
      break;
    }
    case Step::kInitReboot: {
      // An address on the subnet that is not ours (the next one).
      dhcp::Message m = request_base(dhcp::MessageType::kRequest);
      dhcp::set_requested_address(m, wire::Ipv4Address{address_->value + 1});
      send_dhcp(ctx, m, broadcast);
      break;
    }
    case Step::kTftpDotDot:
      start_tftp(ctx, now, "probe/../" + boot_file_, {});
      return;
    case Step::kTftpMissing:
      start_tftp(ctx, now, "pxelab-probe-no-such-file", {});
      return;
    case Step::kTftp:
      start_tftp(ctx, now, boot_file_, {{"blksize", "1024"}, {"tsize", "0"}, {"timeout", "3"}});
      return;
    case Step::kTftpWindow:
      start_tftp(ctx, now, boot_file_, {{"blksize", "1024"}, {"windowsize", "4"}});
      return;
    case Step::kTftpRollover:
      start_tftp(ctx, now, options_.rollover_file, {{"blksize", "512"}});
      return;
  }
  arm(ctx, now + options_.wait);
}

void ProbeClient::next(sim::AgentContext& ctx, sim::Time now, std::string result, StepEnd end) {
  const std::string& step = probe_steps()[static_cast<std::size_t>(script_[step_])];
  if (end != StepEnd::kSkipped) ++steps_completed_;
  if (end == StepEnd::kAnswered) ++steps_answered_;
  if (end == StepEnd::kSkipped) fail_once(kCodeNoOffers, step + ": " + result);  // a step it could not run
  outcome_.console.push_back(step + ": " + result);
  ++step_;
  begin(ctx, now);
}

void ProbeClient::fail_once(std::string_view code, std::string why) {
  if (!failure_code_.empty()) return;
  failure_code_ = std::string(code);
  failure_why_ = std::move(why);
}

void ProbeClient::finish(sim::Time now) {
  const bool dora_listed = std::find(script_.begin(), script_.end(), Step::kDora) != script_.end();
  if (dora_listed && !address_) fail_once(kCodeNoOffers, "no lease from the DORA step");
  outcome_.timeline.done = now;
  outcome_.text = "completed " + std::to_string(steps_completed_) + " of " + std::to_string(script_.size()) +
                  " steps, " + std::to_string(steps_answered_) + " answered";
  if (failure_code_.empty()) {
    outcome_.status = BootStatus::kBooted;
    return;
  }
  outcome_.status = BootStatus::kFailed;
  outcome_.code = failure_code_;
  outcome_.text += "; " + failure_why_;
}

void ProbeClient::on_dhcp(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  auto parsed = dhcp::parse(d.payload);
  if (!parsed || parsed->op != 2 || parsed->xid != xid_ || parsed->mac() != outcome_.mac) return;
  const dhcp::Message& r = *parsed;
  const auto type = dhcp::message_type(r);
  const std::string what = type ? std::string(dhcp::to_string(*type)) : std::string("BOOTREPLY");
  const Step s = script_[step_];
  if (s == Step::kDora) {
    if (type == dhcp::MessageType::kOffer && !offer_taken_ && !r.yiaddr.is_any()) {
      offer_taken_ = true;
      outcome_.timeline.offer = now;
      dhcp::Message m = request_base(dhcp::MessageType::kRequest);
      dhcp::set_requested_address(m, r.yiaddr);
      auto sid = dhcp::server_id(r);
      dhcp::set_server_id(m, sid.value_or(r.siaddr));
      send_dora(ctx, now, std::move(m));
      return;
    }
    if (type == dhcp::MessageType::kAck && offer_taken_) {
      address_ = r.yiaddr;
      server_ = dhcp::server_id(r).value_or(d.src.ip);
      tftp_server_ = r.siaddr.is_any() ? *server_ : r.siaddr;  // PXE-SIADDR
      if (auto mask = dhcp::subnet_mask(r)) {
        std::uint8_t len = 0;
        for (std::uint32_t v = mask->value; v & 0x80000000u; v <<= 1) ++len;
        prefix_ = len;
      }
      std::optional<wire::Ipv4Address> gateway;
      if (auto routers = dhcp::routers(r); routers && !routers->empty()) gateway = routers->front();
      ctx.configure_address(address_, prefix_, gateway);
      boot_file_ = !r.file.empty() ? r.file : dhcp::bootfile_name(r).value_or(options_.file);
      if (boot_file_.empty()) boot_file_ = options_.file;
      outcome_.address = address_;
      outcome_.dhcp_server = dhcp::server_id(r);
      outcome_.boot_file = boot_file_;
      outcome_.timeline.ack = now;
      next(ctx, now, "ACK " + address_->to_string() + " from " + ip_text(outcome_.dhcp_server) + ", file '" + boot_file_ + "'",
           StepEnd::kAnswered);
      return;
    }
    if (type == dhcp::MessageType::kNak) {
      fail_once(kCodeNak, "dora: NAK");
      next(ctx, now, "NAK", StepEnd::kAnswered);
    }
    return;
  }
  // Any answer ends the other DHCP steps; a second one (a duplicate) is for the trace.
  std::string result = what;
  if (type == dhcp::MessageType::kAck) {
    result += ' ';
    result += r.yiaddr.to_string();  // appended in two steps: GCC 12 -Wrestrict misfires on " " + string
  }
  next(ctx, now, result, StepEnd::kAnswered);
}

void ProbeClient::start_tftp(sim::AgentContext& ctx, sim::Time now, std::string file,
                             std::vector<TftpOptionRequest> options) {
  TftpDownloadSpec spec;
  spec.file = std::move(file);
  spec.server = *tftp_server_;
  spec.local_port = static_cast<std::uint16_t>(kFirstTftpPort + next_port_++);
  spec.options = std::move(options);
  if (!ctx.bind_port(spec.local_port).ok()) {
    // The port is the probe's own (a new one per transfer): taken only if the host runs
    // another agent there, and then the transfer times out and the step says so.
  }
  if (!outcome_.timeline.tftp_start) outcome_.timeline.tftp_start = now;
  download_ = std::make_unique<TftpDownload>(tftp_rules_, std::move(spec));
  download_->start(ctx, now);
  arm(ctx, download_->deadline());
}

void ProbeClient::tftp_done(sim::AgentContext& ctx, sim::Time now) {
  std::unique_ptr<TftpDownload> dl = std::move(download_);
  ctx.unbind_port(dl->spec().local_port);
  std::string result = "RRQ " + dl->spec().file + ": " + std::string(to_string(dl->status()));
  if (dl->status() == TftpDownloadStatus::kServerError || dl->status() == TftpDownloadStatus::kRefused) {
    result += " (ERROR " + std::to_string(dl->error_code()) + " '" + dl->error_message() + "')";
  }
  if (dl->status() == TftpDownloadStatus::kComplete) {
    result += ", " + std::to_string(dl->size()) + " octets";
    LoadedImage image;
    image.name = dl->spec().file;
    image.size = dl->size();
    image.tsize = dl->tsize();
    image.sha256 = dl->sha256();
    image.kind = "file";
    image.server = dl->spec().server;
    image.started = dl->started();
    image.finished = dl->finished_at();
    outcome_.images.push_back(std::move(image));
    outcome_.timeline.tftp_end = now;
  } else if (const Step s = script_[step_]; s == Step::kTftp || s == Step::kTftpWindow || s == Step::kTftpRollover) {
    fail_once(tftp_failure_code(dl->status(), dl->error_code()), probe_steps()[static_cast<std::size_t>(s)] + ": " + result);
  }
  const bool answered = dl->status() != TftpDownloadStatus::kOpenTimeout;
  next(ctx, now, result, answered ? StepEnd::kAnswered : StepEnd::kUnanswered);
}

void ProbeClient::on_datagram(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  if (finished()) return;
  if (download_) {
    if (download_->on_datagram(ctx, now, d)) {
      if (download_->finished()) tftp_done(ctx, now);
      else arm(ctx, download_->deadline());
    }
    return;
  }
  if (d.dst.port == kClientPort) on_dhcp(ctx, now, d);
}

void ProbeClient::on_timer(sim::AgentContext& ctx, sim::Time now, std::uint64_t) {
  timer_armed_ = false;
  if (finished()) return;
  if (download_) {
    if (now < download_->deadline()) {
      arm(ctx, download_->deadline());
      return;
    }
    download_->on_timeout(ctx, now);
    if (download_->finished()) tftp_done(ctx, now);
    else arm(ctx, download_->deadline());
    return;
  }
  const bool dora = script_[step_] == Step::kDora;
  if (dora && dora_sends_ < options_.dora_waits.size()) {
    // RFC 2131 §4.1: retransmit, same xid, and wait longer.
    send_dhcp(ctx, dora_message_, {wire::Ipv4Address::broadcast(), kServerPort});
    arm(ctx, now + options_.dora_waits[dora_sends_++]);
    return;
  }
  if (dora) fail_once(offer_taken_ ? kCodeServerTimeout : kCodeNoOffers, offer_taken_ ? "dora: no ACK" : "dora: no offer");
  next(ctx, now, offer_taken_ || !dora ? "no answer" : "no offer",
       dora && offer_taken_ ? StepEnd::kAnswered : StepEnd::kUnanswered);
}

void ProbeClient::end_of_run(sim::Time) {
  if (finished()) return;
  outcome_.status = BootStatus::kPending;
  outcome_.code = "DEADLINE";
  outcome_.text = "the probe had not finished its script (at step " +
                  probe_steps()[static_cast<std::size_t>(script_[step_])] + ")";
}

}  // namespace pxelab::client
