// [[schedule]] -> WakeScheduleEntry (the keys are documented in server/example.toml).
#include "server/schedule_toml.h"

#include <array>

#include "server/wake_schedule.h"

namespace pxelab::server {

namespace {

sim::TimeZone read_zone(sim::TomlReader& r, const toml::table& t, const std::string& path) {
  auto z = r.string(t, "zone", path);
  if (!z) return sim::TimeZone::utc();
  auto zone = sim::load_time_zone(*z);
  if (!zone) {
    r.fail(*t.get("zone"), path + ".zone", zone.error().message);
    return sim::TimeZone::utc();
  }
  return *zone;
}

void read_when(sim::TomlReader& r, const toml::table& t, const std::string& path, WakeScheduleEntry& e) {
  const toml::node* cron = t.get("cron");
  const toml::node* once = t.get("once");
  if ((cron == nullptr) == (once == nullptr)) {
    r.fail(t.source(), path, "needs exactly one of cron = \"MIN HOUR DOM MON DOW\" or once = \"YYYY-MM-DDTHH:MM:SS\"");
    return;
  }
  sim::TimeZone zone = read_zone(r, t, path);
  if (r.failed()) return;
  const char* key = cron ? "cron" : "once";
  auto text = r.string(t, key, path);
  if (!text) return;
  auto s = cron ? sim::cron_schedule(*text, zone) : sim::once_schedule(*text, zone);
  if (!s) {
    r.fail(*t.get(key), path + "." + key, cron ? s.error().to_string() : s.error().message);
    return;
  }
  e.when = *s;
}

}  // namespace

void read_schedule_entry(sim::TomlReader& r, const toml::table& t, const std::string& path, WakeScheduleEntry& e) {
  r.only_keys(t, path, {"cron", "once", "zone", "action", "macs", "hosts", "mode", "broadcast", "port", "password"});
  e.where = r.source() + ":" + std::to_string(t.source().begin.line);
  read_when(r, t, path, e);
  r.choice(t, "action", path, {"wake"});  // the one action so far (default)
  if (auto v = r.string_list(t, "macs", path)) {
    for (std::size_t i = 0; i < v->size(); ++i) {
      auto m = wire::MacAddress::parse((*v)[i]);
      if (!m) {
        r.fail(*t.get("macs"), path + ".macs[" + std::to_string(i) + "]", "'" + (*v)[i] + "' is not a MAC address (52:54:00:12:34:56)");
        return;
      }
      e.macs.push_back(*m);
    }
  }
  if (auto v = r.string(t, "hosts", path)) e.hosts = *v;
  if (auto v = r.choice(t, "mode", path, {"network", "local", "menu"})) {
    e.mode = std::array{BootMode::Network, BootMode::Local, BootMode::Menu}[*v];
  }
  if (auto v = r.address(t, "broadcast", path)) e.broadcast = *v;
  if (auto v = r.integer(t, "port", path, 1, 65535)) e.port = static_cast<std::uint16_t>(*v);
  if (auto v = r.string(t, "password", path)) {
    if (auto p = wire::parse_wol_password(*v)) {
      e.password = *p;
    } else if (!r.failed()) {
      r.fail(*t.get("password"), path + ".password", p.error().message);
    }
  }
  if (e.macs.empty() && e.hosts.empty() && !r.failed()) {
    r.fail(t.source(), path, "wakes nothing: give macs = [...] and/or hosts = \"PATTERN\" (a [[host]] hostname, '*' any)");
  }
}

void validate_schedules(sim::TomlReader& r, const toml::table& root, const ServerConfig& c) {
  for (std::size_t i = 0; i < c.schedules.size() && !r.failed(); ++i) {
    const WakeScheduleEntry& e = c.schedules[i];
    const std::string path = "schedule[" + std::to_string(i) + "]";
    WakeScheduleEntry hosts_only = e;
    hosts_only.macs.clear();
    if (!e.hosts.empty() && schedule_targets(hosts_only, c).empty()) {
      r.fail(root.source(), path + ".hosts", "'" + e.hosts + "' matches no [[host]] hostname");
      return;
    }
    if (!e.mode) continue;
    for (const auto& m : schedule_targets(e, c)) {
      if (!c.find_host(m)) {
        r.fail(root.source(), path + ".mode",
               m.to_string() + " has no [[host]] entry: a boot mode switch needs one for each machine it wakes");
        return;
      }
    }
  }
}

}  // namespace pxelab::server
