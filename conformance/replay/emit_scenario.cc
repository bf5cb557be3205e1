#include "conformance/replay/emit_scenario.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <span>

#include <fmt/core.h>

#include "client/personality.h"
#include "server/faults.h"
#include "wire/dhcp_message.h"
#include "wire/pxe_options.h"
#include "wire/ports.h"

namespace pxelab::conformance::replay {

namespace {

std::optional<wire::Bytes> option(const wire::Bytes& msg, std::uint8_t code) {
  auto v = wire::dhcp::MessageView::make(msg);
  if (!v || !v->has_magic_cookie()) return std::nullopt;
  wire::dhcp::ParseOptions po;
  po.require_end = false;
  auto scan = wire::dhcp::scan_options(*v, po);
  if (!scan) return std::nullopt;
  std::optional<wire::Bytes> out;
  for (const auto& in : scan->instances) {
    if (in.code != code) continue;
    if (!out) out.emplace();
    out->insert(out->end(), in.data.begin(), in.data.end());
  }
  return out;
}

std::string text_of(const wire::Bytes& b) {
  std::string s(b.begin(), std::find(b.begin(), b.end(), std::uint8_t{0}));
  return s;
}

// TOML basic string.
std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string arch_key(std::uint16_t arch) {
  switch (arch) {
    case 0: return "bios";
    case 7: return "x64-efi";
    case 11: return "arm64-efi";
    default: return std::to_string(arch);
  }
}

struct FieldServer {
  std::optional<wire::Ipv4Address> address, router, mask, siaddr;
  std::set<std::uint32_t> yiaddrs;
  std::map<std::string, std::string> file_by_arch;  // arch key -> file
  std::string default_file, option66, ipxe_script;
  bool siaddr_zero = false, proxy = false, tsize_missing = false;
  std::optional<bool> nul_terminated_67;  // the first 67 seen ended in NUL (FW-38)
  // A PXE boot menu (43.9/43.10 in the DHCP answers, the files from the port-4011 ACKs):
  // the reference server's default_mode = "menu" (FW-19).
  std::vector<wire::dhcp::BootMenuEntry> menu;
  std::optional<wire::dhcp::MenuPrompt> menu_prompt;
  std::map<std::uint16_t, std::map<std::string, std::string>> menu_files;  // type -> arch key -> file
};

// The boot file an answer names: option 67 when present, else the file field.
std::string boot_file_of(const wire::dhcp::MessageView& v, const wire::Bytes& message) {
  if (auto o67 = option(message, 67)) return text_of(*o67);
  return text_of(wire::Bytes(v.file().begin(), v.file().end()));
}

// What a DHCP answer's 43 and a 4011 ACK tell of the field's boot menu.
void observe_menu(FieldServer& fs, const wire::Bytes& message, bool from_4011, const std::string& arch) {
  auto o43 = option(message, 43);
  if (!o43) return;
  auto pxe = wire::dhcp::decode_pxe_vendor_options(*o43);
  if (!pxe) return;
  if (!from_4011) {
    if (pxe->boot_menu && fs.menu.empty()) fs.menu = *pxe->boot_menu;
    if (pxe->menu_prompt && !fs.menu_prompt) fs.menu_prompt = pxe->menu_prompt;
    return;
  }
  auto v = wire::dhcp::MessageView::make(message);
  const std::string file = v ? boot_file_of(*v, message) : std::string();
  if (pxe->boot_item && !file.empty()) fs.menu_files[pxe->boot_item->type].try_emplace(arch, file);
}

// The identity a step belongs to: the last one opened at or before it (nullptr: none).
const ClientIdentity* identity_of(const ClientScript& c, const Step& s) {
  const ClientIdentity* id = nullptr;
  for (const auto& i : c.identities) {
    if (i.frame <= s.frame) id = &i;
  }
  return id;
}

// A chainloaded iPXE (FW-15, FW-44): what the field gave it is the reference server's
// ipxe_script, not the ROM's boot file.
bool is_ipxe(const ClientIdentity* id) { return id && id->fp.id.rfind("ipxe", 0) == 0; }

FieldServer observe(const ReplayResult& r) {
  FieldServer fs;
  for (const auto& c : r.scripts) {
    std::optional<std::uint16_t> arch;
    if (!c.identities.empty()) arch = c.identities.front().identity.arch;
    for (const auto& s : c.steps) {
      const bool ipxe = is_ipxe(identity_of(c, s));
      if (s.kind == StepKind::kTftp) {
        if (s.tftp_answer.kind == TftpFieldAnswer::Kind::kOack && !s.tftp_answer.oack.find("tsize")) {
          auto p = wire::parse_tftp(s.rrq);
          if (p && std::holds_alternative<wire::TftpRequest>(*p) && std::get<wire::TftpRequest>(*p).options.find("tsize")) {
            fs.tsize_missing = true;
          }
        }
        continue;
      }
      for (const auto& a : s.answers) {
        auto v = wire::dhcp::MessageView::make(a.message);
        if (v && !ipxe) observe_menu(fs, a.message, a.src_port == wire::kPxeBootServerPort, arch_key(arch.value_or(0)));
        if (!v || a.src_port != wire::kDhcpServerPort) continue;
        const auto type = option(a.message, 53);
        const std::uint8_t t = type && type->size() == 1 ? (*type)[0] : 0;
        if (v->yiaddr().is_any()) {
          fs.proxy = fs.proxy || t == 2;
          continue;
        }
        fs.yiaddrs.insert(v->yiaddr().value);
        if (!fs.address) {
          if (auto sid = option(a.message, 54); sid && sid->size() == 4) {
            fs.address = wire::Ipv4Address{wire::load_be32(sid->data())};
          } else {
            fs.address = a.src_ip;
          }
        }
        if (auto m = option(a.message, 1); m && m->size() == 4 && !fs.mask) fs.mask = wire::Ipv4Address{wire::load_be32(m->data())};
        if (auto rt = option(a.message, 3); rt && rt->size() >= 4 && !fs.router) fs.router = wire::Ipv4Address{wire::load_be32(rt->data())};
        if (auto o66 = option(a.message, 66); o66 && fs.option66.empty()) fs.option66 = text_of(*o66);
        // The file of an OFFER too: a client that never got to REQUEST (its answers
        // unicast past it, FW-41) was offered what the server hands out.
        if (t != 5 && t != 2 && t != 0) continue;
        if (v->siaddr().is_any()) fs.siaddr_zero = true;
        const std::string file = boot_file_of(*v, a.message);
        if (auto o67 = option(a.message, 67); o67 && !fs.nul_terminated_67 && !o67->empty()) {
          fs.nul_terminated_67 = o67->back() == 0;
        }
        if (file.empty()) continue;
        if (ipxe) {
          if (fs.ipxe_script.empty()) fs.ipxe_script = file;
          continue;
        }
        const std::string key = arch_key(arch.value_or(0));
        fs.file_by_arch.try_emplace(key, file);
        if (key == "bios" && fs.default_file.empty()) fs.default_file = file;
      }
    }
  }
  if (fs.default_file.empty() && !fs.file_by_arch.empty()) fs.default_file = fs.file_by_arch.begin()->second;
  return fs;
}

// The subnet and pool the field's answers imply: mask from option 1 (a /24 without
// it), room for every client, inside the subnet and not over its broadcast address.
struct FieldPool {
  std::uint32_t mask = 0, network = 0, lo = 0, hi = 0;
  int prefix = 0;
};

FieldPool pool_of(const FieldServer& fs, std::size_t clients, std::vector<std::string>& notes) {
  FieldPool p;
  p.mask = fs.mask ? fs.mask->value : 0xffffff00u;
  p.network = *fs.yiaddrs.begin() & p.mask;
  p.prefix = __builtin_popcount(p.mask);
  p.lo = *fs.yiaddrs.begin();
  p.hi = *fs.yiaddrs.rbegin();
  p.hi = std::max<std::uint32_t>(p.hi, p.lo + static_cast<std::uint32_t>(clients) + 8);
  p.hi = std::min<std::uint32_t>(p.hi, (p.network | ~p.mask) - 1);
  if ((fs.address->value & p.mask) != p.network) notes.push_back("the field server's address is outside the clients' subnet (a relay?)");
  return p;
}

// Faults: those whose check failed on the field capture.
// Expected: every check that failed on the field capture, the clients' too (a ROM
// that omits 97 fails PXE-CLIENT-IDENT in the reproduction as in the field).
struct FieldFailures {
  std::vector<std::string> faults, failing_checks;
};

FieldFailures failures_of(const ReplayResult& r, const FieldServer& fs, std::vector<std::string>& notes) {
  FieldFailures out;
  auto& faults = out.faults;
  for (const auto& cr : r.field->results) {
    if (cr.verdict != Verdict::kFail) continue;
    out.failing_checks.emplace_back(cr.check->id);
    if (cr.check->role == Role::kClient) continue;
    for (const auto& f : server::fault_table()) {
      // The files handed out are already in [boot.file] as observed: the fault that
      // swaps them would swap them back.
      if (f.fault == server::Fault::kWrongArchFile) continue;
      if (f.breaks == cr.check->id && std::find(faults.begin(), faults.end(), f.key) == faults.end()) {
        faults.emplace_back(f.key);
      }
    }
  }
  if (fs.tsize_missing) faults.emplace_back("tftp_no_tsize");
  if (fs.siaddr_zero && !fs.option66.empty() && std::find(faults.begin(), faults.end(), "no_siaddr") == faults.end()) {
    faults.emplace_back("no_siaddr");
  }
  if (fs.proxy) notes.push_back("a proxyDHCP answered beside the DHCP server: not reproduced (one server here)");
  return out;
}

using ClientGroups = std::map<std::string, std::vector<wire::MacAddress>>;  // personality -> MACs

// Clients: the first identity of each MAC, by personality.
ClientGroups groups_of(const ReplayResult& r, std::vector<std::string>& notes) {
  auto set = client::load_personalities(client::default_personality_dir());
  ClientGroups groups;
  for (const auto& c : r.scripts) {
    if (c.identities.empty()) {
      notes.push_back(c.mac.to_string() + " sent no DISCOVER: no identity to emulate");
      continue;
    }
    const std::string& id = c.identities.front().fp.id;
    if (!set || !set->contains(id) || set->at(id).kind != client::PersonalityKind::kRom) {
      notes.push_back(c.mac.to_string() + " fingerprints as '" + id + "', not a ROM personality pxelab emulates");
      continue;
    }
    groups[id].push_back(c.mac);
  }
  return groups;
}

// The comment at the top (with what is not reproduced) and [scenario].
std::string scenario_toml(const ReplayMeta& meta, std::span<const std::string> notes) {
  std::string t;
  t += "# Reproduction of " + std::filesystem::path(meta.capture).filename().string() + ", written by `pxelab replay " +
       "--emit-scenario` (" + meta.tool + ").\n";
  t += "# The field server as its answers show it; its misbehaviour through [faults].\n";
  for (const auto& n : notes) t += "# Not reproduced: " + n + "\n";
  t += "[scenario]\n";
  // A library capture is NAME/capture.pcap: the directory names it.
  const std::filesystem::path cap(meta.capture);
  const std::string stem = cap.stem() == "capture" && cap.has_parent_path() ? cap.parent_path().filename().string() : cap.stem().string();
  t += "name = " + toml_string("replay-" + stem) + "\n";
  t += "description = " + toml_string("reproduces the field failure of " + std::filesystem::path(meta.capture).filename().string()) + "\n";
  t += "seed = 1\ndeadline = 120\n\n";
  return t;
}

// [boot.menu] as the field's 43.9/43.10 showed it, each item's files from its 4011 ACKs.
std::string menu_toml(const FieldServer& fs) {
  if (fs.menu.empty()) return {};
  std::string t = "[boot.menu]\n";
  if (fs.menu_prompt) {
    t += "prompt = " + toml_string(fs.menu_prompt->prompt) + "\n";
    t += fmt::format("timeout = {}\n", fs.menu_prompt->timeout);
  }
  for (const auto& item : fs.menu) {
    t += fmt::format("[[boot.menu.item]]\ntype = {}\n", item.type);
    t += "description = " + toml_string(item.description) + "\n";
    auto files = fs.menu_files.find(item.type);
    if (item.type == 0 || files == fs.menu_files.end()) continue;
    std::string table;
    for (const auto& [arch, file] : files->second) table += (table.empty() ? "" : ", ") + arch + " = " + toml_string(file);
    t += "file = { " + table + " }\n";
  }
  return t;
}

// The [[server]] with its embedded server config: address, subnet, [boot], [faults].
std::string server_toml(const FieldServer& fs, const FieldPool& pool, std::span<const std::string> faults) {
  std::string t;
  t += "[[server]]\nname = \"field\"\nconfig = \"\"\"\n[server]\n";
  t += "address = " + toml_string(fs.address->to_string()) + "\n";
  t += "[[subnet]]\n";
  t += fmt::format("network = \"{}/{}\"\n", wire::Ipv4Address{pool.network}.to_string(), pool.prefix);
  t += fmt::format("pool = \"{}-{}\"\n", wire::Ipv4Address{pool.lo}.to_string(), wire::Ipv4Address{pool.hi}.to_string());
  if (fs.router) t += "router = " + toml_string(fs.router->to_string()) + "\n";
  t += "[boot]\n";
  if (!fs.default_file.empty()) t += "default_file = " + toml_string(fs.default_file) + "\n";
  if (!fs.ipxe_script.empty()) t += "ipxe_script = " + toml_string(fs.ipxe_script) + "\n";
  if (!fs.option66.empty()) t += "tftp_server_name = " + toml_string(fs.option66) + "\n";
  // The reference server NUL-terminates 67 by default; a field server that did not is
  // the FW-38 misbehaviour (old Intel ROMs then put 0xFF in the RRQ name).
  if (fs.nul_terminated_67 == false) t += "nul_terminate_file = false\n";
  if (!fs.menu.empty()) t += "default_mode = \"menu\"\n";
  if (!fs.file_by_arch.empty()) {
    t += "[boot.file]\n";
    for (const auto& [arch, file] : fs.file_by_arch) t += arch + " = " + toml_string(file) + "\n";
  }
  t += menu_toml(fs);
  if (!faults.empty()) {
    t += "[faults]\n";
    for (const auto& f : faults) t += f + " = true\n";
  }
  t += "\"\"\"\n";
  return t;
}

// [server.files]: every file the field served, by name; small text files as read, the
// others at the largest size the capture shows.
std::string files_toml(const ReplayResult& r) {
  std::map<std::string, std::optional<std::uint64_t>> files;  // served by the field, by name
  std::map<std::string, std::string> texts;                    // small text files as read
  for (const auto& c : r.scripts) {
    for (const auto& s : c.steps) {
      if (!served(s) || s.filename.empty() || s.filename.find("..") != std::string::npos) continue;
      std::string name = s.filename;
      while (!name.empty() && name.front() == '/') name.erase(0, 1);
      if (const auto& body = s.tftp_answer.content) {
        const bool text = std::all_of(body->begin(), body->end(), [](std::uint8_t ch) { return ch == '\n' || ch == '\t' || (ch >= 0x20 && ch < 0x7f); });
        if (text) texts[name] = std::string(body->begin(), body->end());
      }
      auto& size = files[name];
      if (auto n = served_size(s); n && (!size || *n > *size)) size = n;
    }
  }
  std::string out;
  for (const auto& [name, size] : files) {
    if (auto it = texts.find(name); it != texts.end()) {
      out += toml_string(name) + " = " + toml_string(it->second) + "\n";
      continue;
    }
    out += toml_string(name) + fmt::format(" = {{ size = {} }}", size.value_or(kUnknownFileSize)) +
           (size ? "\n" : "  # the capture shows no size\n");
  }
  return out.empty() ? out : "[server.files]\n" + out;
}

// One [[client]] group per personality, then [expect]: the checks that failed in the
// field, and a failed outcome for groups none of whose clients completed a read there.
std::string clients_and_expect_toml(const ReplayResult& r, const ClientGroups& groups,
                                    std::span<const std::string> failing_checks) {
  std::string t;
  for (const auto& [id, macs] : groups) {
    t += "\n[[client]]\nname = " + toml_string(id) + "\npersonality = " + toml_string(id) + "\n";
    t += fmt::format("count = {}\nmac = \"{}\"\n", macs.size(), macs.front().to_string());
  }
  t += "\n[expect]\n";
  std::string list;
  for (const auto& id : failing_checks) list += (list.empty() ? "" : ", ") + toml_string(id);
  t += "checks_fail = [" + list + "]\n";
  for (const auto& [id, macs] : groups) {
    bool any_read = false;
    for (const auto& c : r.scripts) {
      if (std::find(macs.begin(), macs.end(), c.mac) == macs.end()) continue;
      for (const auto& s : c.steps) any_read = any_read || (s.kind == StepKind::kTftp && s.tftp_answer.end == "complete");
    }
    if (!any_read) t += "[[expect.outcome]]\nclients = " + toml_string(id) + "\nstatus = \"failed\"\n";
  }
  return t;
}

}  // namespace

Result<std::string> emit_scenario(const ReplayResult& r, const ReplayMeta& meta) {
  const FieldServer fs = observe(r);
  if (!fs.address || fs.yiaddrs.empty()) {
    return Error{"", 0, "the capture holds no DHCP answer with an address: nothing says how the field server behaved"};
  }
  std::vector<std::string> notes;  // what is not reproduced, in the order found
  const FieldPool pool = pool_of(fs, r.scripts.size(), notes);
  const FieldFailures failures = failures_of(r, fs, notes);
  const ClientGroups groups = groups_of(r, notes);
  if (groups.empty()) return Error{"", 0, "no field client fingerprints as a ROM pxelab emulates"};
  return scenario_toml(meta, notes) + server_toml(fs, pool, failures.faults) + files_toml(r) +
         clients_and_expect_toml(r, groups, failures.failing_checks);
}

}  // namespace pxelab::conformance::replay
