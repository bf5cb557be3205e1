// The pxelab command line: one binary, one subcommand per job.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "cli/bench_command.h"
#include "cli/check_command.h"
#include "cli/fidelity_command.h"
#include "cli/image_command.h"
#include "cli/huge_pages.h"
#include "cli/qemu_command.h"
#include "cli/replay_command.h"
#include "cli/report_command.h"
#include "cli/conform_command.h"
#include "cli/run_command.h"
#include "cli/serve_command.h"
#include "cli/tftp_get_command.h"
#include "cli/wake_command.h"
#include "pxelab_git_commit.h"  // generated at build time: PXELAB_GIT_COMMIT

namespace {

constexpr const char* kDescription =
    "pxelab - simulation and conformance test harness for network boot (PXE).\n"
    "\n"
    "A virtual network (virtual time, faults, pcap of every frame) drives a\n"
    "reference boot server (BOOTP/DHCP, proxyDHCP, TFTP) and emulated ROM clients\n"
    "through scripted boot scenarios, and checks the traffic against the RFCs and\n"
    "the PXE specification.\n";

constexpr const char* kFooter =
    "\nExamples:\n"
    "  pxelab version                 print version and build facts\n"
    "  pxelab run conformance/scenarios/quickstart.toml\n"
    "                                 run a boot scenario: run.pcapng, report.json/.html, junit.xml\n"
    "  pxelab bench                   run the simulator benchmarks and print figures\n"
    "  pxelab bench --quick           the same, smaller (seconds, for smoke tests)\n"
    "  pxelab serve -c server.toml --interface eth1\n"
    "                                 the reference boot server on a real link\n"
    "  pxelab tftp-get 192.0.2.1 pxelinux.0 --windowsize 16\n"
    "                                 fetch a file with a windowed TFTP client\n"
    "  pxelab qemu seabios-ipxe --pcap boot.pcap\n"
    "                                 boot real firmware under QEMU against the server\n"
    "  pxelab check boot.pcap --json report.json\n"
    "                                 conformance checks over a capture\n"
    "  pxelab replay field.pcap --server server.toml\n"
    "                                 replay a capture's clients, diff every answer\n"
    "  sudo pxelab conform --sut dnsmasq --out runs/dnsmasq\n"
    "                                 the conformance suite against your server\n"
    "  pxelab report matrix runs/dnsmasq runs/kea --md matrix.md\n"
    "                                 check x server table (report merge: join shards)\n"
    "  pxelab image create host.img --size 1440 --boot-sector BIN --from DIR\n"
    "                                 build a boot floppy (ls, cat, add, check, ...)\n"
    "  pxelab SUBCOMMAND --help       details of one subcommand\n"
    "\nExit status: 0 success, 1 a job failed, 2 usage error.\n";

}  // namespace

int main(int argc, char** argv) {
  pxelab::conformance::reexec_bench_with_huge_pages(argc, argv);  // bench only: cli/huge_pages.h
  CLI::App app{kDescription, "pxelab"};
  app.footer(kFooter);
  app.require_subcommand(1);
  app.fallthrough(false);

  auto* version = app.add_subcommand("version", "Print the version, commit and build type");
  version->callback([] {
    fmt::print("pxelab {} (commit {}, {} build)\n", PXELAB_VERSION, PXELAB_GIT_COMMIT, PXELAB_BUILD_TYPE);
  });

  int exit_code = 0;
  pxelab::conformance::add_bench_command(app, exit_code);
  pxelab::conformance::add_check_command(app, exit_code);
  pxelab::conformance::add_run_command(app, exit_code,
                                       std::string("pxelab ") + PXELAB_VERSION + " (commit " + PXELAB_GIT_COMMIT + ")");
  pxelab::conformance::add_replay_command(app, exit_code,
                                          std::string("pxelab ") + PXELAB_VERSION + " (commit " + PXELAB_GIT_COMMIT + ")");
  pxelab::conformance::add_conform_command(app, exit_code,
                                           std::string("pxelab ") + PXELAB_VERSION + " (commit " + PXELAB_GIT_COMMIT + ")");
  pxelab::conformance::add_report_command(app, exit_code);
  pxelab::conformance::add_serve_command(app, exit_code);
  pxelab::conformance::add_tftp_get_command(app, exit_code);
  pxelab::conformance::add_qemu_command(app, exit_code);
  pxelab::conformance::add_fidelity_command(app, exit_code);
  pxelab::conformance::add_image_command(app, exit_code);
  pxelab::conformance::add_wake_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  return exit_code;
}
