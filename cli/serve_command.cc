#include "cli/serve_command.h"

#include <signal.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "captures/pcap_writer.h"
#include "server/boot_control.h"
#include "server/boot_server.h"
#include "server/wake_schedule.h"
#include "sim/link_port.h"
#include "sim/segment.h"

namespace pxelab::conformance {

namespace {

constexpr const char* kServeHelp =
    "Run the reference boot server (DHCP/BOOTP, proxyDHCP, PXE boot server on 4011,\n"
    "TFTP) on a real Ethernet link: a TAP device and/or an interface through a raw\n"
    "socket. The same agents as in the simulator, on the wall clock. Needs root (or\n"
    "CAP_NET_ADMIN + CAP_NET_RAW). Do not give the server's address to the interface:\n"
    "pxelab answers ARP for it itself.\n";

constexpr const char* kServeFooter =
    "\nExample (two namespaces joined by a veth pair; the client side runs udhcpc):\n"
    "  ip netns add srv; ip netns add cli; ip link add vs type veth peer name vc\n"
    "  ip link set vs netns srv; ip link set vc netns cli; ip -n cli link set vc up\n"
    "  ip netns exec srv pxelab serve -c lab.toml --interface vs --pcap lab.pcap &\n"
    "  ip netns exec cli busybox udhcpc -i vc -f -q -n\n"
    "(lab.toml: see README.md \"pxelab serve\"; server/example.toml documents every key,\n"
    "its relative paths resolve beside the file.)\n"
    "\nBoot modes while it runs: --control FILE (or [server] control_file) names a file\n"
    "of lines\n"
    "  host 52:54:00:00:00:01 local     (a host entry by MAC or by hostname)\n"
    "  host lab01 network\n"
    "  group lab once                   (a [[group]] of the configuration)\n"
    "with modes network, local, menu, once ('#' starts a comment). It is read at start\n"
    "and again on SIGHUP; each read applies the lines whose mode changed since the\n"
    "previous read, and logs each change. A bad line (syntax, unknown mode, host or\n"
    "group) is logged with its line number and changes nothing; the others apply. A\n"
    "once host is set to local when its boot file has been served (logged); a restart\n"
    "of pxelab serve reads the control file again, which arms it once more.\n"
    "\nOne log line per exchange goes to stderr. SIGTERM or SIGINT stops it cleanly:\n"
    "the lease journal is flushed and a summary printed. With several links, each\n"
    "talks to the server only (frames are never forwarded between two links). A link\n"
    "whose device disappears is dropped with one log line; when none is left the\n"
    "server stops. Exit status: 0 after a clean stop, 1 if it could not start or lost\n"
    "every link (the message says why), 2 for usage errors.\n"
    "\nSchedules: the config's [[schedule]] entries (server/example.toml) run on the wall\n"
    "clock while it serves: once = \"YYYY-MM-DDTHH:MM:SS\" or cron = \"MIN HOUR DOM MON DOW\"\n"
    "(crontab(5)), in zone = \"Europe/Berlin\" (tzdata names; default UTC; a time skipped\n"
    "by a DST jump fires right after it, a repeated one the first time); action \"wake\":\n"
    "macs = [...] and/or hosts = \"maint-*\" ([[host]] hostnames), optional mode =\n"
    "\"network\" set first, broadcast (default 255.255.255.255), port (9), password.\n"
    "Each fire is one line on stderr, even with --quiet: 'schedule[N] ... fired at WALL\n"
    "TIME: wake K machines via udp ADDR:PORT', and the next fire time.\n";

class StderrLog final : public server::LogSink {
 public:
  explicit StderrLog(bool quiet) : quiet_(quiet) {}
  void line(sim::Time now, std::string_view text) override {
    if (!quiet_) fmt::print(stderr, "[{:12.6f}] {}\n", sim::to_seconds(now), text);
  }

 private:
  bool quiet_;
};

struct ServeOptions {
  std::string config;
  std::string control;  // --control: overrides [server] control_file
  std::vector<std::string> taps;
  std::vector<std::string> interfaces;
  std::string pcap;
  double duration = 0;
  int tftp_port_base = 49152;
  bool quiet = false;
};

struct OwnedFd {
  int fd;
  ~OwnedFd() {
    if (fd >= 0) ::close(fd);
  }
};

// SIGTERM/SIGINT (stop) and SIGHUP (re-read the control file) arrive through a
// descriptor the clock polls, so they act between events, never inside one. fd < 0
// (errno set) when signalfd fails.
OwnedFd serve_signals() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  return OwnedFd{::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)};
}

// The line that says the server is up: mode, address, leases replayed, links.
void print_ready(const server::BootServer& srv, const std::vector<std::unique_ptr<sim::LinkPort>>& links) {
  const auto& cfg = srv.config();
  fmt::print(stderr, "pxelab serve: {} mode, address {}, {} leases replayed from {}{}; ready on", server::to_string(cfg.mode),
             cfg.address.to_string(), srv.replay().records, cfg.lease_file.empty() ? "(memory)" : cfg.lease_file,
             srv.replay().dropped_torn_tail ? " (torn tail dropped)" : "");
  for (const auto& l : links) fmt::print(stderr, " {}", l->name());
  fmt::print(stderr, "\n");
}

// The line that says it stopped: why, and what it answered and dropped.
void print_stopped(server::BootServer& srv, int stop_signal) {
  const auto& ds = srv.dhcp().stats();
  fmt::print(stderr, "pxelab serve: stopped{}; {} DHCP requests: {} offers, {} acks, {} naks, {} BOOTP, {} boot-server acks",
             stop_signal ? fmt::format(" by signal {}", stop_signal) : std::string(), ds.requests, ds.offers, ds.acks,
             ds.naks, ds.bootp_replies, ds.boot_server_acks);
  for (std::size_t r = 1; r < ds.drops.size(); ++r) {
    if (ds.drops[r]) fmt::print(stderr, ", {} dropped {}", ds.drops[r], server::to_string(static_cast<server::DropReason>(r)));
  }
  if (auto* t = srv.tftp()) {
    const auto& ts = t->stats();
    fmt::print(stderr, "; TFTP {} requests, {} complete ({} bytes), {} ended by client, {} timed out, {} not found",
               ts.requests, ts.completed, ts.bytes_sent, ts.client_errors, ts.timed_out, ts.not_found);
  }
  fmt::print(stderr, "\n");
}

// --pcap: the segment's frames as they happen, stamped with the wall clock.
Result<std::unique_ptr<captures::PcapStreamWriter>> open_pcap(const std::string& path) {
  captures::PcapWriteOptions popts;
  popts.epoch_ns = static_cast<std::int64_t>(std::time(nullptr)) * 1'000'000'000;
  return captures::PcapStreamWriter::open(path, popts);
}

// Reads the control file at `path` (none if empty) into `control`; false (said on
// stderr) when it cannot be read.
bool start_control(const std::string& path, server::BootServer& srv, server::LogSink& log, sim::Time now,
                   std::optional<server::ControlFile>& control) {
  if (path.empty()) return true;
  control.emplace(path);
  if (auto n = control->reload(srv, log, now); !n) {
    fmt::print(stderr, "pxelab serve: {}\n", n.error().to_string());
    return false;
  }
  return true;
}

// SIGHUP re-reads the control file (if any); SIGTERM/SIGINT stop the clock, the
// signal left in `stop_signal`. Everything passed must outlive the clock's run.
void watch_signals(sim::RealtimeClock& clock, int sfd, std::optional<server::ControlFile>& control,
                   server::BootServer& srv, server::LogSink& log, int& stop_signal) {
  clock.watch(sfd, POLLIN, [&clock, sfd, &control, &srv, &log, &stop_signal] {
    signalfd_siginfo info{};
    if (::read(sfd, &info, sizeof info) != sizeof info) return;
    if (info.ssi_signo == SIGHUP) {
      if (!control) {
        log.line(clock.now(), "SIGHUP: no control file (--control or [server] control_file): nothing to re-read");
      } else if (auto n = control->reload(srv, log, clock.now()); !n) {
        log.line(clock.now(), "SIGHUP: " + n.error().to_string() + "; boot modes unchanged");
      } else {
        log.line(clock.now(), fmt::format("SIGHUP: control file {} re-read, {} change(s)", control->path(), *n));
      }
      return;
    }
    stop_signal = static_cast<int>(info.ssi_signo);
    clock.stop();
  });
}

// --pcap: opened and put on the segment; false (the reason printed) if it cannot be.
bool attach_pcap(const std::string& path, sim::Segment& segment, std::unique_ptr<captures::PcapStreamWriter>& out) {
  auto w = open_pcap(path);
  if (!w) {
    fmt::print(stderr, "pxelab serve: {}\n", w.error().to_string());
    return false;
  }
  out = std::move(*w);
  segment.add_sink(*out);
  return true;
}

// The wall time (UTC seconds) of the clock's time 0, for [[schedule]] entries.
double wall_epoch(const sim::Clock& clock) {
  timespec wall{};
  ::clock_gettime(CLOCK_REALTIME, &wall);
  return static_cast<double>(wall.tv_sec) + static_cast<double>(wall.tv_nsec) * 1e-9 - sim::to_seconds(clock.now());
}

int serve(const ServeOptions& o) {
  auto config = server::load_server_config(o.config);
  if (!config) {
    fmt::print(stderr, "pxelab serve: {}\n", config.error().to_string());
    return 1;
  }
  if (o.taps.empty() && o.interfaces.empty()) {
    fmt::print(stderr, "pxelab serve: name a link to serve on: --tap NAME and/or --interface IF\n");
    return 2;
  }

  const OwnedFd signals = serve_signals();
  const int sfd = signals.fd;
  if (sfd < 0) {
    fmt::print(stderr, "pxelab serve: signalfd: {}\n", std::strerror(errno));
    return 1;
  }

  sim::RealtimeClock clock;
  StderrLog log(o.quiet);
  sim::Segment segment(clock, 0);
  server::BootServerOptions bopts;
  bopts.tftp_first_port = static_cast<std::uint16_t>(o.tftp_port_base);
  bopts.lease_epoch = static_cast<std::int64_t>(std::time(nullptr));
  auto srv = server::BootServer::create(clock, *config, log, bopts);
  if (!srv) {
    fmt::print(stderr, "pxelab serve: {}\n", srv.error().to_string());
    return 1;
  }
  segment.attach((*srv)->host(), {}, "server");

  std::vector<std::unique_ptr<sim::LinkPort>> links;
  std::size_t live_links = 0;
  bool links_lost = false;
  auto add = [&](Result<std::unique_ptr<sim::LinkPort>> port) {
    if (!port) {
      fmt::print(stderr, "pxelab serve: {}\n", port.error().to_string());
      return false;
    }
    // Each link talks to the server only, never to another link: with two raw
    // sockets in promiscuous mode a learning switch between them would bridge the
    // two networks (and loop them if they are joined elsewhere).
    segment.set_isolated(segment.attach(**port, {}, (*port)->name()), true);
    // A lost link is given up (LinkPort stops polling it); none left: the server stops.
    (*port)->set_on_failure([&](std::string_view why) {
      fmt::print(stderr, "pxelab serve: link {} lost; no longer serving on it\n", why);
      if (--live_links == 0) {
        fmt::print(stderr, "pxelab serve: no link left to serve on\n");
        links_lost = true;
        clock.stop();
      }
    });
    ++live_links;
    links.push_back(std::move(*port));
    return true;
  };
  for (const auto& t : o.taps) {
    if (!add(sim::LinkPort::open_tap(clock, t))) return 1;
  }
  for (const auto& i : o.interfaces) {
    if (!add(sim::LinkPort::open_interface(clock, i))) return 1;
  }

  std::unique_ptr<captures::PcapStreamWriter> pcap;
  if (!o.pcap.empty() && !attach_pcap(o.pcap, segment, pcap)) return 1;

  // The control file: read now (unreadable: no start), then on SIGHUP (watch_signals).
  std::optional<server::ControlFile> control;
  if (!start_control(o.control.empty() ? config->control_file : o.control, **srv, log, clock.now(), control)) return 1;

  int stop_signal = 0;
  watch_signals(clock, sfd, control, **srv, log, stop_signal);
  if (o.duration > 0) clock.at(sim::from_seconds(o.duration), [&] { clock.stop(); });

  print_ready(**srv, links);

  // [[schedule]]: the wall time of clock time 0, then every entry armed.
  StderrLog schedule_log(false);
  server::WakeScheduleRunner schedules(clock, **srv, schedule_log, wall_epoch(clock));
  schedules.start();

  clock.run();
  if (clock.poll_error() != 0) fmt::print(stderr, "pxelab serve: poll: {}\n", std::strerror(clock.poll_error()));

  auto st = (*srv)->flush();
  if (pcap) {
    segment.remove_sink(*pcap);
    if (auto c = pcap->close(); !c) fmt::print(stderr, "pxelab serve: pcap: {}\n", c.error().to_string());
  }
  print_stopped(**srv, stop_signal);
  if (!st) {
    fmt::print(stderr, "pxelab serve: final lease flush failed: {}\n", st.error().to_string());
    return 1;
  }
  return links_lost || clock.poll_error() != 0 ? 1 : 0;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Run the reference boot server on a real link (TAP or interface)");
  cmd->description(kServeHelp);
  cmd->footer(kServeFooter);
  cmd->add_option("-c,--config", opts->config, "Server configuration (TOML; see server/example.toml)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--control", opts->control,
                  "Boot-mode control file, re-read on SIGHUP (see below; overrides [server] control_file)");
  cmd->add_option("--tap", opts->taps, "TAP device to serve on (created if absent); repeatable");
  cmd->add_option("-i,--interface", opts->interfaces, "Interface to serve on through a raw socket; repeatable");
  cmd->add_option("--pcap", opts->pcap, "Write every frame the server sees or sends to this pcap");
  cmd->add_option("--duration", opts->duration, "Stop after this many seconds (default: until SIGTERM/SIGINT)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--tftp-port-base", opts->tftp_port_base, "First UDP port for TFTP transfers")
      ->check(CLI::Range(1024, 65000));
  cmd->add_flag("-q,--quiet", opts->quiet, "No per-exchange log lines (the summary is still printed)");
  cmd->callback([opts, &exit_code] { exit_code = serve(*opts); });
}

}  // namespace pxelab::conformance
