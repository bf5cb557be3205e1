// A SUT profile: how to run one kind of server under test, as data (profiles/*.toml,
// every key documented in profiles/README.md). Loaded by load_profile (profile_toml.cc).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "wire/result.h"

namespace pxelab::sut {

// What the server claims to do. A check or scenario that needs a capability the profile
// does not claim is "not applicable" with the reason, never "fail".
struct Capabilities {
  bool dhcp = true;              // full DHCP with a pool
  bool proxy_dhcp = false;       // proxyDHCP beside another DHCP server (PXE 2.1 §2.2.2)
  bool boot_server_4011 = false; // PXE boot server on UDP 4011
  bool bootp = false;            // BOOTP replies (RFC 951) to known hosts
  bool relay_option82 = false;   // relayed requests (giaddr) and option 82 echoed (RFC 3046)
  bool host_table = true;        // fixed addresses and per-host boot files
  bool arch_boot_files = true;   // boot file chosen by option 93
  bool ipxe_script = true;       // a script for clients already running iPXE (FW-44)
  bool menus = false;            // PXE boot menus (43.9/43.10)
  bool tftp = true;
  bool uploads = false;          // TFTP WRQ
  std::vector<std::string> tftp_options;  // of blksize, tsize, timeout, windowsize
  bool has_tftp_option(const std::string& o) const;
  // Whether the profile claims `name`: one of the flags above by its key
  // ("proxy_dhcp", "bootp", ...) or a TFTP option ("windowsize"); nullopt if `name` is
  // neither (a scenario's `requires` that names nothing).
  std::optional<bool> claims(const std::string& name) const;
};

// Readiness: not a sleep. Every listed UDP port is bound inside the namespace, and/or
// a line of the process's log matches `log`; within `timeout_s`.
struct ReadyProbe {
  std::vector<int> udp_ports;
  std::string log;
  double timeout_s = 10;
};

struct ProcessProfile {
  std::string name;
  std::vector<std::string> command;   // templates, rendered per run
  std::vector<std::string> validate;  // the server's own config check, run before start
  ReadyProbe ready;
  int stop_signal = 15;
  double stop_grace_s = 5;
};

struct ConfigTemplate {
  std::string file;  // written in the run directory under this name
  std::string text;  // the template (template.h)
  int line = 0;      // where it starts in the profile (template errors point there)
};

struct Profile {
  std::string source;  // the file
  std::string name;
  std::string description;
  // "template" (default): [[config]] files rendered from the scenario's server model.
  // "command": the user gives the command lines and one config file (--config, named
  // {{user_config}}); nothing is rendered from the model, so [[config]] is refused and
  // a run without --config stops at step render (issue 10, "command").
  std::string kind = "template";
  std::vector<std::string> packages;  // Debian packages it runs from (documentation, matrix)
  std::vector<std::string> modes;     // of "dhcp", "proxy": server models it can render
  std::vector<ConfigTemplate> configs;
  std::vector<ProcessProfile> processes;  // started in order; each ready before the next
  std::vector<std::string> logs;      // more files to keep (templates: {{run_dir}}/x.log)
  Capabilities capabilities;
};

Result<Profile> parse_profile(std::string_view text, const std::string& source);
Result<Profile> load_profile(const std::string& path);
// A shipped profile by name ("dnsmasq") from `dir`, or a path to a profile file.
Result<Profile> find_profile(const std::string& name_or_path, const std::string& dir);
std::vector<std::string> shipped_profile_names(const std::string& dir);

}  // namespace pxelab::sut

namespace pxelab::sut {
// $PXELAB_SUT_PROFILE_DIR, else the source tree's conformance/sut/profiles.
std::string default_profile_dir();
}  // namespace pxelab::sut
