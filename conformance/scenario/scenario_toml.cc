// TOML -> Scenario. The only file of conformance/ that reads TOML (through
// sim/toml_reader.h). The format: conformance/scenarios/README.md.
#include <algorithm>
#include <array>
#include <filesystem>
#include <set>

#include "client/probe_client.h"
#include "conformance/checks/catalogue.h"
#include "conformance/scenario/scenario.h"
#include "conformance/scenario/scenario_toml_files.h"
#include "sim/civil_time.h"
#include "sim/toml_reader.h"

namespace pxelab::conformance {

namespace {

// The words of boot-mode / host.boot, in order.
constexpr std::array kModes{server::BootMode::Network, server::BootMode::Local, server::BootMode::Menu, server::BootMode::Once};

using sim::TomlReader;

int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

void read_link(TomlReader& r, const toml::table& t, const std::string& path, LinkSpec& l) {
  r.only_keys(t, path, {"latency_ms", "jitter_ms", "bandwidth_mbps", "queue_frames", "mtu", "loss", "duplicate",
                        "reorder", "corrupt"});
  if (auto v = r.number(t, "latency_ms", path, 0, 60'000)) l.latency_ms = *v;
  if (auto v = r.number(t, "jitter_ms", path, 0, 60'000)) l.jitter_ms = *v;
  if (auto v = r.number(t, "bandwidth_mbps", path, 0.001, 1'000'000)) l.bandwidth_mbps = *v;
  if (auto v = r.integer(t, "queue_frames", path, 1, 10'000'000)) l.queue_frames = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer(t, "mtu", path, 576, 65'535)) l.mtu = static_cast<std::uint32_t>(*v);
  if (auto v = r.number(t, "loss", path, 0, 1)) l.loss = *v;
  if (auto v = r.number(t, "duplicate", path, 0, 1)) l.duplicate = *v;
  if (auto v = r.number(t, "reorder", path, 0, 1)) l.reorder = *v;
  if (auto v = r.number(t, "corrupt", path, 0, 1)) l.corrupt = *v;
}

void maybe_link(TomlReader& r, const toml::table& t, const std::string& path, LinkSpec& l) {
  if (const toml::table* lt = r.table(t, "link", path)) read_link(r, *lt, path + ".link", l);
}

// Iterates an array of tables `key` of `root`.
template <class F>
void each_table(TomlReader& r, const toml::table& root, std::string_view key, const std::string& base, F&& fn) {
  const toml::node* n = root.get(key);
  if (!n || r.failed()) return;
  const toml::array* arr = n->as_array();
  if (!arr) {
    r.fail(*n, TomlReader::join(base, key), "must be an array of tables ([[" + std::string(key) + "]])");
    return;
  }
  std::size_t i = 0;
  for (const auto& item : *arr) {
    const std::string path = TomlReader::join(base, key) + "[" + std::to_string(i++) + "]";
    if (!item.is_table()) {
      r.fail(item, path, "must be a table");
      return;
    }
    fn(*item.as_table(), path);
    if (r.failed()) return;
  }
}

void read_server(TomlReader& r, const toml::table& t, const std::string& path, ServerSpec& s) {
  const bool sut = path.rfind("sut", 0) == 0;  // [[sut]]: a [[server]] run by a SUT profile
  if (sut) {
    r.only_keys(t, path, {"name", "segment", "config", "config_file", "files", "qemu_assets", "link", "tftp", "profile",
                          "user_config", "requires", "gateway"});
    if (auto v = r.string(t, "profile", path)) s.sut_profile = *v;
    if (auto v = r.string(t, "user_config", path)) s.sut_user_config = *v;
    if (auto v = r.string_list(t, "requires", path)) s.sut_requires = *v;
    if (s.sut_profile.empty() && !r.failed()) r.fail(t.source(), path + ".profile", "missing: which SUT profile (conformance/sut/profiles)");
  } else {
    r.only_keys(t, path,
                {"name", "segment", "config", "config_file", "files", "qemu_assets", "link", "gateway", "tftp", "rogue"});
  }
  s.line = line_of(t);
  if (auto v = r.string(t, "name", path)) s.name = *v;
  if (auto v = r.string(t, "segment", path)) s.segment = *v;
  if (auto v = r.string(t, "config_file", path)) s.config_path = *v;
  if (const toml::node* c = t.get("config")) {
    if (!c->is_string()) {
      r.fail(*c, path + ".config", "must be the server configuration as a string (\"\"\"...\"\"\")");
    } else {
      s.config_text = *c->value<std::string>();
      // A multi-line basic string starts on the line after its opening quotes.
      s.config_line = line_of(*c) + (s.config_text.empty() ? 0 : 1);
    }
  }
  if (s.config_path.empty() == s.config_text.empty() && !r.failed()) {
    r.fail(t.source(), path, "needs exactly one of config (inline TOML text) or config_file (a path)");
  }
  if (const toml::table* f = r.table(t, "files", path)) read_server_files(r, *f, path + ".files", s.files);
  if (auto v = r.string_list(t, "qemu_assets", path)) s.qemu_assets = *v;
  maybe_link(r, t, path, s.link);
  if (auto v = r.address(t, "gateway", path)) s.gateway = *v;
  if (auto v = r.boolean(t, "tftp", path)) s.tftp = *v;
  if (auto v = r.boolean(t, "rogue", path)) s.rogue = *v;
  if (s.name.empty() && !r.failed()) r.fail(t.source(), path + ".name", "missing: every server has a name");
}

void read_relay(TomlReader& r, const toml::table& t, const std::string& path, RelaySpec& s) {
  r.only_keys(t, path, {"name", "interface", "servers", "option82", "remote_id", "max_hops", "faults"});
  if (auto v = r.string(t, "name", path)) s.name = *v;
  each_table(r, t, "interface", path, [&](const toml::table& it, const std::string& ip) {
    r.only_keys(it, ip, {"segment", "address", "directed_broadcast"});
    RelayInterfaceSpec i;
    if (auto v = r.string(it, "segment", ip)) i.segment = *v;
    if (auto v = r.boolean(it, "directed_broadcast", ip)) i.directed_broadcast = *v;
    if (!it.get("address") && !r.failed()) r.fail(it.source(), ip + ".address", "missing: the relay's ADDRESS/PREFIX on this segment");
    if (auto v = r.string(it, "address", ip)) {
      auto slash = v->find('/');
      auto a = wire::Ipv4Address::parse(v->substr(0, slash));
      // The prefix: 1..31, digits only ("24abc" is not a prefix).
      int len = 24;
      if (slash != std::string::npos) {
        const std::string digits = v->substr(slash + 1);
        const bool numeric = !digits.empty() && digits.size() <= 2 &&
                             std::all_of(digits.begin(), digits.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
        len = numeric ? std::stoi(digits) : -1;
      }
      if (!a || len < 1 || len > 31) {
        r.fail(*it.get("address"), ip + ".address", "'" + *v + "' is not ADDRESS/PREFIX (e.g. 198.18.0.1/24)");
      } else {
        i.address = *a;
        i.prefix_length = static_cast<std::uint8_t>(len);
      }
    }
    s.interfaces.push_back(i);
  });
  s.servers = r.address_list(t, "servers", path);
  if (auto v = r.boolean(t, "option82", path)) s.option82 = *v;
  if (auto v = r.string(t, "remote_id", path)) s.remote_id = *v;
  if (auto v = r.integer(t, "max_hops", path, 1, 16)) s.max_hops = static_cast<std::uint8_t>(*v);
  if (auto v = r.string_list(t, "faults", path)) {
    for (const auto& key : *v) {
      if (const server::RelayFaultInfo* f = server::find_relay_fault(key)) {
        s.faults.set(f->fault);
      } else if (!r.failed()) {
        std::string known;
        for (const auto& i : server::relay_fault_table()) known += (known.empty() ? "" : ", ") + std::string(i.key);
        r.fail(*t.get("faults"), path + ".faults", "unknown relay fault '" + key + "' (known: " + known + ")");
      }
    }
  }
  if (!r.failed() && (s.name.empty() || s.interfaces.size() < 2 || s.servers.empty())) {
    r.fail(t.source(), path, "a relay needs a name, two or more [[...interface]] and servers = [...]");
  }
}

void read_client(TomlReader& r, const toml::table& t, const std::string& path, ClientSpec& c) {
  r.only_keys(t, path, {"name", "kind", "personality", "firmware", "count", "segment", "mac", "power_on", "spread",
                        "link", "host", "probe_steps", "probe_file", "broadcast_flag", "powered_off", "wake_password"});
  c.line = line_of(t);
  if (auto v = r.string(t, "name", path)) c.name = *v;
  if (auto v = r.choice(t, "kind", path, {"emulated", "qemu", "probe"})) {
    c.kind = std::array{ClientKind::kEmulated, ClientKind::kQemu, ClientKind::kProbe}[*v];
  }
  if (auto v = r.string_list(t, "probe_steps", path)) {
    const auto& known = client::probe_steps();
    for (const auto& step : *v) {
      if (std::find(known.begin(), known.end(), step) == known.end()) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        r.fail(*t.get("probe_steps"), path + ".probe_steps", "unknown step '" + step + "' (known: " + list + ")");
        break;
      }
    }
    c.probe_steps = *v;
  }
  if (auto v = r.string(t, "probe_file", path)) c.probe_file = *v;
  if (auto v = r.boolean(t, "broadcast_flag", path)) c.broadcast_flag = *v;
  if (c.kind != ClientKind::kProbe && (t.get("probe_steps") || t.get("probe_file") || t.get("broadcast_flag")) && !r.failed()) {
    r.fail(t.source(), path + ".kind", "probe_steps, probe_file and broadcast_flag belong to kind = \"probe\"");
  }
  if (c.kind != ClientKind::kEmulated && (t.get("powered_off") || t.get("wake_password")) && !r.failed()) {
    r.fail(t.source(), path + ".kind", "powered_off and wake_password belong to emulated clients (kind = \"emulated\")");
  }
  if (auto v = r.string(t, "personality", path)) c.personality = *v;
  if (auto v = r.string(t, "firmware", path)) c.firmware = *v;
  if (auto v = r.integer(t, "count", path, 1, 100'000)) c.count = static_cast<std::uint32_t>(*v);
  if (auto v = r.string(t, "segment", path)) c.segment = *v;
  if (auto v = r.mac(t, "mac", path)) c.mac = *v;
  if (auto v = r.number(t, "power_on", path, 0, 86'400)) c.power_on = *v;
  if (auto v = r.number(t, "spread", path, 0, 86'400)) c.spread = *v;
  if (auto v = r.boolean(t, "powered_off", path)) c.powered_off = *v;
  if (auto v = r.string(t, "wake_password", path)) {
    if (auto p = wire::parse_wol_password(*v)) {
      c.wake_password = *p;
    } else if (!r.failed()) {
      r.fail(*t.get("wake_password"), path + ".wake_password", p.error().message);
    }
  }
  maybe_link(r, t, path, c.link);
  if (const toml::table* h = r.table(t, "host", path)) {
    const std::string hp = path + ".host";
    r.only_keys(*h, hp, {"server", "ip", "hostname", "boot", "group", "file", "vars"});
    HostSpec hs;
    if (auto v = r.string(*h, "server", hp)) hs.server = *v;
    if (auto v = r.address(*h, "ip", hp)) hs.ip = *v;
    if (auto v = r.string(*h, "hostname", hp)) hs.hostname = *v;
    if (auto v = r.choice(*h, "boot", hp, {"network", "local", "menu", "once"})) hs.boot = kModes[*v];
    if (auto v = r.string(*h, "group", hp)) hs.group = *v;
    if (auto v = r.string(*h, "file", hp)) hs.file = *v;
    if (const toml::table* vars = r.table(*h, "vars", hp)) {
      for (auto&& [k, v] : *vars) {
        if (!v.is_string()) {
          r.fail(v, hp + ".vars." + std::string(k.str()), "must be a string");
          break;
        }
        hs.vars[std::string(k.str())] = *v.value<std::string>();
      }
    }
    if (hs.server.empty() && !r.failed()) r.fail(h->source(), hp + ".server", "missing: which server's host table");
    if (hs.ip && c.count > 1 && (hs.ip->value & 0xff) + c.count > 255 && !r.failed()) {
      r.fail(*h->get("ip"), hp + ".ip", "the group's addresses would run past .254");
    }
    c.host = std::move(hs);
  }
  if (r.failed()) return;
  if (c.name.empty()) {
    r.fail(t.source(), path + ".name", "missing: every client group has a name");
  } else if (c.kind == ClientKind::kEmulated && c.personality.empty()) {
    r.fail(t.source(), path + ".personality", "missing: which personality (client/personalities/*.toml)");
  } else if (c.kind == ClientKind::kQemu && c.firmware.empty()) {
    r.fail(t.source(), path + ".firmware", "missing: which firmware profile (client/qemu/firmware/*.toml)");
  }
}

void read_expect(TomlReader& r, const toml::table& t, Expectations& e) {
  const std::string path = "expect";
  e.declared = true;
  r.only_keys(t, path, {"all_booted_within", "outcome", "checks_pass", "checks_fail", "no_must_failures"});
  if (auto v = r.number(t, "all_booted_within", path, 0, 86'400)) e.all_booted_within = *v;
  if (auto v = r.boolean(t, "no_must_failures", path)) e.no_must_failures = *v;
  for (const char* key : {"checks_pass", "checks_fail"}) {
    auto ids = r.string_list(t, key, path);
    if (!ids) continue;
    for (std::size_t i = 0; i < ids->size(); ++i) {
      if (!find_check((*ids)[i])) {
        r.fail(*t.get(key)->as_array()->get(i), path + "." + key + "[" + std::to_string(i) + "]",
               "'" + (*ids)[i] + "' is not a check id (pxelab check --list)");
        return;
      }
    }
    (std::string_view(key) == "checks_pass" ? e.checks_pass : e.checks_fail) = *ids;
  }
  each_table(r, t, "outcome", path, [&](const toml::table& ot, const std::string& op) {
    r.only_keys(ot, op, {"clients", "status", "code", "boot_file", "within", "at_least", "floppy_text", "boot"});
    OutcomeExpectation o;
    if (auto v = r.string(ot, "clients", op)) o.clients = *v;
    if (auto v = r.choice(ot, "status", op, {"booted", "failed", "local-boot", "pending"})) {
      o.status = std::array{client::BootStatus::kBooted, client::BootStatus::kFailed, client::BootStatus::kLocalBoot,
                            client::BootStatus::kPending}[*v];
    }
    if (auto v = r.string(ot, "code", op)) o.code = *v;
    if (auto v = r.string(ot, "boot_file", op)) o.boot_file = *v;
    if (auto v = r.string(ot, "floppy_text", op)) o.floppy_text = *v;
    if (auto v = r.number(ot, "within", op, 0, 86'400)) o.within = *v;
    if (auto v = r.number(ot, "at_least", op, 0, 1)) o.at_least = *v;
    if (auto v = r.integer(ot, "boot", op, 1, 1000)) o.boot = static_cast<std::uint32_t>(*v);
    if (o.clients.empty() && !r.failed()) r.fail(ot.source(), op + ".clients", "missing: a client group name or \"*\"");
    e.outcomes.push_back(o);
  });
}

// [clock] start = "2026-03-28T22:00:00", zone = "Europe/Berlin" (default UTC).
void read_clock(TomlReader& r, const toml::table& t, Scenario& s) {
  r.only_keys(t, "clock", {"start", "zone"});
  ScenarioClock c;
  if (auto z = r.string(t, "zone", "clock")) {
    if (auto zone = sim::load_time_zone(*z)) {
      c.zone = *zone;
    } else {
      r.fail(*t.get("zone"), "clock.zone", zone.error().message);
    }
  }
  auto start = r.string(t, "start", "clock");
  if (!start) {
    if (!r.failed()) r.fail(t.source(), "clock.start", "missing: the local date and time at t = 0 (\"2026-03-28T22:00:00\")");
    return;
  }
  auto civil = sim::parse_civil_time(*start, "clock.start");
  if (!civil) {
    r.fail(*t.get("start"), "clock.start", civil.error().message);
    return;
  }
  c.start = *civil;
  c.start_utc = sim::fire_instant(c.zone, sim::to_local_seconds(*civil));
  s.clock = std::move(c);
}

// The when of an event: `at` seconds, or `cron` (+ `zone`) against the [clock].
void read_event_time(TomlReader& r, const toml::table& t, const std::string& path, const std::optional<ScenarioClock>& clock,
                     EventSpec& e) {
  if (auto v = r.number(t, "at", path, 0, 86'400)) e.at = *v;
  const toml::node* cron = t.get("cron");
  if (!cron) {
    if (t.get("zone") && !r.failed()) r.fail(*t.get("zone"), path + ".zone", "zone belongs to a cron event");
    return;
  }
  if (t.get("at") && !r.failed()) r.fail(*cron, path + ".cron", "an event has at (seconds) or cron, not both");
  if (!clock && !r.failed()) {
    r.fail(*cron, path + ".cron", "a cron event needs [clock] start = \"YYYY-MM-DDTHH:MM:SS\" (the wall time at t = 0)");
  }
  auto text = r.string(t, "cron", path);
  if (!text || r.failed()) return;
  sim::TimeZone zone = clock->zone;
  if (auto z = r.string(t, "zone", path)) {
    auto loaded = sim::load_time_zone(*z);
    if (!loaded) {
      r.fail(*t.get("zone"), path + ".zone", loaded.error().message);
      return;
    }
    zone = *loaded;
  }
  auto sched = sim::cron_schedule(*text, zone);
  if (!sched) {
    r.fail(*cron, path + ".cron", sched.error().to_string());
    return;
  }
  e.schedule = *sched;
}

void read_event(TomlReader& r, const toml::table& t, const std::string& path, const std::optional<ScenarioClock>& clock,
                EventSpec& e) {
  r.only_keys(t, path, {"at", "cron", "zone", "action", "target", "loss", "duration", "mode", "group", "password", "broadcast", "from"});
  e.line = line_of(t);
  read_event_time(r, t, path, clock, e);
  const auto action = r.choice(t, "action", path, {"link-down", "link-up", "loss", "server-stop", "server-start", "boot-mode", "wake", "reboot"});
  if (action) e.action = static_cast<EventAction>(*action);  // the list above is the enum's order
  const bool wake = action && e.action == EventAction::kWake;
  const bool boot_mode = action && e.action == EventAction::kBootMode;
  if (auto v = r.string(t, "target", path)) e.target = *v;
  if (auto v = r.number(t, "loss", path, 0, 1)) e.loss = *v;
  if (auto v = r.number(t, "duration", path, 0, 86'400)) e.duration = *v;
  if (auto v = r.choice(t, "mode", path, {"network", "local", "menu", "once"})) {
    e.mode = kModes[*v];
    if (wake) e.wake_mode = e.mode;
  }
  if (auto v = r.string(t, "group", path)) e.group = *v;
  if (auto v = r.string(t, "password", path)) {
    if (auto p = wire::parse_wol_password(*v)) {
      e.password = *p;
    } else if (!r.failed()) {
      r.fail(*t.get("password"), path + ".password", p.error().message);
    }
  }
  if (auto v = r.address(t, "broadcast", path)) e.broadcast = *v;
  if (auto v = r.string(t, "from", path)) e.from = *v;
  for (const char* key : {"password", "broadcast", "from"}) {
    if (t.get(key) && action && !wake && !r.failed()) r.fail(*t.get(key), path + "." + key, std::string("only a wake event has a ") + key);
  }
  if (boot_mode && !t.get("mode") && !r.failed()) {
    r.fail(t.source(), path + ".mode", "missing: a boot-mode event needs mode = network, local, menu or once");
  } else if (t.get("mode") && action && !boot_mode && !wake && !r.failed()) {
    r.fail(*t.get("mode"), path + ".mode", "only a boot-mode or wake event has a mode");
  }
  if (t.get("group") && action && !boot_mode && !r.failed()) r.fail(*t.get("group"), path + ".group", "only a boot-mode event has a group");
  if (!r.failed() && (!action || e.target.empty())) r.fail(t.source(), path, "an event needs action and target");
}

// Cross-references: every name used is defined, and names are unique.
void validate(TomlReader& r, const toml::table& root, Scenario& s) {
  std::set<std::string> segments;
  for (const auto& g : s.segments) {
    if (!segments.insert(g.name).second) r.fail(root.source(), "segment", "two segments are named '" + g.name + "'");
  }
  auto known_segment = [&](std::string& name, const std::string& key) {
    if (name.empty()) name = s.segments.front().name;
    if (!segments.contains(name) && !r.failed()) {
      r.fail(root.source(), key, "no segment is named '" + name + "' (define it with [[segment]])");
    }
  };
  std::set<std::string> names;
  auto unique = [&](const std::string& name, const std::string& key) {
    if (!names.insert(name).second && !r.failed()) {
      r.fail(root.source(), key, "'" + name + "' names two things: servers, relays and client groups need distinct names");
    }
  };
  for (std::size_t i = 0; i < s.servers.size(); ++i) {
    known_segment(s.servers[i].segment, "server[" + std::to_string(i) + "].segment");
    unique(s.servers[i].name, "server[" + std::to_string(i) + "].name");
  }
  for (std::size_t i = 0; i < s.relays.size(); ++i) {
    unique(s.relays[i].name, "relay[" + std::to_string(i) + "].name");
    for (auto& itf : s.relays[i].interfaces) known_segment(itf.segment, "relay[" + std::to_string(i) + "].interface.segment");
  }
  for (std::size_t i = 0; i < s.clients.size(); ++i) {
    auto& c = s.clients[i];
    const std::string key = "client[" + std::to_string(i) + "]";
    known_segment(c.segment, key + ".segment");
    unique(c.name, key + ".name");
    if (c.host) {
      bool found = false;
      for (const auto& sv : s.servers) found = found || sv.name == c.host->server;
      if (!found && !r.failed()) r.fail(root.source(), key + ".host.server", "no server is named '" + c.host->server + "'");
    }
    if (c.mac.is_zero()) {  // 52:54:00:GG:NN:NN, one range per group
      c.mac = wire::MacAddress{{0x52, 0x54, 0x00, static_cast<std::uint8_t>(0x10 + i), 0, 1}};
    }
  }
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    const auto& e = s.events[i];
    if (!names.contains(e.target) && !r.failed()) {
      r.fail(root.source(), "event[" + std::to_string(i) + "].target",
             "no server, relay or client group is named '" + e.target + "' (line " + std::to_string(e.line) + ")");
    }
    const bool is_server = std::any_of(s.servers.begin(), s.servers.end(), [&](const auto& sv) { return sv.name == e.target; });
    if ((e.action == EventAction::kServerStop || e.action == EventAction::kServerStart) && !is_server && !r.failed()) {
      r.fail(root.source(), "event[" + std::to_string(i) + "].target",
             std::string(to_string(e.action)) + " needs a server, not '" + e.target + "'");
    }
    if (e.action == EventAction::kWake && !r.failed() &&
        !std::any_of(s.clients.begin(), s.clients.end(), [&](const auto& c) { return c.name == e.target; })) {
      r.fail(root.source(), "event[" + std::to_string(i) + "].target", "wake needs a client group, not '" + e.target + "'");
    }
    if (!e.from.empty() && !segments.contains(e.from) && !r.failed()) {
      r.fail(root.source(), "event[" + std::to_string(i) + "].from", "no segment is named '" + e.from + "'");
    }
    if (e.action == EventAction::kBootMode && !e.group.empty() && !is_server && !r.failed()) {
      r.fail(root.source(), "event[" + std::to_string(i) + "].target",
             "boot-mode with a group needs a server as target (its [[group]]), not '" + e.target + "'");
    }
    if (((e.action == EventAction::kBootMode && e.group.empty()) || e.wake_mode) && !r.failed()) {
      auto group = std::find_if(s.clients.begin(), s.clients.end(), [&](const auto& c) { return c.name == e.target; });
      if (group == s.clients.end() || !group->host) {
        r.fail(root.source(), "event[" + std::to_string(i) + "].target",
               e.wake_mode ? "wake with a mode needs a client group with host entries (host = { server = ... }), not '" + e.target + "'"
                           : "boot-mode needs a client group with host entries (host = { server = ... }) or a server and group = ..., not '" +
                                 e.target + "'");
      }
    }
    if (e.action == EventAction::kReboot && !r.failed()) {
      auto group = std::find_if(s.clients.begin(), s.clients.end(), [&](const auto& c) { return c.name == e.target; });
      if (group == s.clients.end() || group->kind != ClientKind::kEmulated) {
        r.fail(root.source(), "event[" + std::to_string(i) + "].target", "reboot needs a group of emulated clients, not '" + e.target + "'");
      }
    }
  }
  for (const auto& o : s.expect.outcomes) {
    if (o.clients != "*" && !std::any_of(s.clients.begin(), s.clients.end(), [&](const auto& c) { return c.name == o.clients; }) &&
        !r.failed()) {
      r.fail(root.source(), "expect.outcome.clients", "no client group is named '" + o.clients + "'");
    }
  }
  if (s.clients.empty() && !r.failed()) r.fail(root.source(), "client", "a scenario needs at least one [[client]] group");
}

}  // namespace

sim::LinkParams LinkSpec::apply(sim::LinkParams b) const {
  if (latency_ms) b.latency = sim::from_seconds(*latency_ms / 1e3);
  if (jitter_ms) b.jitter = sim::from_seconds(*jitter_ms / 1e3);
  if (bandwidth_mbps) {
    b.bandwidth_bps = static_cast<std::uint64_t>(*bandwidth_mbps * 1e6);
    b.framing_overhead = 24;
  }
  if (queue_frames) b.queue_frames = *queue_frames;
  if (mtu) b.mtu = *mtu;
  if (loss) b.loss = *loss;
  if (duplicate) b.duplicate = *duplicate;
  if (reorder) b.reorder = *reorder;
  if (corrupt) b.corrupt = *corrupt;
  return b;
}

std::string_view to_string(ClientKind kind) {
  static constexpr std::array<std::string_view, 3> kNames{"emulated", "qemu", "probe"};
  return kNames[static_cast<std::size_t>(kind)];
}

std::string_view to_string(EventAction action) {
  static constexpr std::array<std::string_view, 8> kNames{"link-down", "link-up", "loss", "server-stop", "server-start", "boot-mode", "wake", "reboot"};
  return kNames[static_cast<std::size_t>(action)];
}

std::uint32_t Scenario::client_count() const {
  std::uint32_t n = 0;
  for (const auto& c : clients) n += c.count;
  return n;
}

bool Scenario::uses_sut() const {
  return std::any_of(servers.begin(), servers.end(), [](const ServerSpec& v) { return !v.sut_profile.empty(); });
}

bool Scenario::uses_qemu() const {
  return std::any_of(clients.begin(), clients.end(), [](const ClientSpec& c) { return c.kind == ClientKind::kQemu; });
}

Result<Scenario> parse_scenario(std::string_view text, const std::string& source) {
  auto parsed = sim::parse_toml(text, source);
  if (!parsed) return parsed.error();
  const toml::table& root = *parsed;
  TomlReader r(source);
  Scenario s;
  s.source = source;
  s.dir = std::filesystem::path(source).parent_path().string();
  if (s.dir.empty()) s.dir = ".";
  r.only_keys(root, "", {"scenario", "clock", "segment", "server", "sut", "relay", "client", "event", "expect"});
  if (const toml::table* t = r.table(root, "scenario", "")) {
    r.only_keys(*t, "scenario", {"name", "description", "seed", "deadline"});
    if (auto v = r.string(*t, "name", "scenario")) s.name = *v;
    if (auto v = r.string(*t, "description", "scenario")) s.description = *v;
    if (auto v = r.integer(*t, "seed", "scenario", 0, std::numeric_limits<std::int64_t>::max())) {
      s.seed = static_cast<std::uint64_t>(*v);
    }
    if (auto v = r.number(*t, "deadline", "scenario", 0.001, 86'400)) s.deadline = *v;
  } else if (!r.failed()) {
    r.fail(root.source(), "scenario", "missing [scenario] table (name, description, seed, deadline)");
  }
  if (s.name.empty()) s.name = std::filesystem::path(source).stem().string();
  each_table(r, root, "segment", "", [&](const toml::table& t, const std::string& path) {
    r.only_keys(t, path, {"name", "link"});
    SegmentSpec g;
    if (auto v = r.string(t, "name", path)) g.name = *v;
    if (g.name.empty() && !r.failed()) r.fail(t.source(), path + ".name", "missing: every segment has a name");
    maybe_link(r, t, path, g.link);
    s.segments.push_back(std::move(g));
  });
  if (s.segments.empty()) s.segments.push_back(SegmentSpec{"lan", {}});
  each_table(r, root, "server", "", [&](const toml::table& t, const std::string& path) {
    s.servers.emplace_back();
    read_server(r, t, path, s.servers.back());
    for (FileSpec& f : s.servers.back().files) {
      if (!f.from.empty() && std::filesystem::path(f.from).is_relative()) f.from = (std::filesystem::path(s.dir) / f.from).string();
    }
  });
  each_table(r, root, "sut", "", [&](const toml::table& t, const std::string& path) {
    s.servers.emplace_back();
    read_server(r, t, path, s.servers.back());
  });
  each_table(r, root, "relay", "", [&](const toml::table& t, const std::string& path) {
    s.relays.emplace_back();
    read_relay(r, t, path, s.relays.back());
  });
  each_table(r, root, "client", "", [&](const toml::table& t, const std::string& path) {
    s.clients.emplace_back();
    read_client(r, t, path, s.clients.back());
  });
  if (const toml::table* t = r.table(root, "clock", "")) read_clock(r, *t, s);
  each_table(r, root, "event", "", [&](const toml::table& t, const std::string& path) {
    s.events.emplace_back();
    read_event(r, t, path, s.clock, s.events.back());
  });
  if (const toml::table* t = r.table(root, "expect", "")) read_expect(r, *t, s.expect);
  if (!r.failed()) validate(r, root, s);
  if (r.failed()) return r.take_error();
  return s;
}

Result<Scenario> load_scenario(const std::string& path) {
  auto text = sim::read_text_file(path);
  if (!text) return text.error();
  return parse_scenario(*text, path);
}

}  // namespace pxelab::conformance
