// `pxelab wake`: Wake-on-LAN magic packets (wire/wol.h) sent on a real link, now.
// UDP (to a directed or limited broadcast, port 9 by default; no root needed) or a raw
// EtherType 0x0842 frame on an interface (AF_PACKET: root or CAP_NET_RAW).
#pragma once

#include <CLI/CLI.hpp>

namespace pxelab::conformance {

void add_wake_command(CLI::App& app, int& exit_code);

}  // namespace pxelab::conformance
