#include "conformance/sut/sut_run.h"

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "conformance/sut/model.h"

namespace pxelab::sut {

namespace {

Error failure(std::string step, std::string process, std::string seen, std::string tail) {
  SetupFailure f{std::move(step), std::move(process), std::move(seen), std::move(tail)};
  return Error{f.step, 0, f.to_string()};
}

ino_t inode_of(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// Whether a UDP socket is bound to `port` in the namespace `pid` lives in
// (/proc/PID/net/udp is that namespace's table).
bool udp_port_bound(pid_t pid, int port) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/net/udp");
  std::string line;
  std::getline(in, line);  // header
  char want[8];
  std::snprintf(want, sizeof want, ":%04X", port);
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string slot, local;
    f >> slot >> local;
    if (local.size() >= 5 && local.compare(local.size() - 5, 5, want) == 0) return true;
  }
  return false;
}

bool log_matches(const std::string& path, const std::regex& re) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (std::regex_search(line, re)) return true;
  }
  return false;
}

}  // namespace

std::string SetupFailure::to_string() const {
  std::string s = "step " + step + (process.empty() ? "" : " (" + process + ")") + ": " + seen;
  if (!log_tail.empty()) s += "\nlast log lines:\n" + log_tail;
  return s;
}

Result<std::unique_ptr<ServerUnderTest>> ServerUnderTest::start(sim::RealtimeClock& clock, const Profile& profile,
                                                               const server::ServerConfig& model,
                                                               const SutOptions& o) {
  std::unique_ptr<ServerUnderTest> sut(new ServerUnderTest(profile, o));
  std::error_code ec;
  std::filesystem::create_directories(o.run_dir, ec);
  if (ec) return failure("render", "", "cannot create " + o.run_dir + ": " + ec.message(), "");
  const bool proxy = model.mode == server::ServerMode::Proxy;
  const std::string mode = proxy ? "proxy" : "dhcp";
  if (std::find(profile.modes.begin(), profile.modes.end(), mode) == profile.modes.end()) {
    return failure("render", "", "profile " + profile.name + " cannot run a " + mode + " server (its modes: " +
                                     [&] {
                                       std::string m;
                                       for (const auto& x : profile.modes) m += (m.empty() ? "" : ", ") + x;
                                       return m;
                                     }() + ")",
                   "");
  }
  NetworkOptions no;
  no.address = model.address;
  no.prefix_length = 24;
  for (const auto& sn : model.subnets) {
    if (sn.contains(model.address)) no.prefix_length = sn.prefix_length;  // the subnet on its interface
  }
  no.extra_addresses = o.extra_addresses;
  no.gateway = o.gateway;
  no.registry_dir = o.registry_dir;
  auto net = Network::create(clock, no);
  if (!net) return failure("network", "", net.error().to_string(), "");
  sut->network_ = std::move(*net);
  if (auto st = sut->render(model); !st) return st.error();
  if (auto st = sut->validate(); !st) return st.error();
  if (auto st = sut->start_processes(); !st) return st.error();
  return sut;
}

std::string ServerUnderTest::log_path(const std::string& process) const { return options_.run_dir + "/" + process + ".log"; }

std::string ServerUnderTest::last_lines() const {
  std::string out;
  for (const auto& f : log_files()) {
    std::string t = tail_lines(f, 10);
    if (!t.empty()) out += "== " + f + "\n" + t;
  }
  return out;
}

std::vector<std::string> ServerUnderTest::log_files() const {
  std::vector<std::string> files;
  for (const auto& p : profile_.processes) {
    if (std::filesystem::exists(log_path(p.name))) files.push_back(log_path(p.name));
  }
  for (const auto& f : extra_logs_) {
    if (std::filesystem::exists(f)) files.push_back(f);
  }
  return files;
}

Status ServerUnderTest::render(const server::ServerConfig& model) {
  std::string user_config;
  if (profile_.kind == "command" && options_.user_config.empty()) {
    return failure("render", "", "profile " + profile_.name + " is of kind \"command\": give its config file with --config FILE", "");
  }
  if (!options_.user_config.empty()) {
    user_config = options_.run_dir + "/" + std::filesystem::path(options_.user_config).filename().string();
    std::error_code ec;
    std::filesystem::copy_file(options_.user_config, user_config, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) return failure("render", "", "cannot copy --config " + options_.user_config + ": " + ec.message(), "");
  }
  std::error_code self_ec;  // the binary running now: the pxelab-serve profile starts it again
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", self_ec).string();
  auto scope = server_model_scope(model, {options_.run_dir, options_.tftp_root, network_->bridge(), user_config, self});
  if (!scope) return failure("render", "", scope.error().to_string(), "");
  scope_ = std::move(*scope);
  for (const auto& c : profile_.configs) {
    auto text = render_template(c.text, scope_, profile_.source + " [[config]] " + c.file);
    if (!text) return failure("render", "", text.error().to_string(), "");
    const std::string path = options_.run_dir + "/" + c.file;
    std::ofstream out(path, std::ios::trunc | std::ios::binary);
    out << *text;
    if (!out) return failure("render", "", "cannot write " + path, "");
    rendered_.push_back(path);
    scope_[c.file] = path;  // later templates and commands name the file by its name
  }
  for (const auto& p : profile_.processes) {
    std::vector<std::string> argv;
    for (const auto& a : p.command) {
      auto r = render_template(a, scope_, profile_.source + " process " + p.name);
      if (!r) return failure("render", p.name, r.error().to_string(), "");
      argv.push_back(*r);
    }
    commands_.push_back(std::move(argv));
  }
  for (const auto& l : profile_.logs) {
    auto r = render_template(l, scope_, profile_.source + " logs");
    if (!r) return failure("render", "", r.error().to_string(), "");
    extra_logs_.push_back(*r);
  }
  return Ok{};
}

Status ServerUnderTest::validate() {
  for (const auto& p : profile_.processes) {
    if (p.validate.empty()) continue;
    std::vector<std::string> argv;
    for (const auto& a : p.validate) {
      auto r = render_template(a, scope_, profile_.source + " process " + p.name + " validate");
      if (!r) return failure("render", p.name, r.error().to_string(), "");
      argv.push_back(*r);
    }
    auto done = run_to_completion({"validate " + p.name, argv, network_->netns(), log_path(p.name + ".validate"),
                                   options_.run_dir},
                                  30);
    if (!done) return failure("validate", p.name, done.error().to_string(), "");
    if (!done->succeeded()) {
      return failure("validate", p.name,
                     "the server's own config check (" + argv[0] + ") " +
                         (done->timed_out ? std::string("timed out") : describe_wait_status(done->status)) +
                         " on the rendered config",
                     done->output);
    }
  }
  return Ok{};
}

std::optional<std::string> ServerUnderTest::wait_ready(Process& p, const ProcessProfile& pp) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(pp.ready.timeout_s);
  const ino_t ns = inode_of("/run/netns/" + network_->netns());
  std::optional<std::regex> re;
  if (!pp.ready.log.empty()) re.emplace(pp.ready.log);
  for (;;) {
    if (auto st = p.poll()) return "it " + describe_wait_status(*st) + " before it was ready";
    // /proc/PID/net is the namespace of PID: only once `ip netns exec` has entered it.
    bool ready = inode_of("/proc/" + std::to_string(p.pid()) + "/ns/net") == ns;
    for (int port : pp.ready.udp_ports) ready = ready && udp_port_bound(p.pid(), port);
    if (ready && re) ready = log_matches(log_path(pp.name), *re);
    if (ready) return std::nullopt;
    if (std::chrono::steady_clock::now() >= end) {
      std::string what;
      for (int port : pp.ready.udp_ports) what += (what.empty() ? "UDP " : ", ") + std::to_string(port);
      if (re) what += (what.empty() ? "" : " and ") + std::string("a log line matching '") + pp.ready.log + "'";
      return "not ready after " + std::to_string(pp.ready.timeout_s) + " s (waited for " + what + ")";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Status ServerUnderTest::start_processes() {
  for (std::size_t i = 0; i < profile_.processes.size(); ++i) {
    const auto& pp = profile_.processes[i];
    auto p = Process::start({pp.name, commands_[i], network_->netns(), log_path(pp.name), options_.run_dir});
    if (!p) return failure("start", pp.name, p.error().to_string(), "");
    processes_.push_back(std::move(*p));
    if (auto why = wait_ready(processes_.back(), pp)) return failure("ready", pp.name, *why, last_lines());
  }
  return Ok{};
}

std::optional<SetupFailure> ServerUnderTest::exited() {
  for (auto& p : processes_) {
    if (auto st = p.poll()) {
      return SetupFailure{"run", p.spec().name, "it " + describe_wait_status(*st) + " during the run", last_lines()};
    }
  }
  return std::nullopt;
}

void ServerUnderTest::stop_processes() {
  for (std::size_t i = processes_.size(); i-- > 0;) {
    processes_[i].stop(profile_.processes[i].stop_signal, profile_.processes[i].stop_grace_s);
  }
  processes_.clear();
}

Status ServerUnderTest::restart_processes() {
  if (stopped_) return Error{"start", 0, "the server under test was removed"};
  if (running()) return Ok{};
  auto st = start_processes();
  if (!st) stop_processes();
  return st;
}

Status ServerUnderTest::stop() {
  if (stopped_) return Ok{};
  stopped_ = true;
  stop_processes();
  return network_ ? network_->teardown() : Status(Ok{});
}

// A destructor has nowhere to return an error; a teardown that fails leaves the run's
// registry record, which the next pxelab start sweeps (network.h).
ServerUnderTest::~ServerUnderTest() { static_cast<void>(stop()); }

}  // namespace pxelab::sut
