#include "conformance/scenario/scenario_runner.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/core.h>

#include "client/personality.h"
#include "client/probe_client.h"
#include "client/pxe_client.h"
#include "client/qemu/firmware_profile.h"
#include "client/qemu/launcher.h"
#include "conformance/scenario/qemu_run.h"
#include "conformance/scenario/sut_server.h"
#include "conformance/sut/profile.h"
#include "server/boot_server.h"
#include "server/config.h"
#include "server/dhcp_relay.h"
#include "server/log.h"
#include "sim/clock.h"
#include "sim/host.h"
#include "sim/rng.h"
#include "sim/router.h"
#include "sim/segment.h"

namespace pxelab::conformance {

namespace {

namespace fs = std::filesystem;

wire::MacAddress mac_plus(const wire::MacAddress& m, std::uint64_t n) {
  std::uint64_t v = 0;
  for (auto o : m.octets) v = (v << 8) | o;
  v += n;
  wire::MacAddress out;
  for (int i = 5; i >= 0; --i) {
    out.octets[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
    v >>= 8;
  }
  return out;
}

std::string replace_n(std::string s, std::uint32_t n) {
  for (auto at = s.find("{n}"); at != std::string::npos; at = s.find("{n}")) s.replace(at, 3, std::to_string(n));
  return s;
}

// Moves an inline configuration's "LINE" to the scenario file's line.
Error in_scenario(Error e, const Scenario& s, const ServerSpec& sv) {
  const std::string prefix = s.source + ":";
  if (e.location.rfind(prefix, 0) == 0) {
    const std::string rest = e.location.substr(prefix.size());
    const int line = std::atoi(rest.c_str());
    const auto colon = rest.find(':');
    e.location = prefix + std::to_string(line + sv.config_line - 1) + (colon == std::string::npos ? "" : rest.substr(colon));
  }
  e.message += " (in server '" + sv.name + "' config)";
  return e;
}

Status write_files(const std::string& root, const std::vector<FileSpec>& files, std::uint64_t seed) {
  for (const FileSpec& f : files) {
    if (f.name.find("..") != std::string::npos || (!f.name.empty() && f.name.front() == '/')) {
      return Error{"files", 0, "file name '" + f.name + "' must stay inside the TFTP root"};
    }
    fs::path p = fs::path(root) / f.name;
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    std::ofstream out(p, std::ios::binary);
    if (f.text) {
      out << *f.text;
    } else {
      sim::Rng rng(sim::derive_seed(seed, std::hash<std::string>{}(f.name)));
      std::string bytes(*f.size, '\0');
      for (auto& c : bytes) c = static_cast<char>(rng.next());
      if (f.boot_sector) {
        bytes[510] = static_cast<char>(0x55);
        bytes[511] = static_cast<char>(0xaa);
      }
      out << bytes;
    }
    out.close();
    if (!out) return Error{"files", 0, "cannot write " + p.string()};
  }
  return Ok{};
}

std::optional<server::BootMode> boot_mode(const std::string& s) {
  if (s == "network") return server::BootMode::Network;
  if (s == "local") return server::BootMode::Local;
  if (s == "menu") return server::BootMode::Menu;
  return std::nullopt;
}

// Everything a run builds, destroyed in the right order (clients, relays and servers
// before their segments, segments before the clock).
struct World {
  std::unique_ptr<sim::Clock> clock;
  sim::RealtimeClock* realtime = nullptr;
  std::vector<std::unique_ptr<sim::Segment>> segments;
  std::vector<std::unique_ptr<sim::Trace>> traces;
  server::MemoryLog log;
  struct ServerSlot {
    const ServerSpec* spec = nullptr;
    std::size_t segment = 0;
    server::ServerConfig config;
    server::BootServerOptions options;
    sim::LinkParams link;
    // Every instance ever started: a stopped one is powered off, not destroyed (its
    // events must not dangle); a restart is a fresh instance.
    std::vector<std::unique_ptr<server::BootServer>> instances;
    std::vector<sim::PortIndex> ports;
    std::unique_ptr<SutServer> sut;  // a [[sut]]: a server under test instead (sut_server.h)
  };
  std::vector<ServerSlot> servers;
  struct RelaySlot {
    std::unique_ptr<sim::Router> router;
    std::unique_ptr<server::DhcpRelayAgent> agent;
    std::vector<std::pair<std::size_t, sim::PortIndex>> ports;  // segment, port
  };
  std::vector<RelaySlot> relays;
  struct ClientSlot {
    std::size_t group = 0;
    std::size_t segment = 0;
    sim::PortIndex port = sim::kNoPort;
    std::unique_ptr<sim::Host> host;
    std::unique_ptr<client::PxeClient> agent;
    std::unique_ptr<client::ProbeClient> probe;
    std::unique_ptr<client::qemu::QemuVm> vm;
    const client::qemu::FirmwareProfile* profile = nullptr;
    sim::Time power_on = 0;
  };
  std::vector<ClientSlot> clients;
  std::map<std::string, client::qemu::FirmwareProfile> profiles;
  client::PersonalitySet personalities;

  ~World() {
    clients.clear();
    relays.clear();
    servers.clear();
  }
};

struct TempDir {
  std::string path;
  bool keep = false;
  ~TempDir() {
    if (!path.empty() && !keep) {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  }
};

}  // namespace

Result<ScenarioResult> run_scenario(const Scenario& s, const ScenarioRunOptions& o) {
  ScenarioResult result;
  result.seed = o.seed.value_or(s.seed);
  result.realtime = s.uses_qemu() || s.uses_sut();
  const auto wall_start = std::chrono::steady_clock::now();

  TempDir work;
  if (!o.keep_dir.empty()) {
    std::error_code ec;
    fs::create_directories(o.keep_dir, ec);
    work.path = fs::absolute(o.keep_dir).string();
    work.keep = true;
  } else {
    char tmpl[] = "/tmp/pxelab-run-XXXXXX";
    if (char* d = ::mkdtemp(tmpl)) work.path = d;
    if (work.path.empty()) return Error{"", 0, "cannot create a temporary directory under /tmp"};
  }

  World w;
  auto set = client::load_personalities(client::default_personality_dir());
  if (!set) return set.error();
  w.personalities = std::move(*set);
  for (const auto& c : s.clients) {
    if (c.kind == "emulated" && !w.personalities.contains(c.personality)) {
      std::string known;
      for (const auto& [id, p] : w.personalities) known += (known.empty() ? "" : ", ") + id;
      return Error{"client.personality", 0, "group '" + c.name + "': no personality '" + c.personality + "' (known: " + known + ")",
                   s.source + ":" + std::to_string(c.line)};
    }
    if (c.kind == "emulated" && w.personalities.at(c.personality).kind != client::PersonalityKind::kRom) {
      return Error{"client.personality", 0,
                   "group '" + c.name + "': '" + c.personality +
                       "' is a loader (a second stage a ROM downloads), not a ROM a machine powers on with",
                   s.source + ":" + std::to_string(c.line)};
    }
    if (c.kind == "qemu" && !w.profiles.contains(c.firmware)) {
      auto p = client::qemu::find_firmware_profile(client::qemu::default_profile_dir(), c.firmware);
      if (!p) {
        Error e = p.error();
        e.location = s.source + ":" + std::to_string(c.line);
        return e;
      }
      w.profiles.emplace(c.firmware, std::move(*p));
    }
  }

  if (result.realtime) {
    auto rt = std::make_unique<sim::RealtimeClock>();
    w.realtime = rt.get();
    w.clock = std::move(rt);
  } else {
    w.clock = std::make_unique<sim::VirtualClock>();
  }
  sim::Clock& clock = *w.clock;

  std::map<std::string, std::size_t> segment_index;
  for (std::size_t i = 0; i < s.segments.size(); ++i) {
    segment_index[s.segments[i].name] = i;
    w.segments.push_back(std::make_unique<sim::Segment>(clock, sim::derive_seed(result.seed, 0x5e6 + i)));
    w.traces.push_back(std::make_unique<sim::Trace>());
    w.segments.back()->add_sink(*w.traces.back());
  }
  auto link_of = [&](std::size_t seg, const LinkSpec& own) { return own.apply(s.segments[seg].link.apply({})); };

  // Servers: configuration, host-table entries from client groups, a TFTP root.
  for (const ServerSpec& sv : s.servers) {
    World::ServerSlot slot;
    slot.spec = &sv;
    slot.segment = segment_index.at(sv.segment);
    if (!sv.config_path.empty()) {
      fs::path p = sv.config_path;
      if (p.is_relative()) p = fs::path(s.dir) / p;
      auto c = server::load_server_config(p.string());
      if (!c) return c.error();
      slot.config = std::move(*c);
    } else {
      auto c = server::parse_server_config(sv.config_text, s.source);
      if (!c) return in_scenario(c.error(), s, sv);
      slot.config = std::move(*c);
    }
    const bool own_root = !sv.files.empty() || !sv.qemu_assets.empty() || slot.config.tftp.root.empty() ||
                          !sv.config_text.empty();
    if (own_root) {
      const std::string root = work.path + "/tftp-" + sv.name;
      std::error_code ec;
      fs::create_directories(root, ec);
      if (auto st = write_files(root, sv.files, result.seed); !st) {
        Error e = st.error();
        e.location = s.source + ":" + std::to_string(sv.line);
        return e;
      }
      for (const auto& id : sv.qemu_assets) {
        auto p = client::qemu::find_firmware_profile(client::qemu::default_profile_dir(), id);
        if (!p) return p.error();
        if (auto st = assemble_tftp_root(*p, root); !st) return st.error();
      }
      slot.config.tftp.root = root;
    }
    if (!slot.config.lease_file.empty() && !sv.config_text.empty()) slot.config.lease_file = work.path + "/leases-" + sv.name;
    for (std::size_t gi = 0; gi < s.clients.size(); ++gi) {
      const ClientSpec& c = s.clients[gi];
      if (!c.host || c.host->server != sv.name) continue;
      for (std::uint32_t n = 1; n <= c.count; ++n) {
        server::HostEntry h;
        h.mac = mac_plus(c.mac, n - 1);
        if (slot.config.find_host(h.mac)) continue;  // the configuration's own entry wins
        if (c.host->ip) h.ip = wire::Ipv4Address{c.host->ip->value + n - 1};
        h.hostname = replace_n(c.host->hostname, n);
        h.boot = boot_mode(c.host->boot);
        h.file = replace_n(c.host->file, n);
        for (const auto& [k, v] : c.host->vars) h.vars[k] = replace_n(v, n);
        slot.config.hosts.push_back(std::move(h));
      }
    }
    slot.options.tftp = sv.tftp;
    slot.options.gateway = sv.gateway;
    slot.link = link_of(slot.segment, sv.link);
    w.servers.push_back(std::move(slot));
  }
  auto start_server = [&](World::ServerSlot& slot) -> Status {
    if (!slot.spec->sut_profile.empty()) {
      if (!slot.sut) {
        auto profile = sut::find_profile(slot.spec->sut_profile, sut::default_profile_dir());
        if (!profile) return profile.error();
        sut::SutOptions so;
        so.run_dir = work.path + "/sut-" + slot.spec->name;
        so.tftp_root = slot.config.tftp.root;
        if (!slot.spec->sut_user_config.empty()) {
          fs::path uc = slot.spec->sut_user_config;
          so.user_config = (uc.is_relative() ? fs::path(s.dir) / uc : uc).string();
        }
        if (!o.sut_registry_dir.empty()) so.registry_dir = o.sut_registry_dir;
        ServerSite site{clock, w.realtime, *w.segments[slot.segment], slot.link, slot.spec->name, so.run_dir};
        slot.sut = std::make_unique<SutServer>(site, std::move(*profile), slot.config, so);
        slot.sut->set_on_exit([&clock](const sut::SetupFailure&) { clock.stop(); });
        result.sut_dirs.push_back(so.run_dir);
      }
      if (auto st = slot.sut->start(); !st) return st.error();
      const auto rep = slot.sut->report();
      if (slot.ports.size() < rep.instances.size()) slot.ports.push_back(rep.instances.back().port);
      return Ok{};
    }
    auto b = server::BootServer::create(clock, slot.config, w.log, slot.options);
    if (!b) return b.error();
    slot.ports.push_back(w.segments[slot.segment]->attach((*b)->host(), slot.link, slot.spec->name));
    slot.instances.push_back(std::move(*b));
    return Ok{};
  };
  for (auto& slot : w.servers) {
    if (auto st = start_server(slot); !st) {
      Error e = st.error();
      if (e.location.empty()) e.location = s.source + ":" + std::to_string(slot.spec->line);
      return e;
    }
  }

  // Relays: a router with an interface on each segment, and the DHCP relay agent.
  for (std::size_t ri = 0; ri < s.relays.size(); ++ri) {
    const RelaySpec& rs = s.relays[ri];
    std::vector<sim::RouterInterface> itfs;
    for (std::size_t i = 0; i < rs.interfaces.size(); ++i) {
      const auto& it = rs.interfaces[i];
      itfs.push_back({it.segment, wire::MacAddress{{0x02, 0x52, static_cast<std::uint8_t>(ri), static_cast<std::uint8_t>(i), 0, 1}},
                      it.address, it.prefix_length});
    }
    World::RelaySlot slot;
    slot.router = std::make_unique<sim::Router>(clock, itfs);
    for (std::size_t i = 0; i < rs.interfaces.size(); ++i) {
      const std::size_t seg = segment_index.at(rs.interfaces[i].segment);
      slot.ports.emplace_back(seg, w.segments[seg]->attach(slot.router->host(i), link_of(seg, {}), rs.name));
    }
    server::RelayConfig rc;
    rc.servers = rs.servers;
    rc.add_option82 = rs.option82;
    rc.remote_id = rs.remote_id;
    rc.max_hops = rs.max_hops;
    slot.agent = std::make_unique<server::DhcpRelayAgent>(*slot.router, rc);
    w.relays.push_back(std::move(slot));
  }

  // Clients.
  const std::uint32_t total = s.client_count();
  std::uint32_t done = 0;
  sim::Time last_done = 0;
  auto one_done = [&] {
    ++done;
    last_done = clock.now();
    if (done == total) clock.stop();
  };
  sim::Rng power_rng(sim::derive_seed(result.seed, 0x90e7));
  std::uint64_t client_number = 0;
  for (std::size_t gi = 0; gi < s.clients.size(); ++gi) {
    const ClientSpec& c = s.clients[gi];
    const std::size_t seg = segment_index.at(c.segment);
    for (std::uint32_t n = 1; n <= c.count; ++n, ++client_number) {
      World::ClientSlot slot;
      slot.group = gi;
      slot.segment = seg;
      const wire::MacAddress mac = mac_plus(c.mac, n - 1);
      const std::string name = c.count == 1 ? c.name : c.name + "-" + std::to_string(n);
      slot.power_on = sim::from_seconds(c.power_on) +
                      (c.spread > 0 ? power_rng.uniform_time(sim::from_seconds(c.spread)) : 0);
      const sim::LinkParams link = link_of(seg, c.link);
      if (c.kind == "emulated") {
        const client::Personality& p = w.personalities.at(c.personality);
        sim::HostConfig hc;
        hc.mac = mac;
        hc.arp.attempts = static_cast<int>(p.arp_attempts);
        hc.arp.retry_interval = p.arp_retry;
        slot.host = std::make_unique<sim::Host>(clock, hc);
        slot.agent = std::make_unique<client::PxeClient>(w.personalities, p, sim::derive_seed(result.seed, 0xc1 + client_number),
                                                         name);
        slot.agent->set_on_finished([&](const client::PxeClient&) { one_done(); });
        slot.port = w.segments[seg]->attach(*slot.host, link, name);
        slot.host->start(*slot.agent, slot.power_on);
      } else if (c.kind == "probe") {
        sim::HostConfig hc;
        hc.mac = mac;
        slot.host = std::make_unique<sim::Host>(clock, hc);
        client::ProbeOptions po;
        po.steps = c.probe_steps;
        po.file = c.probe_file;
        po.broadcast_flag = c.broadcast_flag;
        slot.probe = std::make_unique<client::ProbeClient>(std::move(po), sim::derive_seed(result.seed, 0xc1 + client_number), name);
        slot.probe->set_on_finished([&](const client::ProbeClient&) { one_done(); });
        slot.port = w.segments[seg]->attach(*slot.host, link, name);
        slot.host->start(*slot.probe, slot.power_on);
      } else {
        slot.profile = &w.profiles.at(c.firmware);
        client::qemu::VmOptions vo;
        vo.name = name;
        vo.mac = mac;
        vo.hostname = c.host ? replace_n(c.host->hostname, n) : name;
        vo.link = link;
        if (!o.keep_dir.empty()) vo.keep_dir = work.path + "/vm-" + name;
        auto vm = client::qemu::QemuVm::start(*w.realtime, *w.segments[seg], *slot.profile, vo);
        if (!vm) return vm.error();
        slot.vm = std::move(*vm);
        slot.port = slot.vm->port_index();
        slot.vm->set_on_done(one_done);
      }
      w.clients.push_back(std::move(slot));
    }
  }

  // Events.
  auto ports_of = [&](const std::string& target) {
    std::vector<std::pair<std::size_t, sim::PortIndex>> out;
    for (auto& sv : w.servers) {
      if (sv.spec->name == target && !sv.ports.empty()) out.emplace_back(sv.segment, sv.ports.back());
    }
    for (std::size_t ri = 0; ri < s.relays.size(); ++ri) {
      if (s.relays[ri].name == target) out.insert(out.end(), w.relays[ri].ports.begin(), w.relays[ri].ports.end());
    }
    for (auto& cl : w.clients) {
      if (s.clients[cl.group].name == target) out.emplace_back(cl.segment, cl.port);
    }
    return out;
  };
  for (const EventSpec& e : s.events) {
    const sim::Time at = sim::from_seconds(e.at);
    if (e.action == "server-stop" || e.action == "server-start") {
      const bool stop = e.action == "server-stop";
      clock.at(at, [&w, &start_server, target = e.target, stop] {
        for (auto& sv : w.servers) {
          if (sv.spec->name != target) continue;
          if (sv.sut) {
            if (stop) {
              sv.sut->stop();
            } else {
              static_cast<void>(sv.sut->start());
            }
          } else if (stop) {
            if (!sv.instances.empty()) sv.instances.back()->host().set_powered(false);
          } else if (sv.instances.empty() || !sv.instances.back()->host().powered()) {
            static_cast<void>(start_server(sv));  // a fresh instance: leases from its journal, no TFTP state
          }
        }
      });
      continue;
    }
    // The loss each link was configured with: what link-up restores.
    std::vector<double> configured_loss;
    for (const auto& seg_port : ports_of(e.target)) {
      configured_loss.push_back(w.segments[seg_port.first]->link_params(seg_port.second).loss);
    }
    clock.at(at, [&w, &ports_of, e, configured_loss] {
      std::size_t i = 0;
      for (const auto& seg_port : ports_of(e.target)) {
        sim::Segment& segment = *w.segments[seg_port.first];
        const auto port = seg_port.second;  // a named copy: clang cannot capture structured bindings
        sim::LinkParams p = segment.link_params(port);
        const sim::LinkParams before = p;
        const double configured = i < configured_loss.size() ? configured_loss[i] : 0.0;
        ++i;
        if (e.action == "link-down") p.loss = 1.0;
        if (e.action == "link-up") p.loss = configured;
        if (e.action == "loss") p.loss = e.loss;
        segment.set_link_params(port, p);
        if (e.action == "loss" && e.duration > 0) {
          w.clock->after(sim::from_seconds(e.duration), [&segment, port, before] {
            sim::LinkParams q = segment.link_params(port);
            q.loss = before.loss;
            segment.set_link_params(port, q);
          });
        }
      }
    });
  }

  // Progress on a terminal: one line, rewritten.
  auto last_print = std::chrono::steady_clock::now();
  std::function<void()> tick;
  tick = [&] {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_print > std::chrono::milliseconds(250)) {
      last_print = now;
      fmt::print(stderr, "\r  {}: t = {:.1f} s simulated, {}/{} clients done   ", s.name, sim::to_seconds(clock.now()), done,
                 total);
    }
    if (done < total) clock.after(sim::seconds(1), tick);
  };
  if (o.progress) clock.after(sim::seconds(1), tick);

  // With a server under test, SIGINT/SIGTERM end the run between events (a signalfd
  // the wall clock polls), so every namespace and daemon is removed on the way out.
  int stop_signal = 0;
  struct SignalWatch {
    int fd = -1;
    sigset_t old{};
    ~SignalWatch() {
      if (fd >= 0) {
        ::close(fd);
        ::sigprocmask(SIG_SETMASK, &old, nullptr);
      }
    }
  } signals;
  if (s.uses_sut() && w.realtime) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    ::sigprocmask(SIG_BLOCK, &mask, &signals.old);
    signals.fd = ::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (signals.fd >= 0) {
      w.realtime->watch(signals.fd, POLLIN, [&] {
        signalfd_siginfo info{};
        if (::read(signals.fd, &info, sizeof info) == sizeof info) stop_signal = static_cast<int>(info.ssi_signo);
        clock.stop();
      });
    }
  }
  clock.run(sim::from_seconds(s.deadline));
  if (stop_signal != 0) {
    return Error{"", 0, "interrupted by signal " + std::to_string(stop_signal) + "; servers under test removed"};
  }
  for (auto& sv : w.servers) {
    if (sv.sut && sv.sut->exit_failure()) {
      return Error{"sut", 0, "server under test '" + sv.spec->name + "' (" + sv.sut->profile().name + "): " +
                                 sv.sut->exit_failure()->to_string()};
    }
  }
  if (o.progress) fmt::print(stderr, "\r{:79}\r", "");
  result.simulated_seconds = sim::to_seconds(done == total ? last_done : clock.now());

  // Outcomes, in scenario order; the frame that decided each, on its segment.
  for (auto& cl : w.clients) {
    client::ClientOutcome out;
    if (cl.agent) {
      cl.agent->end_of_run(clock.now());
      out = cl.agent->outcome();
    } else if (cl.probe) {
      cl.probe->end_of_run(clock.now());
      out = cl.probe->outcome();
    } else {
      if (!cl.vm->done()) cl.vm->stop("the scenario's deadline");
      out = cl.vm->outcome();
      out.personality = "qemu:" + s.clients[cl.group].firmware;
    }
    if (out.decided_by && !out.decided_by->frame) {
      // A request the client sent: the last frame from its MAC at or before that time.
      const sim::Trace& t = *w.traces[cl.segment];
      for (std::size_t i = t.frame_count(); i-- > 0;) {
        sim::FrameView f = t.frame(i);
        if (f.time > out.decided_by->time || f.bytes.size() < 12) continue;
        if (std::equal(out.mac.octets.begin(), out.mac.octets.end(), f.bytes.begin() + 6)) {
          out.decided_by->frame = i;
          break;
        }
      }
    }
    result.outcomes.push_back(std::move(out));
    result.groups.push_back(s.clients[cl.group].name);
  }

  // Checks, per segment.
  for (std::size_t gi = 0; gi < s.segments.size(); ++gi) {
    SegmentResult seg;
    seg.name = s.segments[gi].name;
    seg.trace = std::move(w.traces[gi]);
    seg.run.trace = seg.trace.get();
    seg.run.segment = s.segments.size() > 1 ? seg.name : "";
    for (std::size_t ci = 0; ci < w.clients.size(); ++ci) {
      if (w.clients[ci].segment != gi) continue;
      seg.run.outcomes.push_back(result.outcomes[ci]);
      seg.run.client_macs.push_back(result.outcomes[ci].mac);
    }
    const sim::Segment& segment = *w.segments[gi];
    for (auto& sv : w.servers) {
      if (sv.segment != gi || sv.spec->rogue) continue;
      if (sv.sut) {
        for (const auto& inst : sv.sut->report().instances) {
          seg.run.server_macs.push_back(inst.mac);
          seg.run.server_ips.push_back(inst.ip);
          seg.run.server_ports.push_back(inst.port);
        }
      }
      for (std::size_t k = 0; k < sv.instances.size(); ++k) {
        seg.run.server_macs.push_back(sv.instances[k]->host().mac());
        seg.run.server_ips.push_back(sv.config.address);
        seg.run.server_ports.push_back(sv.ports[k]);
      }
    }
    for (auto& r : w.relays) {
      for (std::size_t i = 0; i < r.ports.size(); ++i) {
        if (r.ports[i].first != gi) continue;
        seg.run.relay_macs.push_back(r.router->interface(i).mac);
        seg.run.relay_ips.push_back(r.router->interface(i).address);
      }
    }
    for (sim::PortIndex p = 0; p < segment.port_count(); ++p) {
      seg.run.link_mtu.push_back({p, segment.link_params(p).mtu});
    }
    seg.analyzed = std::make_unique<AnalyzedRun>(seg.run);
    std::vector<const Check*> all;
    for (const auto& c : catalogue()) all.push_back(&c);
    seg.results = run_checks(seg.analyzed->analysis(), all);
    result.segments.push_back(std::move(seg));
  }

  // Expectations.
  const Expectations& ex = s.expect;
  auto status_name = [](client::BootStatus st) { return std::string(client::to_string(st)); };
  auto booted_or_local = [](const client::ClientOutcome& oc) {
    return oc.status == client::BootStatus::kBooted || oc.status == client::BootStatus::kLocalBoot;
  };
  std::optional<double> all_within = ex.all_booted_within;
  if (!ex.declared) all_within = s.deadline;  // the default: every client boots
  if (all_within) {
    ExpectationResult r;
    r.what = fmt::format("all {} clients booted (or went to local boot) within {} s", total, *all_within);
    std::vector<std::string> late;
    for (const auto& oc : result.outcomes) {
      const bool ok = booted_or_local(oc) && oc.timeline.done &&
                      sim::to_seconds(*oc.timeline.done - oc.timeline.power_on.value_or(0)) <= *all_within;
      if (!ok) {
        std::string why = oc.name + " " + status_name(oc.status) + (oc.code.empty() ? "" : " " + oc.code);
        if (oc.decided_by && oc.decided_by->frame) why += " (frame " + std::to_string(*oc.decided_by->frame + 1) + ")";
        late.push_back(why);
      }
    }
    r.met = late.empty();
    for (std::size_t i = 0; i < late.size() && i < 5; ++i) r.detail += (i ? "; " : "") + late[i];
    if (late.size() > 5) r.detail += fmt::format("; and {} more", late.size() - 5);
    result.expectations.push_back(std::move(r));
  }
  for (const auto& oe : ex.outcomes) {
    ExpectationResult r;
    r.what = "clients " + oe.clients + (oe.status.empty() ? "" : " " + oe.status) + (oe.code.empty() ? "" : " with " + oe.code) +
             (oe.boot_file.empty() ? "" : " booting " + oe.boot_file) +
             (oe.within ? fmt::format(" within {} s", *oe.within) : "");
    std::vector<std::string> wrong;
    std::size_t matched = 0;
    for (std::size_t i = 0; i < result.outcomes.size(); ++i) {
      if (oe.clients != "*" && result.groups[i] != oe.clients) continue;
      ++matched;
      const auto& oc = result.outcomes[i];
      bool ok = (oe.status.empty() || status_name(oc.status) == oe.status) && (oe.code.empty() || oc.code == oe.code) &&
                (oe.boot_file.empty() || oc.boot_file == oe.boot_file);
      if (ok && oe.within) {
        ok = oc.timeline.done && sim::to_seconds(*oc.timeline.done - oc.timeline.power_on.value_or(0)) <= *oe.within;
      }
      if (!ok) {
        wrong.push_back(oc.name + ": " + status_name(oc.status) + (oc.code.empty() ? "" : " " + oc.code) +
                        (oe.boot_file.empty() ? "" : " file '" + oc.boot_file + "'") +
                        (oc.timeline.done ? fmt::format(" at {:.2f} s", sim::to_seconds(*oc.timeline.done)) : ""));
      }
    }
    const double share = matched ? static_cast<double>(matched - wrong.size()) / static_cast<double>(matched) : 0;
    r.met = matched > 0 && (oe.at_least ? share >= *oe.at_least : wrong.empty());
    if (oe.at_least) {
      r.what = fmt::format("at least {:.0f} % of ", *oe.at_least * 100) + r.what;
      r.detail = fmt::format("{} of {} matched", matched - wrong.size(), matched) + (wrong.empty() ? "" : "; ");
    }
    if (matched == 0) r.detail = "no such clients";
    for (std::size_t i = 0; i < wrong.size() && i < 5; ++i) r.detail += (i ? "; " : "") + wrong[i];
    if (wrong.size() > 5) r.detail += fmt::format("; and {} more", wrong.size() - 5);
    result.expectations.push_back(std::move(r));
  }
  auto verdicts = [&](std::string_view id) {
    std::vector<std::pair<std::string, const CheckResult*>> out;
    for (const auto& seg : result.segments) {
      for (const auto& cr : seg.results) {
        if (cr.check->id == id) out.emplace_back(seg.name, &cr);
      }
    }
    return out;
  };
  auto first_finding = [](const CheckResult& cr) {
    if (cr.findings.empty()) return std::string();
    const Finding& f = cr.findings.front();
    std::string frames;
    for (auto n : f.frames) frames += (frames.empty() ? "frame " : ",") + std::to_string(n + 1);
    return (frames.empty() ? "" : frames + ": ") + f.message;
  };
  for (const auto& id : ex.checks_pass) {
    ExpectationResult r;
    r.what = "check " + id + " passes";
    bool any_pass = false, any_fail = false;
    for (auto& [segname, cr] : verdicts(id)) {
      any_pass = any_pass || cr->verdict == Verdict::kPass;
      if (cr->verdict == Verdict::kFail) {
        any_fail = true;
        r.detail = (s.segments.size() > 1 ? segname + ": " : "") + first_finding(*cr);
      }
    }
    r.met = any_pass && !any_fail;
    if (!any_pass && !any_fail) r.detail = "not applicable: nothing in the run to judge";
    result.expectations.push_back(std::move(r));
  }
  for (const auto& id : ex.checks_fail) {
    ExpectationResult r;
    r.what = "check " + id + " finds the fault";
    for (auto& [segname, cr] : verdicts(id)) {
      if (cr->verdict == Verdict::kFail) {
        r.met = true;
        r.detail = (s.segments.size() > 1 ? segname + ": " : "") + first_finding(*cr);
        break;
      }
    }
    if (!r.met) r.detail = "the check did not fail";
    result.expectations.push_back(std::move(r));
  }
  if (ex.no_must_failures) {
    ExpectationResult r;
    // The servers and relays are what a scenario puts under test; the emulated clients
    // deviate where their firmware does (no 97 on some Intel ROMs, iPXE's 1/2/4 s
    // retries) - a scenario judges clients with checks_pass / checks_fail.
    r.what = "no MUST-level check on the servers or relays fails" +
             std::string(ex.checks_fail.empty() ? "" : " (beyond those expected to)");
    r.met = true;
    for (const auto& seg : result.segments) {
      for (const auto& cr : seg.results) {
        if (cr.verdict != Verdict::kFail || cr.check->level != Level::kMust || cr.check->role == Role::kClient) continue;
        const std::string id(cr.check->id);
        if (id.rfind("OUTCOME-", 0) == 0) continue;  // outcomes are the outcome expectations' business
        if (std::find(ex.checks_fail.begin(), ex.checks_fail.end(), id) != ex.checks_fail.end()) continue;
        r.met = false;
        r.detail += (r.detail.empty() ? "" : "; ") + id + " (" + first_finding(cr) + ")";
      }
    }
    result.expectations.push_back(std::move(r));
  }
  result.all_met = std::all_of(result.expectations.begin(), result.expectations.end(), [](const auto& e) { return e.met; });
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return result;
}

}  // namespace pxelab::conformance
