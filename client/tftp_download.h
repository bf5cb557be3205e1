// One TFTP read as a ROM or loader does it: RRQ with the personality's options, the
// OACK judged by the personality's rules (FW-25, FW-27, FW-28, FW-29), DATA received
// in windows (RFC 7440) with block-number rollover, ACKs, retransmission on timeout,
// and how it ended. Sans-I/O like an agent: it sends through the AgentContext it is
// handed and says by deadline() when its owner must call on_timeout().
//
// The image is hashed as it arrives (SHA-256) and not kept, except its first 512
// octets (a floppy's boot signature) and, when asked, the whole of a small file that
// the loader must read (a pxelinux config, an iPXE script).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "client/floppy_reader.h"
#include "client/image_hash_cache.h"
#include "client/personality.h"
#include "client/sha256.h"
#include "sim/agent.h"
#include "wire/tftp.h"
#include "wire/tftp_block.h"

namespace pxelab::client {

struct TftpDownloadSpec {
  std::string file;
  wire::Ipv4Address server;
  std::uint16_t local_port = 0;  // bound by the owner
  std::vector<TftpOptionRequest> options;
  bool probe_only = false;       // EDK2 RRQ1: stop after the OACK with ERROR 8 (FW-23)
  // Which bytes to keep (up to kMaxKeptContent): none, all (a config file the loader
  // reads), or all only if the file starts with "#!" (an iPXE script rather than an
  // NBP, which a storm must not hold in memory).
  enum class Keep : std::uint8_t { kNone, kAll, kIfScript };
  Keep keep = Keep::kNone;
  // The rest are for `pxelab tftp-get` (a real server); the simulator keeps the defaults.
  std::uint16_t server_port = wire::kTftpServerPort;  // where the RRQ goes
  // A boot file that may be a floppy image: read its FAT12 file system as it streams by
  // (floppy_reader.h), what an emulated ROM then "boots".
  bool read_floppy = false;
  bool hash = true;  // SHA-256 of the image; off where nobody reads it (at wire speed it is the bottleneck)
  // Block numbering after 65535 as first expected (a 65535 -> 1 wrap is still detected).
  wire::BlockRollover rollover = wire::BlockRollover::kToZero;
  // Called with each block's data as it arrives in order (a file to write).
  std::function<void(wire::ByteView)> on_data;
  // Shared prefix hashes (image_hash_cache.h): the same digest, hashed once per
  // distinct image instead of once per client. Not owned; nullptr: hash privately.
  ImageHashCache* hash_cache = nullptr;
};

enum class TftpDownloadStatus : std::uint8_t {
  kRunning,
  kComplete,     // the last block arrived (or, probing, the OACK did)
  kServerError,  // the server sent ERROR
  kRefused,      // we refused the OACK (personality rules) and sent ERROR
  kOpenTimeout,  // no answer to the RRQ
  kTimeout,      // the transfer stalled
  kTooLarge,     // more than kMaxDownload octets
};

class TftpDownload {
 public:
  static constexpr std::size_t kMaxKeptContent = 256 << 10;
  static constexpr std::uint64_t kMaxDownload = 4ull << 30;

  TftpDownload(const TftpRules& rules, TftpDownloadSpec spec);

  void start(sim::AgentContext& ctx, sim::Time now);
  // True if the datagram belonged to this transfer (arrived at its local port).
  bool on_datagram(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d);
  void on_timeout(sim::AgentContext& ctx, sim::Time now);
  sim::Time deadline() const { return deadline_; }

  TftpDownloadStatus status() const { return status_; }
  bool finished() const { return status_ != TftpDownloadStatus::kRunning; }
  const TftpDownloadSpec& spec() const { return spec_; }

  // What the transfer learned.
  std::optional<std::uint64_t> tsize() const { return tsize_; }  // from the OACK
  bool got_oack() const { return got_oack_; }
  bool got_data() const { return blocks_ > 0; }
  std::uint64_t size() const { return size_; }
  std::string sha256() const;
  const wire::Bytes& head() const { return head_; }       // first 512 octets
  const wire::Bytes& content() const { return content_; } // with keep_content
  const FloppyReader* floppy() const { return spec_.read_floppy ? &floppy_ : nullptr; }
  std::uint16_t blksize() const { return blksize_; }
  std::uint16_t windowsize() const { return windowsize_; }
  std::uint32_t retransmissions() const { return retransmissions_; }  // our resends after a timeout
  std::uint64_t stale_blocks() const { return stale_blocks_; }  // DATA received again (the server resent)
  std::uint64_t early_blocks() const { return early_blocks_; }  // DATA after a gap, dropped
  std::uint64_t resync_acks() const { return resync_acks_; }    // ACKs of the last in-order block (RFC 7440 §4)
  // The server's address and port (its TID) once it answered.
  std::optional<sim::Endpoint> server() const {
    if (!server_port_) return std::nullopt;
    return sim::Endpoint{server_ip_, *server_port_};
  }
  sim::Time started() const { return started_; }
  sim::Time finished_at() const { return finished_at_; }
  // ERROR received (kServerError) or sent (kRefused): code and message.
  std::uint16_t error_code() const { return error_code_; }
  const std::string& error_message() const { return error_message_; }
  // The frame that ended it (the ERROR, the last DATA, the OACK refused), if received.
  std::uint64_t deciding_frame() const { return deciding_frame_; }
  sim::Time deciding_time() const { return deciding_time_; }

 private:
  // Every datagram of the transfer goes out here.
  void transmit(sim::AgentContext& ctx, const sim::OutgoingDatagram& d);
  void send(sim::AgentContext& ctx, const wire::TftpPacket& packet, std::uint16_t to_port);
  void send_ack(sim::AgentContext& ctx, std::uint16_t block);
  void arm(sim::Time now);
  void finish(sim::Time now, TftpDownloadStatus status);
  // Empty when the OACK is acceptable; else why not.
  std::string judge_oack(const wire::TftpOptions& oack) const;
  void hash_block(wire::ByteView block);
  void on_data(sim::AgentContext& ctx, sim::Time now, const wire::TftpData& data, std::uint64_t frame);

  const TftpRules& rules_;
  TftpDownloadSpec spec_;
  TftpDownloadStatus status_ = TftpDownloadStatus::kRunning;
  std::optional<std::uint16_t> server_port_;  // the server's TID, latched on its first reply
  wire::Ipv4Address server_ip_;               // latched with it
  sim::Time deadline_ = sim::kNever;
  sim::Time started_ = 0;
  sim::Time finished_at_ = 0;
  std::size_t attempt_ = 0;  // index into rules_.timeouts
  std::uint32_t retransmissions_ = 0;
  std::uint64_t stale_blocks_ = 0;
  std::uint64_t early_blocks_ = 0;
  std::uint64_t resync_acks_ = 0;

  bool got_oack_ = false;
  std::optional<std::uint64_t> tsize_;
  std::uint16_t blksize_ = 512;
  std::uint16_t windowsize_ = 1;
  wire::BlockRollover rollover_ = wire::BlockRollover::kToZero;
  std::uint16_t last_block_ = 0;  // the last block received in order (0: none yet)
  std::uint64_t blocks_ = 0;
  std::uint32_t in_window_ = 0;   // blocks received since the last ACK
  bool gap_acked_ = false;        // one ACK per gap (RFC 7440 §4)
  std::uint64_t size_ = 0;
  Sha256 hash_;             // when not following spec_.hash_cache
  bool hash_cached_ = false;  // the digest so far is spec_.hash_cache's node hash_node_
  ImageHashCache::Node hash_node_ = ImageHashCache::kEmpty;
  wire::Bytes head_;
  wire::Bytes content_;
  FloppyReader floppy_;
  wire::Bytes last_sent_;  // for retransmission on timeout
  std::uint16_t last_sent_port_ = wire::kTftpServerPort;
  std::uint16_t error_code_ = 0;
  std::string error_message_;
  std::uint64_t deciding_frame_ = sim::kNoFrameNumber;
  sim::Time deciding_time_ = 0;
};

std::string_view to_string(TftpDownloadStatus s);

}  // namespace pxelab::client
