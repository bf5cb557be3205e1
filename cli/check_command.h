// `pxelab check CAPTURE`: the check catalogue over a real capture (pcap or pcapng,
// Ethernet or Linux cooked v1/v2, with or without 802.1Q tags). Prints per-client
// timelines, firmware fingerprints and the findings; writes report.json / junit.xml
// on request.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace pxelab::conformance {

// Exit status of `pxelab check`.
inline constexpr int kCheckOk = 0;          // no MUST-level failure
inline constexpr int kCheckMustFailed = 1;  // at least one MUST check failed
inline constexpr int kCheckUsage = 2;       // usage error, unreadable or empty capture
inline constexpr int kCheckDamaged = 3;     // capture cut or corrupt: the frames before the damage were analysed

struct CheckOptions {
  std::string capture;
  std::string json_path;
  std::string junit_path;
  std::string only;
  std::string out_dir;        // --out: report.json, junit.xml, report.html, annotated.pcapng
  std::string annotate_path;  // --annotate: the capture as pcapng with findings as comments
  bool quiet = false;
  bool list = false;
  bool timing = false;
  std::string tool = "pxelab";  // version text for reports
};

// Runs the command; returns the exit status. Output to stdout, errors to stderr.
int run_check_command(const CheckOptions& options);

void add_check_command(CLI::App& app, int& exit_code);

}  // namespace pxelab::conformance
