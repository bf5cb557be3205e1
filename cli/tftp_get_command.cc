#include "cli/tftp_get_command.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <fmt/core.h>

#include "wire/tftp.h"
#include "wire/tftp_block.h"

namespace pxelab::conformance {

namespace {

constexpr const char* kTftpGetHelp =
    "Read one file from a TFTP server over a real UDP socket and report the transfer:\n"
    "bytes, seconds, MiB/s and retransmissions. RFC 1350 read request in octet mode;\n"
    "--blksize (RFC 2348), --windowsize (RFC 7440) and --tsize (RFC 2349) are asked\n"
    "for only when given (RFC 2347 negotiation; a server that ignores them gets plain\n"
    "512-byte lock-step). With a window the client ACKs every window'th block, the last\n"
    "block, and the last in-order block when it sees a gap (RFC 7440 section 4).\n";

constexpr const char* kTftpGetFooter =
    "\nExamples:\n"
    "  pxelab tftp-get 198.18.0.1 big.img --blksize 1468 --windowsize 64\n"
    "  pxelab tftp-get 192.0.2.1 pxelinux.0 -o pxelinux.0 --tsize\n"
    "\nWithout -o the data is counted and discarded; -o - writes it to stdout (the\n"
    "report then goes to stderr). Exit status: 0 the file arrived whole, 1 the server\n"
    "sent ERROR, stopped answering, or broke the protocol (the message says which),\n"
    "2 usage error.\n";

struct TftpGetOptions {
  std::string server;
  std::string file;
  std::string output;  // empty: discard; "-": stdout
  int blksize = 0;     // 0: not asked for
  int windowsize = 0;  // 0: not asked for
  bool tsize = false;
  double timeout = 1.0;  // seconds to wait before resending
  int retries = 5;       // consecutive timeouts before giving up
  int port = wire::kTftpServerPort;
  int rollover = 0;
};

// A failure that ends the transfer: the message is printed, exit status 1.
struct Failure {
  std::string message;
};

std::string endpoint(const sockaddr_in& a) {
  char ip[INET_ADDRSTRLEN] = "?";
  ::inet_ntop(AF_INET, &a.sin_addr, ip, sizeof ip);
  return fmt::format("{}:{}", ip, ntohs(a.sin_port));
}

std::optional<in_addr> resolve(const std::string& host) {
  in_addr a{};
  if (::inet_pton(AF_INET, host.c_str(), &a) == 1) return a;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res) return std::nullopt;
  a = reinterpret_cast<const sockaddr_in*>(res->ai_addr)->sin_addr;
  ::freeaddrinfo(res);
  return a;
}

std::string_view error_name(std::uint16_t code) {
  switch (code) {
    case 0: return "not defined";
    case 1: return "file not found";
    case 2: return "access violation";
    case 3: return "disk full";
    case 4: return "illegal operation";
    case 5: return "unknown transfer ID";
    case 6: return "file exists";
    case 7: return "no such user";
    case 8: return "option negotiation refused";
    default: return "unknown code";
  }
}

// Buffers the received file and writes it in large pieces (or not at all).
class Sink {
 public:
  explicit Sink(int fd) : fd_(fd) { if (fd_ >= 0) buf_.reserve(kChunk); }
  ~Sink() {
    if (fd_ > 2) ::close(fd_);
  }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  void add(const std::uint8_t* p, std::size_t n) {
    if (fd_ < 0) return;
    buf_.insert(buf_.end(), p, p + n);
    if (buf_.size() >= kChunk) flush();
  }
  void flush() {
    std::size_t done = 0;
    while (done < buf_.size()) {
      ssize_t w = ::write(fd_, buf_.data() + done, buf_.size() - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) throw Failure{fmt::format("writing the output: {}", std::strerror(errno))};
      done += static_cast<std::size_t>(w);
    }
    buf_.clear();
  }

 private:
  static constexpr std::size_t kChunk = 1 << 20;
  int fd_;
  std::vector<std::uint8_t> buf_;
};

struct Report {
  std::uint64_t bytes = 0;
  std::uint64_t blocks = 0;
  double seconds = 0;
  std::size_t blksize = wire::kTftpDefaultBlockSize;
  std::uint32_t windowsize = 1;
  bool negotiated = false;
  std::optional<std::uint64_t> tsize;
  std::uint64_t timeouts = 0;         // our resends after a silent wait
  std::uint64_t duplicates = 0;       // DATA blocks received again (server resent)
  std::uint64_t window_restarts = 0;  // gaps seen: we ACKed the last in-order block
  std::uint64_t out_of_order = 0;     // blocks after a gap, dropped
  std::uint64_t strangers = 0;        // packets from another transfer ID (answered ERROR 5)
};

class Client {
 public:
  Client(const TftpGetOptions& o, int fd, sockaddr_in server, Sink& sink)
      : o_(o), fd_(fd), server_(server), sink_(sink),
        rollover_(o.rollover == 1 ? wire::BlockRollover::kToOne : wire::BlockRollover::kToZero) {}

  Report run() {
    wire::TftpRequest rrq;
    rrq.filename = o_.file;
    rrq.mode = "octet";
    if (o_.blksize) rrq.options.set_blksize(static_cast<std::uint16_t>(o_.blksize));
    if (o_.tsize) rrq.options.set_tsize(0);
    if (o_.windowsize) rrq.options.set_windowsize(static_cast<std::uint16_t>(o_.windowsize));
    last_sent_ = wire::encode_tftp(rrq);
    last_dest_ = server_;

    // Slots big enough for the largest DATA we may get (plus one byte to see oversize).
    const std::size_t slot = std::max<std::size_t>(o_.blksize ? o_.blksize : 0, 1024) + 4 + 1;
    bufs_.assign(kSlots, std::vector<std::uint8_t>(slot));
    const auto start = std::chrono::steady_clock::now();
    send_last();

    const int timeout_ms = std::max(1, static_cast<int>(o_.timeout * 1000));
    int silent = 0;
    while (!done_) {
      pollfd p{fd_, POLLIN, 0};
      int pr = ::poll(&p, 1, timeout_ms);
      if (pr < 0 && errno == EINTR) continue;
      if (pr < 0) throw Failure{fmt::format("poll: {}", std::strerror(errno))};
      if (pr == 0) {
        if (++silent > o_.retries) {
          if (!have_peer_) {
            throw Failure{fmt::format("no answer from {} after {} tries, {} s apart", endpoint(server_),
                                      o_.retries + 1, o_.timeout)};
          }
          throw Failure{fmt::format("timed out waiting for block {} from {} ({} bytes received; {} tries, {} s apart)",
                                    received_ + 1, endpoint(peer_), report_.bytes, o_.retries + 1, o_.timeout)};
        }
        ++report_.timeouts;
        send_last();
        continue;
      }
      const std::uint64_t before = received_;
      receive_batch();
      if (received_ != before || done_) silent = 0;
    }
    sink_.flush();
    report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    report_.blocks = received_;
    if (report_.tsize && *report_.tsize != report_.bytes) {
      throw Failure{fmt::format("received {} bytes but the server announced tsize {}", report_.bytes, *report_.tsize)};
    }
    return report_;
  }

 private:
  static constexpr unsigned kSlots = 64;

  void send_to(const wire::Bytes& b, const sockaddr_in& to) {
    for (;;) {
      ssize_t n = ::sendto(fd_, b.data(), b.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
      if (n >= 0) return;
      if (errno == EINTR) continue;
      if (errno == ENOBUFS || errno == EAGAIN) return;  // like a lost packet: the timeout resends
      throw Failure{fmt::format("sendto {}: {}", endpoint(to), std::strerror(errno))};
    }
  }
  void send_last() { send_to(last_sent_, last_dest_); }

  void send_ack(std::uint16_t block) {
    last_sent_ = wire::encode_tftp(wire::TftpAck{block});
    last_dest_ = peer_;
    send_last();
  }

  [[noreturn]] void refuse(std::uint16_t code, const std::string& why) {
    send_to(wire::encode_tftp(wire::TftpError{code, why}), have_peer_ ? peer_ : server_);
    throw Failure{why};
  }

  void receive_batch() {
    mmsghdr msgs[kSlots];
    iovec iov[kSlots];
    sockaddr_in from[kSlots];
    for (unsigned i = 0; i < kSlots; ++i) {
      iov[i] = {bufs_[i].data(), bufs_[i].size()};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
    }
    int n = ::recvmmsg(fd_, msgs, kSlots, MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == ECONNREFUSED) return;
      throw Failure{fmt::format("recvmmsg: {}", std::strerror(errno))};
    }
    for (int i = 0; i < n && !done_; ++i) {
      if (msgs[i].msg_hdr.msg_namelen < sizeof(sockaddr_in) || from[i].sin_family != AF_INET) continue;
      if ((msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) {
        refuse(static_cast<std::uint16_t>(wire::TftpErrorCode::kIllegalOperation),
               fmt::format("{} sent a datagram larger than blksize {} allows", endpoint(from[i]), report_.blksize));
      }
      handle(wire::ByteView(bufs_[i].data(), msgs[i].msg_len), from[i]);
    }
  }

  void handle(wire::ByteView payload, const sockaddr_in& from) {
    if (from.sin_addr.s_addr != server_.sin_addr.s_addr) return;  // not our server at all
    if (have_peer_ && from.sin_port != peer_.sin_port) {
      // RFC 1350 section 4: a packet from another TID gets ERROR 5; the transfer goes on.
      ++report_.strangers;
      send_to(wire::encode_tftp(wire::TftpError{static_cast<std::uint16_t>(wire::TftpErrorCode::kUnknownTransferId),
                                                "unknown transfer ID"}),
              from);
      return;
    }
    auto parsed = wire::parse_tftp(payload);
    if (!parsed) return;  // malformed: as if lost
    std::visit(
        [&](const auto& p) {
          using T = std::decay_t<decltype(p)>;
          if constexpr (std::is_same_v<T, wire::TftpError>) {
            throw Failure{fmt::format("{} sent ERROR {} ({}): {}", endpoint(from), p.code, error_name(p.code),
                                      p.message.empty() ? "(no message)" : p.message)};
          } else if constexpr (std::is_same_v<T, wire::TftpOack>) {
            on_oack(p, from);
          } else if constexpr (std::is_same_v<T, wire::TftpData>) {
            on_data(p, from);
          }
          // ACK, RRQ, WRQ from the server: nothing a reader expects; ignored.
        },
        *parsed);
  }

  void adopt_peer(const sockaddr_in& from) {
    peer_ = from;
    have_peer_ = true;
  }

  void on_oack(const wire::TftpOack& oack, const sockaddr_in& from) {
    if (have_peer_) {
      // Our ACK 0 was lost and the server sent its OACK again.
      if (received_ == 0 && report_.negotiated) send_ack(0);
      return;
    }
    if (!o_.blksize && !o_.windowsize && !o_.tsize) {
      adopt_peer(from);
      refuse(static_cast<std::uint16_t>(wire::TftpErrorCode::kOptionNegotiation),
             "the server sent OACK to a request without options");
    }
    adopt_peer(from);
    for (const auto& e : oack.options.entries) {
      auto named = [&](std::string_view n) { return oack.options.find(n) == &e.value; };
      const auto refuse_opt = [&](const std::string& why) {
        refuse(static_cast<std::uint16_t>(wire::TftpErrorCode::kOptionNegotiation),
               fmt::format("OACK option {}={}: {}", e.name, e.value, why));
      };
      if (named("blksize") && o_.blksize) {
        auto v = oack.options.blksize();
        if (!v || *v > o_.blksize) refuse_opt(fmt::format("not in 8..{} (RFC 2348)", o_.blksize));
        report_.blksize = *v;
      } else if (named("windowsize") && o_.windowsize) {
        auto v = oack.options.windowsize();
        if (!v || *v > o_.windowsize) refuse_opt(fmt::format("not in 1..{} (RFC 7440)", o_.windowsize));
        report_.windowsize = *v;
      } else if (named("tsize") && o_.tsize) {
        auto v = oack.options.tsize();
        if (!v) refuse_opt("not a size (RFC 2349)");
        report_.tsize = *v;
      } else {
        refuse_opt("not requested (RFC 2347)");
      }
    }
    report_.negotiated = true;
    if (report_.blksize + 4 + 1 > bufs_.front().size()) {
      for (auto& b : bufs_) b.resize(report_.blksize + 4 + 1);
    }
    send_ack(0);
  }

  void on_data(const wire::TftpData& d, const sockaddr_in& from) {
    if (!have_peer_) {
      // No OACK: the server ignored every option (RFC 2347): 512-byte lock-step.
      adopt_peer(from);
      report_.blksize = wire::kTftpDefaultBlockSize;
      report_.windowsize = 1;
    }
    const std::uint16_t expected = wire::block_for_index(received_ + 1, rollover_);
    if (d.block == expected) {
      if (d.data.size() > report_.blksize) {
        refuse(static_cast<std::uint16_t>(wire::TftpErrorCode::kIllegalOperation),
               fmt::format("block {} carries {} bytes, more than blksize {}", d.block, d.data.size(), report_.blksize));
      }
      sink_.add(d.data.data(), d.data.size());
      report_.bytes += d.data.size();
      ++received_;
      gap_acked_ = false;
      dup_acked_ = false;
      const bool last = d.data.size() < report_.blksize;
      if (last || received_ - acked_ >= report_.windowsize) {
        send_ack(d.block);
        acked_ = received_;
      }
      if (last) done_ = true;
      return;
    }
    if (wire::block_before(d.block, expected, rollover_)) {
      // Old block: the server resent (our ACK was lost, or it timed out). One fresh ACK
      // of where we are per stall is enough to move it on.
      ++report_.duplicates;
      if (!dup_acked_) {
        dup_acked_ = true;
        send_ack(wire::block_for_index(received_, rollover_));
        acked_ = received_;
      }
      return;
    }
    // A gap: blocks were lost. RFC 7440 section 4: ACK the last block received in
    // order; the sender starts its next window after it. Once per gap.
    ++report_.out_of_order;
    if (!gap_acked_) {
      gap_acked_ = true;
      ++report_.window_restarts;
      send_ack(wire::block_for_index(received_, rollover_));
      acked_ = received_;
    }
  }

  const TftpGetOptions& o_;
  int fd_;
  sockaddr_in server_;
  sockaddr_in peer_{};
  bool have_peer_ = false;
  Sink& sink_;
  wire::BlockRollover rollover_;
  std::vector<std::vector<std::uint8_t>> bufs_;
  wire::Bytes last_sent_;
  sockaddr_in last_dest_{};
  std::uint64_t received_ = 0;  // index of the last block received in order
  std::uint64_t acked_ = 0;     // index of the last block ACKed
  bool gap_acked_ = false;
  bool dup_acked_ = false;
  bool done_ = false;
  Report report_;
};

int tftp_get(const TftpGetOptions& o) {
  auto addr = resolve(o.server);
  if (!addr) {
    fmt::print(stderr, "pxelab tftp-get: cannot resolve {} to an IPv4 address\n", o.server);
    return 1;
  }
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_addr = *addr;
  server.sin_port = htons(static_cast<std::uint16_t>(o.port));

  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    fmt::print(stderr, "pxelab tftp-get: socket: {}\n", std::strerror(errno));
    return 1;
  }
  // Room for a few windows of the largest blocks: a full receive queue drops blocks.
  int rcvbuf = 8 << 20;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  }
  sockaddr_in any{};
  any.sin_family = AF_INET;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0) {
    fmt::print(stderr, "pxelab tftp-get: bind: {}\n", std::strerror(errno));
    ::close(fd);
    return 1;
  }

  int out_fd = -1;
  if (o.output == "-") {
    out_fd = 1;
  } else if (!o.output.empty()) {
    out_fd = ::open(o.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd < 0) {
      fmt::print(stderr, "pxelab tftp-get: {}: {}\n", o.output, std::strerror(errno));
      ::close(fd);
      return 1;
    }
  }
  std::FILE* report_to = o.output == "-" ? stderr : stdout;

  int rc = 0;
  try {
    Sink sink(out_fd);
    Client client(o, fd, server, sink);
    Report r = client.run();
    const double mib_s = r.seconds > 0 ? static_cast<double>(r.bytes) / 1048576.0 / r.seconds : 0;
    fmt::print(report_to,
               "tftp-get {}: {} bytes in {:.6f} s, {:.2f} MiB/s; blksize {}, windowsize {}{}{}; "
               "retransmissions {} ({} timeouts, {} duplicate blocks, {} window restarts, {} blocks after gaps)\n",
               o.file, r.bytes, r.seconds, mib_s, r.blksize, r.windowsize,
               r.tsize ? fmt::format(", tsize {}", *r.tsize) : std::string(),
               r.negotiated ? "" : (o.blksize || o.windowsize || o.tsize ? ", options ignored by the server" : ""),
               r.timeouts + r.duplicates + r.window_restarts, r.timeouts, r.duplicates, r.window_restarts,
               r.out_of_order);
    std::fflush(report_to);
  } catch (const Failure& f) {
    fmt::print(stderr, "pxelab tftp-get: {}: {}\n", o.file, f.message);
    rc = 1;
  }
  ::close(fd);
  if (rc != 0 && out_fd > 2) ::unlink(o.output.c_str());
  return rc;
}

}  // namespace

void add_tftp_get_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<TftpGetOptions>();
  auto* cmd = app.add_subcommand("tftp-get", "Read a file from a TFTP server (windowed) and report the transfer rate");
  cmd->description(kTftpGetHelp);
  cmd->footer(kTftpGetFooter);
  cmd->add_option("server", opts->server, "Server address (IPv4) or name")->required();
  cmd->add_option("file", opts->file, "File name to request")->required();
  cmd->add_option("-o,--output", opts->output, "Write the file here ('-': stdout); default: discard");
  cmd->add_option("--blksize", opts->blksize, "Ask for this block size (RFC 2348)")->check(CLI::Range(8, 65464));
  cmd->add_option("--windowsize", opts->windowsize, "Ask for this window (RFC 7440)")->check(CLI::Range(1, 65535));
  cmd->add_flag("--tsize", opts->tsize, "Ask for the transfer size (RFC 2349) and check it");
  cmd->add_option("--timeout", opts->timeout, "Seconds to wait before resending (default 1)")
      ->check(CLI::Range(0.001, 255.0));
  cmd->add_option("--retries", opts->retries, "Resends after silence before giving up (default 5)")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--port", opts->port, "Server port (default 69)")->check(CLI::Range(1, 65535));
  cmd->add_option("--rollover", opts->rollover, "Block number after 65535: 0 (default) or 1")
      ->check(CLI::IsMember({0, 1}));
  cmd->callback([opts, &exit_code] { exit_code = tftp_get(*opts); });
}

}  // namespace pxelab::conformance
