// Deliberate misbehaviour of the reference server: the `[faults]` table of its
// configuration. Each switch breaks one rule the check catalogue judges, so that
//  - mutation tests can show every MUST server check failing against a broken server
//    (issue "scenarios, checks and reports": proof that a check can fail), and
//  - interop scenarios can reproduce field failures (FW-13, FW-24, FW-25, FW-37, FW-39).
// With no switch on, the reference server is unchanged. The table is explicit: a key,
// what it does, and the check it is meant to break.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "wire/dhcp_message.h"
#include "wire/frame.h"

namespace pxelab::server {

enum class Fault : std::uint8_t {
  // ---- DHCP/BOOTP replies -----------------------------------------------------------
  kWrongXid,             // xid + 1 (no client recognises its replies)
  kReplyHops,            // replies carry hops 1 (a server sets 0)
  kOfferCiaddr,          // OFFER carries ciaddr = yiaddr
  kNakYiaddr,            // NAK carries yiaddr = the requested address
  kNoServerId,           // no option 54 in any reply
  kInformLeaseTime,      // ACK to INFORM carries 51 and yiaddr
  kEchoClientOptions,    // 55 and 57 copied from the request into the reply
  kAlterClientId,        // option 61 echoed with its last octet changed
  kIgnoreBroadcastFlag,  // unicast to yiaddr at chaddr although the client set 0x8000
  kUnicastNak,           // NAK unicast to the client's MAC and requested address
  kInitRebootAckAny,     // INIT-REBOOT REQUEST for any address is ACKed
  kAnswerOtherServer,    // a REQUEST naming another server is ACKed anyway
  kRenewBroadcast,       // ACK to a RENEWING REQUEST broadcast
  kMissingEnd,           // no END option
  kOverloadMissingEnd,   // overloaded file/sname fields without END
  kIgnoreMaxSize,        // replies exceed the client's 57 / 576 (no overload, no shedding)
  kBootpShort,           // BOOTREPLY without the 64-octet vendor area (236 octets)
  kRelay82First,         // option 82 echoed first, not last
  kProxyNoPxeClient,     // proxy offers without option 60 "PXEClient"
  kWrongArchFile,        // EFI clients get a BIOS NBP name (and BIOS clients an .efi)
  kBootServerNoFile,     // port 4011 ACKs without a boot file
  kPxe43OnlyListed,      // 43.6 bit 2 (only listed servers) without 43.8
  kMenuLocalServer,      // 43.8 lists a boot server for type 0 (local boot)
  kDuplicateOffer,       // every OFFER sent twice (DHCP-DUP-OFFER)
  kNoSiaddr,             // siaddr 0, the TFTP server only in option 66 (FW-37)
  kEchoPxeClient,        // 60 "PXEClient" in every reply to a PXE client (FW-39)
  kBootServerReplyBroadcast,  // 4011 ACKs to 255.255.255.255:68, not the request's source (FW-18, FW-46)
  // ---- TFTP -------------------------------------------------------------------------
  kTftpReplyFrom69,      // transfers answer from port 69, not a new TID
  kTftpNoFinalEmptyBlock,// a file that is a multiple of blksize ends without 0-octet DATA
  kTftpSorcerer,         // a duplicate ACK resends the window
  kTftpOackExtraOption,  // OACK adds tsize when it was not asked (FW-25)
  kTftpOackBlksizeLarger,// OACK blksize = requested + 8
  kTftpWrongTsize,       // OACK tsize = size + 1
  kTftpChangeTimeout,    // OACK timeout = requested + 1
  kTftpWindowLarger,     // OACK windowsize = requested + 1
  kTftpOackPadding,      // OACK followed by two zero octets
  kTftpErrorRepeat,      // every ERROR sent twice
  kTftpServeDotDot,      // '..' components dropped and the file served
  kTftpOversizeData,     // OACK blksize halves the negotiated one; DATA keeps the full size
  kTftpNoTsize,          // OACK never carries tsize (FW-24)
  kCount,
};

struct FaultInfo {
  Fault fault;
  std::string_view key;     // in [faults]
  std::string_view breaks;  // the check it makes fail ("" when it is an interop knob)
  std::string_view what;
};

// Every fault, in enum order.
std::span<const FaultInfo> fault_table();
const FaultInfo* find_fault(std::string_view key);

struct Faults {
  std::uint64_t on = 0;
  std::uint32_t offer_delay_ms = 0;  // OFFERs (proxy offers too) leave this late (FW-13)

  bool has(Fault f) const { return (on >> static_cast<unsigned>(f)) & 1u; }
  void set(Fault f) { on |= std::uint64_t{1} << static_cast<unsigned>(f); }
  bool any() const { return on != 0 || offer_delay_ms != 0; }
};

// ---- The relay agent (server/dhcp_relay.h) --------------------------------------------
// Switched on by name in a scenario's [[relay]] `faults = [...]`, so that the MUST relay
// checks are seen failing end to end against a broken relay (ci/e2e/test_mutations.py)
// as the server's are against a broken server.
enum class RelayFault : std::uint8_t {
  kDecrementHops,        // hops decremented like an IP TTL, not incremented (0 becomes 255)
  kUnicastFlagged,       // replies unicast to yiaddr at chaddr although the broadcast flag is set
  kCount,
};

struct RelayFaultInfo {
  RelayFault fault;
  std::string_view key;
  std::string_view breaks;
  std::string_view what;
};
std::span<const RelayFaultInfo> relay_fault_table();
const RelayFaultInfo* find_relay_fault(std::string_view key);

struct RelayFaults {
  std::uint32_t on = 0;
  bool has(RelayFault f) const { return (on >> static_cast<unsigned>(f)) & 1u; }
  void set(RelayFault f) { on |= std::uint32_t{1} << static_cast<unsigned>(f); }
};

// What a broken DHCP server does to a finished reply before it is encoded: fields,
// options, emit options and destination. `request` is what it answers; `is_nak`
// and `is_inform` say which rule the reply followed.
struct DhcpFaultView {
  const wire::dhcp::Message& request;
  bool is_nak = false;
  bool is_inform = false;
  bool is_renew = false;
  bool is_boot_server = false;  // a port 4011 ACK
};
void apply_dhcp_faults(const Faults& faults, const DhcpFaultView& view, wire::dhcp::Message& reply,
                       wire::dhcp::EmitOptions& emit, wire::UdpEndpoint& destination);

}  // namespace pxelab::server
