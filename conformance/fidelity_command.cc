#include "conformance/fidelity_command.h"

#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "captures/pcap_reader.h"
#include "client/qemu/fidelity.h"
#include "client/qemu/trace_digest.h"

namespace pxelab::conformance {

namespace {

struct FidelityOptions {
  std::string real;
  std::string other;
  std::string mac = "52:54:00:12:34:56";
  std::string other_mac;
  double tolerance = 0.5;
  double relative = 0.25;
  std::vector<std::string> known;  // "ASPECT=REASON"
};

int run(const FidelityOptions& o) {
  auto mac = wire::MacAddress::parse(o.mac);
  auto other_mac = wire::MacAddress::parse(o.other_mac.empty() ? o.mac : o.other_mac);
  if (!mac || !other_mac) {
    fmt::print(stderr, "pxelab fidelity: not a MAC address\n");
    return 2;
  }
  auto a = captures::read_capture(o.real);
  if (!a) {
    fmt::print(stderr, "pxelab fidelity: {}: {}\n", o.real, a.error().to_string());
    return 2;
  }
  auto b = captures::read_capture(o.other);
  if (!b) {
    fmt::print(stderr, "pxelab fidelity: {}: {}\n", o.other, b.error().to_string());
    return 2;
  }
  auto da = client::qemu::digest_client(a->trace, *mac);
  auto db = client::qemu::digest_client(b->trace, *other_mac);
  if (da.dhcp.empty() || db.dhcp.empty()) {
    fmt::print(stderr, "pxelab fidelity: no DHCP from {} in {}\n", da.dhcp.empty() ? o.mac : o.other_mac,
               da.dhcp.empty() ? o.real : o.other);
    return 1;
  }
  client::qemu::FidelityOptions fo;
  fo.tolerance_seconds = o.tolerance;
  fo.tolerance_relative = o.relative;
  for (const auto& k : o.known) {
    auto eq = k.find('=');
    fo.known.push_back({k.substr(0, eq), eq == std::string::npos ? "listed as known" : k.substr(eq + 1)});
  }
  auto report = client::qemu::compare_clients(da, db, fo);
  fmt::print("{}", client::qemu::render(report));
  fmt::print("fidelity: {} aspects, {} differences not known\n", report.items.size(), report.differences());
  return report.differences() == 0 ? 0 : 1;
}

}  // namespace

void add_fidelity_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<FidelityOptions>();
  auto* cmd = app.add_subcommand("fidelity", "Compare one client's wire behaviour in two captures (real vs emulated)");
  cmd->description(
      "Compares what one client did in two captures of the same scenario: DISCOVER and\n"
      "REQUEST option codes and order, 55, 57, 60, 61, 93, 94, 97, 77, 175, flags, xid\n"
      "policy, retry intervals (within a tolerance), the wait before REQUEST, port 4011,\n"
      "TFTP RRQ options, the tsize probe and the files asked after the NBP.\n"
      "Exit status: 0 no unexplained difference, 1 differences, 2 unreadable input.");
  cmd->add_option("real", opts->real, "Capture of the real firmware (pcap/pcapng)")->required()->check(CLI::ExistingFile);
  cmd->add_option("other", opts->other, "Capture of the other client (emulated personality, golden run)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--mac", opts->mac, "The client's MAC in the first capture (default 52:54:00:12:34:56)");
  cmd->add_option("--other-mac", opts->other_mac, "The client's MAC in the second capture (default: --mac)");
  cmd->add_option("--tolerance", opts->tolerance, "Seconds two intervals may differ (default 0.5)");
  cmd->add_option("--relative", opts->relative, "... or this fraction of the real interval (default 0.25)");
  cmd->add_option("--known", opts->known, "ASPECT=REASON: a difference accepted with its reason; repeatable");
  cmd->callback([opts, &exit_code] { exit_code = run(*opts); });
}

}  // namespace pxelab::conformance
