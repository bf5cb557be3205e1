#include "server/tftp_agent.h"

namespace pxelab::server {

namespace {

class ContextSink final : public TftpPacketSink {
 public:
  // `from_69`: fault tftp_reply_from_69 (TFTP-NEW-TID broken on purpose).
  ContextSink(sim::AgentContext& ctx, std::uint16_t port, sim::Endpoint to, bool from_69 = false)
      : ctx_(ctx), port_(from_69 ? wire::kTftpServerPort : port), to_(to) {}
  void send_packet(wire::ByteView packet) override {
    // A send can fail only on a payload over the MTU, which the blksize cap prevents.
    static_cast<void>(ctx_.send(sim::OutgoingDatagram{port_, to_, packet}));
  }

 private:
  sim::AgentContext& ctx_;
  std::uint16_t port_;
  sim::Endpoint to_;
};

std::string endpoint_text(const sim::Endpoint& e) { return e.ip.to_string() + ":" + std::to_string(e.port); }

}  // namespace

TftpServerAgent::TftpServerAgent(const TftpConfig& config, const TftpFileSource& files, LogSink& log,
                                 std::uint16_t first_port, std::uint16_t port_count, const Faults& faults)
    : config_(config), files_(files), log_(log), first_port_(first_port), port_count_(port_count) {
  limits_.max_blksize = config.max_blksize;
  limits_.max_windowsize = config.max_windowsize;
  limits_.retransmit = sim::ms(config.retransmit_ms);
  limits_.retries = config.retries;
  limits_.idle_limit = sim::seconds(config.transfer_timeout_s);
  limits_.rollover = config.rollover_to == 1 ? wire::BlockRollover::kToOne : wire::BlockRollover::kToZero;
  limits_.faults = faults;
}

void TftpServerAgent::start(sim::AgentContext&, sim::Time) {}

TftpServerAgent::Transfer* TftpServerAgent::find(std::uint16_t port) {
  const std::size_t i = static_cast<std::uint16_t>(port - first_port_);
  if (port < first_port_ || i >= slots_.size() || !slots_[i]) return nullptr;
  return &*slots_[i];
}

TftpServerAgent::Transfer& TftpServerAgent::emplace(std::uint16_t port, Transfer t) {
  const std::size_t i = static_cast<std::size_t>(port - first_port_);
  if (slots_.size() <= i) slots_.resize(i + 1);
  by_client_[client_key(t.client)] = port;
  slots_[i].emplace(std::move(t));
  ++active_;
  return *slots_[i];
}

void TftpServerAgent::erase(std::uint16_t port) {
  Transfer* t = find(port);
  if (t == nullptr) return;
  if (auto it = by_client_.find(client_key(t->client)); it != by_client_.end() && it->second == port) by_client_.erase(it);
  slots_[static_cast<std::size_t>(port - first_port_)].reset();
  --active_;
}

std::optional<std::uint16_t> TftpServerAgent::allocate_port() {
  if (active_ >= std::min<std::size_t>(config_.max_transfers, port_count_)) return std::nullopt;
  // Round robin: a port is reused as late as possible, so a straggler of an old
  // transfer is not mistaken for the next one.
  for (std::uint16_t i = 0; i < port_count_; ++i) {
    std::uint16_t port = static_cast<std::uint16_t>(first_port_ + (cursor_ + i) % port_count_);
    if (find(port) == nullptr) {
      cursor_ = static_cast<std::uint16_t>((cursor_ + i + 1) % port_count_);
      return port;
    }
  }
  return std::nullopt;
}

void TftpServerAgent::send_error(sim::AgentContext& ctx, std::uint16_t from_port, const sim::Endpoint& to,
                                 wire::TftpErrorCode code, std::string_view message) {
  auto bytes = wire::encode_tftp(wire::TftpError{static_cast<std::uint16_t>(code), std::string(message)});
  if (limits_.faults.has(Fault::kTftpReplyFrom69)) from_port = wire::kTftpServerPort;
  // An ERROR is a few dozen octets: it always fits the MTU, the one reason send fails.
  static_cast<void>(ctx.send(sim::OutgoingDatagram{from_port, to, bytes}));
  // Fault tftp_error_repeat: ERROR is final (RFC 1350 §7) and this one says it twice.
  if (limits_.faults.has(Fault::kTftpErrorRepeat)) static_cast<void>(ctx.send(sim::OutgoingDatagram{from_port, to, bytes}));
}

void TftpServerAgent::on_datagram(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  std::uint16_t port = d.dst.port;
  if (port == wire::kTftpServerPort) {
    // Fault tftp_reply_from_69: the client's ACKs come back to 69; route them to its
    // transfer by the client's endpoint.
    auto it = limits_.faults.has(Fault::kTftpReplyFrom69) ? by_client_.find(client_key(d.src)) : by_client_.end();
    const bool request = d.payload.size() >= 2 && d.payload[0] == 0 && (d.payload[1] == 1 || d.payload[1] == 2);
    if (it == by_client_.end() || request) {
      on_request(ctx, now, d);
      return;
    }
    port = it->second;
  }
  Transfer* found = find(port);
  if (found == nullptr) {
    // A late packet for a finished transfer: RFC 1350 §4 ERROR 5, nothing else.
    ++stats_.foreign_tid;
    send_error(ctx, port, d.src, wire::TftpErrorCode::kUnknownTransferId, "Unknown transfer ID");
    return;
  }
  Transfer& t = *found;
  if (!(d.src == t.client)) {
    ++stats_.foreign_tid;  // TFTP-NEW-TID: answer the stranger, keep the transfer
    send_error(ctx, port, d.src, wire::TftpErrorCode::kUnknownTransferId, "Unknown transfer ID");
    return;
  }
  auto packet = wire::parse_tftp(d.payload);
  if (!packet) {
    ++stats_.malformed;
    log_.line(now, "TFTP " + endpoint_text(d.src) + " malformed packet ignored: " + packet.error().to_string());
    return;
  }
  ContextSink sink(ctx, port, t.client, from_69());
  if (t.reader) t.reader->on_packet(*packet, now, sink);
  else t.writer->on_packet(*packet, now, sink);
  reschedule(ctx, port, t);
  finish_if_done(ctx, now, port);
}

void TftpServerAgent::on_request(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  ++stats_.requests;
  auto packet = wire::parse_tftp(d.payload);
  const auto* req = packet ? std::get_if<wire::TftpRequest>(&*packet) : nullptr;
  if (!req) {
    ++stats_.malformed;
    log_.line(now, "TFTP " + endpoint_text(d.src) + " bad request: " +
                       (packet ? std::string("not a RRQ/WRQ") : packet.error().to_string()));
    // RFC 1350 §5: ERROR 4 for an illegal operation; from a fresh port, as a reply would be.
    if (auto port = allocate_port()) send_error(ctx, *port, d.src, wire::TftpErrorCode::kIllegalOperation, "Illegal TFTP operation");
    return;
  }
  // The same request again from the same endpoint while its transfer runs: the client
  // did not hear our first answer yet (or sent twice). RFC 1350 retransmits on
  // timeout; a second transfer would answer from a second TID and confuse the client
  // (TFTP-NEW-TID). The transfer's own timer resends.
  if (auto it = by_client_.find(client_key(d.src)); it != by_client_.end()) {
    Transfer* active = find(it->second);
    if (active != nullptr && std::equal(active->request.begin(), active->request.end(), d.payload.begin(),
                                        d.payload.end())) {
      ++stats_.duplicate_requests;
      return;
    }
  }
  auto port = allocate_port();
  if (!port) {
    ++stats_.busy;
    log_.line(now, "TFTP RRQ " + req->filename + " from " + endpoint_text(d.src) + " -> ERROR 0 server busy (" +
                       std::to_string(active_) + " transfers)");
    send_error(ctx, wire::kTftpServerPort, d.src, wire::TftpErrorCode::kNotDefined, "Server busy, try later");
    return;
  }
  if (req->opcode == wire::TftpOpcode::kWrq) {
    if (!config_.allow_write) {
      ++stats_.access_violations;
      log_.line(now, "TFTP WRQ " + req->filename + " from " + endpoint_text(d.src) + " -> ERROR 2 (uploads refused)");
      send_error(ctx, *port, d.src, wire::TftpErrorCode::kAccessViolation, "Write not allowed");
      return;
    }
    auto target = files_.writable_path(req->filename);
    if (target.failure) {
      ++stats_.access_violations;
      log_.line(now, "TFTP WRQ " + req->filename + " from " + endpoint_text(d.src) + " -> ERROR " +
                         std::to_string(static_cast<int>(target.failure->code)) + " (" + target.failure->reason + ")");
      send_error(ctx, *port, d.src, static_cast<wire::TftpErrorCode>(target.failure->code),
                 target.failure->code == TftpLookupError::FileExists ? "File already exists" : "Access violation");
      return;
    }
    Transfer t{d.src, req->filename, now, {}, nullptr,
               std::make_unique<TftpWriteTransfer>(*req, limits_, config_.max_write_bytes),
               wire::Bytes(d.payload.begin(), d.payload.end())};
    ContextSink sink(ctx, *port, d.src, from_69());
    t.writer->start(now, sink);
    reschedule(ctx, *port, emplace(*port, std::move(t)));
    finish_if_done(ctx, now, *port);
    return;
  }
  TftpLookupFailure failure{TftpLookupError::NotFound, ""};
  auto file = files_.open(req->filename, &failure, TftpRequester{d.src.ip, d.src_mac});
  if (!file && limits_.faults.has(Fault::kTftpServeDotDot)) {
    // Fault tftp_serve_dotdot: the '..' components dropped, the rest served (TFTP-PATH).
    // Each '..' takes the component before it away ('..' at the top is dropped, so
    // the file is still inside the root).
    std::vector<std::string> parts;
    std::size_t start = 0;
    const std::string& f = req->filename;
    for (std::size_t i = 0; i <= f.size(); ++i) {
      if (i < f.size() && f[i] != '/') continue;
      std::string part = f.substr(start, i - start);
      if (part == "..") {
        if (!parts.empty()) parts.pop_back();
      } else if (!part.empty() && part != ".") {
        parts.push_back(std::move(part));
      }
      start = i + 1;
    }
    std::string normal;
    for (const auto& p : parts) normal += (normal.empty() ? "" : "/") + p;
    if (normal != f && !normal.empty()) file = files_.open(normal, &failure);
  }
  if (!file) {
    bool denied = failure.code == TftpLookupError::AccessViolation;
    ++(denied ? stats_.access_violations : stats_.not_found);
    log_.line(now, "TFTP RRQ " + req->filename + " from " + endpoint_text(d.src) + " -> ERROR " +
                       std::to_string(static_cast<int>(failure.code)) + " (" + failure.reason + ")");
    send_error(ctx, *port, d.src, denied ? wire::TftpErrorCode::kAccessViolation : wire::TftpErrorCode::kFileNotFound,
               denied ? "Access violation" : "File not found");
    return;
  }
  Transfer t{d.src, req->filename, now, {}, std::make_unique<TftpReadTransfer>(*req, file->content, limits_), nullptr,
             wire::Bytes(d.payload.begin(), d.payload.end())};
  t.mac = d.src_mac;
  ContextSink sink(ctx, *port, d.src, from_69());
  t.reader->start(now, sink);
  reschedule(ctx, *port, emplace(*port, std::move(t)));
}

// One timer per transfer, moved only when the deadline comes earlier: every ACK moves
// the deadline later, and cancelling and setting a timer per packet would cost more
// than the packet. A timer that fires before the deadline is set again for it.
void TftpServerAgent::reschedule(sim::AgentContext& ctx, std::uint16_t port, Transfer& t) {
  const sim::Time deadline = t.deadline();
  if (deadline == sim::kNever) {
    if (t.timer_at != sim::kNever) ctx.cancel_timer(t.timer);
    t.timer_at = sim::kNever;
    return;
  }
  if (deadline >= t.timer_at) return;
  if (t.timer_at != sim::kNever) ctx.cancel_timer(t.timer);
  t.timer = ctx.set_timer(deadline, port);
  t.timer_at = deadline;
}

void TftpServerAgent::on_timer(sim::AgentContext& ctx, sim::Time now, std::uint64_t tag) {
  auto port = static_cast<std::uint16_t>(tag);
  Transfer* t = find(port);
  if (t == nullptr) return;
  t->timer_at = sim::kNever;
  if (now < t->deadline()) {  // progress since the timer was set
    reschedule(ctx, port, *t);
    return;
  }
  ContextSink sink(ctx, port, t->client, from_69());
  if (t->reader) t->reader->on_timeout(now, sink);
  else t->writer->on_timeout(now, sink);
  reschedule(ctx, port, *t);
  finish_if_done(ctx, now, port);
}

void TftpServerAgent::finish_if_done(sim::AgentContext& ctx, sim::Time now, std::uint16_t port) {
  Transfer* found = find(port);
  if (found == nullptr || !found->finished()) return;
  const Transfer& t = *found;
  std::string line;
  TftpTransferState state;
  if (t.reader) {
    const TftpReadTransfer& m = *t.reader;
    state = m.state();
    line = "TFTP RRQ " + t.file + " from " + endpoint_text(t.client) + " blksize " + std::to_string(m.blksize()) +
           " window " + std::to_string(m.windowsize()) + ": ";
    if (state == TftpTransferState::kComplete) {
      ++stats_.completed;
      stats_.bytes_sent += m.size();
      line += "sent " + std::to_string(m.size()) + " bytes in " + std::to_string(m.total_blocks()) + " blocks, " +
              std::to_string(m.retransmitted_blocks()) + " resent, " + std::to_string(sim::to_milliseconds(now - t.started)) + " ms";
    } else if (state == TftpTransferState::kClientError) {
      line += "client ended it with ERROR " + std::to_string(m.client_error().code) + " \"" + m.client_error().message + "\"";
    }
  } else {
    const TftpWriteTransfer& m = *t.writer;
    state = m.state();
    line = "TFTP WRQ " + t.file + " from " + endpoint_text(t.client) + " blksize " + std::to_string(m.blksize()) + ": ";
    if (state == TftpTransferState::kComplete) {
      TftpLookupFailure failure{};
      auto st = files_.store(t.file, m.content(), &failure);
      if (st) {
        ContextSink sink(ctx, port, t.client, from_69());
        found->writer->acknowledge_last(sink);
        ++stats_.completed;
        ++stats_.uploads;
        line += "stored " + std::to_string(m.content().size()) + " bytes";
      } else {
        send_error(ctx, port, t.client, static_cast<wire::TftpErrorCode>(failure.code), failure.reason);
        line += "received " + std::to_string(m.content().size()) + " bytes but could not store them: " + st.error().to_string();
      }
    } else if (state == TftpTransferState::kClientError) {
      line += "client ended it with ERROR " + std::to_string(m.client_error().code) + " \"" + m.client_error().message + "\"";
    } else if (state == TftpTransferState::kServerError) {
      line += "refused: over max_write_bytes (" + std::to_string(config_.max_write_bytes) + ")";
    }
  }
  if (state == TftpTransferState::kClientError) ++stats_.client_errors;
  if (state == TftpTransferState::kTimedOut) {
    ++stats_.timed_out;
    line += "timed out (" + std::to_string(config_.retries) + " retries or " + std::to_string(config_.transfer_timeout_s) +
            " s without progress)";
  }
  log_.line(now, line);
  const bool served = t.reader && state == TftpTransferState::kComplete;
  TftpServed what{t.mac, t.client.ip, t.file};
  if (t.timer_at != sim::kNever) ctx.cancel_timer(t.timer);
  erase(port);
  if (served && on_served_) on_served_(now, what);
}

Status bind_tftp_server(sim::Host& host, TftpServerAgent& agent) {
  auto st = host.bind(wire::kTftpServerPort, agent);
  if (!st) return st;
  for (std::uint32_t i = 0; i < agent.port_count(); ++i) {
    st = host.bind(static_cast<std::uint16_t>(agent.first_port() + i), agent);
    if (!st) return st;
  }
  return Ok{};
}

}  // namespace pxelab::server
