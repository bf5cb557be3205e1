// --emit-scenario: a scenario (TOML text, the format of conformance/scenarios/README.md)
// that reproduces a field failure without the capture, so it can live in a regression
// suite:
// - one [[server]], a reference server configured as the field DHCP server behaved:
//   its address, the subnet and pool its answers imply (1, 3, the yiaddrs seen), the
//   boot file per architecture it handed out to ROMs (file / 67 by option 93), what it
//   handed a chainloaded iPXE (ipxe_script), option 66, the
//   files it served at their sizes, 67 without its NUL when the field's had none
//   (FW-38); its misbehaviour through [faults]: every fault of
//   server/faults.h whose check failed on the field capture, plus tftp_no_tsize when it
//   answered a tsize request without tsize (FW-24);
// - one [[client]] group per ROM personality the field clients fingerprinted as (the
//   first identity of each MAC: a loader behind it is its stage 2, FW-15), as many
//   clients as MACs;
// - [expect] checks_fail: the checks that failed on the field capture (the clients'
//   too: the emulated personality fails them as the field ROM did).
// What cannot be reproduced (an unknown fingerprint, a proxy beside the DHCP server) is
// said in a comment at the top, never silently dropped.
#pragma once

#include <string>

#include "conformance/replay/replay_report.h"
#include "conformance/replay/replay_run.h"
#include "server/config.h"

namespace pxelab::conformance::replay {

Result<std::string> emit_scenario(const ReplayResult& r, const ReplayMeta& meta);

}  // namespace pxelab::conformance::replay
