// Servers under test in a run (scenario_steps.h): made in place_servers, watched for
// signals while the clock runs, asked afterwards whether one died.
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <filesystem>

#include "conformance/scenario/scenario_steps.h"
#include "conformance/scenario/sut_server.h"
#include "conformance/sut/profile.h"

namespace pxelab::conformance {

Result<std::unique_ptr<ScenarioServer>> make_sut_server(const ServerSpec& sv, const Scenario& s, const RunPlan& plan,
                                                        ServerSite site, server::ServerConfig model) {
  auto profile = sut::find_profile(sv.sut_profile, sut::default_profile_dir());
  if (!profile) {
    Error e = profile.error();
    if (e.location.empty()) e.location = s.source + ":" + std::to_string(sv.line);
    return e;
  }
  sut::SutOptions so;
  so.run_dir = plan.work.path() + "/sut-" + sv.name;
  so.tftp_root = model.tftp.root;
  if (!sv.sut_user_config.empty()) {
    std::filesystem::path uc = sv.sut_user_config;
    so.user_config = (uc.is_relative() ? std::filesystem::path(s.dir) / uc : uc).string();
  }
  if (!plan.sut_registry_dir.empty()) so.registry_dir = plan.sut_registry_dir;
  so.gateway = sv.gateway;
  sim::Clock& clock = site.clock;
  auto server = std::make_unique<SutServer>(std::move(site), std::move(*profile), std::move(model), so);
  // A daemon that dies ends the run at once: the verdict names it (sut_failure).
  server->set_on_exit([&clock](const sut::SetupFailure&) { clock.stop(); });
  return std::unique_ptr<ScenarioServer>(std::move(server));
}

SutSignalWatch::SutSignalWatch(const Scenario& s, RunWorld& w) {
  if (!s.uses_sut() || !w.network.net.realtime) return;
  watch(*w.network.net.realtime);
}

void SutSignalWatch::watch(sim::RealtimeClock& clock) {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  ::sigprocmask(SIG_BLOCK, &mask, &old_);
  fd_ = ::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd_ < 0) return;
  clock.watch(fd_, POLLIN, [this, &clock] {
    signalfd_siginfo info{};
    if (::read(fd_, &info, sizeof info) == sizeof info) signal_ = static_cast<int>(info.ssi_signo);
    clock.stop();
  });
}

SutSignalWatch::~SutSignalWatch() {
  if (fd_ < 0) return;
  ::close(fd_);  // the watch sees POLLNVAL only if the clock runs again; it never does here
  ::sigprocmask(SIG_SETMASK, &old_, nullptr);
}

std::optional<Error> sut_failure(RunWorld& w) {
  for (auto& placed : w.servers) {
    auto* sut = dynamic_cast<SutServer*>(placed.server.get());
    if (sut && sut->exit_failure()) {
      return Error{"sut", 0, "server under test '" + placed.spec->name + "' (" + sut->profile().name + "): " +
                                 sut->exit_failure()->to_string()};
    }
  }
  return std::nullopt;
}

namespace {

// Server checks that judge something only some servers do, and the capability
// (profile.h's Capabilities::claims names) a profile must claim for them to apply.
constexpr std::pair<std::string_view, std::string_view> kCheckNeeds[] = {
    {"BOOTP-REPLY", "bootp"},
    {"RELAY-82-ECHO", "relay_option82"},
    {"RELAY-HOPS", "relay_option82"},
    {"RELAY-DELIVERY", "relay_option82"},
    {"PXE-PROXY-OFFER", "proxy_dhcp"},
    {"PXE-PROXY-WINDOW", "proxy_dhcp"},
    {"PXE-SERVER-ID-PROXY", "proxy_dhcp"},
    {"PXE-PROXY-DELIVERY", "proxy_dhcp"},
    {"PXE-4011-ACK", "boot_server_4011"},
    {"PXE-4011-PORT", "boot_server_4011"},
    {"PXE-MENU-LOCAL", "menus"},
    {"PXE-ARCH-FILE", "arch_boot_files"},
    {"PXE-CHAINLOAD-LOOP", "ipxe_script"},
    {"TFTP-BLKSIZE", "blksize"},
    {"TFTP-TSIZE", "tsize"},
    {"TFTP-TIMEOUT", "timeout"},
    {"TFTP-WINDOW", "windowsize"},
};

}  // namespace

void mark_unclaimed(const sut::Capabilities& caps, const std::string& profile, std::vector<CheckResult>& results) {
  for (CheckResult& r : results) {
    if (r.check == nullptr || r.verdict != Verdict::kFail) continue;
    for (auto [id, need] : kCheckNeeds) {
      if (r.check->id != id || caps.claims(std::string(need)).value_or(true)) continue;
      r.verdict = Verdict::kNotApplicable;
      r.reason = "profile " + profile + " does not claim " + std::string(need) + " (" +
                 std::to_string(r.findings_total) + " finding(s) not rated)";
      r.findings.clear();
      r.findings_total = 0;
    }
  }
}

void apply_sut_capabilities(RunWorld& w, std::vector<SegmentResult>& segments) {
  for (auto& placed : w.servers) {
    auto* sut = dynamic_cast<SutServer*>(placed.server.get());
    if (sut == nullptr || placed.segment >= segments.size()) continue;
    mark_unclaimed(sut->profile().capabilities, sut->profile().name, segments[placed.segment].results);
  }
}

std::vector<std::string> sut_dirs(RunWorld& w) {
  std::vector<std::string> dirs;
  for (auto& placed : w.servers) {
    if (auto* sut = dynamic_cast<SutServer*>(placed.server.get())) dirs.push_back(sut->run_dir());
  }
  return dirs;
}

}  // namespace pxelab::conformance
