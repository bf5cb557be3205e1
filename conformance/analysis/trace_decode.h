// Decoding a trace for the checks: one pass over sim::Trace frames that keeps, per
// frame, the L2-L4 facts (Ethernet + 802.1Q, IPv4 with fragments flagged, UDP), and
// per BOOTP/DHCP message (UDP 67/68/4011) the header, the option instances as they sit
// on the wire (area, offset, length: what order/END/overload checks need) and joined
// values (RFC 3396) on demand; per TFTP packet (port 69 requests and the transfers
// that follow on other ports, found by following the TIDs, RFC 1350 §4) the opcode,
// block and size; ARP and Wake-on-LAN (UDP 7/9, EtherType 0x0842).
//
// Frame numbers are trace indices (0-based); people see index + 1 (Wireshark's
// "frame N"): reports convert, nothing here does.
//
// Cost: records are fixed-size and live in a few flat vectors (options of all
// messages in one vector), so decoding allocates nothing per frame beyond amortised
// vector growth. Strings appear only for errors, TFTP requests (file name, options,
// parsed on demand with wire::parse_tftp) and findings. Malformed input is a decode
// error kept with the frame number (findings material), never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "conformance/analysis/big_vector.h"
#include "sim/trace.h"
#include "wire/address.h"
#include "wire/bytes.h"
#include "wire/dhcp_message.h"
#include "wire/ports.h"
#include "wire/tftp.h"

namespace pxelab::conformance {

inline constexpr std::uint16_t kNoVlan = 0xffff;
inline constexpr std::int32_t kNone = -1;

enum class FrameKind : std::uint8_t {
  kOther,      // not IPv4 / ARP / WoL, or IPv4 that is neither UDP nor a fragment
  kMalformed,  // a header did not fit (see DecodedTrace::errors)
  kArp,
  kFragment,   // an IPv4 fragment (RFC 791 §2.3): not reassembled; ports only in the first
  kUdp,        // UDP that is none of the below
  kDhcp,       // BOOTP/DHCP on 67/68/4011; `record` indexes DecodedTrace::dhcp
  kTftp,       // `record` indexes DecodedTrace::tftp
  kWol,        // magic packet (either carrier); `record` indexes DecodedTrace::wol
  kLost,       // a simulated run's frame that reached no port (every copy dropped): in
               // the numbering, but no stimulus to anyone, so not decoded further
};

struct FrameInfo {
  sim::Time time = 0;
  wire::MacAddress src_mac, dst_mac;
  wire::Ipv4Address src_ip, dst_ip;
  std::uint16_t src_port = 0, dst_port = 0;
  std::uint16_t vlan = kNoVlan;
  std::uint16_t ip_total_length = 0;  // 0: not IPv4
  std::uint16_t fragment_offset = 0;  // in 8-octet units
  bool more_fragments = false;
  bool dont_fragment = false;
  FrameKind kind = FrameKind::kOther;
  std::uint32_t size = 0;            // frame octets as captured
  std::uint32_t payload_offset = 0;  // UDP payload (or WoL payload) in the frame
  std::uint32_t payload_size = 0;
  std::int32_t record = kNone;
};

// One option instance (TLV) of a message; offsets are from the message start.
struct DhcpOptionRef {
  std::uint8_t code = 0;
  wire::dhcp::OptionArea area = wire::dhcp::OptionArea::kOptions;
  std::uint16_t offset = 0;  // of the code octet
  std::uint16_t length = 0;  // of the data
};

struct DhcpMsg {
  std::uint32_t frame = 0;
  std::uint8_t op = 0, htype = 0, hlen = 0, hops = 0;
  std::uint32_t xid = 0;
  std::uint16_t secs = 0, flags = 0;
  wire::Ipv4Address ciaddr, yiaddr, siaddr, giaddr;
  wire::MacAddress mac;   // chaddr's first 6 octets
  std::uint16_t size = 0;  // message octets (the UDP payload)
  std::uint8_t type = 0;   // option 53; 0: none (BOOTP, RFC 951)
  std::uint8_t overload = 0;
  bool cookie = false;
  bool options_end = false;  // END found in the options field
  bool file_end = true;      // END found in file, when overloaded into it
  bool sname_end = true;
  bool repeated_code = false;  // some code has several instances (RFC 3396 joining)
  std::uint32_t options_begin = 0, options_count = 0;  // into DecodedTrace::dhcp_options
  std::uint32_t joined_begin = 0, joined_count = 0;    // into DecodedTrace::joined (repeated codes)
  std::int32_t error = kNone;       // framing error (DecodedTrace::errors)
  std::int32_t length_error = kNone;  // an option length the table rejects (FW-07)
  std::int32_t transaction = kNone;   // set by group_transactions()
  std::int32_t request = kNone;       // replies: the request answered (group_transactions())
  std::uint8_t sender = 0;            // SenderBits, set by group_transactions()

  bool is_request() const { return op == wire::dhcp::kBootRequest; }
  bool is_reply() const { return op == wire::dhcp::kBootReply; }
  bool broadcast_flag() const { return (flags & wire::dhcp::kBroadcastFlag) != 0; }
};

// Who sent a DHCP message, decided once from ports and giaddr (group_transactions()).
enum SenderBits : std::uint8_t {
  kFromClient = 1,       // a request as the client sent it (port 68, or to 4011 not from 67)
  kFromServer = 2,       // a reply from a server (port 67 or 4011), not a relay passing it on
  kRelayDelivery = 4,    // a relay delivering a reply to the client (67 -> 68, from giaddr)
  kRelayForward = 8,     // a relay forwarding a request (67 -> 67)
  kBootServerPort = 16,  // a port 4011 exchange
};

struct TftpMsg {
  std::uint32_t frame = 0;
  wire::TftpOpcode opcode = wire::TftpOpcode::kData;  // valid only when error == kNone
  std::uint16_t number = 0;     // DATA/ACK block, ERROR code
  std::uint32_t data_size = 0;  // DATA octets
  std::int32_t transfer = kNone;
  bool from_server = false;
  bool foreign_tid = false;   // from a server port other than the transfer's TID
  // From, or to, a second server port that answered a repeated request: RFC 1350 §4
  // makes that another transfer (the client answers it with ERROR 5 "while not
  // disturbing the transfer"), not a change of TID or an end of this one.
  bool other_tid = false;
  std::int32_t error = kNone;
};

// A transfer: one RRQ/WRQ and what follows between the client's port and the server.
struct TftpTransferKey {
  wire::Ipv4Address client_ip;
  std::uint16_t client_port = 0;
  wire::Ipv4Address server_ip;
  bool operator==(const TftpTransferKey&) const = default;
};

struct TftpTransferRaw {
  TftpTransferKey key;
  wire::MacAddress client_mac;
  std::uint16_t server_port = wire::kTftpServerPort;  // where the request went
  std::uint16_t server_tid = 0;  // the port the server answered from; 0 before that
  std::uint32_t request_frame = 0;
  std::uint32_t request_count = 1;  // RRQ/WRQ copies (retransmissions + 1)
  std::vector<std::uint32_t> messages;  // TftpMsg indices in frame order
  std::vector<std::uint16_t> other_tids;  // server ports that answered a repeated request (other_tid)
};

struct WolMsg {
  std::uint32_t frame = 0;
  bool udp = false;
  wire::MacAddress target;
  std::int32_t error = kNone;
};

struct DecodeError {
  std::uint32_t frame = 0;
  std::string field;    // "ipv4.total_length", "dhcp.option[52].length", ...
  std::size_t offset = 0;  // from the start of the frame
  std::string message;
};

class DecodedTrace {
 public:
  explicit DecodedTrace(const sim::Trace& trace) : trace_(&trace) {}

  const sim::Trace& trace() const { return *trace_; }
  wire::ByteView frame_bytes(std::uint32_t frame) const { return trace_->frame(frame).bytes; }
  wire::ByteView payload(std::uint32_t frame) const;  // UDP (or WoL) payload

  // The message bytes of a DHCP record.
  wire::ByteView bytes(const DhcpMsg& m) const { return payload(m.frame); }
  std::span<const DhcpOptionRef> instances(const DhcpMsg& m) const {
    return {dhcp_options.data() + m.options_begin, m.options_count};
  }
  // The value of `code` joined over its instances (RFC 3396 §7); nullopt if absent.
  // Views borrow the trace (or, for a repeated code, `joined_bytes`).
  std::optional<wire::ByteView> option(const DhcpMsg& m, std::uint8_t code) const;
  bool has(const DhcpMsg& m, std::uint8_t code) const;
  // Position of `code`'s first instance among the message's instances; -1 if absent.
  int position(const DhcpMsg& m, std::uint8_t code) const;
  // A full wire::dhcp::Message (lenient: END optional, lengths unchecked), for cold
  // paths that want the Repr; the decode error otherwise.
  Result<wire::dhcp::Message> message(const DhcpMsg& m) const;
  // The parsed TFTP packet (allocates for requests/OACK/ERROR strings).
  Result<wire::TftpPacket> tftp_packet(const TftpMsg& t) const { return wire::parse_tftp(payload(t.frame)); }

  BigVector<FrameInfo> frames;
  BigVector<DhcpMsg> dhcp;
  BigVector<DhcpOptionRef> dhcp_options;
  struct Joined {
    std::uint8_t code;
    std::uint32_t begin, size;  // in joined_bytes
  };
  std::vector<Joined> joined;  // values of codes that occur more than once in a message
  wire::Bytes joined_bytes;
  BigVector<TftpMsg> tftp;
  std::vector<TftpTransferRaw> transfers;
  std::vector<WolMsg> wol;
  std::vector<DecodeError> errors;
  std::size_t arp_frames = 0;
  std::size_t fragments = 0;

 private:
  const sim::Trace* trace_;
};

struct DecodeOptions {
  // Decode the frames no port received as well (else they are kLost): a client's own
  // view of its run (client/qemu/trace_digest.h) counts what it sent, received or not.
  bool decode_lost = false;
};

// Decodes every frame of `trace`. The trace must outlive the result (views borrow).
DecodedTrace decode_trace(const sim::Trace& trace, const DecodeOptions& options = {});

}  // namespace pxelab::conformance
