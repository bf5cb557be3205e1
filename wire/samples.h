// Reference frames that pxelab's encoders emit, each with the field values that an
// independent decoder (Wireshark's dissectors, through tshark) must report for it.
// ci/e2e/test_tshark_agrees.py writes them to a pcap with `pxelab_wire_samples` and
// compares, so every frame type pxelab emits is checked by a second decoder.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "wire/bytes.h"

namespace pxelab::wire {

struct Sample {
  std::string name;  // unique, e.g. "tftp-rrq-options"
  Bytes frame;       // a whole Ethernet frame, as pxelab emits it
  // tshark field name (as `tshark -T json` prints it, e.g. "dhcp.option.value",
  // "tftp.opcode") -> the value tshark must show. A field that occurs more than once
  // in a frame matches if any occurrence equals the value.
  std::vector<std::pair<std::string, std::string>> fields;
};

// Ethernet (+802.1Q), ARP, IPv4, UDP, TFTP (every opcode and option), Wake-on-LAN
// (UDP and EtherType 0x0842, with and without password). Defined in l2l4_samples.cc.
std::vector<Sample> l2l4_samples();

// BOOTP, DHCP message types, PXE options (43 sub-options, 60, 93, 94, 97), 77, 82,
// 175, overload (52), long options (RFC 3396). Defined in dhcp_samples.cc.
std::vector<Sample> dhcp_samples();

}  // namespace pxelab::wire
