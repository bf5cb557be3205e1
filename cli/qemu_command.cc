#include "cli/qemu_command.h"

#include <memory>
#include <string>

#include <fmt/core.h>

#include "captures/pcap_writer.h"
#include "client/qemu/firmware_profile.h"
#include "conformance/scenario/qemu_run.h"

namespace pxelab::conformance {

namespace {

constexpr const char* kHelp =
    "Boot one real firmware under QEMU (TCG, no root) against the reference boot server\n"
    "in the simulator. The VM's NIC is a QemuPort (-netdev dgram over a unix socket in a\n"
    "private temporary directory); the TFTP root is assembled from the Debian package\n"
    "files the profile names; the host table has the VM's MAC as host LABEL (192.0.2.10).\n"
    "The VM is killed at its boot marker, at its failure text or at the deadline, and\n"
    "nothing is left behind (process, sockets, vars copy).\n";

constexpr const char* kFooter =
    "\nFirmware profiles are client/qemu/firmware/*.toml (or --firmware-dir / $PXELAB_FIRMWARE_DIR).\n"
    "Output: one 'key: value' line each for firmware, status, code, text, seconds, address,\n"
    "boot_file, images, discovers, frames, pcap.\n"
    "Exit status: 0 booted (marker seen), 1 failed or deadline, 2 usage error or QEMU /\n"
    "the firmware package missing (the message names the Debian package).\n";

struct QemuOptions {
  std::string firmware;
  std::string firmware_dir;
  std::string pcap;
  bool trim = false;
  double deadline = 0;
  bool no_server = false;
  std::string keep;
  std::string mac = "52:54:00:12:34:56";
  std::string hostname = "lab01";
  bool udp = false;
  std::vector<std::string> taps;
};

int run(const QemuOptions& o) {
  std::string dir = o.firmware_dir.empty() ? client::qemu::default_profile_dir() : o.firmware_dir;
  auto profile = client::qemu::find_firmware_profile(dir, o.firmware);
  if (!profile) {
    fmt::print(stderr, "pxelab qemu: {}\n", profile.error().to_string());
    return 2;
  }
  auto missing = client::qemu::missing_requirements(*profile);
  if (!missing.empty()) {
    fmt::print(stderr, "pxelab qemu: cannot run {}: missing", profile->id);
    for (const auto& m : missing) fmt::print(stderr, "\n  {}", m);
    fmt::print(stderr, "\n(ci/setup installs them: apt-get install the packages named)\n");
    return 2;
  }
  QemuRunOptions ro;
  auto mac = wire::MacAddress::parse(o.mac);
  if (!mac) {
    fmt::print(stderr, "pxelab qemu: --mac {}: not a MAC address\n", o.mac);
    return 2;
  }
  ro.mac = *mac;
  ro.hostname = o.hostname;
  ro.deadline_seconds = o.deadline;
  ro.server = !o.no_server;
  ro.keep_dir = o.keep;
  ro.taps = o.taps;
  ro.transport = o.udp ? sim::QemuPort::Transport::kUdp : sim::QemuPort::Transport::kUnix;
  auto r = run_qemu_boot(*profile, ro);
  if (!r) {
    fmt::print(stderr, "pxelab qemu: {}\n", r.error().to_string());
    return 1;
  }
  const auto& out = r->outcome;
  fmt::print("firmware: {}\n", profile->id);
  fmt::print("status: {}\n", client::to_string(out.status));
  fmt::print("code: {}\n", out.code);
  fmt::print("text: {}\n", out.text);
  fmt::print("seconds: {}\n", r->seconds ? fmt::format("{:.2f}", *r->seconds) : std::string("-"));
  fmt::print("expected_seconds: {}\n", profile->expected_seconds);
  if (out.timeline.power_on && out.timeline.first_discover) {
    fmt::print("first_discover: {:.2f}\n", sim::to_seconds(*out.timeline.first_discover - *out.timeline.power_on));
  }
  fmt::print("address: {}\n", out.address ? out.address->to_string() : std::string("-"));
  fmt::print("boot_file: {}\n", out.boot_file);
  std::string images;
  for (const auto& i : out.images) images += (images.empty() ? "" : " ") + i.name + "(" + std::to_string(i.size) + ")";
  fmt::print("images: {}\n", images);
  fmt::print("discovers: {}\n", r->digest.sent(wire::dhcp::MessageType::kDiscover).size());
  fmt::print("frames: {}\n", r->trace.frame_count());
  if (r->interrupted) fmt::print("interrupted: yes\n");
  if (!o.pcap.empty()) {
    const sim::Trace* t = &r->trace;
    sim::Trace trimmed;
    if (o.trim && out.timeline.done) {
      trimmed = trim_trace(r->trace, *out.timeline.done);
      t = &trimmed;
    }
    if (auto st = captures::write_pcap(*t, o.pcap); !st) {
      fmt::print(stderr, "pxelab qemu: pcap: {}\n", st.error().to_string());
      return 1;
    }
    fmt::print("pcap: {} ({} frames)\n", o.pcap, t->frame_count());
  }
  return out.status == client::BootStatus::kBooted ? 0 : 1;
}

}  // namespace

void add_qemu_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<QemuOptions>();
  auto* cmd = app.add_subcommand("qemu", "Boot a real firmware under QEMU against the reference server (simulated wire)");
  cmd->description(kHelp);
  cmd->footer(kFooter);
  cmd->add_option("firmware", opts->firmware, "Firmware profile id (seabios-ipxe, ovmf-x64, ovmf-x64-ipxe, uboot...)")
      ->required();
  cmd->add_option("--pcap", opts->pcap, "Write every frame of the run to this pcap");
  cmd->add_flag("--trim", opts->trim, "Cut the pcap at the outcome (the boot only)");
  cmd->add_option("--deadline", opts->deadline, "Seconds before the VM is killed (default: the profile's)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--no-server", opts->no_server, "Nobody answers: see the firmware's own failure");
  cmd->add_option("--keep", opts->keep, "Copy console, QEMU log, command, server log and TFTP root here");
  cmd->add_option("--mac", opts->mac, "The VM's MAC (default 52:54:00:12:34:56)");
  cmd->add_option("--hostname", opts->hostname, "Its host name in the server's table (default lab01)");
  cmd->add_option("--firmware-dir", opts->firmware_dir, "Directory of firmware profiles");
  cmd->add_option("--tap", opts->taps,
                  "Also join this TAP device to the VM's segment (root; a real server behind it); repeatable");
  cmd->add_flag("--udp", opts->udp, "Loopback UDP instead of unix sockets between pxelab and QEMU");
  cmd->callback([opts, &exit_code] { exit_code = run(*opts); });
}

}  // namespace pxelab::conformance
