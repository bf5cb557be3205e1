#include "conformance/scenario/qemu_run.h"

#include "conformance/scenario/run_network.h"

#include <signal.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "client/pxe_client.h"
#include "client/qemu/launcher.h"
#include "client/qemu/uboot_script.h"
#include "server/boot_server.h"
#include "server/log.h"
#include "sim/host.h"
#include "sim/link_port.h"
#include "sim/rng.h"
#include "sim/segment.h"

namespace pxelab::conformance {

namespace {

using client::qemu::FirmwareProfile;

// The run's private directory: $TMPDIR/pxelab-qemu-<pid>-XXXXXX, removed at the end.
Result<WorkDir> make_root() { return WorkDir::make("", "pxelab-qemu-" + std::to_string(::getpid()) + "-"); }

// Blocks SIGINT/SIGTERM for the run and delivers them through a descriptor; the old
// mask is restored at the end (a signal still pending then acts as usual).
struct SignalGuard {
  SignalGuard() {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, &old);
    fd = ::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  }
  ~SignalGuard() {
    if (fd >= 0) ::close(fd);
    sigprocmask(SIG_SETMASK, &old, nullptr);
  }
  sigset_t old;
  int fd = -1;
};

}  // namespace

Status assemble_tftp_root(const FirmwareProfile& profile, const std::string& dir) {
  for (const auto& e : profile.tftp) {
    std::filesystem::path target = std::filesystem::path(dir) / e.name;
    std::error_code ec;
    std::filesystem::create_directories(target.parent_path(), ec);
    if (e.from) {
      std::filesystem::copy_file(e.from->path, target, std::filesystem::copy_options::overwrite_existing, ec);
      if (ec) return Error{"", 0, "copy " + e.from->path + " (package " + e.from->package + "): " + ec.message()};
    } else {
      std::ofstream out(target, std::ios::binary);
      if (e.wrap == "uboot-script") {
        wire::Bytes image = client::qemu::uboot_script_image(e.text);
        out.write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
      } else {
        out << e.text;
      }
      if (!out) return Error{"", 0, "write " + target.string()};
    }
  }
  return Ok{};
}

std::string qemu_server_config(const FirmwareProfile& profile, const QemuRunOptions& o, const std::string& tftp_root) {
  std::string s;
  s += "[server]\naddress = \"192.0.2.1\"\nlease_time = 3600\n";
  s += "[[subnet]]\nnetwork = \"192.0.2.0/24\"\npool = [\"192.0.2.100-192.0.2.199\"]\nrouter = \"192.0.2.1\"\n";
  // default_file answers only BIOS clients (PXE-ARCH-FILE); `any` in the architecture map
  // answers every architecture, which a one-firmware run wants.
  s += "[boot]\n";
  if (!profile.ipxe_script.empty()) s += "ipxe_script = \"" + profile.ipxe_script + "\"\n";
  if (!profile.tftp_server_name.empty()) s += "tftp_server_name = \"" + profile.tftp_server_name + "\"\n";
  if (!profile.next_server.empty()) s += "next_server = \"" + profile.next_server + "\"\n";
  // nothing_to_boot: no [boot.file] at all, so no client gets a boot file.
  if (!profile.boot_file.empty()) s += "[boot.file]\nany = \"" + profile.boot_file + "\"\n";
  if (profile.no_siaddr) s += "[faults]\nno_siaddr = true\n";
  s += "[tftp]\nroot = \"" + tftp_root + "\"\n";
  s += "[[host]]\nmac = \"" + o.mac.to_string() + "\"\nip = \"192.0.2.10\"\nhostname = \"" + o.hostname + "\"\n";
  return s;
}

sim::Trace trim_trace(const sim::Trace& trace, sim::Time until) {
  sim::Trace out;
  for (std::size_t i = 0; i < trace.frame_count(); ++i) {
    sim::FrameView f = trace.frame(i);
    if (f.time > until) break;
    out.add_frame(f.time, trace.ingress(i), f.bytes);
  }
  return out;
}

Result<EmulatedRunResult> run_emulated_boot(const FirmwareProfile& profile, const QemuRunOptions& o,
                                            std::uint64_t seed) {
  if (profile.personality.empty()) return Error{"personality", 0, profile.source + " names no emulated personality"};
  auto set = client::load_personalities(client::default_personality_dir());
  if (!set) return set.error();
  auto rom = set->find(profile.personality);
  if (rom == set->end()) {
    return Error{"personality", 0, "no personality '" + profile.personality + "' in " + client::default_personality_dir()};
  }
  auto root = make_root();
  if (!root) return root.error();
  std::string tftp_root = root->path() + "/tftp";
  std::filesystem::create_directories(tftp_root);
  if (auto st = assemble_tftp_root(profile, tftp_root); !st) return st.error();
  auto config = server::parse_server_config(qemu_server_config(profile, o, tftp_root), root->path() + "/server.toml");
  if (!config) return config.error();

  EmulatedRunResult result;
  RunNetwork net(false);
  sim::Clock& clock = *net.clock;
  sim::Segment& segment = net.add_segment(seed, result.trace);
  server::MemoryLog log;
  std::unique_ptr<server::BootServer> srv;
  if (o.server) {
    auto s = server::BootServer::create(clock, *config, log);
    if (!s) return s.error();
    srv = std::move(*s);
    segment.attach(srv->host(), {}, "server");
  }
  sim::HostConfig hc;
  hc.mac = o.mac;
  hc.arp.attempts = static_cast<int>(rom->second.arp_attempts);
  hc.arp.retry_interval = rom->second.arp_retry;
  sim::Host host(clock, hc);
  client::PxeClient agent(*set, rom->second, sim::derive_seed(seed, 1), o.hostname);
  segment.attach(host, {}, o.hostname);
  host.start(agent, 0);
  sim::Time limit = sim::from_seconds(o.deadline_seconds > 0 ? o.deadline_seconds : profile.deadline_seconds);
  agent.set_on_finished([&clock](const client::PxeClient&) { clock.stop(); });
  clock.run(limit);
  agent.end_of_run(clock.now());
  result.outcome = agent.outcome();
  return result;
}

Result<QemuRunResult> run_qemu_boot(const FirmwareProfile& profile, const QemuRunOptions& o) {
  auto root = make_root();
  if (!root) return root.error();
  std::string tftp_root = root->path() + "/tftp";
  std::filesystem::create_directories(tftp_root);
  if (auto st = assemble_tftp_root(profile, tftp_root); !st) return st.error();
  std::string config_path = root->path() + "/server.toml";
  {
    std::ofstream(config_path) << qemu_server_config(profile, o, tftp_root);
  }
  auto config = server::load_server_config(config_path);
  if (!config) return config.error();

  SignalGuard signals;
  QemuRunResult result;
  RunNetwork net(true);
  sim::RealtimeClock& clock = *net.realtime;
  sim::Segment& segment = net.add_segment(1, result.trace);
  server::MemoryLog log;
  std::unique_ptr<server::BootServer> srv;
  if (o.server) {
    auto s = server::BootServer::create(clock, *config, log);
    if (!s) return s.error();
    srv = std::move(*s);
    segment.attach(srv->host(), {}, "server");
  }

  std::vector<std::unique_ptr<sim::LinkPort>> taps;
  for (const auto& name : o.taps) {
    auto tap = sim::LinkPort::open_tap(clock, name);
    if (!tap) return tap.error();
    segment.attach(**tap, {}, name);
    taps.push_back(std::move(*tap));
  }

  client::qemu::VmOptions vo;
  vo.mac = o.mac;
  vo.hostname = o.hostname;
  vo.deadline = o.deadline_seconds > 0 ? sim::from_seconds(o.deadline_seconds) : 0;
  vo.keep_dir = o.keep_dir;
  vo.transport = o.transport;
  vo.qemu_binary = o.qemu_binary;
  vo.extra_args = o.extra_args;
  {
    auto vm = client::qemu::QemuVm::start(clock, segment, profile, vo);
    if (!vm) return vm.error();
    (*vm)->set_on_done([&clock] { clock.stop(); });
    if (signals.fd >= 0) {
      clock.watch(signals.fd, POLLIN, [&] {
        signalfd_siginfo info{};
        // A short read (it cannot happen for a readable signalfd) still stops the run:
        // the signal's number is only for the message.
        const bool whole = ::read(signals.fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info);
        result.interrupted = true;
        (*vm)->stop("interrupted by signal " + (whole ? std::to_string(info.ssi_signo) : std::string("(unknown)")));
        clock.stop();
      });
    }
    // The VM's own deadline ends it; the margin covers reaping a killed QEMU.
    sim::Time limit = (vo.deadline > 0 ? vo.deadline : sim::from_seconds(profile.deadline_seconds)) + sim::seconds(10);
    while (!(*vm)->done() && !result.interrupted && clock.now() < limit) clock.run(limit);
    result.outcome = (*vm)->outcome();
    result.seconds = (*vm)->seconds_to_outcome();
    result.console = (*vm)->console();
    result.command = (*vm)->command();
  }  // the VM is gone: process reaped, sockets and directory removed
  result.digest = client::qemu::digest_client(result.trace, o.mac);
  client::qemu::fill_outcome_from_digest(result.outcome, result.digest);
  for (const auto& l : log.lines) result.server_log.push_back(l.text);
  if (!o.keep_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.keep_dir, ec);
    std::filesystem::copy(tftp_root, o.keep_dir + "/tftp",
                          std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing, ec);
    std::ofstream slog(o.keep_dir + "/server.log");
    for (const auto& l : result.server_log) slog << l << "\n";
    std::filesystem::copy_file(config_path, o.keep_dir + "/server.toml", std::filesystem::copy_options::overwrite_existing, ec);
  }
  return result;
}

}  // namespace pxelab::conformance
