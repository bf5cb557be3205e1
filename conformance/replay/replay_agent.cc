#include "conformance/replay/replay_agent.h"

#include <algorithm>

#include "wire/dhcp_message.h"
#include "wire/ports.h"
#include "wire/tftp.h"

namespace pxelab::conformance::replay {

namespace {

// The first instance of `code` (any area), as (data offset, length); nullopt if absent
// or the message cannot be scanned.
std::optional<std::pair<std::size_t, std::size_t>> find_option(wire::ByteView msg, std::uint8_t code) {
  auto view = wire::dhcp::MessageView::make(msg);
  if (!view || !view->has_magic_cookie()) return std::nullopt;
  wire::dhcp::ParseOptions po;
  po.require_end = false;
  auto scan = wire::dhcp::scan_options(*view, po);
  if (!scan) return std::nullopt;
  for (const auto& in : scan->instances) {
    if (in.code == code) return std::make_pair(in.offset + 2, in.data.size());
  }
  return std::nullopt;
}

std::optional<wire::Ipv4Address> ipv4_option(wire::ByteView msg, std::uint8_t code) {
  auto at = find_option(msg, code);
  if (!at || at->second != 4) return std::nullopt;
  return wire::Ipv4Address{wire::load_be32(msg.data() + at->first)};
}

std::uint8_t message_type(wire::ByteView msg) {
  auto at = find_option(msg, 53);
  return at && at->second == 1 ? msg[at->first] : 0;
}

std::string ip_text(wire::Ipv4Address a) { return a.to_string(); }

}  // namespace

ReplayAgent::ReplayAgent(const ClientScript& script, Timing timing, sim::Time settle_timeout)
    : script_(&script), timing_(timing), settle_timeout_(settle_timeout), records_(script.steps.size()) {}

void ReplayAgent::start(sim::AgentContext& ctx, sim::Time now) {
  // Bind fails only on a port already bound, and a replay host (ReplayClientSource) runs
  // this one agent, which binds nothing before start: 68 is free.
  static_cast<void>(ctx.bind_port(68, sim::AgentContext::PortFilter::kBootReplyToMe));
  bound_.push_back(68);
  if (script_->steps.empty()) {
    finished_ = true;
    if (on_finished_) on_finished_();
    return;
  }
  if (timing_ == Timing::kExact) {
    for (std::size_t i = 0; i < script_->steps.size(); ++i) ctx.set_timer(now + script_->steps[i].at, kSendTag + i);
  } else {
    ctx.set_timer(now, kSendTag);
  }
}

void ReplayAgent::on_timer(sim::AgentContext& ctx, sim::Time now, std::uint64_t tag) {
  const std::uint64_t kind = tag & ~((1ull << 40) - 1);
  const std::size_t i = static_cast<std::size_t>(tag & ((1ull << 40) - 1));
  if (i >= records_.size()) return;
  if (kind == kSendTag) {
    send_step(ctx, now, i);
  } else if (kind == kSettleTag) {
    settle(ctx, now, i);
  } else if (kind == kStallTag) {
    const auto& a = records_[i].tftp;
    end_tftp(ctx, now, i, !a.end.empty() ? a.end : a.kind == TftpFieldAnswer::Kind::kNone ? "no answer" : "incomplete");
  } else if (kind == kDallyTag) {
    for (Transfer& t : transfers_) {
      if (t.step != i) continue;
      // A send fails only on a frame over the MTU; an ACK is 4 octets.
      static_cast<void>(send_tftp_packet(ctx, i, wire::encode_tftp(wire::TftpAck{t.last_number})));
      if (++t.dallies < script_->steps[i].final_ack_repeats) ctx.set_timer(now + script_->steps[i].final_ack_gap, kDallyTag + i);
    }
  }
}

void ReplayAgent::send_step(sim::AgentContext& ctx, sim::Time now, std::size_t i) {
  StepRecord& r = records_[i];
  r.sent = true;
  r.sent_at = now;
  if (script_->steps[i].kind == StepKind::kTftp) {
    send_tftp(ctx, now, i);
    return;
  }
  send_dhcp(ctx, i);
  if (script_->steps[i].answers.empty()) {
    // Nothing to wait for in the field either: settled once the next gap passes.
    settle(ctx, now, i);
  } else {
    ctx.set_timer(now + settle_timeout_, kSettleTag + i);
  }
}

void ReplayAgent::settle(sim::AgentContext& ctx, sim::Time now, std::size_t i) {
  StepRecord& r = records_[i];
  if (r.settled) return;
  r.settled = true;
  ++settled_count_;
  if (timing_ == Timing::kCompressed && i + 1 < script_->steps.size()) {
    const sim::Time gap = script_->steps[i + 1].at - script_->steps[i].settled;
    ctx.set_timer(now + std::clamp<sim::Time>(gap, 0, kCompressedGap), kSendTag + i + 1);
  }
  if (settled_count_ == records_.size() && !finished_) {
    finished_ = true;
    if (on_finished_) on_finished_();
  }
}

wire::Ipv4Address ReplayAgent::mapped_address(wire::Ipv4Address field) const {
  auto it = address_map_.find(field.value);
  return it == address_map_.end() ? field : wire::Ipv4Address{it->second};
}

wire::Ipv4Address ReplayAgent::mapped_server(wire::Ipv4Address field) const {
  auto it = server_map_.find(field.value);
  if (it != server_map_.end()) return {it->second};
  return last_server_.value_or(field);
}

void ReplayAgent::send_dhcp(sim::AgentContext& ctx, std::size_t i) {
  const Step& s = script_->steps[i];
  StepRecord& r = records_[i];
  wire::Bytes msg = s.message;
  auto note = [&](const std::string& what, wire::Ipv4Address from, wire::Ipv4Address to) {
    if (from == to) return;
    r.rewritten += (r.rewritten.empty() ? "" : ", ") + what + " " + ip_text(from) + " -> " + ip_text(to);
  };
  if (msg.size() >= 16) {
    const wire::Ipv4Address ciaddr{wire::load_be32(msg.data() + 12)};
    const wire::Ipv4Address now_ciaddr = mapped_address(ciaddr);
    wire::store_be32(msg.data() + 12, now_ciaddr.value);
    note("ciaddr", ciaddr, now_ciaddr);
  }
  // A SELECTING REQUEST takes the offer made now for this xid (RFC 2131 §4.3.2).
  const auto field_sid = ipv4_option(msg, 54);
  const NewAnswer* offer = nullptr;
  if (s.type == 3 && field_sid) {
    for (std::size_t k = i; k-- > 0;) {
      const Step& p = script_->steps[k];
      if (p.kind != StepKind::kDhcp || p.xid != s.xid) continue;
      for (const NewAnswer& a : records_[k].answers) {
        if (message_type(a.message) != 2 || wire::load_be32(a.message.data() + 16) == 0) continue;
        const auto sid = ipv4_option(a.message, 54);
        if (!offer || (sid && server_map_.contains(field_sid->value) && server_map_.at(field_sid->value) == sid->value)) {
          offer = &a;
        }
      }
      if (offer) break;
    }
  }
  if (auto at = find_option(msg, 54); at && at->second == 4) {
    const wire::Ipv4Address was{wire::load_be32(msg.data() + at->first)};
    std::optional<wire::Ipv4Address> now_sid;
    if (offer) now_sid = ipv4_option(offer->message, 54);
    const wire::Ipv4Address to = now_sid.value_or(mapped_server(was));
    wire::store_be32(msg.data() + at->first, to.value);
    note("54", was, to);
  }
  if (auto at = find_option(msg, 50); at && at->second == 4) {
    const wire::Ipv4Address was{wire::load_be32(msg.data() + at->first)};
    const wire::Ipv4Address to = offer ? wire::Ipv4Address{wire::load_be32(offer->message.data() + 16)} : mapped_address(was);
    wire::store_be32(msg.data() + at->first, to.value);
    note("50", was, to);
  }
  sim::OutgoingDatagram out;
  out.src_port = s.src_port;
  out.src_ip = mapped_address(s.src_ip);
  out.dst.port = s.dst_port;
  out.dst.ip = s.dst_ip.is_broadcast() || s.dst_ip.is_any() ? s.dst_ip : mapped_server(s.dst_ip);
  note("destination", s.dst_ip, out.dst.ip);
  out.payload = msg;
  if (std::find(bound_.begin(), bound_.end(), s.src_port) == bound_.end()) {
    // Fails only when the port is already bound, and on a replay host only this agent
    // binds (a TFTP transfer's port, not in bound_): then it is already ours.
    static_cast<void>(ctx.bind_port(s.src_port));
    bound_.push_back(s.src_port);
  }
  if (auto st = ctx.send(out); !st) r.rewritten += (r.rewritten.empty() ? "" : "; ") + ("not sent: " + st.error().message);
}

void ReplayAgent::learn(const Step& step, const NewAnswer& answer) {
  const std::uint8_t type = message_type(answer.message);
  const FieldAnswer* field = nullptr;
  for (const FieldAnswer& f : step.answers) {
    if (message_type(f.message) == type) {
      field = &f;
      break;
    }
  }
  if (!field || field->message.size() < 24 || answer.message.size() < 24) return;
  auto pair = [](std::map<std::uint32_t, std::uint32_t>& m, std::uint32_t from, std::uint32_t to) {
    if (from != 0 && to != 0) m[from] = to;
  };
  pair(address_map_, wire::load_be32(field->message.data() + 16), wire::load_be32(answer.message.data() + 16));
  pair(server_map_, wire::load_be32(field->message.data() + 20), wire::load_be32(answer.message.data() + 20));
  pair(server_map_, field->src_ip.value, answer.src_ip.value);
  const auto fs = ipv4_option(field->message, 54), ns = ipv4_option(answer.message, 54);
  if (fs && ns) pair(server_map_, fs->value, ns->value);
}

void ReplayAgent::on_datagram(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  for (std::size_t t = 0; t < transfers_.size(); ++t) {
    if (d.dst.port == transfers_[t].port) {
      on_tftp(ctx, now, d, transfers_[t].step);
      return;
    }
  }
  on_dhcp(ctx, now, d);
}

void ReplayAgent::on_dhcp(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  auto view = wire::dhcp::MessageView::make(d.payload);
  if (!view || view->op() != wire::dhcp::kBootReply) return;
  if (!std::equal(ctx.mac().octets.begin(), ctx.mac().octets.end(), view->chaddr().begin())) return;
  const bool boot_server = d.src.port == wire::kPxeBootServerPort;
  // The request answered: the last one sent with this xid to that kind of server.
  std::optional<std::size_t> step;
  for (std::size_t k = records_.size(); k-- > 0;) {
    const Step& s = script_->steps[k];
    if (!records_[k].sent || s.kind == StepKind::kTftp || s.xid != view->xid()) continue;
    if ((s.kind == StepKind::kBootServer) != boot_server) continue;
    step = k;
    break;
  }
  if (!step) return;
  NewAnswer a;
  a.frame = static_cast<std::uint32_t>(d.frame);
  a.at = now;
  a.message.assign(d.payload.begin(), d.payload.end());
  a.src_ip = d.src.ip;
  a.dst_ip = d.dst.ip;
  a.src_port = d.src.port;
  a.dst_port = d.dst.port;
  a.dst_mac = d.dst_mac;
  const Step& s = script_->steps[*step];
  StepRecord& r = records_[*step];
  learn(s, a);
  const std::uint8_t type = message_type(a.message);
  if ((type == 5 || (type == 0 && !boot_server)) && !view->yiaddr().is_any()) {
    // The address this exchange bound (RFC 2131 §4.4.1): the host answers ARP for it.
    std::uint8_t prefix = 0;
    if (auto mask = ipv4_option(a.message, 1)) prefix = static_cast<std::uint8_t>(__builtin_popcount(mask->value));
    std::optional<wire::Ipv4Address> router = ipv4_option(a.message, 3);
    ctx.configure_address(view->yiaddr(), prefix, router);
    if (auto sid = ipv4_option(a.message, 54)) last_server_ = sid;
    for (const FieldAnswer& f : s.answers) {
      if (message_type(f.message) == type && f.message.size() >= 24) {
        next_server_ = std::make_pair(wire::Ipv4Address{wire::load_be32(f.message.data() + 20)}, view->siaddr());
        break;
      }
    }
  }
  r.answers.push_back(std::move(a));
  if (r.answers.size() >= s.answers.size()) settle(ctx, now, *step);
}

Status ReplayAgent::send_tftp_packet(sim::AgentContext& ctx, std::size_t i, const wire::Bytes& payload) {
  for (const Transfer& t : transfers_) {
    if (t.step != i) continue;
    sim::OutgoingDatagram out;
    out.src_port = t.port;
    out.dst = t.server;
    out.payload = payload;
    return ctx.send(out);
  }
  return Ok{};
}

void ReplayAgent::send_tftp(sim::AgentContext& ctx, sim::Time now, std::size_t i) {
  const Step& s = script_->steps[i];
  Transfer t;
  t.step = i;
  t.port = s.src_port;
  // Where the client sends it now: the field's destination was the ACK's siaddr (even
  // 0.0.0.0, FW-37) -> the new ACK's; a server address the replay learnt -> its
  // counterpart; anything else (a fixed address) as it was.
  wire::Ipv4Address to = s.tftp_server;
  if (next_server_ && next_server_->first == s.tftp_server) {
    to = next_server_->second;
  } else if (auto it = server_map_.find(s.tftp_server.value); it != server_map_.end()) {
    to = {it->second};
  }
  t.server = {to, s.tftp_server_port};
  if (to != s.tftp_server) {
    records_[i].rewritten = "server " + ip_text(s.tftp_server) + " -> " + ip_text(to);
  }
  if (auto st = ctx.bind_port(t.port); !st) {
    records_[i].rewritten += (records_[i].rewritten.empty() ? "" : "; ") + st.error().message;
  }
  transfers_.push_back(t);
  // A send fails only on a frame over the MTU: the RRQ is the field's, which fit its
  // frame there; one that did not here gets no answer and the stall timer ends the step.
  static_cast<void>(send_tftp_packet(ctx, i, s.rrq));
  transfers_.back().stall = ctx.set_timer(now + kTftpStall, kStallTag + i);
}

void ReplayAgent::end_tftp(sim::AgentContext& ctx, sim::Time now, std::size_t i, std::string end) {
  auto it = std::find_if(transfers_.begin(), transfers_.end(), [&](const Transfer& t) { return t.step == i; });
  if (it == transfers_.end()) return;
  if (it->stall) ctx.cancel_timer(*it->stall);
  ctx.unbind_port(it->port);
  StepRecord& r = records_[i];
  r.tftp.blocks = it->blocks;
  r.tftp.blksize = it->blksize;
  r.tftp.windowsize = it->windowsize;
  r.tftp.end = std::move(end);
  transfers_.erase(it);
  settle(ctx, now, i);
}

void ReplayAgent::on_tftp(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d, std::size_t i) {
  auto it = std::find_if(transfers_.begin(), transfers_.end(), [&](const Transfer& t) { return t.step == i; });
  Transfer& t = *it;
  if (t.tid_known && d.src.port != t.server.port) return;  // another TID (RFC 1350 §4: ERROR 5 to it; ignored here)
  auto p = wire::parse_tftp(d.payload);
  if (!p) return;
  const Step& s = script_->steps[i];
  StepRecord& r = records_[i];
  if (!t.tid_known) {
    t.tid_known = true;
    t.server = {d.src.ip, d.src.port};
  }
  if (t.stall) ctx.cancel_timer(*t.stall);
  t.stall = ctx.set_timer(now + kTftpStall, kStallTag + i);
  TftpFieldAnswer& a = r.tftp;
  if (a.kind == TftpFieldAnswer::Kind::kNone) {
    a.frame = static_cast<std::uint32_t>(d.frame);
    a.src_port = d.src.port;
    a.dst_port = d.dst.port;
    a.src_ip = d.src.ip;
  }
  // ACKs and ERRORs are a few octets: a send fails only over the MTU, so never here.
  auto send = [&](const wire::TftpPacket& pkt) { static_cast<void>(send_tftp_packet(ctx, i, wire::encode_tftp(pkt))); };
  if (auto* oack = std::get_if<wire::TftpOack>(&*p)) {
    if (a.kind == TftpFieldAnswer::Kind::kNone) {
      a.kind = TftpFieldAnswer::Kind::kOack;
      a.oack = oack->options;
    }
    t.blksize = oack->options.blksize().value_or(512);
    t.tsize = oack->options.tsize();
    t.windowsize = oack->options.windowsize().value_or(1);
    if (s.lead == TftpLead::kErrorAfterOack) {
      send(wire::TftpError{s.error_code, s.error_message});
      end_tftp(ctx, now, i, "error");
      return;
    }
    send(wire::TftpAck{0});
    return;
  }
  if (auto* err = std::get_if<wire::TftpError>(&*p)) {
    if (a.kind == TftpFieldAnswer::Kind::kNone) {
      a.kind = TftpFieldAnswer::Kind::kError;
      a.error_code = err->code;
      a.error_message = err->message;
    }
    end_tftp(ctx, now, i, "error");
    return;
  }
  auto* data = std::get_if<wire::TftpData>(&*p);
  if (!data) return;
  if (a.kind == TftpFieldAnswer::Kind::kNone) a.kind = TftpFieldAnswer::Kind::kData;
  if (s.lead == TftpLead::kErrorAfterOack) {
    // The field client aborted after the options; a server that ignored them sent
    // DATA instead, and the client aborts all the same.
    send(wire::TftpError{s.error_code, s.error_message});
    end_tftp(ctx, now, i, "error");
    return;
  }
  const std::uint16_t expected = static_cast<std::uint16_t>(t.last_number + 1);
  if (data->block == expected) {
    ++t.blocks;
    t.last_number = data->block;
    a.bytes += data->data.size();
    ++t.in_window;
  } else {
    t.in_window = t.windowsize;  // out of order or repeated: ACK what we have (RFC 7440 §4)
  }
  if (s.lead == TftpLead::kErrorAfterData && t.blocks >= s.last_block) {
    send(wire::TftpError{s.error_code, s.error_message});
    end_tftp(ctx, now, i, "error");
    return;
  }
  if (s.lead == TftpLead::kStopAfterData && t.blocks > s.last_block) {
    end_tftp(ctx, now, i, "incomplete");
    return;
  }
  // The last block: short (RFC 1350 §6), or the size the OACK announced reached.
  const bool last = data->block == expected && (data->data.size() < t.blksize || (t.tsize && *t.tsize > 0 && a.bytes >= *t.tsize));
  if (last || t.in_window >= t.windowsize) {
    send(wire::TftpAck{t.last_number});
    t.in_window = 0;
  }
  if (!last) return;
  if (s.final_ack_repeats == 0) {
    end_tftp(ctx, now, i, "complete");
    return;
  }
  // The field client dallied (sent its last ACK again): so does the replay, and the
  // transfer stays open for what the server answers (ERROR 5 from some servers).
  a.end = "complete";
  ctx.set_timer(now + s.final_ack_gap, kDallyTag + i);
}

}  // namespace pxelab::conformance::replay
