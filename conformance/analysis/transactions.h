// Grouping a decoded trace into what the checks and reports talk about:
// - DHCP transactions: BOOTP/DHCP messages by (chaddr, xid), port 4011 exchanges
//   apart (PXE 2.1 §2.2 steps 5-6);
// - TFTP transfers (trace_decode follows the TIDs) with their negotiated options and
//   what happened: bytes, blocks, retransmissions, how they ended;
// - clients (by MAC: chaddr, or the Ethernet source of a TFTP request) with their
//   transactions and transfers;
// - roles: DHCP servers (BOOTREPLY from port 67 with an address or ACK/NAK), proxy
//   and boot servers (yiaddr=0 offers, port 4011), relays (giaddr, 67->67), TFTP
//   servers.
// Lists are flat index ranges (counting sort), not a vector per transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "conformance/analysis/trace_decode.h"
#include "wire/address.h"
#include "wire/tftp.h"

namespace pxelab::conformance {

struct DhcpTransaction {
  wire::MacAddress mac;
  std::uint32_t xid = 0;
  bool boot_server = false;  // a port 4011 exchange
  std::int32_t client = kNone;
  std::uint32_t begin = 0, count = 0;  // into Grouping::transaction_messages (DhcpMsg indices, frame order)
};

enum class TransferEnd : std::uint8_t {
  kComplete,      // the last (short) DATA was seen (and ACKed for a read)
  kError,         // an ERROR ended it (see error_code, error_from_server)
  kIncomplete,    // the trace ends, or the peers fall silent, mid-transfer
  kNoAnswer,      // the request was never answered
};
std::string_view to_string(TransferEnd end);

struct TftpTransfer {
  std::uint32_t raw = 0;  // DecodedTrace::transfers index
  std::int32_t client = kNone;
  bool write = false;
  std::string filename;
  wire::TftpOptions requested;
  std::optional<wire::TftpOptions> oack;
  std::int32_t oack_frame = kNone;
  std::uint32_t oack_count = 0;
  std::uint32_t blksize = 512;      // negotiated (512 without OACK blksize)
  std::uint32_t windowsize = 1;
  std::uint64_t bytes = 0;          // distinct DATA octets (first copy of each block)
  std::uint64_t blocks = 0;         // distinct DATA blocks
  std::uint32_t data_retransmissions = 0;
  std::uint32_t ack_retransmissions = 0;
  std::int32_t last_data_frame = kNone;
  std::int32_t error_frame = kNone;
  std::uint16_t error_code = 0;
  bool error_from_server = false;
  TransferEnd end = TransferEnd::kNoAnswer;
  sim::Time start = 0, finish = 0;  // request, last packet
};

struct Client {
  wire::MacAddress mac;
  std::int32_t first_discover = kNone;  // DhcpMsg index: the identity fingerprinted
  bool discover_from_client = false;    // false: first_discover is a relay's copy
  std::int32_t first_request = kNone;   // first BOOTREQUEST of any kind
  std::uint32_t tx_begin = 0, tx_count = 0;  // into Grouping::client_transactions
  std::vector<std::uint32_t> transfers;      // TftpTransfer indices (few per client)
};

enum RoleBits : std::uint8_t {
  kRoleDhcpServer = 1,
  kRoleProxy = 2,
  kRoleBootServer = 4,  // answered on 4011
  kRoleRelay = 8,
  kRoleTftpServer = 16,
};

struct Peer {
  wire::Ipv4Address ip;
  wire::MacAddress mac;
  std::uint8_t roles = 0;
  std::uint32_t offers = 0, acks = 0, naks = 0, proxy_offers = 0, boot_replies = 0, relayed = 0, transfers = 0;
  std::uint32_t first_frame = 0;
};

struct Grouping {
  BigVector<DhcpTransaction> transactions;
  BigVector<std::uint32_t> transaction_messages;
  BigVector<Client> clients;
  BigVector<std::uint32_t> client_transactions;
  std::vector<TftpTransfer> transfers;
  std::vector<Peer> peers;  // servers and relays, by IP, in order of first appearance
  BigVector<std::uint32_t> server_replies;   // DhcpMsg indices with kFromServer, frame order
  BigVector<std::uint32_t> client_requests;  // DhcpMsg indices with kFromClient, frame order

  std::span<const std::uint32_t> messages(const DhcpTransaction& t) const {
    return {transaction_messages.data() + t.begin, t.count};
  }
  std::span<const std::uint32_t> transactions_of(const Client& c) const {
    return {client_transactions.data() + c.tx_begin, c.tx_count};
  }
  std::int32_t client_index(const wire::MacAddress& mac) const;
  const Peer* peer(wire::Ipv4Address ip) const;
};

// Groups `d` (and sets DhcpMsg::transaction / TftpMsg-level facts in the result).
Grouping group_transactions(DecodedTrace& d);

}  // namespace pxelab::conformance
