#include "conformance/report/ladder_json.h"

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conformance/checks/check_util.h"

namespace pxelab::conformance {

namespace {

using nlohmann::json;

struct Step {
  std::uint32_t frame = 0;  // 0-based, for ordering
  json j;
};

std::string endpoint(wire::Ipv4Address ip, std::uint16_t port) { return ip.to_string() + ":" + std::to_string(port); }

// The fields every step has: frame (1-based), time, addresses, ports, who sent it.
json base_step(const DecodedTrace& d, std::uint32_t frame, const wire::MacAddress& client) {
  const FrameInfo& f = d.frames[frame];
  const bool from_client = f.src_mac == client;
  return json{{"frame", frame + 1},
              {"t", static_cast<double>(f.time) / 1e9},
              {"src", endpoint(f.src_ip, f.src_port)},
              {"dst", endpoint(f.dst_ip, f.dst_port)},
              {"src_mac", f.src_mac.to_string()},
              {"dst_mac", f.dst_mac.to_string()},
              {"from_client", from_client},
              // The other side of the arrow: a server, a relay, or "" for a broadcast.
              {"peer", from_client ? (f.dst_ip.is_broadcast() ? std::string() : f.dst_ip.to_string()) : f.src_ip.to_string()}};
}

std::string opt_text(const DecodedTrace& d, const DhcpMsg& m, std::uint8_t code) {
  auto v = d.option(m, code);
  if (!v) return "";
  std::string s(v->begin(), v->end());
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

Step dhcp_step(const DecodedTrace& d, const DhcpMsg& m, const wire::MacAddress& client) {
  json j = base_step(d, m.frame, client);
  const bool port4011 = (m.sender & kBootServerPort) != 0;
  std::string what(m.type == 0 ? (m.is_request() ? "BOOTREQUEST" : "BOOTREPLY") : std::string(util::type_name(m.type)));
  j["kind"] = port4011 ? "4011" : "dhcp";
  j["what"] = what;
  std::string detail = "xid " + util::hex32(m.xid);
  if (m.is_reply()) {
    if (!m.yiaddr.is_any()) detail += " yiaddr " + m.yiaddr.to_string();
    if (!m.siaddr.is_any()) detail += " siaddr " + m.siaddr.to_string();
    if (auto s = opt_text(d, m, wire::dhcp::code::kTftpServerName); !s.empty()) detail += " 66=" + s;
    if (auto s = opt_text(d, m, wire::dhcp::code::kBootfileName); !s.empty()) detail += " 67=" + s;
    if (m.yiaddr.is_any() && m.type == util::msgtype::kOffer) detail += " (proxy offer)";
  }
  if (!m.giaddr.is_any()) detail += " giaddr " + m.giaddr.to_string();
  j["detail"] = detail;
  return {m.frame, std::move(j)};
}

std::string tftp_what(const DecodedTrace& d, const TftpMsg& t) {
  if (t.error != kNone) return "malformed TFTP";
  switch (t.opcode) {
    case wire::TftpOpcode::kRrq: return "RRQ";
    case wire::TftpOpcode::kWrq: return "WRQ";
    case wire::TftpOpcode::kOack: return "OACK";
    case wire::TftpOpcode::kAck: return "ACK " + std::to_string(t.number);
    case wire::TftpOpcode::kData: return "DATA " + std::to_string(t.number);
    case wire::TftpOpcode::kError: {
      auto p = d.tftp_packet(t);
      std::string msg = p && std::holds_alternative<wire::TftpError>(*p) ? std::get<wire::TftpError>(*p).message : "";
      return "ERROR " + std::to_string(t.number) + (msg.empty() ? "" : " '" + msg + "'");
    }
  }
  return "TFTP";
}

// The transfer's packets: requests, OACK, ACK 0 and ERROR one by one; DATA and ACK of
// blocks >= 1 folded into one step at the first DATA.
void tftp_steps(const AnalyzedRun& run, const TftpTransfer& tr, const wire::MacAddress& client, std::vector<Step>& out) {
  const auto& d = run.decoded();
  const auto& raw = d.transfers[tr.raw];
  std::int32_t fold = -1;
  std::uint32_t data_frames = 0, ack_frames = 0, last_frame = 0;
  for (auto i : raw.messages) {
    const TftpMsg& t = d.tftp[i];
    const bool bulk = t.error == kNone && t.number >= 1 &&
                      (t.opcode == wire::TftpOpcode::kData || t.opcode == wire::TftpOpcode::kAck);
    if (!bulk) {
      json j = base_step(d, t.frame, client);
      j["kind"] = "tftp";
      j["what"] = tftp_what(d, t);
      if (t.opcode == wire::TftpOpcode::kRrq || t.opcode == wire::TftpOpcode::kWrq) j["detail"] = tr.filename;
      out.push_back({t.frame, std::move(j)});
      continue;
    }
    (t.opcode == wire::TftpOpcode::kData ? data_frames : ack_frames)++;
    last_frame = t.frame;
    if (fold < 0 && t.opcode == wire::TftpOpcode::kData) {
      json j = base_step(d, t.frame, client);
      j["kind"] = "transfer";
      out.push_back({t.frame, std::move(j)});
      fold = static_cast<std::int32_t>(out.size() - 1);
    }
  }
  if (fold < 0) return;
  json& j = out[static_cast<std::size_t>(fold)].j;
  const double seconds = static_cast<double>(d.frames[last_frame].time - d.frames[j["frame"].get<std::uint32_t>() - 1].time) / 1e9;
  j["what"] = "DATA x" + std::to_string(data_frames) + " / ACK x" + std::to_string(ack_frames);
  j["file"] = tr.filename;
  j["last_frame"] = last_frame + 1;
  j["t_end"] = static_cast<double>(d.frames[last_frame].time) / 1e9;
  j["bytes"] = tr.bytes;
  j["blocks"] = tr.blocks;
  j["blksize"] = tr.blksize;
  j["windowsize"] = tr.windowsize;
  j["retransmissions"] = tr.data_retransmissions + tr.ack_retransmissions;
  j["bytes_per_second"] = seconds > 0 ? static_cast<double>(tr.bytes) / seconds : 0.0;
  j["end"] = std::string(to_string(tr.end));
  j["detail"] = tr.filename + ": " + std::to_string(tr.bytes) + " bytes in " + std::to_string(tr.blocks) + " blocks";
}

std::uint16_t be16(wire::ByteView b, std::size_t at) { return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]); }
wire::Ipv4Address ip_at(wire::ByteView b, std::size_t at) {
  return wire::Ipv4Address::from_octets(b[at], b[at + 1], b[at + 2], b[at + 3]);
}

// The ICMP errors quoting one of the client's TFTP requests (same address and port).
void icmp_steps(const AnalyzedRun& run, const Client& c, std::span<const IcmpError> icmp, std::vector<Step>& out) {
  if (icmp.empty()) return;
  const auto& d = run.decoded();
  for (auto t : c.transfers) {
    const auto& key = d.transfers[run.grouping().transfers[t].raw].key;
    for (const auto& e : icmp) {
      if (e.quoted_src != key.client_ip || e.quoted_src_port != key.client_port) continue;
      json j = base_step(d, e.frame, c.mac);
      j["kind"] = "icmp";
      j["what"] = icmp_name(e);
      j["peer"] = e.sender.to_string();
      j["src"] = e.sender.to_string();  // ICMP has no ports
      j["dst"] = d.frames[e.frame].dst_ip.to_string();
      j["from_client"] = false;
      j["detail"] = "from " + e.sender.to_string() + " (" + e.sender_mac.to_string() + ") about the datagram " +
                    endpoint(e.quoted_src, e.quoted_src_port) + " -> " + endpoint(e.quoted_dst, e.quoted_dst_port);
      out.push_back({e.frame, std::move(j)});
    }
  }
}

}  // namespace

std::vector<IcmpError> icmp_errors(const DecodedTrace& d) {
  std::vector<IcmpError> out;
  for (std::uint32_t n = 0; n < d.frames.size(); ++n) {
    const FrameInfo& f = d.frames[n];
    if (f.kind != FrameKind::kOther || f.ip_total_length == 0) continue;
    const wire::ByteView b = d.frame_bytes(n);
    const std::size_t ip = 14 + (f.vlan != kNoVlan ? 4 : 0);
    if (b.size() < ip + 20 || b[ip + 9] != 1) continue;  // IPv4 protocol 1: ICMP
    const std::size_t icmp = ip + static_cast<std::size_t>(b[ip] & 0x0f) * 4;
    if (b.size() < icmp + 8 + 20) continue;
    const std::uint8_t type = b[icmp], code = b[icmp + 1];
    if (type != 3 && type != 11) continue;  // destination unreachable, time exceeded
    const std::size_t inner = icmp + 8;  // the quoted IP header, then 8 octets of its payload
    const std::size_t inner_l4 = inner + static_cast<std::size_t>(b[inner] & 0x0f) * 4;
    if (b[inner + 9] != 17 || b.size() < inner_l4 + 4) continue;  // quotes UDP
    out.push_back({n, f.src_ip, f.src_mac, type, code, ip_at(b, inner + 12), ip_at(b, inner + 16), be16(b, inner_l4),
                   be16(b, inner_l4 + 2)});
  }
  return out;
}

std::string icmp_name(const IcmpError& e) {
  if (e.type == 3) {
    switch (e.code) {
      case 0: return "ICMP net unreachable";
      case 1: return "ICMP host unreachable";
      case 3: return "ICMP port unreachable";
      case 13: return "ICMP administratively prohibited";
      default: break;
    }
  }
  return "ICMP type " + std::to_string(e.type) + " code " + std::to_string(e.code);
}

nlohmann::json ladder_json(const AnalyzedRun& run, std::size_t client, std::span<const IcmpError> icmp) {
  const auto& g = run.grouping();
  const auto& d = run.decoded();
  const Client& c = g.clients[client];
  std::vector<Step> steps;
  for (auto tx : g.transactions_of(c)) {
    for (auto m : g.messages(g.transactions[tx])) steps.push_back(dhcp_step(d, d.dhcp[m], c.mac));
  }
  for (auto t : c.transfers) tftp_steps(run, g.transfers[t], c.mac, steps);
  icmp_steps(run, c, icmp, steps);
  std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) { return a.frame < b.frame; });
  json out = json::array();
  for (std::size_t i = 0; i < steps.size() && i < kLadderSteps; ++i) out.push_back(std::move(steps[i].j));
  return json{{"steps", std::move(out)}, {"cut", steps.size() > kLadderSteps ? steps.size() - kLadderSteps : 0}};
}

}  // namespace pxelab::conformance
