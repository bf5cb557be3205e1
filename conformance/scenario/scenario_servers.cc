// Step 3 of a run: each [[server]] made and started behind ScenarioServer. For the
// reference server that means its configuration (a file or inline), the host-table
// entries client groups add, and a TFTP root of its own written for the run.
#include <filesystem>
#include <fstream>

#include "conformance/scenario/qemu_run.h"
#include "conformance/scenario/reference_server.h"
#include "conformance/scenario/scenario_steps.h"
#include "image/fat_image.h"
#include "server/config.h"
#include "sim/rng.h"

namespace pxelab::conformance {

namespace {

namespace fs = std::filesystem;

std::string at_line(const Scenario& s, int line) { return s.source + ":" + std::to_string(line); }

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

// A FileSpec's floppy: a FAT12 image of its files behind a halting boot sector.
Result<wire::Bytes> make_floppy(const FileSpec& f, std::uint64_t seed) {
  auto fail = [&](const std::string& what) { return Error{"files", 0, "floppy '" + f.name + "': " + what}; };
  const auto volume_id = static_cast<std::uint32_t>(sim::derive_seed(seed, std::hash<std::string>{}(f.name)));
  auto img = image::FatImage::create(*image::floppy_format_by_kib(*f.floppy_kib), image::halting_boot_sector(),
                                     f.floppy_label, volume_id);
  if (!img) return fail(img.error().message);
  for (const auto& [path, text] : f.floppy_files) {
    auto parts = image::split_path(path);
    std::string dir;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      dir += (dir.empty() ? "" : "/") + std::string(parts[i]);
      if (!img->stat(dir)) {
        if (auto st = img->make_dir(dir); !st) return fail(st.error().message);
      }
    }
    const wire::Bytes content(text.begin(), text.end());
    if (auto st = img->write_file(path, content, image::WriteMode::Create); !st) return fail(st.error().message);
  }
  return img->bytes();
}

Status write_files(const std::string& root, const std::vector<FileSpec>& files, std::uint64_t seed) {
  for (const FileSpec& f : files) {
    if (f.name.find("..") != std::string::npos || (!f.name.empty() && f.name.front() == '/')) {
      return Error{"files", 0, "file name '" + f.name + "' must stay inside the TFTP root"};
    }
    fs::path p = fs::path(root) / f.name;
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);  // a failure shows as the write's error below
    if (!f.from.empty()) {
      if (!fs::is_regular_file(f.from, ec) || !fs::copy_file(f.from, p, fs::copy_options::overwrite_existing, ec)) {
        return Error{"files", 0, "file '" + f.name + "': cannot copy from " + f.from + (ec ? ": " + ec.message() : ": not a regular file")};
      }
      continue;
    }
    std::ofstream out(p, std::ios::binary);
    if (f.floppy_kib) {
      auto img = make_floppy(f, seed);
      if (!img) return img.error();
      out.write(reinterpret_cast<const char*>(img->data()), static_cast<std::streamsize>(img->size()));
    } else if (f.text) {
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

Result<server::ServerConfig> load_config(const Scenario& s, const ServerSpec& sv) {
  if (sv.config_path.empty()) {
    auto c = server::parse_server_config(sv.config_text, s.source);
    if (!c) return in_scenario(c.error(), s, sv);
    return c;
  }
  fs::path p = sv.config_path;
  if (p.is_relative()) p = fs::path(s.dir) / p;
  return server::load_server_config(p.string());
}

// The server's own TFTP root in the work directory: its files and QEMU assets.
Status write_tftp_root(const Scenario& s, const ServerSpec& sv, const std::string& root, std::uint64_t seed) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return Error{"", 0, "cannot create " + root + ": " + ec.message(), at_line(s, sv.line)};
  if (auto st = write_files(root, sv.files, seed); !st) {
    Error e = st.error();
    e.location = at_line(s, sv.line);
    return e;
  }
  for (const auto& id : sv.qemu_assets) {
    auto p = client::qemu::find_firmware_profile(client::qemu::default_profile_dir(), id);
    if (!p) return p.error();
    if (auto st = assemble_tftp_root(*p, root); !st) return st.error();
  }
  return Ok{};
}

// The host-table entries the client groups naming this server add ([client.host]).
// A host.group the server's configuration does not declare is an error.
Status add_group_hosts(const Scenario& s, const ServerSpec& sv, server::ServerConfig& config) {
  for (const ClientSpec& c : s.clients) {
    if (!c.host || c.host->server != sv.name) continue;
    if (!c.host->group.empty() && !config.find_group(c.host->group)) {
      return Error{"client.host.group", 0, "server '" + sv.name + "' has no [[group]] named '" + c.host->group + "'", at_line(s, c.line)};
    }
    for (std::uint32_t n = 1; n <= c.count; ++n) {
      server::HostEntry h;
      h.mac = mac_plus(c.mac, n - 1);
      if (config.find_host(h.mac)) continue;  // the configuration's own entry wins
      if (c.host->ip) h.ip = wire::Ipv4Address{c.host->ip->value + n - 1};
      h.hostname = replace_n(c.host->hostname, n);
      h.boot = c.host->boot;
      h.group = c.host->group;
      h.file = replace_n(c.host->file, n);
      for (const auto& [k, v] : c.host->vars) h.vars[k] = replace_n(v, n);
      config.hosts.push_back(std::move(h));
    }
  }
  return Ok{};
}

Result<std::unique_ptr<ScenarioServer>> make_server(const Scenario& s, const ServerSpec& sv, const RunPlan& plan,
                                                    ServerSite site) {
  auto config = load_config(s, sv);
  if (!config) return config.error();
  const std::string& work = plan.work.path();
  const bool own_root = !sv.files.empty() || !sv.qemu_assets.empty() || config->tftp.root.empty() || !sv.config_text.empty();
  if (own_root) {
    const std::string root = work + "/tftp-" + sv.name;
    if (auto st = write_tftp_root(s, sv, root, plan.seed); !st) return st.error();
    config->tftp.root = root;
  }
  if (!config->lease_file.empty() && !sv.config_text.empty()) config->lease_file = work + "/leases-" + sv.name;
  if (auto st = add_group_hosts(s, sv, *config); !st) return st.error();
  if (!sv.sut_profile.empty()) return make_sut_server(sv, s, plan, std::move(site), std::move(*config));
  server::BootServerOptions options;
  options.tftp = sv.tftp;
  options.gateway = sv.gateway;
  return make_reference_server(std::move(site), std::move(*config), std::move(options));
}

}  // namespace

Status place_servers(const Scenario& s, const RunPlan& plan, RunWorld& w) {
  BuiltNetwork& net = w.network;
  for (const ServerSpec& sv : s.servers) {
    const std::size_t seg = net.segment_index.at(sv.segment);
    ServerSite site{net.clock(), net.net.realtime, net.segment(seg), link_of(s, seg, sv.link), sv.name, plan.work.path()};
    auto made = make_server(s, sv, plan, std::move(site));
    if (!made) return made.error();
    w.servers.push_back({&sv, seg, std::move(*made)});
  }
  // Started in scenario order once all are made (as before: configuration errors first).
  for (auto& placed : w.servers) {
    if (auto st = placed.server->start(); !st) {
      Error e = st.error();
      if (e.location.empty()) e.location = at_line(s, placed.spec->line);
      return e;
    }
  }
  return Ok{};
}

}  // namespace pxelab::conformance
