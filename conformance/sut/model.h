// The scenario's one server model (a server::ServerConfig, the same file the reference
// server reads) as template values for a SUT profile's config files. Every name is
// listed in profiles/README.md ("Template names"). Values are plain text; lists hold
// scopes; flags are "1" or "" (for {{#flag}} / {{^flag}}).
#pragma once

#include <string>

#include "conformance/sut/template.h"
#include "server/config.h"
#include "wire/result.h"

namespace pxelab::sut {

struct RunPaths {
  std::string run_dir;    // the run's directory (configs, leases, pid files, logs)
  std::string tftp_root;  // the TFTP root made for the run
  std::string interface;  // the bridge in the namespace
  std::string user_config;  // --config FILE, copied into the run directory ("" if none)
  std::string pxelab = "";  // the running pxelab binary (the pxelab-serve profile runs it)
};

// Fails on what the model cannot say to a third-party server (no subnet holding the
// server's address, a relayed subnet with other than one pool): a named set-up error,
// never a silently different server.
Result<TemplateScope> server_model_scope(const server::ServerConfig& c, const RunPaths& paths);

}  // namespace pxelab::sut
