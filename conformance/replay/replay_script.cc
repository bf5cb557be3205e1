#include "conformance/replay/replay_script.h"

#include <algorithm>
#include <map>

#include <fmt/core.h>

namespace pxelab::conformance::replay {

namespace {

std::uint64_t mac_key(const wire::MacAddress& m) {
  std::uint64_t v = 0;
  for (auto o : m.octets) v = (v << 8) | o;
  return v;
}

wire::Bytes copy(wire::ByteView v) { return wire::Bytes(v.begin(), v.end()); }

std::string_view type_name(std::uint8_t type) {
  static constexpr std::string_view kNames[] = {"BOOTREQUEST", "DISCOVER", "OFFER",   "REQUEST", "DECLINE",
                                                "ACK",         "NAK",      "RELEASE", "INFORM"};
  return type < std::size(kNames) ? kNames[type] : "DHCP";
}

// The answers of every transaction's client requests: each reply goes to the last
// request the client itself sent before it in the transaction (not a relay's copy).
std::map<std::uint32_t, std::vector<std::uint32_t>> answers_by_request(const DecodedTrace& d, const Grouping& g) {
  std::map<std::uint32_t, std::vector<std::uint32_t>> out;
  for (std::size_t t = 0; t < g.transactions.size(); ++t) {
    std::int32_t last = kNone;
    for (std::uint32_t mi : g.messages(g.transactions[t])) {
      const DhcpMsg& m = d.dhcp[mi];
      if (m.is_request() && (m.sender & kFromClient)) last = static_cast<std::int32_t>(mi);
      if (m.is_reply() && (m.sender & (kFromServer | kRelayDelivery)) && last != kNone) {
        out[static_cast<std::uint32_t>(last)].push_back(mi);
      }
    }
  }
  return out;
}

}  // namespace

FieldAnswer answer_of(const DecodedTrace& d, const DhcpMsg& r) {
  const FrameInfo& f = d.frames[r.frame];
  FieldAnswer a;
  a.frame = r.frame;
  a.message = copy(d.bytes(r));
  a.src_ip = f.src_ip;
  a.dst_ip = f.dst_ip;
  a.src_port = f.src_port;
  a.dst_port = f.dst_port;
  a.dst_mac = f.dst_mac;
  return a;
}

namespace {

// How the client led the transfer, and what the server first answered.
void read_transfer(const DecodedTrace& d, const Grouping& g, const TftpTransfer& t, Step& s) {
  const TftpTransferRaw& raw = d.transfers[t.raw];
  s.filename = t.filename;
  s.tftp_server = raw.key.server_ip;
  s.tftp_server_port = raw.server_port;
  s.rrq = copy(d.payload(raw.request_frame));
  TftpFieldAnswer& a = s.tftp_answer;
  a.bytes = t.bytes;
  a.blocks = t.blocks;
  a.blksize = t.blksize;
  a.windowsize = t.windowsize;
  a.end = std::string(to_string(t.end));
  std::uint64_t blocks_seen = 0;  // DATA blocks in order, counting past a rollover
  std::uint16_t last_number = 0;
  bool oack_seen = false, client_spoke_after = false;
  std::uint64_t last_acked = 0;
  sim::Time last_ack_time = 0;
  for (std::uint32_t mi : raw.messages) {
    const TftpMsg& m = d.tftp[mi];
    if (m.error != kNone) continue;
    const FrameInfo& f = d.frames[m.frame];
    if (m.from_server) {
      if (a.kind == TftpFieldAnswer::Kind::kNone && m.opcode != wire::TftpOpcode::kAck) {
        a.frame = m.frame;
        a.src_port = f.src_port;
        a.dst_port = f.dst_port;
        a.src_ip = f.src_ip;
        if (m.opcode == wire::TftpOpcode::kOack) {
          a.kind = TftpFieldAnswer::Kind::kOack;
          if (auto p = d.tftp_packet(m); p && std::holds_alternative<wire::TftpOack>(*p)) {
            a.oack = std::get<wire::TftpOack>(*p).options;
          }
        } else if (m.opcode == wire::TftpOpcode::kData) {
          a.kind = TftpFieldAnswer::Kind::kData;
        } else if (m.opcode == wire::TftpOpcode::kError) {
          a.kind = TftpFieldAnswer::Kind::kError;
          a.error_code = m.number;
          if (auto p = d.tftp_packet(m); p && std::holds_alternative<wire::TftpError>(*p)) {
            a.error_message = std::get<wire::TftpError>(*p).message;
          }
        }
      }
      if (m.opcode == wire::TftpOpcode::kOack) oack_seen = true;
      if (m.opcode == wire::TftpOpcode::kData && m.number != last_number) {
        // A new block (a repeat of the last one is a retransmission).
        blocks_seen += static_cast<std::uint16_t>(m.number - last_number);
        last_number = m.number;
        if (t.end == TransferEnd::kComplete && t.bytes <= kKeptContentLimit) {
          if (!a.content) a.content.emplace();
          const wire::ByteView p = d.payload(m.frame);
          if (p.size() > 4) a.content->insert(a.content->end(), p.begin() + 4, p.end());
        }
      }
      continue;
    }
    if (m.opcode == wire::TftpOpcode::kError) {
      s.error_code = m.number;
      if (auto p = d.tftp_packet(m); p && std::holds_alternative<wire::TftpError>(*p)) {
        s.error_message = std::get<wire::TftpError>(*p).message;
      }
      s.lead = blocks_seen == 0 && oack_seen ? TftpLead::kErrorAfterOack : TftpLead::kErrorAfterData;
      s.last_block = blocks_seen;
      return;
    }
    if (m.opcode == wire::TftpOpcode::kAck) {
      if (t.end != TransferEnd::kIncomplete && blocks_seen == t.blocks && blocks_seen > 0 && last_acked == blocks_seen) {
        if (s.final_ack_repeats++ == 0) s.final_ack_gap = f.time - last_ack_time;
      }
      client_spoke_after = true;
      last_acked = blocks_seen;
      last_ack_time = f.time;
    }
  }
  static_cast<void>(g);
  // The client went quiet before the end: a transfer it abandoned (not the trace's end
  // after a complete transfer).
  if (t.end == TransferEnd::kIncomplete && client_spoke_after && last_acked > 0 && last_acked < blocks_seen + 1) {
    s.lead = TftpLead::kStopAfterData;
    s.last_block = last_acked;
  }
}

}  // namespace

std::string_view to_string(TftpLead lead) {
  switch (lead) {
    case TftpLead::kAckAll: return "acknowledges every block";
    case TftpLead::kErrorAfterOack: return "answers the OACK with ERROR (tsize probe)";
    case TftpLead::kErrorAfterData: return "sends ERROR after a DATA block";
    case TftpLead::kStopAfterData: return "stops acknowledging";
  }
  return "?";
}

std::vector<ClientScript> extract_scripts(const DecodedTrace& d, const Grouping& g, std::span<const Reference> references,
                                          const ScriptOptions& options) {
  auto wanted = [&](const wire::MacAddress& mac) {
    return options.only.empty() || std::find(options.only.begin(), options.only.end(), mac) != options.only.end();
  };
  const auto answers = answers_by_request(d, g);
  std::map<std::uint64_t, std::size_t> index;  // MAC -> script
  std::vector<ClientScript> out;
  auto script_of = [&](const wire::MacAddress& mac, sim::Time t) -> ClientScript& {
    auto [it, added] = index.try_emplace(mac_key(mac), out.size());
    if (added) {
      out.emplace_back().mac = mac;
      out.back().start = t;
    }
    return out[it->second];
  };
  // Requests and transfers merged in frame order.
  std::vector<std::pair<std::uint32_t, std::int64_t>> items;  // frame, DhcpMsg (>= 0) or ~transfer
  for (std::uint32_t qi : g.client_requests) {
    if (wanted(d.dhcp[qi].mac)) items.emplace_back(d.dhcp[qi].frame, qi);
  }
  for (std::size_t ti = 0; ti < g.transfers.size(); ++ti) {
    const TftpTransfer& t = g.transfers[ti];
    const TftpTransferRaw& raw = d.transfers[t.raw];
    if (!t.write && wanted(raw.client_mac)) items.emplace_back(raw.request_frame, ~static_cast<std::int64_t>(ti));
  }
  std::sort(items.begin(), items.end());
  for (const auto& [frame, item] : items) {
    const FrameInfo& f = d.frames[frame];
    Step s;
    s.frame = frame;
    wire::MacAddress mac;
    if (item >= 0) {
      const DhcpMsg& q = d.dhcp[static_cast<std::size_t>(item)];
      mac = q.mac;
      s.kind = f.dst_port == wire::kPxeBootServerPort ? StepKind::kBootServer : StepKind::kDhcp;
      s.message = copy(d.bytes(q));
      s.type = q.type;
      s.xid = q.xid;
      s.src_ip = f.src_ip;
      s.dst_ip = f.dst_ip;
      s.src_port = f.src_port;
      s.dst_port = f.dst_port;
      s.settled = f.time;
      if (auto it = answers.find(static_cast<std::uint32_t>(item)); it != answers.end()) {
        for (std::uint32_t ri : it->second) {
          s.answers.push_back(answer_of(d, d.dhcp[ri]));
          s.settled = d.frames[d.dhcp[ri].frame].time;
        }
      }
    } else {
      const TftpTransfer& t = g.transfers[static_cast<std::size_t>(~item)];
      const TftpTransferRaw& raw = d.transfers[t.raw];
      mac = raw.client_mac;
      s.kind = StepKind::kTftp;
      s.src_ip = raw.key.client_ip;
      s.src_port = raw.key.client_port;
      s.dst_ip = raw.key.server_ip;
      s.dst_port = raw.server_port;
      s.settled = t.finish;
      read_transfer(d, g, t, s);
    }
    ClientScript& c = script_of(mac, f.time);
    s.at = f.time - c.start;
    s.settled = std::max(s.settled, f.time) - c.start;
    // A DISCOVER (or BOOTP request) whose identity differs from the last one opens a
    // new identity: a loader behind the ROM (FW-15).
    if (s.kind == StepKind::kDhcp && (s.type == 1 || s.type == 0)) {
      const DhcpMsg& q = d.dhcp[static_cast<std::size_t>(item)];
      Identity id = identity_of(d, q);
      const bool same = !c.identities.empty() && describe(c.identities.back().identity) == describe(id);
      if (!same) {
        ClientIdentity ci;
        ci.frame = frame;
        ci.fp = fingerprint(id, references);
        ci.identity = std::move(id);
        c.identities.push_back(std::move(ci));
      }
    }
    c.steps.push_back(std::move(s));
  }
  for (std::uint32_t i = 0; i < d.frames.size(); ++i) {
    const FrameInfo& f = d.frames[i];
    if (f.kind != FrameKind::kArp) continue;
    if (auto it = index.find(mac_key(f.src_mac)); it != index.end()) ++out[it->second].arp_frames;
  }
  return out;
}

std::optional<std::uint64_t> served_size(const Step& s) {
  const TftpFieldAnswer& a = s.tftp_answer;
  if (a.kind == TftpFieldAnswer::Kind::kNone || a.kind == TftpFieldAnswer::Kind::kError) return std::nullopt;
  if (auto t = a.oack.tsize(); t && *t > 0) return *t;
  if (a.end == "complete") return a.bytes;
  if (a.blocks == 0) return std::nullopt;  // served, at a size the capture does not show
  return a.blocks * a.blksize;             // a lower bound: the field never saw the end
}

bool served(const Step& s) {
  return s.kind == StepKind::kTftp && s.tftp_answer.kind != TftpFieldAnswer::Kind::kNone &&
         s.tftp_answer.kind != TftpFieldAnswer::Kind::kError;
}

std::string describe(const Step& step) {
  switch (step.kind) {
    case StepKind::kDhcp: return fmt::format("{} xid 0x{:08x}", type_name(step.type), step.xid);
    case StepKind::kBootServer: return fmt::format("{} xid 0x{:08x} to port 4011", type_name(step.type), step.xid);
    case StepKind::kTftp: return "RRQ " + step.filename;
  }
  return "?";
}

}  // namespace pxelab::conformance::replay
