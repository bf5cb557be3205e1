#include "cli/fidelity_command.h"

#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "captures/pcap_reader.h"
#include "captures/pcap_writer.h"
#include "client/qemu/fidelity.h"
#include "client/qemu/firmware_profile.h"
#include "client/qemu/trace_digest.h"
#include "conformance/scenario/qemu_run.h"

namespace pxelab::conformance {

namespace {

struct FidelityOptions {
  std::vector<std::string> inputs;  // FIRMWARE, or REAL.pcap OTHER.pcap
  std::string real_pcap;            // with FIRMWARE: the real run's capture instead of a fresh VM
  std::string emulated_pcap;        // with FIRMWARE: write the emulated run here
  std::string firmware_dir;
  std::string mac = "52:54:00:12:34:56";
  std::string other_mac;
  double tolerance = 0.5;
  double relative = 0.25;
  std::vector<std::string> known;  // "ASPECT=REASON"
};

Result<sim::Trace> read_trace(const std::string& path) {
  auto c = captures::read_capture(path);
  if (!c) return Error{"", 0, path + ": " + c.error().to_string()};
  return std::move(c->trace);
}

int run(const FidelityOptions& o) {
  auto mac = wire::MacAddress::parse(o.mac);
  auto other_mac = wire::MacAddress::parse(o.other_mac.empty() ? o.mac : o.other_mac);
  if (!mac || !other_mac) {
    fmt::print(stderr, "pxelab fidelity: not a MAC address\n");
    return 2;
  }
  client::qemu::FidelityOptions fo;
  fo.tolerance_seconds = o.tolerance;
  fo.tolerance_relative = o.relative;
  sim::Trace real, other;
  std::string real_name, other_name;

  if (o.inputs.size() == 2) {
    auto a = read_trace(o.inputs[0]);
    auto b = read_trace(o.inputs[1]);
    if (!a || !b) {
      fmt::print(stderr, "pxelab fidelity: {}\n", (!a ? a.error() : b.error()).to_string());
      return 2;
    }
    real = std::move(*a);
    other = std::move(*b);
    real_name = o.inputs[0];
    other_name = o.inputs[1];
  } else if (o.inputs.size() == 1) {
    std::string dir = o.firmware_dir.empty() ? client::qemu::default_profile_dir() : o.firmware_dir;
    auto profile = client::qemu::find_firmware_profile(dir, o.inputs[0]);
    if (!profile) {
      fmt::print(stderr, "pxelab fidelity: {}\n", profile.error().to_string());
      return 2;
    }
    fo.known = profile->known;
    fo.until_nbp = profile->fidelity_until_nbp;
    QemuRunOptions ro;
    ro.mac = *mac;
    auto emulated = run_emulated_boot(*profile, ro);
    if (!emulated) {
      fmt::print(stderr, "pxelab fidelity: emulated {}: {}\n", profile->personality, emulated.error().to_string());
      return 2;
    }
    if (!o.emulated_pcap.empty()) {
      if (auto st = captures::write_pcap(emulated->trace, o.emulated_pcap); !st) {
        fmt::print(stderr, "pxelab fidelity: {}\n", st.error().to_string());
        return 1;
      }
    }
    other = std::move(emulated->trace);
    other_name = "personality " + profile->personality + " (" + std::string(client::to_string(emulated->outcome.status)) +
                 (emulated->outcome.code.empty() ? "" : " " + emulated->outcome.code) + ")";
    if (!o.real_pcap.empty()) {
      auto a = read_trace(o.real_pcap);
      if (!a) {
        fmt::print(stderr, "pxelab fidelity: {}\n", a.error().to_string());
        return 2;
      }
      real = std::move(*a);
      real_name = o.real_pcap;
    } else {
      if (auto missing = client::qemu::missing_requirements(*profile); !missing.empty()) {
        fmt::print(stderr, "pxelab fidelity: cannot run {}: missing {}{}\n", profile->id, missing.front(),
                   missing.size() > 1 ? " and more" : "");
        return 2;
      }
      auto vm = run_qemu_boot(*profile, ro);
      if (!vm) {
        fmt::print(stderr, "pxelab fidelity: {}\n", vm.error().to_string());
        return 1;
      }
      real = vm->outcome.timeline.done ? trim_trace(vm->trace, *vm->outcome.timeline.done) : std::move(vm->trace);
      real_name = "QEMU " + profile->id + " (" + std::string(client::to_string(vm->outcome.status)) + ")";
    }
  } else {
    fmt::print(stderr, "pxelab fidelity: give FIRMWARE, or REAL.pcap OTHER.pcap\n");
    return 2;
  }
  for (const auto& k : o.known) {
    auto eq = k.find('=');
    fo.known.push_back({k.substr(0, eq), eq == std::string::npos ? "listed as known" : k.substr(eq + 1), false});
  }

  auto da = client::qemu::digest_client(real, *mac);
  auto db = client::qemu::digest_client(other, *other_mac);
  if (da.dhcp.empty() || db.dhcp.empty()) {
    fmt::print(stderr, "pxelab fidelity: no DHCP from the client in {}\n", da.dhcp.empty() ? real_name : other_name);
    return 1;
  }
  auto report = client::qemu::compare_clients(da, db, fo);
  fmt::print("real: {}\nother: {}\n", real_name, other_name);
  fmt::print("{}", client::qemu::render(report));
  fmt::print("fidelity: {} aspects, {} differences not known, {} stale known\n", report.items.size(),
             report.differences(), report.stale.size());
  return report.differences() == 0 && report.stale.empty() ? 0 : 1;
}

}  // namespace

void add_fidelity_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<FidelityOptions>();
  auto* cmd = app.add_subcommand("fidelity", "Compare a real firmware's wire behaviour with its emulated personality");
  cmd->description(
      "Compares what one client did in two runs of the same scenario, aspect by aspect:\n"
      "DISCOVER and REQUEST option codes and order, 55, 57, 60, 61, 93, 94, 97, 77, 175,\n"
      "flags, xid policy, retry intervals (within a tolerance), the wait before REQUEST,\n"
      "port 4011, TFTP RRQ options, the tsize probe and the files asked after the NBP.\n"
      "  pxelab fidelity FIRMWARE            the real firmware under QEMU (or --real PCAP)\n"
      "                                      against its personality, same scenario\n"
      "  pxelab fidelity REAL.pcap OTHER.pcap   two captures\n"
      "Known differences come from the firmware profile's [[known]] (with reasons) and --known.\n"
      "Exit status: 0 no unexplained difference, 1 differences, 2 unusable input.");
  cmd->add_option("inputs", opts->inputs, "FIRMWARE, or REAL.pcap OTHER.pcap")->required()->expected(1, 2);
  cmd->add_option("--real", opts->real_pcap, "With FIRMWARE: a capture of the real run instead of booting a VM")
      ->check(CLI::ExistingFile);
  cmd->add_option("--emulated-pcap", opts->emulated_pcap, "With FIRMWARE: write the emulated run's pcap here");
  cmd->add_option("--firmware-dir", opts->firmware_dir, "Directory of firmware profiles");
  cmd->add_option("--mac", opts->mac, "The client's MAC (default 52:54:00:12:34:56)");
  cmd->add_option("--other-mac", opts->other_mac, "The client's MAC in the second capture (default: --mac)");
  cmd->add_option("--tolerance", opts->tolerance, "Seconds two intervals may differ (default 0.5)");
  cmd->add_option("--relative", opts->relative, "... or this fraction of the real interval (default 0.25)");
  cmd->add_option("--known", opts->known, "ASPECT=REASON: a difference accepted with its reason; repeatable");
  cmd->callback([opts, &exit_code] { exit_code = run(*opts); });
}

}  // namespace pxelab::conformance
