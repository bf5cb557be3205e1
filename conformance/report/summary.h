// What people read: per-client facts taken from the wire (DORA time, proxy, TFTP file,
// size, throughput, retransmissions, fingerprint), and the text summary of a run
// (clients booted per personality, p50/p99 boot time, failures by code, findings by
// level, then the failing checks with their frames). Frame numbers are printed
// 1-based ("frame N", as Wireshark shows them).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "conformance/checks/catalogue.h"
#include "conformance/checks/check.h"
#include "conformance/analysis/fingerprint.h"

namespace pxelab::conformance {

// Facts about a run that are not in the Run itself.
struct RunMeta {
  std::string kind = "capture";  // "capture" or "scenario"
  std::string source;            // capture path or scenario file
  std::string scenario;          // scenario name ("" for a capture)
  std::optional<std::uint64_t> seed;
  std::string tool;              // "pxelab 0.1.0 (commit ...)"
  std::string read_error;        // capture damage, if any ("" when whole)
};

// The ICMP error (RFC 792) that answered a TFTP request: a host on that address with
// no TFTP listener (port unreachable), or no such host (host unreachable) - the usual
// sign that the firmware picked the wrong TFTP host (FW-37).
struct IcmpFacts {
  std::string what;  // "ICMP port unreachable" (icmp_name)
  wire::Ipv4Address sender;
  wire::MacAddress sender_mac;
  std::uint32_t frame = 0;  // 0-based
};

struct TransferFacts {
  std::string file;
  wire::Ipv4Address server;
  std::uint64_t bytes = 0;
  std::optional<std::uint64_t> tsize;
  double seconds = 0;
  double bytes_per_second = 0;
  std::uint32_t blksize = 512, windowsize = 1;
  std::uint32_t retransmissions = 0;  // DATA resent + ACK resent + requests resent
  // "complete", "ERROR 1 from server", ..., "no answer"; a request answered only by an
  // ICMP error reads "ICMP port unreachable from 192.0.2.2 (MAC) in frame N" instead.
  std::string end;
  std::uint32_t request_frame = 0;
  std::optional<IcmpFacts> icmp;  // the first ICMP error quoting one of its requests
};

// One identity of a machine: the DHCP fields of its DISCOVERs from `first_frame` on,
// until they change - a ROM, then the loader it chainloaded (EDK2 -> iPXE EFI, iPXE ROM
// -> pxelinux's own stack, U-Boot -> its EFI loader) under the same MAC.
struct IdentityFacts {
  std::uint32_t first_frame = 0;  // 0-based
  std::uint32_t xid = 0;
  Identity identity;
  Fingerprint fp;
};

struct ClientFacts {
  wire::MacAddress mac;
  std::optional<Identity> identity;
  std::optional<Fingerprint> fp;
  std::optional<sim::Time> first_discover, offer, ack, proxy_offer, boot_ack;
  std::optional<std::uint32_t> first_discover_frame;
  std::optional<wire::Ipv4Address> address, dhcp_server, proxy_server;
  std::string boot_file;
  // Some non-proxy OFFER or ACK named a boot file (file field or option 67): what EDK2
  // needs before it even REQUESTs (it skips a DHCP-only offer when no proxy offer came).
  bool boot_file_offered = false;
  std::optional<wire::Ipv4Address> offer_server;  // the first OFFER's sender (54, else IP source)
  // The first port-4011 request and reply, "ip:port -> ip:port" each (FW-16 to FW-18
  // are about these ports); empty when none.
  std::string boot_request_route, boot_reply_route;
  std::uint32_t discovers = 0, requests = 0;  // sent (retransmissions = count - 1 per phase)
  std::vector<TransferFacts> transfers;
  // Every identity in frame order; [0] is the first DISCOVER's (identity and fp above).
  std::vector<IdentityFacts> identities;
};

// "nothing to boot: ..." for a PXE client no server gave anything to boot (no boot file
// in any OFFER/ACK, no proxy offer, no 4011 ACK, no TFTP read): why, and what its
// firmware does next (by fingerprint). nullopt otherwise.
std::optional<std::string> nothing_to_boot(const ClientFacts& c);

std::vector<ClientFacts> client_facts(const AnalyzedRun& run, std::span<const Reference> references);

// "1.234 s", "12 ms"
std::string seconds_text(double s);

// The summary table and failing checks; `verbose` adds per-client timelines.
std::string text_summary(const Run& run, const AnalyzedRun& analyzed, std::span<const CheckResult> results,
                         const std::vector<ClientFacts>& clients, const RunMeta& meta, bool verbose);

// Must-level failures (what decides exit status 1).
std::size_t must_failures(std::span<const CheckResult> results);

}  // namespace pxelab::conformance
