// One TFTP read transfer as the server sees it: option negotiation, the windowed
// DATA stream, retransmission, and how it ended. Sans-I/O: packets and time come in,
// packets go out through a sink, and deadline() says when to call on_timeout().
//
// Rules (CONFORMANCE.md, server TFTP):
//  - OACK holds only options the client sent and we accept; none -> DATA 1 at once
//    (RFC 2347, TFTP-OACK-ONLY-ASKED);
//  - blksize: min(requested, configured cap) (RFC 2348, TFTP-BLKSIZE); tsize: the
//    exact size (RFC 2349, TFTP-TSIZE); timeout: echoed unchanged and used as the
//    retransmission interval (RFC 2349); windowsize: min(requested, cap) (RFC 7440);
//  - a block shorter than blksize ends the transfer; a size that is a multiple of
//    blksize ends with an empty block (RFC 1350 §6, TFTP-LAST-BLOCK);
//  - an ACK inside the window moves it on and the next window starts right after it
//    (RFC 7440 §4, TFTP-WINDOW); a duplicate ACK is ignored — no resend
//    (RFC 1123 §4.2.3.1, TFTP-NO-SORCERER); only a timeout resends;
//  - block numbers wrap after 65535 to 0 or 1, as configured (TFTP-ROLLOVER);
//  - an ERROR from the client ends it (RFC 1350 §7); EDK2's tsize probe is exactly
//    that: OACK, then ERROR 8 (FW-23).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "server/faults.h"
#include "sim/time.h"
#include "wire/bytes.h"
#include "wire/tftp.h"
#include "wire/tftp_block.h"

namespace pxelab::server {

struct TftpLimits {
  std::uint16_t max_blksize = 1468;
  std::uint16_t max_windowsize = 64;
  sim::Time retransmit = sim::seconds(1);
  std::uint32_t retries = 5;
  // No progress for this long ends a transfer whatever the retries say (a client's
  // `timeout` option of 255 s would otherwise hold a slot for 20 minutes).
  sim::Time idle_limit = sim::seconds(30);
  wire::BlockRollover rollover = wire::BlockRollover::kToZero;
  Faults faults;  // deliberate misbehaviour (server/faults.h); none by default
};

class TftpPacketSink {
 public:
  virtual ~TftpPacketSink() = default;
  // The encoded TFTP packet (UDP payload); borrowed for the call only.
  virtual void send_packet(wire::ByteView packet) = 0;
};

enum class TftpTransferState : std::uint8_t {
  kAwaitingOackAck,  // OACK sent, waiting for ACK 0
  kSending,          // DATA in flight
  kComplete,         // the last block was acknowledged
  kClientError,      // the client sent ERROR (e.g. the tsize probe, FW-23)
  kTimedOut,         // retries exhausted
  kServerError,      // we ended it with an ERROR (e.g. an upload over the size limit)
};

class TftpReadTransfer {
 public:
  // `file` is shared: a thousand clients fetching one image share its bytes.
  TftpReadTransfer(const wire::TftpRequest& rrq, std::shared_ptr<const wire::Bytes> file, const TftpLimits& limits);

  // Sends the OACK or the first window.
  void start(sim::Time now, TftpPacketSink& sink);
  // A packet from the client's TID (the agent has checked the TID).
  void on_packet(const wire::TftpPacket& packet, sim::Time now, TftpPacketSink& sink);
  // Call at deadline(): resends the OACK or the unacknowledged window.
  void on_timeout(sim::Time now, TftpPacketSink& sink);

  sim::Time deadline() const { return deadline_; }
  bool finished() const { return state_ != TftpTransferState::kAwaitingOackAck && state_ != TftpTransferState::kSending; }
  TftpTransferState state() const { return state_; }

  // Negotiated values and counters, for logs and checks.
  std::uint16_t blksize() const { return blksize_; }
  std::uint16_t windowsize() const { return windowsize_; }
  std::uint64_t total_blocks() const { return total_blocks_; }
  std::uint64_t blocks_sent() const { return blocks_sent_; }
  std::uint64_t retransmitted_blocks() const { return retransmitted_; }
  std::uint64_t size() const { return content_->size(); }
  const wire::TftpOack& oack() const { return oack_; }
  const wire::TftpError& client_error() const { return client_error_; }

 private:
  void break_negotiation(const wire::TftpRequest& rrq);
  void send_window(sim::Time now, TftpPacketSink& sink, bool retransmission);
  void send_block(std::uint64_t index, TftpPacketSink& sink);
  void on_ack(std::uint16_t block, sim::Time now, TftpPacketSink& sink);

  std::shared_ptr<const wire::Bytes> content_;
  TftpLimits limits_;
  wire::TftpOack oack_;
  wire::Bytes oack_bytes_;  // oack_ as sent (faults may add padding)
  bool send_oack_ = false;
  std::uint16_t blksize_ = 512;
  std::uint16_t windowsize_ = 1;
  sim::Time interval_;
  std::uint64_t total_blocks_ = 0;  // DATA blocks, the final (short or empty) one included
  std::uint64_t acked_ = 0;         // index of the highest acknowledged block (0: none)
  std::uint64_t sent_ = 0;          // index of the highest block sent so far
  std::uint32_t tries_ = 0;         // consecutive timeouts without progress
  sim::Time last_progress_ = 0;
  std::uint64_t blocks_sent_ = 0;
  std::uint64_t retransmitted_ = 0;
  sim::Time deadline_ = sim::kNever;
  TftpTransferState state_ = TftpTransferState::kSending;
  wire::TftpError client_error_;
  wire::Bytes scratch_;
};

// One TFTP write transfer (WRQ, upload) as the server sees it: lock-step, every DATA
// acknowledged (RFC 1350 §6); windowsize is answered with 1 when asked (RFC 7440 lets
// the server lower it). A duplicate DATA (our ACK was lost) is acknowledged again and
// not stored twice. More than `max_size` octets ends it with ERROR 3 (disk full).
class TftpWriteTransfer {
 public:
  TftpWriteTransfer(const wire::TftpRequest& wrq, const TftpLimits& limits, std::uint64_t max_size);

  void start(sim::Time now, TftpPacketSink& sink);  // OACK, or ACK 0
  void on_packet(const wire::TftpPacket& packet, sim::Time now, TftpPacketSink& sink);
  void on_timeout(sim::Time now, TftpPacketSink& sink);

  sim::Time deadline() const { return deadline_; }
  bool finished() const { return state_ != TftpTransferState::kSending; }
  TftpTransferState state() const { return state_; }
  std::uint16_t blksize() const { return blksize_; }
  const wire::Bytes& content() const { return content_; }
  std::uint64_t blocks_received() const { return received_; }
  const wire::TftpError& client_error() const { return client_error_; }
  // After kComplete: the ACK of the last block, which the agent sends only once the
  // upload is stored — so that ACK means "stored" (else it sends an ERROR).
  void acknowledge_last(TftpPacketSink& sink) { send_ack(sink, last_block_); }

 private:
  void send_ack(TftpPacketSink& sink, std::uint16_t block);
  std::uint16_t last_block_ = 0;

  TftpLimits limits_;
  std::uint64_t max_size_;
  wire::TftpOack oack_;
  std::uint16_t blksize_ = 512;
  sim::Time interval_;
  std::uint64_t received_ = 0;  // index of the last block stored
  std::uint32_t tries_ = 0;
  sim::Time last_progress_ = 0;
  wire::Bytes last_reply_;      // OACK or the last ACK, resent on timeout
  wire::Bytes content_;
  sim::Time deadline_ = sim::kNever;
  TftpTransferState state_ = TftpTransferState::kSending;
  wire::TftpError client_error_;
};

// RFC 1350 netascii: LF -> CR LF, CR -> CR NUL.
wire::Bytes to_netascii(wire::ByteView octets);

}  // namespace pxelab::server
