// A capture turned into what each client did: per MAC, the requests it sent in frame
// order (DHCP/BOOTP to 67, PXE requests to 4011, TFTP read requests with how the
// client led each transfer) and, for every request, what the field server answered.
// This is the input of the reactive replay (replay_agent.h) and of the answer diff
// (answer_diff.h): it is plain data, made from the trace decoder and grouping of
// conformance/analysis, and owns its bytes (the capture may be dropped afterwards).
//
// A MAC is one client even when several identities used it (a ROM, then the iPXE it
// chainloaded, FW-15): their requests stay in one script, in order, each with the
// fingerprint of the DISCOVER that opened its identity.
// ARP is counted, not replayed: the replaying host's own ARP resolves and answers as
// the client's stack did (sim::Host), which keeps ARP reactive for free.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "conformance/analysis/fingerprint.h"
#include "conformance/analysis/trace_decode.h"
#include "conformance/analysis/transactions.h"
#include "sim/time.h"
#include "wire/address.h"
#include "wire/bytes.h"
#include "wire/ports.h"

namespace pxelab::conformance::replay {

// One answer the field server gave to a request (a DHCP reply), as on the wire.
struct FieldAnswer {
  std::uint32_t frame = 0;  // capture index (0-based)
  wire::Bytes message;      // the BOOTP/DHCP message (UDP payload)
  wire::Ipv4Address src_ip, dst_ip;
  std::uint16_t src_port = 0, dst_port = 0;
  wire::MacAddress dst_mac;
};

// How the client led a TFTP read in the field (what the replay repeats, RFC 1350 §6).
enum class TftpLead : std::uint8_t {
  kAckAll,          // it acknowledged every block (or the trace ended mid-transfer)
  kErrorAfterOack,  // it answered the OACK with an ERROR: the UEFI tsize probe (FW-04)
  kErrorAfterData,  // it sent ERROR after DATA block `last_block`
  kStopAfterData,   // it fell silent after acknowledging block `last_block`
};
std::string_view to_string(TftpLead lead);

// What the field TFTP server answered an RRQ with (the first answer).
struct TftpFieldAnswer {
  enum class Kind : std::uint8_t { kNone, kOack, kData, kError } kind = Kind::kNone;
  std::uint32_t frame = 0;
  wire::TftpOptions oack;  // kOack
  std::uint16_t error_code = 0;
  std::string error_message;
  std::uint16_t src_port = 0;  // the server's TID
  std::uint16_t dst_port = 0;  // the client port it answered
  wire::Ipv4Address src_ip;
  // The whole transfer as the field saw it.
  std::uint64_t bytes = 0, blocks = 0;
  std::uint32_t blksize = 512, windowsize = 1;
  std::string end;  // "complete", "error", "incomplete", "no answer"
  // The file itself when a read completed and it is small (a script, a menu): what an
  // emitted scenario serves so that a loader reading it behaves as in the field.
  std::optional<wire::Bytes> content;
};
inline constexpr std::uint64_t kKeptContentLimit = 4096;

enum class StepKind : std::uint8_t { kDhcp, kBootServer, kTftp };

struct Step {
  StepKind kind = StepKind::kDhcp;
  std::uint32_t frame = 0;  // the request's capture index
  sim::Time at = 0;         // from the client's first request
  sim::Time settled = 0;    // from the client's first request: the step's last field frame
  // DHCP / 4011: the request as sent.
  wire::Bytes message;
  std::uint8_t type = 0;  // option 53 (0: BOOTP)
  std::uint32_t xid = 0;
  wire::Ipv4Address src_ip, dst_ip;
  std::uint16_t src_port = 0, dst_port = 0;
  std::vector<FieldAnswer> answers;  // in frame order
  // TFTP.
  wire::Bytes rrq;  // the first RRQ as sent
  std::string filename;
  wire::Ipv4Address tftp_server;  // where the field client sent it
  std::uint16_t tftp_server_port = wire::kTftpServerPort;
  TftpLead lead = TftpLead::kAckAll;
  std::uint64_t last_block = 0;   // kErrorAfterData / kStopAfterData (counts past 65535)
  std::uint32_t final_ack_repeats = 0;  // the last ACK sent again (dallying, RFC 1350 §6)
  sim::Time final_ack_gap = 0;          // after the first one
  std::uint16_t error_code = 0;   // the client's ERROR (kErrorAfter*)
  std::string error_message;
  TftpFieldAnswer tftp_answer;
};

struct ClientIdentity {
  std::uint32_t frame = 0;  // the DISCOVER (or first request) that opened it
  Identity identity;
  Fingerprint fp;
};

struct ClientScript {
  wire::MacAddress mac;
  sim::Time start = 0;  // the first request's capture time
  std::vector<Step> steps;
  std::vector<ClientIdentity> identities;  // in order; a ROM then its loader (FW-15)
  std::size_t arp_frames = 0;              // ARP the client sent (not replayed)
};

struct ScriptOptions {
  std::vector<wire::MacAddress> only;  // empty: every client
};

// The per-client scripts of a decoded and grouped capture. Requests a relay forwarded
// are not the client's own and are skipped; a client with no request of its own (only
// relayed copies seen) has no script.
std::vector<ClientScript> extract_scripts(const DecodedTrace& d, const Grouping& g, std::span<const Reference> references,
                                          const ScriptOptions& options = {});

// A DHCP reply as it sits in a decoded trace.
FieldAnswer answer_of(const DecodedTrace& d, const DhcpMsg& reply);

// The size the field server served a TFTP step's file at (OACK tsize, else the bytes of
// a complete transfer, else a lower bound); nullopt when it refused, never answered or
// the capture does not show a size (an OACK without tsize the client aborted, FW-24).
std::optional<std::uint64_t> served_size(const Step& step);
// The field server answered the read with OACK or DATA (it had the file).
bool served(const Step& step);
// The size to give a file the field served at no size the capture shows.
inline constexpr std::uint64_t kUnknownFileSize = 65536;

// "DISCOVER xid 0x1a2b3c4d", "REQUEST xid ... to 4011", "RRQ pxelinux.0"
std::string describe(const Step& step);

}  // namespace pxelab::conformance::replay
