// The ladder (sequence) diagram of one client as report.json data (clients[].ladder,
// conformance/REPORT.md): every DHCP, port 4011 and TFTP packet the client sent or was
// sent, in frame order, with times, addresses and ports; the DATA/ACK of a TFTP
// transfer folded into one "transfer" step (size, blocks, rate, retransmissions, how
// it ended). report.html draws it; a person can read it as is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "conformance/checks/catalogue.h"

namespace pxelab::conformance {

// Steps per client beyond which the ladder is cut (`ladder_cut` says how many were left).
inline constexpr std::size_t kLadderSteps = 200;
// Clients given a ladder (in the order of Grouping::clients); later ones get null.
inline constexpr std::size_t kLadderClients = 1000;

// An ICMP error (RFC 792) about a UDP datagram: "destination unreachable" (type 3: code
// 3 port, 1 host, 0 net, 13 prohibited) or "time exceeded" (11), with the addresses
// and ports of the datagram it quotes. A TFTP request answered this way is not "no
// answer": it is the usual sign that a firmware picked the wrong TFTP host (FW-37).
struct IcmpError {
  std::uint32_t frame = 0;  // 0-based
  wire::Ipv4Address sender;
  wire::MacAddress sender_mac;
  std::uint8_t type = 0, code = 0;
  wire::Ipv4Address quoted_src, quoted_dst;
  std::uint16_t quoted_src_port = 0, quoted_dst_port = 0;
};
// Every ICMP error quoting a UDP datagram, in frame order (one pass over the frames).
std::vector<IcmpError> icmp_errors(const DecodedTrace& d);
// "ICMP port unreachable", "ICMP host unreachable", "ICMP type 11 code 0", ...
std::string icmp_name(const IcmpError& e);

// {"steps": [...], "cut": N} for grouping client `client` of `run`; `icmp` (from
// icmp_errors) adds the errors quoting the client's TFTP requests as steps.
nlohmann::json ladder_json(const AnalyzedRun& run, std::size_t client, std::span<const IcmpError> icmp = {});

}  // namespace pxelab::conformance
