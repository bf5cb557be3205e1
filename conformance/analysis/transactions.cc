#include "conformance/analysis/transactions.h"

#include <unordered_map>

#include "wire/ports.h"

namespace pxelab::conformance {

namespace {

std::uint64_t mac_key(const wire::MacAddress& m) {
  std::uint64_t k = 0;
  for (auto o : m.octets) k = (k << 8) | o;
  return k;
}

struct TxKey {
  std::uint64_t mac_flag;  // 48-bit MAC, bit 48: port 4011
  std::uint32_t xid;
  bool operator==(const TxKey&) const = default;
};
struct TxHash {
  std::size_t operator()(const TxKey& k) const {
    std::uint64_t h = (k.mac_flag * 0x9E3779B97F4A7C15ull) ^ (std::uint64_t{k.xid} * 0xC2B2AE3D27D4EB4Full);
    return static_cast<std::size_t>(h ^ (h >> 31));
  }
};

// Counting sort of (owner, item) pairs into flat ranges: items stay in input order.
void flatten(std::size_t owners, const BigVector<std::pair<std::uint32_t, std::uint32_t>>& pairs,
             BigVector<std::uint32_t>& out, BigVector<std::uint32_t>& begin, BigVector<std::uint32_t>& count) {
  begin.assign(owners, 0);
  count.assign(owners, 0);
  for (const auto& p : pairs) ++count[p.first];
  std::uint32_t run = 0;
  for (std::size_t i = 0; i < owners; ++i) {
    begin[i] = run;
    run += count[i];
  }
  out.resize(pairs.size());
  BigVector<std::uint32_t> fill(begin);
  for (const auto& p : pairs) out[fill[p.first]++] = p.second;
}

bool is_new_block(std::uint64_t blocks, std::uint16_t last, std::uint16_t block) {
  if (blocks == 0) return block == 1;
  if (block == static_cast<std::uint16_t>(last + 1)) return true;
  return last == 65535 && block == 1;  // rollover to 1 (wire/tftp_block.h kToOne)
}

}  // namespace

std::string_view to_string(TransferEnd end) {
  switch (end) {
    case TransferEnd::kComplete: return "complete";
    case TransferEnd::kError: return "error";
    case TransferEnd::kIncomplete: return "incomplete";
    case TransferEnd::kNoAnswer: return "no answer";
  }
  return "?";
}

std::int32_t Grouping::client_index(const wire::MacAddress& mac) const {
  for (std::size_t i = 0; i < clients.size(); ++i) {
    if (clients[i].mac == mac) return static_cast<std::int32_t>(i);
  }
  return kNone;
}

const Peer* Grouping::peer(wire::Ipv4Address ip) const {
  for (const auto& p : peers) {
    if (p.ip == ip) return &p;
  }
  return nullptr;
}

namespace {

// What group_transactions builds as it goes: the grouping it returns and the indexes
// that find a transaction, client or peer again.
struct Grouper {
  DecodedTrace& d;
  Grouping g;
  std::unordered_map<TxKey, std::uint32_t, TxHash> tx_index;
  std::unordered_map<std::uint64_t, std::uint32_t> client_by_mac;
  std::unordered_map<std::uint32_t, std::uint32_t> peer_by_ip;
  BigVector<std::pair<std::uint32_t, std::uint32_t>> tx_pairs;  // (transaction, DhcpMsg)

  std::uint32_t client_of(const wire::MacAddress& mac) {
    auto [it, added] = client_by_mac.try_emplace(mac_key(mac), static_cast<std::uint32_t>(g.clients.size()));
    if (added) g.clients.emplace_back().mac = mac;
    return it->second;
  }
  Peer& peer_of(wire::Ipv4Address ip, const wire::MacAddress& mac, std::uint32_t frame) {
    auto [it, added] = peer_by_ip.try_emplace(ip.value, static_cast<std::uint32_t>(g.peers.size()));
    if (added) {
      Peer& p = g.peers.emplace_back();
      p.ip = ip;
      p.mac = mac;
      p.first_frame = frame;
    }
    return g.peers[it->second];
  }
};

// The sender class of a message (SenderBits; check_util.h reads it) from its ports.
std::uint8_t sender_bits(const DhcpMsg& m, const FrameInfo& f, bool boot_server) {
  std::uint8_t bits = boot_server ? kBootServerPort : 0;
  if (m.is_request()) {
    if (f.src_port == wire::kDhcpClientPort || (f.dst_port == wire::kPxeBootServerPort && f.src_port != wire::kDhcpServerPort)) {
      bits |= kFromClient;
    } else if (f.src_port == wire::kDhcpServerPort && f.dst_port == wire::kDhcpServerPort) {
      bits |= kRelayForward;
    }
  } else if (!m.giaddr.is_any() && f.src_port == wire::kDhcpServerPort && f.dst_port == wire::kDhcpClientPort &&
             f.src_ip == m.giaddr) {
    bits |= kRelayDelivery;
  } else if (f.src_port == wire::kDhcpServerPort || f.src_port == wire::kPxeBootServerPort) {
    bits |= kFromServer;
  }
  return bits;
}

// A request: the client's first request and DISCOVER; a relay forwarding it.
void note_request(Grouper& gr, const DhcpMsg& m, const FrameInfo& f, Client& c, std::uint32_t i) {
  if (c.first_request == kNone) c.first_request = static_cast<std::int32_t>(i);
  const bool discover = m.type == 1 || (m.type == 0 && f.dst_port == wire::kDhcpServerPort);
  if (discover && f.src_port == wire::kDhcpClientPort && (c.first_discover == kNone || !c.discover_from_client)) {
    c.first_discover = static_cast<std::int32_t>(i);
    c.discover_from_client = true;
  } else if (discover && c.first_discover == kNone && f.src_port == wire::kDhcpServerPort) {
    // Only a relay's copy was captured (the client is on another segment).
    c.first_discover = static_cast<std::int32_t>(i);
  }
  if (f.src_port == wire::kDhcpServerPort && f.dst_port == wire::kDhcpServerPort) {
    Peer& p = gr.peer_of(f.src_ip, f.src_mac, m.frame);
    p.roles |= kRoleRelay;
    ++p.relayed;
  }
}

// A reply: the role of the peer that sent it (boot server, relay, proxy, DHCP server).
void note_reply(Grouper& gr, const DhcpMsg& m, const FrameInfo& f) {
  if (f.src_port == wire::kPxeBootServerPort) {
    Peer& p = gr.peer_of(f.src_ip, f.src_mac, m.frame);
    p.roles |= kRoleBootServer;
    ++p.boot_replies;
  } else if (f.src_port == wire::kDhcpServerPort) {
    Peer& p = gr.peer_of(f.src_ip, f.src_mac, m.frame);
    if (!m.giaddr.is_any() && f.dst_port == wire::kDhcpClientPort && f.src_ip == m.giaddr) {
      p.roles |= kRoleRelay;  // a relay delivering a reply (RFC 1542 §5.4)
      ++p.relayed;
    } else if (m.type == 2 && m.yiaddr.is_any()) {
      p.roles |= kRoleProxy;
      ++p.proxy_offers;
    } else {
      p.roles |= kRoleDhcpServer;
      if (m.type == 2 || m.type == 0) ++p.offers;
      if (m.type == 5) ++p.acks;
      if (m.type == 6) ++p.naks;
    }
  }
}

// One DHCP/BOOTP message into its transaction (client MAC, xid, port 4011 or not).
void add_dhcp(Grouper& gr, std::uint32_t i) {
  Grouping& g = gr.g;
  DhcpMsg& m = gr.d.dhcp[i];
  if (m.op != wire::dhcp::kBootRequest && m.op != wire::dhcp::kBootReply) return;
  const FrameInfo& f = gr.d.frames[m.frame];
  const bool bs = f.src_port == wire::kPxeBootServerPort || f.dst_port == wire::kPxeBootServerPort;
  TxKey key{mac_key(m.mac) | (bs ? (std::uint64_t{1} << 48) : 0), m.xid};
  auto [it, added] = gr.tx_index.try_emplace(key, static_cast<std::uint32_t>(g.transactions.size()));
  if (added) {
    DhcpTransaction& t = g.transactions.emplace_back();
    t.mac = m.mac;
    t.xid = m.xid;
    t.boot_server = bs;
    t.client = static_cast<std::int32_t>(gr.client_of(m.mac));
  }
  m.transaction = static_cast<std::int32_t>(it->second);
  m.sender |= sender_bits(m, f, bs);
  if (m.sender & kFromServer) g.server_replies.push_back(i);
  if (m.sender & kFromClient) g.client_requests.push_back(i);
  gr.tx_pairs.emplace_back(it->second, i);
  Client& c = g.clients[static_cast<std::size_t>(g.transactions[it->second].client)];
  if (m.is_request()) {
    note_request(gr, m, f, c, i);
  } else {
    note_reply(gr, m, f);
  }
}

// Each transaction's messages flat; each reply's request: the last request before it
// in the transaction, preferring one whose giaddr matches the reply's (the copy the
// server received).
void pair_replies(Grouper& gr) {
  Grouping& g = gr.g;
  BigVector<std::uint32_t> begin, count;
  flatten(g.transactions.size(), gr.tx_pairs, g.transaction_messages, begin, count);
  for (std::size_t t = 0; t < g.transactions.size(); ++t) {
    g.transactions[t].begin = begin[t];
    g.transactions[t].count = count[t];
    for (std::uint32_t k = 0; k < count[t]; ++k) {
      DhcpMsg& r = gr.d.dhcp[g.transaction_messages[begin[t] + k]];
      if (!r.is_reply()) continue;
      std::int32_t best = kNone;
      for (std::uint32_t n = 0; n < k; ++n) {
        const std::uint32_t qi = g.transaction_messages[begin[t] + n];
        const DhcpMsg& q = gr.d.dhcp[qi];
        if (!q.is_request()) continue;
        if (best == kNone || q.giaddr == r.giaddr || gr.d.dhcp[static_cast<std::size_t>(best)].giaddr != r.giaddr) {
          best = static_cast<std::int32_t>(qi);
        }
      }
      r.request = best;
    }
  }
}

// The first OACK the server sent: the options it agreed to.
void note_oack(const DecodedTrace& d, const TftpMsg& m, TftpTransfer& t) {
  if (!m.from_server || t.oack_count++ != 0) return;
  t.oack_frame = static_cast<std::int32_t>(m.frame);
  if (auto p = d.tftp_packet(m); p) {
    if (auto* o = std::get_if<wire::TftpOack>(&*p)) {
      t.oack = o->options;
      if (auto b = o->options.blksize()) t.blksize = *b;
      if (auto w = o->options.windowsize()) t.windowsize = *w;
    }
  }
}

// A transfer's messages in order: blocks, retransmissions, OACK, error and its end.
void follow_transfer(const DecodedTrace& d, const TftpTransferRaw& raw, TftpTransfer& t, bool& answered) {
  bool complete = false;
  std::uint16_t last_block = 0, last_ack = 0;
  std::uint64_t acks = 0;
  for (std::uint32_t mi : raw.messages) {
    const TftpMsg& m = d.tftp[mi];
    t.finish = d.frames[m.frame].time;
    if (m.from_server) answered = true;
    if (m.error != kNone) continue;
    // The other transfer a repeated request started counts only as a second OACK.
    if (m.other_tid) {
      if (m.opcode == wire::TftpOpcode::kOack && m.from_server) ++t.oack_count;
      continue;
    }
    switch (m.opcode) {
      case wire::TftpOpcode::kOack: note_oack(d, m, t); break;
      case wire::TftpOpcode::kData:
        if (m.from_server == t.write) break;  // DATA flows from the sender of the file
        if (is_new_block(t.blocks, last_block, m.number)) {
          ++t.blocks;
          t.bytes += m.data_size;
          last_block = m.number;
          t.last_data_frame = static_cast<std::int32_t>(m.frame);
          if (m.data_size < t.blksize) complete = true;
        } else {
          ++t.data_retransmissions;
        }
        break;
      case wire::TftpOpcode::kAck:
        if (acks > 0 && m.number == last_ack) ++t.ack_retransmissions;
        last_ack = m.number;
        ++acks;
        if (t.write && m.from_server) answered = true;
        break;
      case wire::TftpOpcode::kError:
        if (t.error_frame == kNone) {
          t.error_frame = static_cast<std::int32_t>(m.frame);
          t.error_code = m.number;
          t.error_from_server = m.from_server;
        }
        break;
      default: break;
    }
  }
  if (complete) {
    t.end = TransferEnd::kComplete;
  } else if (t.error_frame != kNone) {
    t.end = TransferEnd::kError;
  } else if (answered) {
    t.end = TransferEnd::kIncomplete;
  }
}

// One TFTP transfer: its client, request, how it went, and its server as a peer.
void add_transfer(Grouper& gr, std::uint32_t r) {
  const DecodedTrace& d = gr.d;
  Grouping& g = gr.g;
  const TftpTransferRaw& raw = d.transfers[r];
  TftpTransfer& t = g.transfers.emplace_back();
  t.raw = r;
  t.client = static_cast<std::int32_t>(gr.client_of(raw.client_mac));
  g.clients[static_cast<std::size_t>(t.client)].transfers.push_back(r);
  t.start = d.frames[raw.request_frame].time;
  t.finish = t.start;
  const TftpMsg& first = d.tftp[raw.messages.front()];
  if (auto req = d.tftp_packet(first); req) {
    if (auto* rq = std::get_if<wire::TftpRequest>(&*req)) {
      t.write = rq->opcode == wire::TftpOpcode::kWrq;
      t.filename = rq->filename;
      t.requested = rq->options;
    }
  }
  bool answered = false;
  follow_transfer(d, raw, t, answered);
  if (answered && raw.server_tid != 0) {
    Peer& p = gr.peer_of(raw.key.server_ip, wire::MacAddress{}, raw.request_frame);
    p.roles |= kRoleTftpServer;
    ++p.transfers;
  }
}

// Clients' transactions, flat.
void list_client_transactions(Grouping& g) {
  BigVector<std::pair<std::uint32_t, std::uint32_t>> ct;
  ct.reserve(g.transactions.size());
  for (std::uint32_t t = 0; t < g.transactions.size(); ++t) {
    ct.emplace_back(static_cast<std::uint32_t>(g.transactions[t].client), t);
  }
  BigVector<std::uint32_t> begin, count;
  flatten(g.clients.size(), ct, g.client_transactions, begin, count);
  for (std::size_t c = 0; c < g.clients.size(); ++c) {
    g.clients[c].tx_begin = begin[c];
    g.clients[c].tx_count = count[c];
  }
}

}  // namespace

Grouping group_transactions(DecodedTrace& d) {
  Grouper gr{d, {}, {}, {}, {}, {}};
  gr.tx_index.reserve(d.dhcp.size() / 2 + 1);
  gr.client_by_mac.reserve(d.dhcp.size() / 4 + d.transfers.size() + 1);
  gr.tx_pairs.reserve(d.dhcp.size());
  for (std::uint32_t i = 0; i < d.dhcp.size(); ++i) add_dhcp(gr, i);
  pair_replies(gr);
  gr.g.transfers.reserve(d.transfers.size());
  for (std::uint32_t r = 0; r < d.transfers.size(); ++r) add_transfer(gr, r);
  list_client_transactions(gr.g);
  return std::move(gr.g);
}

}  // namespace pxelab::conformance
