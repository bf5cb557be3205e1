#include "conformance/sut/network.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "conformance/sut/process.h"

namespace pxelab::sut {

namespace {

// `ip ARGS...` to its end; an error carries what ip said.
Status ip(std::vector<std::string> args) {
  args.insert(args.begin(), "ip");
  auto r = run_to_completion(ProcessSpec{"ip", args, "", "", ""}, 20);
  if (!r) return r.error();
  if (!r->succeeded()) {
    std::string cmd;
    for (const auto& a : args) cmd += (cmd.empty() ? "" : " ") + a;
    std::string out = r->output;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return Error{"", 0, "'" + cmd + "' failed (" + describe_wait_status(r->status) + "): " + out};
  }
  return Ok{};
}

bool netns_exists(const std::string& name) { return ::access(("/run/netns/" + name).c_str(), F_OK) == 0; }
bool link_exists(const std::string& name) { return ::access(("/sys/class/net/" + name).c_str(), F_OK) == 0; }

ino_t netns_inode(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

}  // namespace

bool in_benchmark_block(wire::Ipv4Address a) { return (a.value & 0xfffe0000u) == 0xc6120000u; }

unsigned long long process_start_time(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) return std::strtoull(field.c_str(), nullptr, 10);
  }
  return 0;
}

bool owner_alive(pid_t pid, unsigned long long start) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH)) return false;
  return process_start_time(pid) == start;
}

std::vector<pid_t> pids_in_netns(const std::string& netns) {
  std::vector<pid_t> pids;
  ino_t target = netns_inode("/run/netns/" + netns);
  if (target == 0) return pids;
  DIR* d = ::opendir("/proc");
  if (!d) return pids;
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    if (netns_inode("/proc/" + std::string(e->d_name) + "/ns/net") == target) pids.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(d);
  return pids;
}

Status remove_run(const std::string& netns, const std::string& tap) {
  std::string problems;
  if (netns_exists(netns)) {
    for (int round = 0; round < 50; ++round) {
      auto pids = pids_in_netns(netns);
      if (pids.empty()) break;
      for (pid_t p : pids) ::kill(p, SIGKILL);
      ::usleep(20000);
    }
    if (auto st = ip({"netns", "del", netns}); !st) problems += st.error().message + "; ";
  }
  if (!tap.empty() && link_exists(tap)) {
    if (auto st = ip({"link", "del", tap}); !st) problems += st.error().message + "; ";
  }
  if (!problems.empty()) return Error{"", 0, "cleanup of " + netns + ": " + problems};
  return Ok{};
}

Status RunRegistry::record(const RunRecord& r) const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Error{"", 0, "run registry " + dir_ + ": " + ec.message()};
  std::ofstream out(dir_ + "/" + r.netns + ".run", std::ios::trunc);
  out << "owner=" << r.owner << "\nowner_start=" << r.owner_start << "\nnetns=" << r.netns << "\ntap=" << r.tap << "\n";
  out.flush();
  if (!out) return Error{"", 0, "run registry " + dir_ + ": cannot write the record of " + r.netns};
  return Ok{};
}

void RunRegistry::forget(const std::string& netns) const { ::unlink((dir_ + "/" + netns + ".run").c_str()); }

std::vector<RunRecord> RunRegistry::records() const {
  std::vector<RunRecord> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    if (entry.path().extension() != ".run") continue;
    std::ifstream in(entry.path());
    RunRecord r;
    std::string line;
    while (std::getline(in, line)) {
      auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string k = line.substr(0, eq), v = line.substr(eq + 1);
      if (k == "owner") r.owner = static_cast<pid_t>(std::strtol(v.c_str(), nullptr, 10));
      if (k == "owner_start") r.owner_start = std::strtoull(v.c_str(), nullptr, 10);
      if (k == "netns") r.netns = v;
      if (k == "tap") r.tap = v;
    }
    // A record names only what this code creates; anything else is not ours to delete.
    if (r.netns.rfind("pxsut", 0) != 0 || r.netns != entry.path().stem().string()) continue;
    if (!r.tap.empty() && r.tap.rfind("pxtap", 0) != 0) r.tap.clear();
    out.push_back(r);
  }
  return out;
}

std::vector<std::string> RunRegistry::sweep() const {
  std::vector<std::string> swept;
  for (const auto& r : records()) {
    if (owner_alive(r.owner, r.owner_start)) continue;
    if (remove_run(r.netns, r.tap)) {
      forget(r.netns);
      swept.push_back(r.netns);
    }
  }
  return swept;
}

// Waits (bounded) until the bridge has carrier (LOWER_UP: its TAP port is up and
// forwarding). Servers that bind raw sockets (Kea: "the interface br0 is not running")
// refuse an interface that is not yet running; dnsmasq does not care.
Status wait_for_carrier(const std::string& netns, const std::string& dev) {
  std::string seen;
  for (int i = 0; i < 100; ++i) {
    auto r = run_to_completion(ProcessSpec{"ip", {"ip", "-n", netns, "-o", "link", "show", dev}, "", "", ""}, 5);
    if (r && r->succeeded() && r->output.find("LOWER_UP") != std::string::npos) return Ok{};
    if (r) seen = r->output;
    ::usleep(20'000);
  }
  while (!seen.empty() && seen.back() == '\n') seen.pop_back();
  return Error{"", 0, "the bridge " + dev + " in " + netns + " has no carrier after 2 s: " + seen};
}

Result<std::unique_ptr<Network>> Network::create(sim::RealtimeClock& clock, const NetworkOptions& o) {
  if (!in_benchmark_block(o.address)) {
    return Error{"", 0, "the server under test's address " + o.address.to_string() + " is outside 198.18.0.0/15"};
  }
  for (auto a : o.extra_addresses) {
    if (!in_benchmark_block(a)) return Error{"", 0, "address " + a.to_string() + " is outside 198.18.0.0/15"};
  }
  if (o.gateway && !in_benchmark_block(*o.gateway)) {
    return Error{"", 0, "the server under test's gateway " + o.gateway->to_string() + " is outside 198.18.0.0/15"};
  }
  RunRegistry registry(o.registry_dir);
  registry.sweep();
  const pid_t self = ::getpid();
  std::string netns, tap;
  for (int n = 0;; ++n) {
    std::string tag = std::to_string(self % 100000) + "x" + std::to_string(n);
    netns = "pxsut" + tag;
    tap = "pxtap" + tag;
    if (!netns_exists(netns) && !link_exists(tap)) break;
    if (n > 1000) return Error{"", 0, "no free namespace name for pid " + std::to_string(self)};
  }
  if (auto st = registry.record({self, process_start_time(self), netns, tap}); !st) return st.error();
  std::unique_ptr<Network> net(new Network(registry, netns, tap));
  auto step = [&](std::vector<std::string> args) -> Status { return ip(std::move(args)); };
  const std::string cidr = o.address.to_string() + "/" + std::to_string(o.prefix_length);
  if (auto st = step({"netns", "add", netns}); !st) return st.error();
  if (auto st = step({"-n", netns, "link", "set", "lo", "up"}); !st) return st.error();
  // No IPv6 on the SUT's side: its router solicitations and MLD reports are not part of
  // a boot and would only be noise on the segment. Best effort: a kernel without IPv6
  // has no such keys, and IPv6 left on adds only that noise.
  for (const char* key : {"net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"}) {
    static_cast<void>(run_to_completion(ProcessSpec{"sysctl", {"sysctl", "-qw", key}, netns, "", ""}, 10));
  }
  auto port = sim::LinkPort::open_tap(clock, tap);
  if (!port) return port.error();
  net->port_ = std::move(*port);
  net->mac_ = o.mac;
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"link", "set", tap, "netns", netns},
           {"-n", netns, "link", "add", net->bridge_, "type", "bridge", "forward_delay", "0", "stp_state", "0"},
           {"-n", netns, "link", "set", net->bridge_, "address", o.mac.to_string()},
           {"-n", netns, "link", "set", tap, "master", net->bridge_},
           {"-n", netns, "addr", "add", cidr, "dev", net->bridge_},
           {"-n", netns, "link", "set", tap, "up"},
           {"-n", netns, "link", "set", net->bridge_, "up"}}) {
    if (auto st = step(std::move(args)); !st) return st.error();
  }
  for (auto a : o.extra_addresses) {
    if (auto st = step({"-n", netns, "addr", "add", a.to_string() + "/" + std::to_string(o.prefix_length), "dev",
                        net->bridge_});
        !st) {
      return st.error();
    }
  }
  if (auto st = wait_for_carrier(netns, net->bridge_); !st) return st.error();
  if (o.gateway) {
    if (auto st = step({"-n", netns, "route", "add", "default", "via", o.gateway->to_string(), "dev", net->bridge_}); !st) {
      return st.error();
    }
  }
  return net;
}

Status Network::teardown() {
  if (torn_down_) return Ok{};
  torn_down_ = true;
  port_.reset();  // closes the TAP: a TAP that is not persistent goes with its descriptor
  auto st = remove_run(netns_, tap_);
  if (st) registry_.forget(netns_);
  return st;
}

// A destructor has nowhere to return an error; a teardown that fails keeps the registry
// record (teardown forgets it only on success), so the next pxelab start sweeps it.
Network::~Network() { static_cast<void>(teardown()); }

}  // namespace pxelab::sut
