#include "client/tftp_download.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "wire/text.h"

namespace pxelab::client {

namespace {

std::optional<std::uint64_t> decimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

constexpr std::size_t kHeadSize = 512;

}  // namespace

std::string_view to_string(TftpDownloadStatus s) {
  switch (s) {
    case TftpDownloadStatus::kRunning: return "running";
    case TftpDownloadStatus::kComplete: return "complete";
    case TftpDownloadStatus::kServerError: return "server error";
    case TftpDownloadStatus::kRefused: return "refused";
    case TftpDownloadStatus::kOpenTimeout: return "open timeout";
    case TftpDownloadStatus::kTimeout: return "timeout";
    case TftpDownloadStatus::kTooLarge: return "too large";
  }
  return "?";
}

TftpDownload::TftpDownload(const TftpRules& rules, TftpDownloadSpec spec)
    : rules_(rules),
      spec_(std::move(spec)),
      server_ip_(spec_.server),
      rollover_(spec_.rollover),
      hash_cached_(spec_.hash_cache != nullptr) {}

std::string TftpDownload::sha256() const {
  return hash_cached_ ? spec_.hash_cache->hex_digest(hash_node_) : hash_.hex_digest();
}

void TftpDownload::hash_block(wire::ByteView block) {
  if (hash_cached_) {
    if (auto next = spec_.hash_cache->advance(hash_node_, block)) {
      hash_node_ = *next;
      return;
    }
    hash_ = spec_.hash_cache->state(hash_node_);  // the cache is full: go on privately
    hash_cached_ = false;
  }
  hash_.update(block);
}

void TftpDownload::start(sim::AgentContext& ctx, sim::Time now) {
  started_ = now;
  wire::TftpRequest rrq;
  rrq.opcode = wire::TftpOpcode::kRrq;
  rrq.filename = spec_.file;
  rrq.mode = "octet";
  for (const auto& o : spec_.options) rrq.options.entries.push_back({o.name, o.value});
  send(ctx, rrq, spec_.server_port);
  arm(now);
}

void TftpDownload::transmit(sim::AgentContext& ctx, const sim::OutgoingDatagram& d) {
  if (!ctx.send(d).ok()) {
    // Larger than the MTU (a DATA-sized ERROR text, an RRQ with long options): lost as
    // on a wire. The deadline resends or ends the transfer as a timeout, which is what
    // a ROM behind such a link sees.
  }
}

void TftpDownload::send(sim::AgentContext& ctx, const wire::TftpPacket& packet, std::uint16_t to_port) {
  last_sent_.resize(wire::tftp_size(packet));
  wire::emit_tftp(packet, last_sent_);
  last_sent_port_ = to_port;
  transmit(ctx, sim::OutgoingDatagram{spec_.local_port, {server_ip_, to_port}, last_sent_});
}

void TftpDownload::send_ack(sim::AgentContext& ctx, std::uint16_t block) {
  // The hot path of a download: written in place, no allocation once last_sent_ grew.
  last_sent_.resize(4);
  wire::store_be16(last_sent_.data(), static_cast<std::uint16_t>(wire::TftpOpcode::kAck));
  wire::store_be16(last_sent_.data() + 2, block);
  last_sent_port_ = *server_port_;
  transmit(ctx, sim::OutgoingDatagram{spec_.local_port, {server_ip_, *server_port_}, last_sent_});
}

void TftpDownload::arm(sim::Time now) {
  const auto& t = rules_.timeouts;
  deadline_ = now + (t.empty() ? sim::seconds(4) : t[std::min(attempt_, t.size() - 1)]);
}

void TftpDownload::finish(sim::Time now, TftpDownloadStatus status) {
  status_ = status;
  finished_at_ = now;
  deadline_ = sim::kNever;
}

void TftpDownload::on_timeout(sim::AgentContext& ctx, sim::Time now) {
  if (finished() || now < deadline_) return;
  if (attempt_ + 1 >= rules_.timeouts.size()) {
    finish(now, server_port_ ? TftpDownloadStatus::kTimeout : TftpDownloadStatus::kOpenTimeout);
    return;
  }
  ++attempt_;
  ++retransmissions_;
  transmit(ctx, sim::OutgoingDatagram{spec_.local_port, {server_ip_, last_sent_port_}, last_sent_});
  arm(now);
}

std::string TftpDownload::judge_oack(const wire::TftpOptions& oack) const {
  if (rules_.oack == OackPolicy::kTolerant) return {};
  auto requested = [&](std::string_view name) -> const TftpOptionRequest* {
    for (const auto& o : spec_.options) {
      if (wire::lowercase(o.name) == name) return &o;
    }
    return nullptr;
  };
  for (const auto& e : oack.entries) {
    const std::string name = wire::lowercase(e.name);
    const TftpOptionRequest* asked = requested(name);
    const bool strict_names = rules_.oack == OackPolicy::kEdk2 || rules_.oack == OackPolicy::kPxelinux;
    if (!asked) {
      if (strict_names) return "option '" + e.name + "' was not requested";
      continue;
    }
    auto got = decimal(e.value);
    auto want = decimal(asked->value);
    if (name == "blksize") {
      if (!got) return "blksize '" + e.value + "' is not a number";
      if (rules_.oack == OackPolicy::kPxelinux && (*got < 64 || *got > 2048)) {
        return "blksize " + e.value + " is outside 64..2048";
      }
      if (want && *got > *want) return "blksize " + e.value + " is above the " + asked->value + " requested";
    } else if (name == "windowsize" && rules_.oack == OackPolicy::kEdk2) {
      if (!got) return "windowsize '" + e.value + "' is not a number";
      if (want && *got > *want) return "windowsize " + e.value + " is above the " + asked->value + " requested";
    } else if (name == "timeout" && (rules_.oack == OackPolicy::kEdk2 || rules_.oack == OackPolicy::kUboot)) {
      if (e.value != asked->value) return "timeout changed from " + asked->value + " to " + e.value;
    } else if (name == "tsize" && !got && rules_.oack == OackPolicy::kEdk2) {
      return "tsize '" + e.value + "' is not a number";
    }
  }
  return {};
}

bool TftpDownload::on_datagram(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  if (d.dst.port != spec_.local_port) return false;
  if (finished()) return true;
  if (rules_.same_server_ip && d.src.ip != spec_.server) return true;  // FW-29
  if (server_port_ && (d.src.port != *server_port_ || d.src.ip != server_ip_)) {
    // A foreign TID (RFC 1350 §4): tell it, and go on with our transfer.
    if (rules_.foreign_tid_error) {
      wire::TftpPacket e = wire::TftpError{5, "Unknown transfer ID"};
      wire::Bytes bytes = wire::encode_tftp(e);
      transmit(ctx, sim::OutgoingDatagram{spec_.local_port, d.src, bytes});
    }
    return true;
  }
  auto parsed = wire::parse_tftp(d.payload);
  if (!parsed) return true;  // garbage on our port: ignored, the timer recovers
  if (!server_port_) {
    server_port_ = d.src.port;
    server_ip_ = d.src.ip;
  }
  const wire::TftpPacket& p = *parsed;
  if (const auto* oack = std::get_if<wire::TftpOack>(&p)) {
    if (got_oack_ || blocks_ > 0) return true;  // a duplicated OACK (FW-43): the first one counts
    got_oack_ = true;
    deciding_frame_ = d.frame;
    deciding_time_ = now;
    if (std::string why = judge_oack(oack->options); !why.empty()) {
      error_code_ = rules_.oack_refusal_code;
      error_message_ = why;
      send(ctx, wire::TftpError{rules_.oack_refusal_code, rules_.oack_refusal_message}, *server_port_);
      finish(now, TftpDownloadStatus::kRefused);
      return true;
    }
    if (auto v = oack->options.blksize()) blksize_ = *v;
    if (auto v = oack->options.windowsize()) windowsize_ = *v;
    if (auto v = oack->options.tsize()) tsize_ = *v;
    if (spec_.probe_only) {
      send(ctx, wire::TftpError{rules_.abort_code, rules_.abort_message}, *server_port_);
      finish(now, TftpDownloadStatus::kComplete);
      return true;
    }
    attempt_ = 0;
    send_ack(ctx, 0);
    arm(now);
    return true;
  }
  if (const auto* data = std::get_if<wire::TftpData>(&p)) {
    if (spec_.probe_only && !got_oack_) {
      // The server ignored the options: no size learned (FW-24 decides what follows).
      deciding_frame_ = d.frame;
      deciding_time_ = now;
      send(ctx, wire::TftpError{rules_.abort_code, rules_.abort_message}, *server_port_);
      finish(now, TftpDownloadStatus::kComplete);
      return true;
    }
    on_data(ctx, now, *data, d.frame);
    return true;
  }
  if (const auto* err = std::get_if<wire::TftpError>(&p)) {
    error_code_ = err->code;
    error_message_ = err->message;
    deciding_frame_ = d.frame;
    deciding_time_ = now;
    finish(now, TftpDownloadStatus::kServerError);
  }
  return true;
}

void TftpDownload::on_data(sim::AgentContext& ctx, sim::Time now, const wire::TftpData& data, std::uint64_t frame) {
  std::uint16_t expected = wire::next_block(last_block_, rollover_);
  if (blocks_ == 0) expected = 1;
  if (data.block != expected && last_block_ == 65535 && data.block == 1 && rollover_ == wire::BlockRollover::kToZero) {
    rollover_ = wire::BlockRollover::kToOne;  // this server wraps 65535 -> 1 (TFTP-ROLLOVER)
    expected = 1;
  }
  if (data.block != expected) {
    // Old (a retransmitted window, or our ACK was lost) or ahead (a gap): ACK what we
    // have, once, so the sender resumes after it (RFC 1350 §6, RFC 7440 §4).
    if (blocks_ > 0 && wire::block_before(data.block, expected, rollover_)) {
      ++stale_blocks_;
    } else {
      ++early_blocks_;
    }
    if (!gap_acked_ && blocks_ > 0) {
      send_ack(ctx, last_block_);
      gap_acked_ = true;
      ++resync_acks_;
    }
    in_window_ = 0;
    return;
  }
  const std::size_t n = data.data.size();
  if (spec_.hash) hash_block(data.data);
  if (spec_.on_data) spec_.on_data(data.data);
  if (spec_.read_floppy) floppy_.feed(data.data);
  if (head_.size() < kHeadSize) {
    const std::size_t take = std::min(kHeadSize - head_.size(), n);
    head_.insert(head_.end(), data.data.begin(), data.data.begin() + static_cast<std::ptrdiff_t>(take));
  }
  if (blocks_ == 0 && spec_.keep == TftpDownloadSpec::Keep::kIfScript) {
    const bool script = data.data.size() >= 2 && data.data[0] == '#' && data.data[1] == '!';
    spec_.keep = script ? TftpDownloadSpec::Keep::kAll : TftpDownloadSpec::Keep::kNone;
  }
  if (spec_.keep == TftpDownloadSpec::Keep::kAll && content_.size() < kMaxKeptContent) {
    const std::size_t take = std::min(kMaxKeptContent - content_.size(), n);
    content_.insert(content_.end(), data.data.begin(), data.data.begin() + static_cast<std::ptrdiff_t>(take));
  }
  size_ += n;
  ++blocks_;
  last_block_ = data.block;
  gap_acked_ = false;
  attempt_ = 0;
  deciding_frame_ = frame;
  deciding_time_ = now;
  if (size_ > kMaxDownload) {
    send(ctx, wire::TftpError{rules_.abort_code, rules_.abort_message}, *server_port_);
    finish(now, TftpDownloadStatus::kTooLarge);
    return;
  }
  if (n < blksize_) {  // the last block (RFC 1350 §6)
    send_ack(ctx, data.block);
    finish(now, TftpDownloadStatus::kComplete);
    return;
  }
  if (++in_window_ >= windowsize_) {
    send_ack(ctx, data.block);
    in_window_ = 0;
  }
  arm(now);
}

}  // namespace pxelab::client
