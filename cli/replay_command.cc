#include "cli/replay_command.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "captures/pcap_reader.h"
#include "captures/pcap_writer.h"
#include "conformance/replay/emit_scenario.h"
#include "conformance/replay/replay_report.h"
#include "conformance/replay/replay_run.h"
#include "conformance/report/report_html.h"
#include "conformance/scenario/scenario.h"
#include "conformance/scenario/scenario_steps.h"
#include "conformance/scenario/sut_server.h"
#include "conformance/sut/profile.h"
#include "server/config.h"

namespace pxelab::conformance {

namespace {

namespace fs = std::filesystem;

constexpr const char* kReplayHelp =
    "Replay the clients of a field capture against another server and compare what it\n"
    "answers with what the field server answered.\n"
    "\n"
    "Each client (a MAC, with every identity it took: a ROM, then the iPXE it chainloaded)\n"
    "becomes a script of the requests it sent: BOOTP/DHCP, port 4011 requests, TFTP reads\n"
    "(ARP is counted; the replaying host's own ARP answers and resolves). The scripts run\n"
    "on a simulated segment in front of the reference server (--server CONFIG, or the\n"
    "server of --scenario FILE) or, with --sut PROFILE, in front of a server under test\n"
    "(dnsmasq, kea-tftpd-hpa, ... as `pxelab conform` runs them: its daemons in a network\n"
    "namespace of their own behind a TAP on the segment, on the wall clock; needs root).\n"
    "With --sut, --config FILE is required: a reference-server configuration (TOML, as\n"
    "--server takes; addresses in 198.18.0.0/15) that the profile's config template is\n"
    "rendered from (the server model). Requests keep their xid, MAC, flags, secs, options and\n"
    "option order; what must change is rewritten and the replay is reactive where a real\n"
    "client is: a SELECTING REQUEST names the server that offered now (54 and 50 from the\n"
    "new OFFER), later ciaddr/50/unicast destinations go through the field->new address\n"
    "map, TFTP reads follow the new server's TID, OACK (blksize, windowsize) and blocks,\n"
    "and end as the field client ended them (a UEFI tsize probe aborts after the OACK).\n"
    "\n"
    "Every answer is diffed field by field and option by option. May differ: yiaddr\n"
    "within the pool, lease times, server id and addresses, site network options, TFTP\n"
    "ids, tsize. Must match: an answer at all and its type, reply addressing and ports,\n"
    "yiaddr/siaddr presence, file, sname, 43, 60, 66, 67, flags, other options, TFTP\n"
    "options accepted, error codes, how a transfer ended. The decisive difference (the\n"
    "first forbidden one) is printed first. The check catalogue runs on both sides.\n"
    "\n"
    "Files in --out: report.json (schema pxelab-replay/1: the diff, then each side's\n"
    "report), report.html (drawn from report.json, self-contained: the decisive difference\n"
    "first, the answers that differ, both sides' checks and findings), junit.xml\n"
    "(a testcase per request and each side's checks), summary.txt, field.pcap (the\n"
    "capture as read) and replay.pcap (the replay's segment).\n"
    "When the server configuration has no TFTP root that exists, one is made with the\n"
    "files the field server served, at the sizes it served them.\n"
    "\n"
    "--emit-scenario FILE writes a scenario that reproduces the field failure: emulated\n"
    "clients of each fingerprinted personality, a reference server configured as the\n"
    "field server behaved (its boot file, next server, options; its misbehaviour through\n"
    "[faults] where one is recognised) and [expect] naming the checks that failed.\n";

constexpr const char* kReplayFooter =
    "\nExamples:\n"
    "  pxelab replay field.pcap --server server/example.toml\n"
    "                                   diff every answer, checks on both sides\n"
    "  pxelab replay field.pcap --scenario conformance/scenarios/uefi-ipxe.toml --timing exact\n"
    "  pxelab replay field.pcap --server s.toml --clients 52:54:00:12:34:56 --verbose\n"
    "  pxelab replay field.pcap --server s.toml --emit-scenario repro.toml && pxelab run repro.toml\n"
    "  sudo pxelab replay field.pcap --sut dnsmasq --config model.toml\n"
    "                                   the same clients against dnsmasq; its rendered config and\n"
    "                                   logs are kept in OUT/sut/\n"
    "\nExit status: 0 no forbidden difference; 1 an answer differs where it must not; 2 usage\n"
    "error, unreadable capture or configuration, a capture without client requests, a\n"
    "scenario --emit-scenario could not make (the other files are written);\n"
    "3 the capture is cut or corrupt (the frames before the damage were replayed).\n";

struct ReplayCliOptions {
  std::string capture, server, scenario, sut, config, server_name, clients, timing = "compressed", out = "pxelab-out/replay",
                                                                   emit;
  std::uint64_t seed = 1;
  bool quiet = false, verbose = false;
};

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  return static_cast<bool>(out);
}

// OUT/report.json, report.html (drawn from the same document), junit.xml, summary.txt,
// field.pcap (the capture as read) and replay.pcap. False if one could not be written.
bool write_replay_files(const std::string& out, const sim::Trace& field, const replay::ReplayResult& r,
                        const replay::ReplayMeta& meta) {
  const nlohmann::json report = replay::replay_json(r, meta);
  bool written = write_text(out + "/report.json", replay::replay_json_text(report));
  written &= write_text(out + "/report.html", report_html(report));
  written &= write_text(out + "/junit.xml", replay::replay_junit(r, meta));
  written &= write_text(out + "/summary.txt", replay::replay_text(r, meta, true));
  written &= static_cast<bool>(captures::write_pcap(field, out + "/field.pcap"));
  written &= static_cast<bool>(captures::write_pcap(*r.trace, out + "/replay.pcap"));
  return written;
}

Result<server::ServerConfig> server_from_scenario(const std::string& path, const std::string& name, std::string& label) {
  auto s = load_scenario(path);
  if (!s) return s.error();
  for (const ServerSpec& sv : s->servers) {
    if (sv.rogue || (!name.empty() && sv.name != name)) continue;
    label = "--scenario " + path + " (server '" + sv.name + "')";
    if (!sv.config_path.empty()) {
      fs::path p = sv.config_path;
      if (p.is_relative()) p = fs::path(s->dir) / p;
      return server::load_server_config(p.string());
    }
    return server::parse_server_config(sv.config_text, s->source);
  }
  return Error{"scenario.server", 0, name.empty() ? "the scenario has no server to replay against" : "no server '" + name + "' in the scenario", path};
}

// The replay against a server under test: placed through the scenarios' SutServer (one
// code path: namespace, TAP LinkPort, rendered config, validation, readiness, stop) on
// the wall clock. Checks that need a capability the profile does not claim are not
// applicable on the new side, as in `pxelab conform`.
Result<replay::ReplayResult> replay_against_sut(const sim::Trace& capture, const server::ServerConfig& config,
                                                const replay::ReplayRunOptions& ro, const sut::Profile& profile,
                                                const std::string& run_dir) {
  sim::RealtimeClock clock;
  // SIGINT/SIGTERM end the replay between events; the server is stopped and its
  // namespace removed on the way out, as in `pxelab conform`.
  SutSignalWatch signals(clock);
  std::optional<sut::SetupFailure> died;
  const replay::PlaceServer place = [&](sim::Clock&, sim::Segment& segment,
                                        const server::ServerConfig& cfg) -> Result<replay::PlacedServer> {
    sut::SutOptions so;
    so.run_dir = run_dir;
    so.tftp_root = cfg.tftp.root;
    std::error_code ec;
    fs::create_directories(run_dir, ec);
    ServerSite site{clock, &clock, segment, {}, "sut", run_dir};
    auto server = std::make_shared<SutServer>(std::move(site), profile, cfg, so);
    // A daemon that dies ends the run at once, and the replay with an error naming it.
    server->set_on_exit([&clock, &died](const sut::SetupFailure& f) {
      died = f;
      clock.stop();
    });
    if (auto st = server->start(); !st) return st.error();
    const ServerInstance inst = server->report().instances.back();
    replay::PlacedServer p;
    p.mac = inst.mac;
    p.ip = inst.ip;
    p.label = profile.name + " (server under test) " + inst.ip.to_string();
    p.keep = server;
    return p;
  };
  // Compressed, every request settles within kSettleTimeout: two minutes of wall time
  // bound a capture of a few clients; exact timing runs the capture's length + 60 s.
  const sim::Time deadline = ro.timing == replay::Timing::kExact ? 0 : sim::seconds(120);
  replay::ReplayRunOptions o = ro;
  // dnsmasq pings an address (3 s) before it offers it, one DISCOVER after another (a
  // second client's OFFER comes after some 6 s): a request waits 10 s for its answers.
  o.settle_timeout = sim::seconds(10);
  auto r = replay::replay_against(capture, config, o, clock, place, deadline);
  if (signals.signal() != 0) {
    return Error{"", 0, "interrupted by signal " + std::to_string(signals.signal()) + "; server under test removed"};
  }
  if (died) return Error{"sut", 0, "server under test " + profile.name + " died during the replay: " + died->to_string()};
  if (r && r->now) mark_unclaimed(profile.capabilities, profile.name, r->now->results);
  return r;
}

// --sut and --config: root, a server model, a profile that loads. False: a message
// was printed (exit 2).
bool sut_arguments(const ReplayCliOptions& o, std::optional<sut::Profile>& profile) {
  if (o.sut.empty()) {
    if (o.config.empty()) return true;
    fmt::print(stderr, "pxelab replay: --config goes with --sut (for the reference server use --server CONFIG)\n");
    return false;
  }
  if (::geteuid() != 0) {
    fmt::print(stderr, "pxelab replay: --sut needs root: the server under test runs in a network namespace of its "
                       "own behind a TAP device (run it with sudo, or as root in CI)\n");
    return false;
  }
  if (o.config.empty()) {
    fmt::print(stderr, "pxelab replay: --sut needs --config FILE: the reference-server configuration (TOML) the "
                       "profile's config is rendered from\n");
    return false;
  }
  auto p = sut::find_profile(o.sut, sut::default_profile_dir());
  if (!p) {
    fmt::print(stderr, "pxelab replay: {}\n", p.error().to_string());
    return false;
  }
  profile = std::move(*p);
  return true;
}

// The server's configuration (with --sut: the model its config is rendered from) and
// how the report names it.
Result<server::ServerConfig> server_config(const ReplayCliOptions& o, std::string& label) {
  if (!o.server.empty()) {
    label = "--server " + o.server;
    return server::load_server_config(o.server);
  }
  if (!o.sut.empty()) {
    label = "--sut " + o.sut + " --config " + o.config;
    return server::load_server_config(o.config);
  }
  return server_from_scenario(o.scenario, o.server_name, label);
}

int run_replay(const ReplayCliOptions& o, const std::string& tool) {
  const int given = !o.server.empty() + !o.scenario.empty() + !o.sut.empty();
  if (given != 1) {
    fmt::print(stderr, "pxelab replay: name the server to replay against: one of --server CONFIG, --scenario FILE, "
                       "--sut PROFILE\n");
    return kReplayUsage;
  }
  std::optional<sut::Profile> profile;
  if (!sut_arguments(o, profile)) return kReplayUsage;
  replay::ReplayRunOptions ro;
  ro.seed = o.seed;
  if (o.timing == "exact") {
    ro.timing = replay::Timing::kExact;
  } else if (o.timing != "compressed") {
    fmt::print(stderr, "pxelab replay: --timing is exact or compressed, not '{}'\n", o.timing);
    return kReplayUsage;
  }
  for (std::size_t at = 0; !o.clients.empty() && at <= o.clients.size();) {
    const auto comma = std::min(o.clients.find(',', at), o.clients.size());
    const auto mac = wire::MacAddress::parse(o.clients.substr(at, comma - at));
    if (!mac) {
      fmt::print(stderr, "pxelab replay: --clients: '{}' is not a MAC address\n", o.clients.substr(at, comma - at));
      return kReplayUsage;
    }
    ro.clients.push_back(*mac);
    at = comma + 1;
  }
  replay::ReplayMeta meta;
  meta.capture = o.capture;
  meta.timing = o.timing;
  meta.tool = tool;
  Result<server::ServerConfig> config = server_config(o, meta.server);
  if (!config) {
    fmt::print(stderr, "pxelab replay: {}\n", config.error().to_string());
    return kReplayUsage;
  }
  auto capture = captures::read_capture(o.capture);
  if (!capture) {
    fmt::print(stderr, "pxelab replay: cannot read {}: {}\n", o.capture, capture.error().message);
    return kReplayUsage;
  }
  if (!capture->read_error.empty()) {
    meta.read_error = fmt::format("after frame {}{}: {}", capture->trace.frame_count(),
                                  capture->read_error_offset >= 0 ? fmt::format(" at byte offset {}", capture->read_error_offset) : "",
                                  capture->read_error);
    fmt::print(stderr, "pxelab replay: {} is cut or corrupt {}; replaying the {} frames before it\n", o.capture,
               meta.read_error, capture->trace.frame_count());
  }
  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec) {
    fmt::print(stderr, "pxelab replay: cannot create {}: {}\n", o.out, ec.message());
    return kReplayUsage;
  }
  ro.work_dir = fs::absolute(o.out).string() + "/work";
  auto r = profile ? replay_against_sut(capture->trace, *config, ro, *profile, fs::absolute(o.out).string() + "/sut")
                   : replay::replay_against_reference(capture->trace, *config, ro);
  if (!r) {
    fmt::print(stderr, "pxelab replay: {}\n", r.error().to_string());
    return kReplayUsage;
  }
  const bool written = write_replay_files(o.out, capture->trace, *r, meta);
  const std::string text = replay::replay_text(*r, meta, o.verbose);
  bool emitted = true;
  if (!o.emit.empty()) {
    auto scenario = replay::emit_scenario(*r, meta);
    if (!scenario) {
      // The replay's files are written all the same; only the scenario is missing.
      fmt::print(stderr, "pxelab replay: --emit-scenario: no scenario written: {}\n", scenario.error().to_string());
      emitted = false;
    } else if (!write_text(o.emit, *scenario)) {
      fmt::print(stderr, "pxelab replay: --emit-scenario: cannot write {}\n", o.emit);
      emitted = false;
    }
  }
  if (!written) {
    fmt::print(stderr, "pxelab replay: could not write every file under {}\n", o.out);
    return kReplayUsage;
  }
  if (!o.quiet) fmt::print("{}", text);
  const replay::RequestReport* top = replay::decisive_request(*r);
  fmt::print("{}: {} requests, {} differ where they must not{}; files in {}/ (report.json, report.html, junit.xml, "
             "summary.txt, field.pcap, replay.pcap){}\n",
             o.capture, r->requests.size(), r->forbidden, top ? " (decisive: " + top->decisive()->field + ")" : "", o.out,
             o.emit.empty() || !emitted ? "" : "; scenario " + o.emit);
  if (!emitted) return kReplayUsage;
  if (!meta.read_error.empty()) return kReplayDamaged;
  return r->forbidden > 0 ? kReplayDiffers : kReplaySame;
}

}  // namespace

void add_replay_command(CLI::App& app, int& exit_code, std::string tool) {
  auto o = std::make_shared<ReplayCliOptions>();
  auto* cmd = app.add_subcommand("replay", "Replay a capture's clients against a server and diff the answers");
  cmd->description(kReplayHelp);
  cmd->footer(kReplayFooter);
  cmd->add_option("CAPTURE", o->capture, "pcap or pcapng file (Ethernet or Linux cooked)")->required();
  cmd->add_option("--server", o->server, "a reference server configuration (TOML, as server/example.toml)");
  cmd->add_option("--scenario", o->scenario, "take the server from this scenario (its first non-rogue server)");
  cmd->add_option("--server-name", o->server_name, "with --scenario: which of its servers");
  cmd->add_option("--sut", o->sut, "a server under test: a shipped profile (dnsmasq, ...) or a profile file (needs root)")
      ->type_name("PROFILE");
  cmd->add_option("--config", o->config, "with --sut: the server model, a reference-server configuration (TOML)")
      ->type_name("FILE");
  cmd->add_option("--clients", o->clients, "replay only these MACs (comma-separated)");
  cmd->add_option("--timing", o->timing, "exact (captured offsets) or compressed (waits cut: 20 ms after a request settled, 1 ms between power-ons; default)");
  cmd->add_option("--out", o->out, "directory for the files (default pxelab-out/replay)");
  cmd->add_option("--emit-scenario", o->emit, "write a scenario that reproduces the field failure");
  cmd->add_option("--seed", o->seed, "seed of the simulated segment (default 1)");
  cmd->add_flag("--quiet,-q", o->quiet, "print only the verdict line");
  cmd->add_flag("--verbose,-v", o->verbose, "print every request, rewrites and allowed differences");
  cmd->callback([o, &exit_code, tool] { exit_code = run_replay(*o, tool); });
}

}  // namespace pxelab::conformance
