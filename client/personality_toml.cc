// TOML -> Personality. The only file of client/ that includes toml++ (through
// sim/toml_reader.h). Every key is documented in client/personalities/README.md.
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "client/failure.h"
#include "client/personality.h"
#include "sim/toml_reader.h"
#include "wire/text.h"

namespace pxelab::client {

namespace {

using sim::TomlReader;

std::vector<sim::Time> durations(TomlReader& r, const toml::table& t, std::string_view key, const std::string& path,
                                 std::vector<sim::Time> fallback) {
  auto v = r.number_list(t, key, path, 0.001, 3600);
  if (!v) return fallback;
  std::vector<sim::Time> out;
  for (double s : *v) out.push_back(sim::from_seconds(s));
  return out;
}

std::optional<sim::Time> duration(TomlReader& r, const toml::table& t, std::string_view key, const std::string& path) {
  auto v = r.number(t, key, path, 0, 3600);
  if (!v) return std::nullopt;
  return sim::from_seconds(*v);
}

template <class E>
void set_choice(TomlReader& r, const toml::table& t, std::string_view key, const std::string& path, E& out,
                std::initializer_list<std::pair<std::string_view, E>> names) {
  const toml::node* n = t.get(key);
  if (!n) return;
  std::string list;
  if (auto s = r.string(t, key, path)) {
    for (const auto& [name, value] : names) {
      if (name == *s) {
        out = value;
        return;
      }
      list += (list.empty() ? "" : ", ") + std::string(name);
    }
    r.fail(*n, TomlReader::join(path, key), "'" + *s + "' is not one of: " + list);
  }
}

template <class E, std::size_t N>
void set_choice_list(TomlReader& r, const toml::table& t, std::string_view key, const std::string& path,
                     std::vector<E>& out, const std::pair<std::string_view, E> (&names)[N]) {
  auto list = r.string_list(t, key, path);
  if (!list) return;
  std::vector<E> values;
  for (std::size_t i = 0; i < list->size(); ++i) {
    bool found = false;
    std::string known;
    for (const auto& [name, value] : names) {
      if (name == (*list)[i]) {
        values.push_back(value);
        found = true;
        break;
      }
      known += (known.empty() ? "" : ", ") + std::string(name);
    }
    if (!found) {
      r.fail(*t.get(key)->as_array()->get(i), TomlReader::join(path, key) + "[" + std::to_string(i) + "]",
             "'" + (*list)[i] + "' is not one of: " + known);
      return;
    }
  }
  out = std::move(values);
}

constexpr std::pair<std::string_view, ServerSource> kServerSources[] = {
    {"boot-server-list", ServerSource::kBootServerList},
    {"siaddr", ServerSource::kSiaddr},
    {"server-id", ServerSource::kServerId},
    {"option66", ServerSource::kOption66},
};
constexpr std::pair<std::string_view, FileSource> kFileSources[] = {
    {"option67", FileSource::kOption67},
    {"file", FileSource::kFileField},
};

void read_dhcp(TomlReader& r, const toml::table& t, Personality& p) {
  const std::string path = "dhcp";
  r.only_keys(t, path,
              {"bootp_only", "parameter_request_list", "max_message_size", "request_max_message_size", "vendor_class", "arch", "ndi",
               "machine_id", "user_class", "user_class_form", "ipxe_features", "client_id", "option_order", "broadcast",
               "broadcast_when_chainloaded", "secs", "xid", "accept_previous_xids", "discover_timeouts",
               "discover_jitter", "restart_after_discover_failure", "local_boot_after_no_offers", "request_timeouts", "selection", "proxy_wait",
               "proxy_wait_rounds", "max_offers", "max_reply_size", "require_server_id", "strict_option_lengths",
               "ack_must_match_server", "decline_on_mismatch", "on_nak", "honour_overload", "require_src_port_67",
               "bootfile_prefix"});
  DhcpIdentity& id = p.identity;
  if (auto v = r.boolean(t, "bootp_only", path)) id.bootp_only = *v;
  if (auto v = r.integer_list(t, "parameter_request_list", path, 1, 254)) {
    for (auto c : *v) id.parameter_request_list.push_back(static_cast<std::uint8_t>(c));
  }
  if (auto v = r.integer(t, "max_message_size", path, 576, 65535)) id.max_message_size = static_cast<std::uint16_t>(*v);
  if (auto v = r.integer(t, "request_max_message_size", path, 576, 65535)) {
    id.request_max_message_size = static_cast<std::uint16_t>(*v);
  }
  if (auto v = r.string(t, "vendor_class", path)) id.vendor_class = *v;
  if (auto v = r.integer(t, "arch", path, 0, 65535)) id.arch = static_cast<std::uint16_t>(*v);
  if (auto v = r.integer_list(t, "ndi", path, 0, 255)) {
    if (v->size() != 3) r.fail(*t.get("ndi"), "dhcp.ndi", "must be [type, major, minor] (RFC 4578 §2.2)");
    id.ndi.emplace();
    for (auto c : *v) id.ndi->push_back(static_cast<std::uint8_t>(c));
  }
  set_choice(r, t, "machine_id", path, id.machine_id,
             {{"none", MachineIdPolicy::kNone}, {"zeros", MachineIdPolicy::kZeros}, {"from-mac", MachineIdPolicy::kFromMac}});
  if (auto v = r.string(t, "user_class", path)) id.user_class = *v;
  set_choice(r, t, "user_class_form", path, id.user_class_raw, {{"raw", true}, {"rfc3004", false}});
  if (auto v = r.integer_list(t, "ipxe_features", path, 1, 254)) {
    for (auto c : *v) id.ipxe_features.push_back(static_cast<std::uint8_t>(c));
  }
  if (auto v = r.boolean(t, "client_id", path)) id.client_id = *v;
  if (auto v = r.integer_list(t, "option_order", path, 1, 254)) {
    for (auto c : *v) id.option_order.push_back(static_cast<std::uint8_t>(c));
  }
  if (auto v = r.boolean(t, "broadcast", path)) id.broadcast = *v;
  if (auto v = r.boolean(t, "broadcast_when_chainloaded", path)) id.broadcast_when_chainloaded = *v;
  set_choice(r, t, "secs", path, id.secs,
             {{"seconds", SecsPolicy::kSeconds}, {"reuse-first", SecsPolicy::kReuseFirst},
              {"ipxe", SecsPolicy::kIpxePacked}, {"zero", SecsPolicy::kZero}});
  set_choice(r, t, "xid", path, id.xid, {{"per-session", XidPolicy::kPerSession}, {"per-attempt", XidPolicy::kPerAttempt}});
  if (auto v = r.integer(t, "accept_previous_xids", path, 0, 16)) id.accept_previous_xids = static_cast<std::uint32_t>(*v);

  DhcpTiming& tm = p.timing;
  tm.discover_timeouts = durations(r, t, "discover_timeouts", path, tm.discover_timeouts);
  if (auto v = r.number(t, "discover_jitter", path, 0, 0.5)) tm.discover_jitter = *v;
  if (auto v = r.boolean(t, "restart_after_discover_failure", path)) tm.restart_after_discover_failure = *v;
  if (auto v = r.boolean(t, "local_boot_after_no_offers", path)) tm.local_boot_after_no_offers = *v;
  tm.request_timeouts = durations(r, t, "request_timeouts", path, tm.request_timeouts);
  if (auto v = duration(r, t, "proxy_wait", path)) tm.proxy_wait = *v;
  if (auto v = r.integer(t, "proxy_wait_rounds", path, 0, 8)) tm.proxy_wait_rounds = static_cast<std::uint32_t>(*v);
  if (auto v = r.integer(t, "max_offers", path, 1, 256)) tm.max_offers = static_cast<std::uint32_t>(*v);

  DhcpRules& d = p.dhcp;
  set_choice(r, t, "selection", path, d.selection,
             {{"edk2", SelectionPolicy::kEdk2}, {"ipxe", SelectionPolicy::kIpxe}, {"first", SelectionPolicy::kFirst},
              {"pxe21", SelectionPolicy::kPxe21}});
  if (auto v = r.integer(t, "max_reply_size", path, 300, 65535)) d.max_reply_size = static_cast<std::uint32_t>(*v);
  if (auto v = r.boolean(t, "require_server_id", path)) d.require_server_id = *v;
  if (auto v = r.boolean(t, "strict_option_lengths", path)) d.strict_option_lengths = *v;
  if (auto v = r.boolean(t, "ack_must_match_server", path)) d.ack_must_match_server = *v;
  if (auto v = r.boolean(t, "decline_on_mismatch", path)) d.decline_on_mismatch = *v;
  set_choice(r, t, "on_nak", path, d.on_nak,
             {{"fail", NakPolicy::kFail}, {"restart", NakPolicy::kRestart}, {"ignore", NakPolicy::kIgnore}});
  if (auto v = r.boolean(t, "honour_overload", path)) d.honour_overload = *v;
  if (auto v = r.boolean(t, "require_src_port_67", path)) d.require_src_port_67 = *v;
  if (auto v = r.string(t, "bootfile_prefix", path)) d.bootfile_prefix = *v;
}

void read_boot(TomlReader& r, const toml::table& t, Personality& p) {
  const std::string path = "boot";
  r.only_keys(t, path,
              {"file_from", "server_from", "unterminated_name", "menu", "proxy_request", "proxy_source_port",
               "proxy_to", "proxy_timeouts", "proxy_reply_port", "discovery_timeouts"});
  BootRules& b = p.boot;
  set_choice_list(r, t, "file_from", path, b.file_from, kFileSources);
  set_choice_list(r, t, "server_from", path, b.server_from, kServerSources);
  set_choice(r, t, "unterminated_name", path, b.unterminated_name,
             {{"stop", UnterminatedName::kStopAtEnd}, {"read-past", UnterminatedName::kReadPast}});
  set_choice(r, t, "menu", path, b.menu, {{"none", MenuPolicy::kNone}, {"edk2", MenuPolicy::kEdk2}, {"ipxe", MenuPolicy::kIpxe}});
  set_choice(r, t, "proxy_request", path, b.proxy_request,
             {{"never", ProxyRequestPolicy::kNever}, {"binl", ProxyRequestPolicy::kBinl}, {"ipxe", ProxyRequestPolicy::kIpxe}});
  if (auto v = r.integer(t, "proxy_source_port", path, 1, 65535)) b.proxy_source_port = static_cast<std::uint16_t>(*v);
  set_choice_list(r, t, "proxy_to", path, b.proxy_to, kServerSources);
  b.proxy_timeouts = durations(r, t, "proxy_timeouts", path, b.proxy_timeouts);
  if (auto v = r.integer(t, "proxy_reply_port", path, 0, 65535)) b.proxy_reply_port = static_cast<std::uint16_t>(*v);
  b.discovery_timeouts = durations(r, t, "discovery_timeouts", path, b.discovery_timeouts);
}

void read_tftp(TomlReader& r, const toml::table& t, Personality& p) {
  const std::string path = "tftp";
  r.only_keys(t, path,
              {"options", "tsize_probe", "skip_probe_with_option13", "needs_tsize", "oack", "timeouts", "source_ports",
               "abort_code", "abort_message", "oack_refusal_code", "oack_refusal_message", "same_server_ip",
               "foreign_tid_error"});
  TftpRules& f = p.tftp;
  if (const toml::array* a = r.array(t, "options", path)) {
    for (std::size_t i = 0; i < a->size(); ++i) {
      const toml::node& n = *a->get(i);
      const toml::array* pair = n.as_array();
      if (!pair || pair->size() != 2 || !pair->get(0)->is_string() || !pair->get(1)->is_string()) {
        r.fail(n, "tftp.options[" + std::to_string(i) + "]", "must be [\"name\", \"value\"], e.g. [\"blksize\", \"1468\"]");
        return;
      }
      f.options.push_back({*pair->get(0)->value<std::string>(), *pair->get(1)->value<std::string>()});
    }
  }
  if (auto v = r.boolean(t, "tsize_probe", path)) f.tsize_probe = *v;
  if (auto v = r.boolean(t, "skip_probe_with_option13", path)) f.skip_probe_with_option13 = *v;
  if (auto v = r.boolean(t, "needs_tsize", path)) f.needs_tsize = *v;
  set_choice(r, t, "oack", path, f.oack,
             {{"tolerant", OackPolicy::kTolerant}, {"edk2", OackPolicy::kEdk2}, {"uboot", OackPolicy::kUboot},
              {"pxelinux", OackPolicy::kPxelinux}});
  f.timeouts = durations(r, t, "timeouts", path, f.timeouts);
  if (auto v = r.integer_list(t, "source_ports", path, 1, 65535)) {
    if (v->size() != 2 || (*v)[0] > (*v)[1]) {
      r.fail(*t.get("source_ports"), "tftp.source_ports", "must be [first, last] with first <= last");
    } else {
      f.source_ports = {static_cast<std::uint16_t>((*v)[0]), static_cast<std::uint16_t>((*v)[1])};
    }
  }
  if (auto v = r.integer(t, "abort_code", path, 0, 8)) f.abort_code = static_cast<std::uint16_t>(*v);
  if (auto v = r.string(t, "abort_message", path)) f.abort_message = *v;
  if (auto v = r.integer(t, "oack_refusal_code", path, 0, 8)) f.oack_refusal_code = static_cast<std::uint16_t>(*v);
  if (auto v = r.string(t, "oack_refusal_message", path)) f.oack_refusal_message = *v;
  if (auto v = r.boolean(t, "same_server_ip", path)) f.same_server_ip = *v;
  if (auto v = r.boolean(t, "foreign_tid_error", path)) f.foreign_tid_error = *v;
}

void read_loader(TomlReader& r, const toml::table& t, Personality& p) {
  const std::string path = "loader";
  r.only_keys(t, path, {"policy", "start", "fetch_ldlinux", "arch_soc_board", "max_chain"});
  LoaderRules& l = p.loader;
  set_choice(r, t, "policy", path, l.policy,
             {{"none", LoaderPolicy::kNone}, {"pxelinux", LoaderPolicy::kPxelinux},
              {"ipxe-script", LoaderPolicy::kIpxeScript}, {"uboot-pxe", LoaderPolicy::kUbootPxe}});
  set_choice(r, t, "start", path, l.start, {{"cached-dhcp", LoaderStart::kCachedDhcp}, {"new-dhcp", LoaderStart::kNewDhcp}});
  if (auto v = r.boolean(t, "fetch_ldlinux", path)) l.fetch_ldlinux = *v;
  if (auto v = r.string_list(t, "arch_soc_board", path)) l.arch_soc_board = *v;
  if (auto v = r.integer(t, "max_chain", path, 1, 64)) l.max_chain = static_cast<std::uint32_t>(*v);
}

void read_string_map(TomlReader& r, const toml::table& t, const std::string& path,
                     std::map<std::string, std::string, std::less<>>& out, bool lower_keys) {
  for (auto&& [k, v] : t) {
    if (!v.is_string()) {
      r.fail(v, TomlReader::join(path, k.str()), "must be a string");
      return;
    }
    std::string key(k.str());
    if (lower_keys) key = wire::lowercase(key);
    out[key] = *v.value<std::string>();
  }
}

// Checks that make a personality usable by the state machine.
void validate(TomlReader& r, const toml::table& root, Personality& p) {
  if (p.kind == PersonalityKind::kRom && p.timing.discover_timeouts.empty()) {
    r.fail(root.source(), "dhcp.discover_timeouts", "missing: a ROM needs its DISCOVER retry schedule");
  }
  if (p.timing.request_timeouts.empty()) p.timing.request_timeouts = p.timing.discover_timeouts;
  if (p.tftp.timeouts.empty()) {
    r.fail(root.source(), "tftp.timeouts", "missing: the TFTP retry schedule");
  }
  if (p.dhcp.selection == SelectionPolicy::kIpxe && p.timing.proxy_wait <= 0) {
    r.fail(root.source(), "dhcp.proxy_wait", "selection = \"ipxe\" needs proxy_wait (seconds, FW-13)");
  }
  if (p.boot.proxy_request != ProxyRequestPolicy::kNever && p.boot.proxy_timeouts.empty()) {
    r.fail(root.source(), "boot.proxy_timeouts", "a proxy_request policy needs proxy_timeouts");
  }
  if (p.loader.start == LoaderStart::kNewDhcp && p.timing.discover_timeouts.empty()) {
    r.fail(root.source(), "dhcp.discover_timeouts", "a loader that starts a new DHCP needs its retry schedule");
  }
}

}  // namespace

Result<Personality> parse_personality(std::string_view text, const std::string& source) {
  auto parsed = sim::parse_toml(text, source);
  if (!parsed) return parsed.error();
  const toml::table& root = *parsed;
  TomlReader r(source);
  Personality p;
  p.id = std::filesystem::path(source).stem().string();
  r.only_keys(root, "",
              {"firmware", "kind", "sources", "behaviours", "dhcp", "boot", "tftp", "loader", "stage2", "failures",
               "arp"});
  if (auto v = r.string(root, "firmware", "")) p.firmware = *v;
  else if (!r.failed()) r.fail(root.source(), "firmware", "missing: which firmware this personality models");
  set_choice(r, root, "kind", "", p.kind, {{"rom", PersonalityKind::kRom}, {"loader", PersonalityKind::kLoader}});
  if (auto v = r.string_list(root, "sources", "")) p.sources = *v;
  if (auto v = r.string_list(root, "behaviours", "")) p.behaviours = *v;
  if (const toml::table* t = r.table(root, "dhcp", "")) read_dhcp(r, *t, p);
  if (const toml::table* t = r.table(root, "boot", "")) read_boot(r, *t, p);
  if (const toml::table* t = r.table(root, "tftp", "")) read_tftp(r, *t, p);
  else if (!r.failed()) r.fail(root.source(), "tftp", "missing [tftp] table");
  if (const toml::table* t = r.table(root, "loader", "")) read_loader(r, *t, p);
  if (const toml::table* t = r.table(root, "stage2", "")) {
    std::map<std::string, std::string, std::less<>> m;
    read_string_map(r, *t, "stage2", m, true);
    p.stage2.insert(m.begin(), m.end());
  }
  if (const toml::table* t = r.table(root, "failures", "")) {
    std::map<std::string, std::string, std::less<>> texts;
    read_string_map(r, *t, "failures", texts, false);
    for (auto&& [k, v] : *t) {
      if (r.failed()) break;
      const auto reason = parse_failure_reason(k.str());
      if (!reason) {
        r.fail(k.source(), "failures." + std::string(k.str()), "unknown failure reason (see client/failure.cc)");
        break;
      }
      p.failures[*reason] = texts[std::string(k.str())];
    }
  }
  if (const toml::table* t = r.table(root, "arp", "")) {
    r.only_keys(*t, "arp", {"attempts", "retry"});
    if (auto v = r.integer(*t, "attempts", "arp", 1, 20)) p.arp_attempts = static_cast<std::uint32_t>(*v);
    if (auto v = duration(r, *t, "retry", "arp")) p.arp_retry = *v;
  }
  if (!r.failed()) validate(r, root, p);
  if (r.failed()) return r.take_error();
  return p;
}

Result<Personality> load_personality(const std::string& path) {
  auto text = sim::read_text_file(path);
  if (!text) return text.error();
  return parse_personality(*text, path);
}

Result<PersonalitySet> load_personalities(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Error{"", 0, "not a directory of personality files (*.toml)", dir};
  }
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".toml") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  PersonalitySet set;
  for (const auto& f : files) {
    auto p = load_personality(f);
    if (!p) return p.error();
    set.emplace(p->id, std::move(*p));
  }
  if (set.empty()) return Error{"", 0, "holds no personality files (*.toml)", dir};
  for (const auto& [id, p] : set) {
    for (const auto& [nbp, next] : p.stage2) {
      if (!set.contains(next)) {
        return Error{"stage2." + nbp, 0, "names personality '" + next + "', which is not in " + dir,
                     dir + "/" + id + ".toml"};
      }
    }
  }
  return set;
}

std::string default_personality_dir() {
  if (const char* env = std::getenv("PXELAB_PERSONALITIES"); env && *env) return env;
  std::error_code ec;
#ifdef PXELAB_SOURCE_DIR
  std::string in_tree = std::string(PXELAB_SOURCE_DIR) + "/client/personalities";
  if (std::filesystem::is_directory(in_tree, ec)) return in_tree;
#endif
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) return (exe.parent_path().parent_path() / "share/pxelab/personalities").string();
  return "client/personalities";
}

}  // namespace pxelab::client
