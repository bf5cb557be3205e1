#include "server/tftp_transfer.h"

#include <algorithm>
#include <optional>

namespace pxelab::server {

using wire::TftpAck;
using wire::TftpData;
using wire::TftpError;
using wire::TftpOack;

wire::Bytes to_netascii(wire::ByteView octets) {
  wire::Bytes out;
  out.reserve(octets.size() + octets.size() / 32);
  for (std::uint8_t b : octets) {
    if (b == '\n') {
      out.push_back('\r');
      out.push_back('\n');
    } else if (b == '\r') {
      out.push_back('\r');
      out.push_back('\0');
    } else {
      out.push_back(b);
    }
  }
  return out;
}

namespace {

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

// What a server accepts of a request's options (RFC 2347): only options the client
// sent, in its order, each only when its value is valid; unknown ones are left out.
struct Negotiated {
  wire::TftpOack oack;
  std::uint16_t blksize = 512;
  std::uint16_t windowsize = 1;
  std::optional<sim::Time> interval;
};

// tsize is answered with `file_size` (a read), or echoed when there is none (a write:
// the client announces its size, RFC 2349 §3). `max_windowsize` 1 lowers any
// windowsize to 1.
Negotiated negotiate(const wire::TftpOptions& requested, const TftpLimits& limits,
                     std::optional<std::uint64_t> file_size, std::uint16_t max_windowsize) {
  Negotiated n;
  for (const auto& opt : requested.entries) {
    wire::TftpOptions one;
    one.entries.push_back(opt);
    if (equals_ignore_case(opt.name, "blksize")) {
      if (auto v = one.blksize()) {  // RFC 2348: never above the request
        n.blksize = std::min<std::uint16_t>(*v, std::max<std::uint16_t>(8, limits.max_blksize));
        n.oack.options.set_blksize(n.blksize);
      }
    } else if (equals_ignore_case(opt.name, "tsize")) {
      if (auto v = one.tsize()) n.oack.options.set_tsize(file_size.value_or(*v));
    } else if (equals_ignore_case(opt.name, "timeout")) {
      if (auto v = one.timeout()) {
        n.interval = sim::seconds(*v);
        n.oack.options.set_timeout(*v);  // echoed unchanged: EDK2 rejects a change (FW-25)
      }
    } else if (equals_ignore_case(opt.name, "windowsize")) {
      if (auto v = one.windowsize()) {  // RFC 7440: never above the request
        n.windowsize = std::min<std::uint16_t>(*v, std::max<std::uint16_t>(1, max_windowsize));
        n.oack.options.set_windowsize(n.windowsize);
      }
    }
  }
  return n;
}

}  // namespace

TftpReadTransfer::TftpReadTransfer(const wire::TftpRequest& rrq, std::shared_ptr<const wire::Bytes> file,
                                   const TftpLimits& limits)
    : content_(std::move(file)), limits_(limits), interval_(limits.retransmit) {
  if (equals_ignore_case(rrq.mode, "netascii")) {
    content_ = std::make_shared<const wire::Bytes>(to_netascii(*content_));
  }
  Negotiated n = negotiate(rrq.options, limits, content_->size(), limits.max_windowsize);
  oack_ = std::move(n.oack);
  blksize_ = n.blksize;
  windowsize_ = n.windowsize;
  interval_ = n.interval.value_or(interval_);
  total_blocks_ = content_->size() / blksize_ + 1;
  if (limits.faults.on != 0) break_negotiation(rrq);
  send_oack_ = !oack_.options.empty();
  oack_bytes_ = wire::encode_tftp(oack_);
  if (limits.faults.has(Fault::kTftpOackPadding)) oack_bytes_.insert(oack_bytes_.end(), {0, 0});
  scratch_.resize(4 + std::size_t{blksize_});
  state_ = send_oack_ ? TftpTransferState::kAwaitingOackAck : TftpTransferState::kSending;
}

// A deliberately broken server (server/faults.h): what it says in the OACK and how it
// ends the file, after the correct negotiation.
void TftpReadTransfer::break_negotiation(const wire::TftpRequest& rrq) {
  const Faults& f = limits_.faults;
  auto& o = oack_.options;
  const std::size_t size = content_->size();
  if (f.has(Fault::kTftpNoTsize)) {
    std::erase_if(o.entries, [](const wire::TftpOption& e) { return equals_ignore_case(e.name, "tsize"); });
  }
  if (f.has(Fault::kTftpOackExtraOption) && !o.empty() && !rrq.options.find("tsize")) o.set_tsize(size);
  if (f.has(Fault::kTftpWrongTsize) && o.find("tsize")) o.set_tsize(size + 1);
  if (f.has(Fault::kTftpOackBlksizeLarger)) {
    if (auto b = rrq.options.blksize()) o.set_blksize(static_cast<std::uint16_t>(std::min(*b + 8, 65464)));
  }
  if (f.has(Fault::kTftpChangeTimeout)) {
    if (auto t = rrq.options.timeout()) o.set_timeout(static_cast<std::uint8_t>(*t == 255 ? 254 : *t + 1));
  }
  if (f.has(Fault::kTftpWindowLarger)) {
    if (auto w = rrq.options.windowsize(); w && *w < 65535) o.set_windowsize(static_cast<std::uint16_t>(*w + 1));
  }
  if (f.has(Fault::kTftpOversizeData) && o.find("blksize") && blksize_ >= 16) {
    o.set_blksize(static_cast<std::uint16_t>(blksize_ / 2));
  }
  if (f.has(Fault::kTftpNoFinalEmptyBlock) && size > 0 && size % blksize_ == 0) total_blocks_ = size / blksize_;
}

void TftpReadTransfer::start(sim::Time now, TftpPacketSink& sink) {
  last_progress_ = now;
  if (send_oack_) {
    sink.send_packet(oack_bytes_);
    deadline_ = now + interval_;
    return;
  }
  send_window(now, sink, false);
}

void TftpReadTransfer::send_block(std::uint64_t index, TftpPacketSink& sink) {
  std::size_t offset = static_cast<std::size_t>((index - 1) * blksize_);
  std::size_t len = std::min<std::size_t>(blksize_, content_->size() - std::min(offset, content_->size()));
  TftpData data{wire::block_for_index(index, limits_.rollover), wire::ByteView(content_->data() + offset, len)};
  std::size_t n = wire::emit_tftp(data, scratch_);
  sink.send_packet(wire::ByteView(scratch_.data(), n));
  ++blocks_sent_;
}

void TftpReadTransfer::send_window(sim::Time now, TftpPacketSink& sink, bool retransmission) {
  std::uint64_t last = std::min(total_blocks_, acked_ + windowsize_);
  for (std::uint64_t i = acked_ + 1; i <= last; ++i) {
    if (retransmission || i > sent_) {
      send_block(i, sink);
      if (i <= sent_) ++retransmitted_;
    }
  }
  sent_ = std::max(sent_, last);
  deadline_ = now + interval_;
}

void TftpReadTransfer::on_ack(std::uint16_t block, sim::Time now, TftpPacketSink& sink) {
  if (state_ == TftpTransferState::kAwaitingOackAck) {
    if (block != 0) return;  // only ACK 0 acknowledges the OACK (RFC 2347)
    state_ = TftpTransferState::kSending;
    tries_ = 0;
    last_progress_ = now;
    send_window(now, sink, false);
    return;
  }
  // Which block index does it name? Only blocks in (acked_, sent_] move the window.
  std::uint16_t acked_block = wire::block_for_index(acked_, limits_.rollover);
  std::uint64_t steps = wire::block_steps(acked_block, block, limits_.rollover);
  if (steps == 0 && limits_.faults.has(Fault::kTftpSorcerer)) {
    send_window(now, sink, true);  // the sorcerer's apprentice (RFC 1123 §4.2.3.1), on purpose
    return;
  }
  if (steps == 0 || acked_ + steps > sent_) return;  // duplicate or from the future: ignore
  acked_ += steps;
  tries_ = 0;
  last_progress_ = now;
  if (acked_ == total_blocks_) {
    state_ = TftpTransferState::kComplete;
    deadline_ = sim::kNever;
    return;
  }
  // RFC 7440 §4: the next window starts right after the acknowledged block. Blocks
  // already in flight beyond it are resent only if the ACK shows they were lost, i.e.
  // when the ACK is not for the window's last block.
  if (acked_ < sent_) {
    for (std::uint64_t i = acked_ + 1; i <= sent_; ++i) {
      send_block(i, sink);
      ++retransmitted_;
    }
  }
  send_window(now, sink, false);
}

void TftpReadTransfer::on_packet(const wire::TftpPacket& packet, sim::Time now, TftpPacketSink& sink) {
  if (finished()) return;
  if (const auto* ack = std::get_if<TftpAck>(&packet)) {
    on_ack(ack->block, now, sink);
  } else if (const auto* err = std::get_if<TftpError>(&packet)) {
    client_error_ = *err;
    state_ = TftpTransferState::kClientError;  // not answered (RFC 1350 §7)
    deadline_ = sim::kNever;
  }
  // Anything else from the client's TID is ignored.
}

void TftpReadTransfer::on_timeout(sim::Time now, TftpPacketSink& sink) {
  if (finished() || now < deadline_) return;
  if (++tries_ > limits_.retries || now - last_progress_ >= limits_.idle_limit) {
    state_ = TftpTransferState::kTimedOut;
    deadline_ = sim::kNever;
    return;
  }
  if (state_ == TftpTransferState::kAwaitingOackAck) {
    sink.send_packet(oack_bytes_);
    deadline_ = now + interval_;
    return;
  }
  send_window(now, sink, true);
}

TftpWriteTransfer::TftpWriteTransfer(const wire::TftpRequest& wrq, const TftpLimits& limits, std::uint64_t max_size)
    : limits_(limits), max_size_(max_size), interval_(limits.retransmit) {
  // Uploads are lock-step: windowsize is lowered to 1.
  Negotiated n = negotiate(wrq.options, limits, std::nullopt, 1);
  oack_ = std::move(n.oack);
  blksize_ = n.blksize;
  interval_ = n.interval.value_or(interval_);
}

void TftpWriteTransfer::send_ack(TftpPacketSink& sink, std::uint16_t block) {
  last_reply_ = wire::encode_tftp(TftpAck{block});
  sink.send_packet(last_reply_);
}

void TftpWriteTransfer::start(sim::Time now, TftpPacketSink& sink) {
  last_progress_ = now;
  if (auto size = oack_.options.tsize(); size && *size > max_size_) {
    sink.send_packet(wire::encode_tftp(TftpError{3, "File too large"}));
    state_ = TftpTransferState::kServerError;
    return;
  }
  if (!oack_.options.empty()) {
    last_reply_ = wire::encode_tftp(oack_);
    sink.send_packet(last_reply_);
  } else {
    send_ack(sink, 0);
  }
  deadline_ = now + interval_;
}

void TftpWriteTransfer::on_packet(const wire::TftpPacket& packet, sim::Time now, TftpPacketSink& sink) {
  if (finished()) return;
  if (const auto* err = std::get_if<TftpError>(&packet)) {
    client_error_ = *err;
    state_ = TftpTransferState::kClientError;
    deadline_ = sim::kNever;
    return;
  }
  const auto* data = std::get_if<TftpData>(&packet);
  if (!data) return;
  std::uint16_t expected = wire::block_for_index(received_ + 1, limits_.rollover);
  if (data->block != expected) {
    // Our ACK of the previous block was lost: acknowledge it again, store nothing.
    if (received_ > 0 && data->block == wire::block_for_index(received_, limits_.rollover)) {
      send_ack(sink, data->block);
      deadline_ = now + interval_;
    }
    return;
  }
  if (data->data.size() > blksize_) return;  // not a DATA of this transfer's size: ignore
  if (content_.size() + data->data.size() > max_size_) {
    sink.send_packet(wire::encode_tftp(TftpError{3, "File too large"}));
    state_ = TftpTransferState::kServerError;
    deadline_ = sim::kNever;
    return;
  }
  content_.insert(content_.end(), data->data.begin(), data->data.end());
  ++received_;
  tries_ = 0;
  last_progress_ = now;
  if (data->data.size() < blksize_) {
    // The last block: acknowledge_last() sends its ACK once the agent stored the file.
    // If that ACK is lost, the client resends the block and the agent answers ERROR 5
    // (transfer gone) — the data is already safe.
    last_block_ = data->block;
    state_ = TftpTransferState::kComplete;
    deadline_ = sim::kNever;
    return;
  }
  send_ack(sink, data->block);
  deadline_ = now + interval_;
}

void TftpWriteTransfer::on_timeout(sim::Time now, TftpPacketSink& sink) {
  if (finished() || now < deadline_) return;
  if (++tries_ > limits_.retries || now - last_progress_ >= limits_.idle_limit) {
    state_ = TftpTransferState::kTimedOut;
    deadline_ = sim::kNever;
    return;
  }
  sink.send_packet(last_reply_);
  deadline_ = now + interval_;
}

}  // namespace pxelab::server
