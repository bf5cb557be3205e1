// The in-process reference boot server (server/boot_server.h) as a ScenarioServer,
// on either clock. Each start() after a stop() is a fresh BootServer on a fresh port
// of the site's segment (a stopped one stays, powered off, so events scheduled for it
// never dangle): its leases come back from its journal, its TFTP state does not.
#pragma once

#include <memory>

#include "conformance/scenario/scenario_server.h"
#include "server/boot_server.h"
#include "server/config.h"

namespace pxelab::conformance {

std::unique_ptr<ScenarioServer> make_reference_server(ServerSite site, server::ServerConfig config,
                                                      server::BootServerOptions options);

}  // namespace pxelab::conformance
