#include "cli/tftp_get_command.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "client/tftp_download.h"
#include "sim/clock.h"
#include "sim/udp_port.h"
#include "wire/tftp.h"
#include "wire/tftp_block.h"

namespace pxelab::conformance {

namespace {

constexpr const char* kTftpGetHelp =
    "Read one file from a TFTP server over a real UDP socket and report the transfer:\n"
    "bytes, seconds, MiB/s and retransmissions. The client is the simulator's own\n"
    "(client/tftp_download) on the wall clock. RFC 1350 read request in octet mode;\n"
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
    "2 usage error. Files over 4 GiB are refused (the client's limit).\n";

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

std::optional<wire::Ipv4Address> resolve(const std::string& host) {
  if (auto a = wire::Ipv4Address::parse(host)) return a;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res) return std::nullopt;
  const wire::Ipv4Address a{ntohl(reinterpret_cast<const sockaddr_in*>(res->ai_addr)->sin_addr.s_addr)};
  ::freeaddrinfo(res);
  return a;
}

std::string endpoint(sim::Endpoint e) { return fmt::format("{}:{}", e.ip.to_string(), e.port); }

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

// Buffers the received file and writes it in large pieces (or not at all). A write
// error is kept (the first one) and ends the transfer through `on_error`.
class Sink {
 public:
  explicit Sink(int fd) : fd_(fd) {
    if (fd_ >= 0) buf_.reserve(kChunk);
  }
  ~Sink() {
    if (fd_ > 2) ::close(fd_);
  }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  void add(wire::ByteView data) {
    if (fd_ < 0 || error_) return;
    buf_.insert(buf_.end(), data.begin(), data.end());
    if (buf_.size() >= kChunk) flush();
  }
  void flush() {
    std::size_t done = 0;
    while (done < buf_.size() && !error_) {
      const ssize_t w = ::write(fd_, buf_.data() + done, buf_.size() - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        error_ = fmt::format("writing the output: {}", std::strerror(errno));
        break;
      }
      done += static_cast<std::size_t>(w);
    }
    buf_.clear();
  }
  const std::optional<std::string>& error() const { return error_; }

 private:
  static constexpr std::size_t kChunk = 1 << 20;
  int fd_;
  std::vector<std::uint8_t> buf_;
  std::optional<std::string> error_;
};

// The TFTP download as an agent of a UdpPort: the download says by deadline() when it
// wants on_timeout(); one timer on the clock stands for it. The timer is moved only
// when the deadline comes earlier (rare: after a resend with a longer wait); when it
// fires before a deadline that moved later, the download ignores it and it is set
// again. `on_end` is called once, when the download finished.
class TftpGetAgent final : public sim::Agent {
 public:
  TftpGetAgent(const client::TftpRules& rules, client::TftpDownloadSpec spec, std::function<void()> on_end)
      : download_(rules, std::move(spec)), on_end_(std::move(on_end)) {}
  const client::TftpDownload& download() const { return download_; }

  void start(sim::AgentContext& ctx, sim::Time now) override {
    download_.start(ctx, now);
    after(ctx);
  }
  void on_datagram(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) override {
    if (!download_.on_datagram(ctx, now, d)) return;  // not at the transfer's port: cannot happen on its own socket
    after(ctx);
  }
  void on_timer(sim::AgentContext& ctx, sim::Time now, std::uint64_t /*tag*/) override {
    timer_at_ = sim::kNever;
    download_.on_timeout(ctx, now);
    after(ctx);
  }

 private:
  void after(sim::AgentContext& ctx) {
    if (download_.finished()) {
      if (timer_at_ != sim::kNever && !ctx.cancel_timer(timer_)) {
        // Already fired (its callback is queued behind this one): it finds the
        // download finished and does nothing.
      }
      timer_at_ = sim::kNever;
      if (on_end_) std::exchange(on_end_, nullptr)();
      return;
    }
    const sim::Time due = download_.deadline();
    if (due >= timer_at_) return;  // the set timer comes first; it re-arms when it fires
    if (timer_at_ != sim::kNever && !ctx.cancel_timer(timer_)) {
      // Fired and queued: it calls on_timeout early, which the download ignores.
    }
    timer_ = ctx.set_timer(due, 0);
    timer_at_ = due;
  }

  client::TftpDownload download_;
  std::function<void()> on_end_;
  sim::TimerId timer_{};
  sim::Time timer_at_ = sim::kNever;
};

// pxelab tftp-get's rules for the download: strict about the OACK (an option not
// asked for, blksize or windowsize above the request, a tsize that is no number:
// refused with ERROR 8, RFC 2347), replies only from the server asked (FW-29),
// ERROR 5 to a stranger (RFC 1350 §4), `--retries` resends `--timeout` apart.
client::TftpRules rules_for(const TftpGetOptions& o) {
  client::TftpRules r;
  r.oack = client::OackPolicy::kEdk2;
  r.oack_refusal_code = static_cast<std::uint16_t>(wire::TftpErrorCode::kOptionNegotiation);
  r.same_server_ip = true;
  r.foreign_tid_error = true;
  r.timeouts.assign(static_cast<std::size_t>(o.retries) + 1, sim::from_seconds(o.timeout));
  return r;
}

client::TftpDownloadSpec spec_for(const TftpGetOptions& o, wire::Ipv4Address server, std::uint16_t local_port) {
  client::TftpDownloadSpec spec;
  spec.file = o.file;
  spec.server = server;
  spec.server_port = static_cast<std::uint16_t>(o.port);
  spec.local_port = local_port;
  spec.hash = false;
  spec.rollover = o.rollover == 1 ? wire::BlockRollover::kToOne : wire::BlockRollover::kToZero;
  if (o.blksize) spec.options.push_back({"blksize", std::to_string(o.blksize)});
  if (o.tsize) spec.options.push_back({"tsize", "0"});
  if (o.windowsize) spec.options.push_back({"windowsize", std::to_string(o.windowsize)});
  return spec;
}

// Why the download did not end well, or nullopt if it did.
std::optional<std::string> failure_of(const TftpGetOptions& o, const client::TftpDownload& dl, sim::Endpoint asked) {
  const std::string peer = dl.server() ? endpoint(*dl.server()) : endpoint(asked);
  switch (dl.status()) {
    case client::TftpDownloadStatus::kComplete:
      if (dl.tsize() && *dl.tsize() != dl.size()) {
        return fmt::format("received {} bytes but the server announced tsize {}", dl.size(), *dl.tsize());
      }
      return std::nullopt;
    case client::TftpDownloadStatus::kServerError:
      return fmt::format("{} sent ERROR {} ({}): {}", peer, dl.error_code(), error_name(dl.error_code()),
                         dl.error_message().empty() ? "(no message)" : dl.error_message());
    case client::TftpDownloadStatus::kRefused:
      return fmt::format("refused the OACK of {} with ERROR {}: {}", peer, dl.error_code(), dl.error_message());
    case client::TftpDownloadStatus::kOpenTimeout:
      return fmt::format("no answer from {} after {} tries, {} s apart", peer, o.retries + 1, o.timeout);
    case client::TftpDownloadStatus::kTimeout:
      return fmt::format("timed out waiting for the block after byte {} from {} ({} tries, {} s apart)", dl.size(),
                         peer, o.retries + 1, o.timeout);
    case client::TftpDownloadStatus::kTooLarge:
      return fmt::format("the file is larger than {} bytes; aborted", client::TftpDownload::kMaxDownload);
    case client::TftpDownloadStatus::kRunning:
      return std::string("the transfer did not finish");
  }
  return std::string("the transfer ended in an unknown state");
}

void print_report(std::FILE* to, const TftpGetOptions& o, const client::TftpDownload& dl) {
  const double seconds = sim::to_seconds(dl.finished_at() - dl.started());
  const double mib_s = seconds > 0 ? static_cast<double>(dl.size()) / 1048576.0 / seconds : 0;
  const bool asked = o.blksize || o.windowsize || o.tsize;
  fmt::print(to,
             "tftp-get {}: {} bytes in {:.6f} s, {:.2f} MiB/s; blksize {}, windowsize {}{}{}; "
             "retransmissions {} ({} timeouts, {} duplicate blocks, {} window restarts, {} blocks after gaps)\n",
             o.file, dl.size(), seconds, mib_s, dl.blksize(), dl.windowsize(),
             dl.tsize() ? fmt::format(", tsize {}", *dl.tsize()) : std::string(),
             dl.got_oack() || !asked ? "" : ", options ignored by the server",
             dl.retransmissions() + dl.stale_blocks() + dl.resync_acks(), dl.retransmissions(), dl.stale_blocks(),
             dl.resync_acks(), dl.early_blocks());
  std::fflush(to);
}

int open_output(const std::string& output) {
  if (output == "-") return 1;
  if (output.empty()) return -1;
  return ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

int tftp_get(const TftpGetOptions& o) {
  const auto server = resolve(o.server);
  if (!server) {
    fmt::print(stderr, "pxelab tftp-get: cannot resolve {} to an IPv4 address\n", o.server);
    return 1;
  }
  sim::RealtimeClock clock;
  // Room for the largest DATA we may get and for an OACK or ERROR text.
  const std::size_t max_payload = std::max(o.blksize ? o.blksize : 512, 1024) + 4;
  auto port = sim::UdpPort::open(clock, sim::Endpoint{wire::Ipv4Address::any(), 0}, max_payload);
  if (!port) {
    fmt::print(stderr, "pxelab tftp-get: {}\n", port.error().to_string());
    return 1;
  }
  const int out_fd = open_output(o.output);
  if (out_fd == -1 && !o.output.empty()) {
    fmt::print(stderr, "pxelab tftp-get: {}: {}\n", o.output, std::strerror(errno));
    return 1;
  }
  Sink sink(out_fd);
  client::TftpDownloadSpec spec = spec_for(o, *server, (*port)->local().port);
  spec.on_data = [&](wire::ByteView data) {
    sink.add(data);
    if (sink.error()) clock.stop();
  };
  const client::TftpRules rules = rules_for(o);
  TftpGetAgent agent(rules, std::move(spec), [&] { clock.stop(); });
  (*port)->run_agent(agent);
  clock.run();
  sink.flush();

  std::optional<std::string> failure;
  if ((*port)->failure()) {
    failure = (*port)->failure()->to_string();
  } else if (sink.error()) {
    failure = *sink.error();
  } else if (clock.poll_error() != 0) {
    failure = fmt::format("poll: {}", std::strerror(clock.poll_error()));
  } else {
    failure = failure_of(o, agent.download(), sim::Endpoint{*server, static_cast<std::uint16_t>(o.port)});
    if (failure && (*port)->counters().truncated > 0) {
      *failure += fmt::format(" ({} datagrams larger than blksize {} + 4 were dropped)", (*port)->counters().truncated,
                              agent.download().blksize());
    }
  }
  if (failure) {
    fmt::print(stderr, "pxelab tftp-get: {}: {}\n", o.file, *failure);
    if (out_fd > 2) ::unlink(o.output.c_str());
    return 1;
  }
  print_report(o.output == "-" ? stderr : stdout, o, agent.download());
  return 0;
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
