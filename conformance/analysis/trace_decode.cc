#include "conformance/analysis/trace_decode.h"

#include <array>
#include <bitset>
#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "wire/arp.h"
#include "wire/dhcp_options.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"
#include "wire/udp.h"
#include "wire/wol.h"

namespace pxelab::conformance {

namespace {

namespace dhcp = wire::dhcp;

struct KeyHash {
  std::size_t operator()(const TftpTransferKey& k) const {
    std::uint64_t a = (std::uint64_t{k.client_ip.value} << 32) | k.server_ip.value;
    std::uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (std::uint64_t{k.client_port} * 0xC2B2AE3D27D4EB4Full);
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
};

class Decoder {
 public:
  explicit Decoder(DecodedTrace& out) : d_(out) {
    for (int c = 0; c < 256; ++c) defs_[static_cast<std::size_t>(c)] = dhcp::find_option_def(static_cast<std::uint8_t>(c));
  }

  void frame(std::uint32_t index, const sim::FrameView& fv);

 private:
  void error(std::uint32_t frame, const Error& e, std::size_t base) {
    d_.errors.push_back(DecodeError{frame, e.field, base + e.offset, e.message});
  }
  void error(std::uint32_t frame, std::string field, std::size_t offset, std::string message) {
    d_.errors.push_back(DecodeError{frame, std::move(field), offset, std::move(message)});
  }
  void udp_datagram(std::uint32_t index, FrameInfo& fi, wire::ByteView payload);
  void wol_message(std::uint32_t index, FrameInfo& fi, wire::ByteView payload, std::size_t offset, bool udp);
  void dhcp_message(std::uint32_t index, FrameInfo& fi, wire::ByteView msg);
  void join_repeated(DhcpMsg& m, wire::ByteView b);
  void check_lengths(DhcpMsg& m, std::size_t base);
  bool scan_area(DhcpMsg& m, wire::ByteView b, dhcp::OptionArea area, std::size_t begin, std::size_t end,
                 bool& ended, std::size_t base);
  void tftp_packet(std::uint32_t index, FrameInfo& fi, wire::ByteView payload);
  void tftp_message(std::uint32_t index, FrameInfo& fi, wire::ByteView payload, std::int32_t transfer,
                    bool from_server);

  DecodedTrace& d_;
  std::unordered_map<TftpTransferKey, std::int32_t, KeyHash> transfers_;
  std::bitset<256> seen_;
  std::array<const dhcp::OptionDef*, 256> defs_{};
};

const char* area_name(dhcp::OptionArea a) {
  return a == dhcp::OptionArea::kFile ? "file" : a == dhcp::OptionArea::kSname ? "sname" : "options";
}

}  // namespace

wire::ByteView DecodedTrace::payload(std::uint32_t frame) const {
  const FrameInfo& f = frames[frame];
  return frame_bytes(frame).subspan(f.payload_offset, f.payload_size);
}

std::optional<wire::ByteView> DecodedTrace::option(const DhcpMsg& m, std::uint8_t code) const {
  if (m.repeated_code) {
    for (std::uint32_t j = m.joined_begin; j < m.joined_begin + m.joined_count; ++j) {
      if (joined[j].code == code) return wire::ByteView(joined_bytes.data() + joined[j].begin, joined[j].size);
    }
  }
  for (const auto& in : instances(m)) {
    if (in.code == code) return bytes(m).subspan(in.offset + 2u, in.length);
  }
  return std::nullopt;
}

bool DecodedTrace::has(const DhcpMsg& m, std::uint8_t code) const { return position(m, code) >= 0; }

int DecodedTrace::position(const DhcpMsg& m, std::uint8_t code) const {
  auto in = instances(m);
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i].code == code) return static_cast<int>(i);
  }
  return -1;
}

Result<dhcp::Message> DecodedTrace::message(const DhcpMsg& m) const {
  dhcp::ParseOptions po;
  po.require_end = false;
  po.check_option_lengths = false;
  po.accept_vendor_specific_area = true;
  return dhcp::parse(bytes(m), po);
}

namespace {

void Decoder::frame(std::uint32_t index, const sim::FrameView& fv) {
  FrameInfo& fi = d_.frames.emplace_back();
  fi.time = fv.time;
  fi.size = static_cast<std::uint32_t>(fv.bytes.size());
  auto eth = wire::EthernetView::parse(fv.bytes);
  if (!eth) {
    fi.kind = FrameKind::kMalformed;
    error(index, eth.error(), 0);
    return;
  }
  fi.src_mac = eth->src();
  fi.dst_mac = eth->dst();
  if (eth->has_vlan()) fi.vlan = eth->vlan().vid;
  const std::size_t l3 = eth->header_size();
  switch (eth->ethertype()) {
    case wire::ethertype::kArp: {
      auto arp = wire::ArpView::parse(eth->payload());
      if (!arp) {
        fi.kind = FrameKind::kMalformed;
        error(index, arp.error(), l3);
        return;
      }
      fi.kind = FrameKind::kArp;
      ++d_.arp_frames;
      return;
    }
    case wire::ethertype::kWakeOnLan:
      fi.payload_offset = static_cast<std::uint32_t>(l3);
      fi.payload_size = static_cast<std::uint32_t>(eth->payload().size());
      wol_message(index, fi, eth->payload(), l3, false);
      return;
    case wire::ethertype::kIpv4: break;
    default: return;
  }
  auto ip = wire::Ipv4View::parse(eth->payload());
  if (!ip) {
    fi.kind = FrameKind::kMalformed;
    error(index, ip.error(), l3);
    return;
  }
  fi.src_ip = ip->src();
  fi.dst_ip = ip->dst();
  fi.ip_total_length = ip->total_length();
  fi.more_fragments = ip->more_fragments();
  fi.fragment_offset = ip->fragment_offset();
  fi.dont_fragment = ip->dont_fragment();
  if (ip->protocol() != wire::ip_protocol::kUdp) {
    if (ip->is_fragment()) {
      fi.kind = FrameKind::kFragment;
      ++d_.fragments;
    }
    return;
  }
  const std::size_t l4 = l3 + ip->header_size();
  if (ip->is_fragment()) {
    // RFC 791 §2.3: only the first fragment carries the UDP header (ports kept).
    fi.kind = FrameKind::kFragment;
    ++d_.fragments;
    if (ip->fragment_offset() == 0 && ip->payload().size() >= wire::kUdpHeaderSize) {
      fi.src_port = wire::load_be16(ip->payload().data());
      fi.dst_port = wire::load_be16(ip->payload().data() + 2);
    }
    return;
  }
  auto udp = wire::UdpView::parse(ip->payload());
  if (!udp) {
    fi.kind = FrameKind::kMalformed;
    error(index, udp.error(), l4);
    return;
  }
  fi.kind = FrameKind::kUdp;
  fi.src_port = udp->src_port();
  fi.dst_port = udp->dst_port();
  fi.payload_offset = static_cast<std::uint32_t>(l4 + wire::kUdpHeaderSize);
  fi.payload_size = static_cast<std::uint32_t>(udp->payload().size());
  udp_datagram(index, fi, udp->payload());
}

// A UDP datagram by its ports: BOOTP/DHCP (67, 68, 4011), WoL (9, 7) or TFTP.
void Decoder::udp_datagram(std::uint32_t index, FrameInfo& fi, wire::ByteView payload) {
  const auto sp = fi.src_port, dp = fi.dst_port;
  auto is_dhcp_port = [](std::uint16_t p) {
    return p == wire::kDhcpServerPort || p == wire::kDhcpClientPort || p == wire::kPxeBootServerPort;
  };
  // A TFTP client may pick 4011 as its port (U-Boot draws from 1024-4095): a request
  // to 69, or a datagram of a transfer already seen, is TFTP whatever its ports.
  const bool tftp_flow = (sp == wire::kPxeBootServerPort || dp == wire::kPxeBootServerPort) &&
                         (dp == wire::kTftpServerPort || transfers_.contains(TftpTransferKey{fi.src_ip, sp, fi.dst_ip}) ||
                          transfers_.contains(TftpTransferKey{fi.dst_ip, dp, fi.src_ip}));
  if (!tftp_flow && (is_dhcp_port(sp) || is_dhcp_port(dp))) {
    dhcp_message(index, fi, payload);
  } else if (dp == wire::kWolPortDiscard || dp == wire::kWolPortEcho) {
    wol_message(index, fi, payload, fi.payload_offset, true);
  } else {
    tftp_packet(index, fi, payload);
  }
}

// A magic packet, as an Ethernet frame of its own type or in UDP (wire/wol.h).
void Decoder::wol_message(std::uint32_t index, FrameInfo& fi, wire::ByteView payload, std::size_t offset, bool udp) {
  fi.kind = FrameKind::kWol;
  fi.record = static_cast<std::int32_t>(d_.wol.size());
  WolMsg& w = d_.wol.emplace_back();
  w.frame = index;
  w.udp = udp;
  auto wol = wire::parse_wol(payload);
  if (wol) {
    w.target = wol->target;
  } else {
    w.error = static_cast<std::int32_t>(d_.errors.size());
    error(index, wol.error(), offset);
  }
}

bool Decoder::scan_area(DhcpMsg& m, wire::ByteView b, dhcp::OptionArea area, std::size_t begin, std::size_t end,
                        bool& ended, std::size_t base) {
  std::size_t i = begin;
  ended = false;
  while (i < end) {
    const std::uint8_t c = b[i];
    if (c == dhcp::code::kPad) {
      ++i;
      continue;
    }
    if (c == dhcp::code::kEnd) {
      ended = true;
      return true;
    }
    if (i + 1 >= end) {
      m.error = static_cast<std::int32_t>(d_.errors.size());
      error(m.frame, "dhcp.option[" + std::to_string(c) + "].length", base + i + 1,
            std::string("option has no length octet before the end of the ") + area_name(area) + " field");
      return false;
    }
    const std::size_t len = b[i + 1];
    if (i + 2 + len > end) {
      m.error = static_cast<std::int32_t>(d_.errors.size());
      error(m.frame, "dhcp.option[" + std::to_string(c) + "].length", base + i + 1,
            std::to_string(len) + " octets run past the end of the " + area_name(area) + " field (" +
                std::to_string(end - i - 2) + " left)");
      return false;
    }
    if (seen_[c]) m.repeated_code = true;
    seen_.set(c);
    d_.dhcp_options.push_back(DhcpOptionRef{c, area, static_cast<std::uint16_t>(i), static_cast<std::uint16_t>(len)});
    ++m.options_count;
    i += 2 + len;
  }
  return true;
}

void Decoder::dhcp_message(std::uint32_t index, FrameInfo& fi, wire::ByteView b) {
  fi.kind = FrameKind::kDhcp;
  fi.record = static_cast<std::int32_t>(d_.dhcp.size());
  DhcpMsg& m = d_.dhcp.emplace_back();
  m.frame = index;
  m.size = static_cast<std::uint16_t>(b.size());
  const std::size_t base = fi.payload_offset;
  if (b.size() < dhcp::kFixedHeaderSize) {
    m.error = static_cast<std::int32_t>(d_.errors.size());
    error(index, "dhcp.header", base + b.size(),
          std::to_string(b.size()) + " octets; a BOOTP message has at least 236");
    return;
  }
  m.op = b[dhcp::kOpOffset];
  m.htype = b[dhcp::kHtypeOffset];
  m.hlen = b[dhcp::kHlenOffset];
  m.hops = b[dhcp::kHopsOffset];
  m.xid = wire::load_be32(&b[dhcp::kXidOffset]);
  m.secs = wire::load_be16(&b[dhcp::kSecsOffset]);
  m.flags = wire::load_be16(&b[dhcp::kFlagsOffset]);
  m.ciaddr = {wire::load_be32(&b[dhcp::kCiaddrOffset])};
  m.yiaddr = {wire::load_be32(&b[dhcp::kYiaddrOffset])};
  m.siaddr = {wire::load_be32(&b[dhcp::kSiaddrOffset])};
  m.giaddr = {wire::load_be32(&b[dhcp::kGiaddrOffset])};
  std::memcpy(m.mac.octets.data(), &b[dhcp::kChaddrOffset], 6);
  m.options_begin = static_cast<std::uint32_t>(d_.dhcp_options.size());
  m.cookie = b.size() >= dhcp::kOptionsOffset && wire::load_be32(&b[dhcp::kMagicCookieOffset]) == dhcp::kMagicCookie;
  if (!m.cookie) {
    // RFC 951 BOOTP: a raw vendor area; all zero or vendor-specific. Not an error.
    m.options_end = true;
    return;
  }
  seen_.reset();
  if (!scan_area(m, b, dhcp::OptionArea::kOptions, dhcp::kOptionsOffset, b.size(), m.options_end, base)) return;
  // Option 52 (RFC 2131 §4.1): one octet, 1 file, 2 sname, 3 both.
  std::size_t overload_len = 0;
  std::uint8_t overload = 0;
  for (const auto& in : d_.instances(m)) {
    if (in.code == dhcp::code::kOverload) {
      overload_len += in.length;
      if (in.length > 0) overload = b[in.offset + 2u];
    } else if (in.code == dhcp::code::kMessageType && in.length == 1 && m.type == 0) {
      m.type = b[in.offset + 2u];
    }
  }
  if (overload_len != 0 || seen_[dhcp::code::kOverload]) {
    if (overload_len != 1 || overload < 1 || overload > 3) {
      m.error = static_cast<std::int32_t>(d_.errors.size());
      error(index, "dhcp.option[52]", base + dhcp::kOptionsOffset,
            "option overload must be one octet of 1, 2 or 3 (RFC 2131 §4.1)");
      return;
    }
    m.overload = overload;
    if (overload & 1) {
      if (!scan_area(m, b, dhcp::OptionArea::kFile, dhcp::kFileOffset, dhcp::kFileOffset + dhcp::kFileSize,
                     m.file_end, base)) {
        return;
      }
    }
    if (overload & 2) {
      if (!scan_area(m, b, dhcp::OptionArea::kSname, dhcp::kSnameOffset, dhcp::kSnameOffset + dhcp::kSnameSize,
                     m.sname_end, base)) {
        return;
      }
    }
  }
  join_repeated(m, b);
  check_lengths(m, base);
}

// RFC 3396 §7: instances of one code are concatenated in reading order.
void Decoder::join_repeated(DhcpMsg& m, wire::ByteView b) {
  if (!m.repeated_code) return;
  auto inst = d_.instances(m);
  m.joined_begin = static_cast<std::uint32_t>(d_.joined.size());
  std::bitset<256> done;
  for (std::size_t i = 0; i < inst.size(); ++i) {
    const std::uint8_t c = inst[i].code;
    if (done[c]) continue;
    done.set(c);
    std::size_t count = 0;
    for (std::size_t j = i; j < inst.size(); ++j) count += inst[j].code == c;
    if (count < 2) continue;
    DecodedTrace::Joined jv{c, static_cast<std::uint32_t>(d_.joined_bytes.size()), 0};
    for (std::size_t j = i; j < inst.size(); ++j) {
      if (inst[j].code != c) continue;
      auto v = b.subspan(inst[j].offset + 2u, inst[j].length);
      d_.joined_bytes.insert(d_.joined_bytes.end(), v.begin(), v.end());
      jv.size += inst[j].length;
    }
    d_.joined.push_back(jv);
    ++m.joined_count;
  }
}

// Lengths against the option table (FW-07: EDK2 drops the whole packet). The table
// entry is looked up once per code (defs_); wire's validator only words the error.
void Decoder::check_lengths(DhcpMsg& m, std::size_t base) {
  auto inst = d_.instances(m);
  for (std::size_t i = 0; i < inst.size(); ++i) {
    const std::uint8_t c = inst[i].code;
    if (c == dhcp::code::kOverload) continue;
    std::size_t len = inst[i].length;
    if (m.repeated_code) {
      bool first = true;
      for (std::size_t j = 0; j < i; ++j) first = first && inst[j].code != c;
      if (!first) continue;
      len = d_.option(m, c)->size();
    }
    const dhcp::OptionDef* def = defs_[c];
    if (def == nullptr ||
        (len >= def->min_length && len <= def->max_length && len % dhcp::format_unit(def->format) == 0)) {
      continue;
    }
    auto s = dhcp::validate_option_length(c, len, inst[i].offset + 1u);
    if (!s) {
      m.length_error = static_cast<std::int32_t>(d_.errors.size());
      error(m.frame, s.error(), base);
      break;
    }
  }
}

void Decoder::tftp_message(std::uint32_t index, FrameInfo& fi, wire::ByteView p, std::int32_t transfer,
                           bool from_server) {
  fi.kind = FrameKind::kTftp;
  fi.record = static_cast<std::int32_t>(d_.tftp.size());
  TftpMsg& t = d_.tftp.emplace_back();
  t.frame = index;
  t.transfer = transfer;
  t.from_server = from_server;
  const std::uint16_t op = p.size() >= 2 ? wire::load_be16(p.data()) : 0;
  if (op == static_cast<std::uint16_t>(wire::TftpOpcode::kData) && p.size() >= 4) {
    t.opcode = wire::TftpOpcode::kData;  // hot path: no parse_tftp (it would copy nothing, but check less)
    t.number = wire::load_be16(p.data() + 2);
    t.data_size = static_cast<std::uint32_t>(p.size() - 4);
  } else if (op == static_cast<std::uint16_t>(wire::TftpOpcode::kAck) && p.size() == 4) {
    t.opcode = wire::TftpOpcode::kAck;
    t.number = wire::load_be16(p.data() + 2);
  } else {
    auto parsed = wire::parse_tftp(p);
    if (!parsed) {
      t.error = static_cast<std::int32_t>(d_.errors.size());
      error(index, parsed.error(), fi.payload_offset);
    } else {
      t.opcode = wire::opcode_of(*parsed);
      if (auto* e = std::get_if<wire::TftpError>(&*parsed)) t.number = e->code;
    }
  }
  if (transfer != kNone) d_.transfers[static_cast<std::size_t>(transfer)].messages.push_back(fi.record);
}

void Decoder::tftp_packet(std::uint32_t index, FrameInfo& fi, wire::ByteView p) {
  const std::uint16_t op = p.size() >= 2 ? wire::load_be16(p.data()) : 0;
  if (fi.dst_port == wire::kTftpServerPort &&
      (op == static_cast<std::uint16_t>(wire::TftpOpcode::kRrq) ||
       op == static_cast<std::uint16_t>(wire::TftpOpcode::kWrq))) {
    TftpTransferKey key{fi.src_ip, fi.src_port, fi.dst_ip};
    auto it = transfers_.find(key);
    if (it != transfers_.end()) {
      TftpTransferRaw& old = d_.transfers[static_cast<std::size_t>(it->second)];
      const TftpMsg& first = d_.tftp[old.messages.front()];
      auto first_bytes = d_.payload(first.frame);
      // The same request again before any answer: a retransmission (RFC 1350 §2).
      if (old.server_tid == 0 && first_bytes.size() == p.size() &&
          std::memcmp(first_bytes.data(), p.data(), p.size()) == 0) {
        ++old.request_count;
        tftp_message(index, fi, p, it->second, false);
        return;
      }
    }
    const auto t = static_cast<std::int32_t>(d_.transfers.size());
    TftpTransferRaw& tr = d_.transfers.emplace_back();
    tr.key = key;
    tr.client_mac = fi.src_mac;
    tr.server_port = fi.dst_port;
    tr.request_frame = index;
    transfers_[key] = t;
    tftp_message(index, fi, p, t, false);
    return;
  }
  // Client to server: the client's port and the server's address identify it.
  if (auto it = transfers_.find(TftpTransferKey{fi.src_ip, fi.src_port, fi.dst_ip}); it != transfers_.end()) {
    const auto& others = d_.transfers[static_cast<std::size_t>(it->second)].other_tids;
    const bool other = std::find(others.begin(), others.end(), fi.dst_port) != others.end();
    tftp_message(index, fi, p, it->second, false);
    d_.tftp.back().other_tid = other;
    return;
  }
  if (auto it = transfers_.find(TftpTransferKey{fi.dst_ip, fi.dst_port, fi.src_ip}); it != transfers_.end()) {
    TftpTransferRaw& tr = d_.transfers[static_cast<std::size_t>(it->second)];
    bool foreign = false, other = false;
    if (tr.server_tid == 0) {
      tr.server_tid = fi.src_port;  // RFC 1350 §4: the server's first packet picks its TID
    } else if (fi.src_port != tr.server_tid) {
      // A repeated request may be answered as a new transfer from a new port.
      other = tr.request_count > 1 || std::find(tr.other_tids.begin(), tr.other_tids.end(), fi.src_port) != tr.other_tids.end();
      if (other && std::find(tr.other_tids.begin(), tr.other_tids.end(), fi.src_port) == tr.other_tids.end()) {
        tr.other_tids.push_back(fi.src_port);
      }
      foreign = !other;
    }
    tftp_message(index, fi, p, it->second, true);
    d_.tftp.back().foreign_tid = foreign;
    d_.tftp.back().other_tid = other;
    return;
  }
  // Anything else on port 69 (garbage, or an answer from port 69 itself).
  if (fi.dst_port == wire::kTftpServerPort) tftp_message(index, fi, p, kNone, false);
}

}  // namespace

DecodedTrace decode_trace(const sim::Trace& trace, const DecodeOptions& options) {
  DecodedTrace d(trace);
  const std::size_t n = trace.frame_count();
  d.frames.reserve(n);
  // Sized for a DHCP-heavy capture up front: growth would copy and page-fault twice.
  d.dhcp.reserve(n);
  d.dhcp_options.reserve(n * 8);
  // A simulated run records each frame's fate: one that no port received (lost on
  // its link or the peer's) must not count as a request, an ACK or an ERROR anyone
  // answered. A capture has no fates: nothing is lost.
  std::vector<std::uint8_t> delivered;
  if (trace.outcomes().size() > 0 && !options.decode_lost) {
    delivered.assign(n, 0);
    for (const auto& o : trace.outcomes()) {
      if (o.fate == sim::Fate::kDelivered && o.frame < n) delivered[o.frame] = 1;
    }
  }
  Decoder decoder(d);
  for (std::size_t i = 0; i < n; ++i) {
    if (!delivered.empty() && !delivered[i]) {
      FrameInfo& fi = d.frames.emplace_back();
      sim::FrameView fv = trace.frame(i);
      fi.time = fv.time;
      fi.size = static_cast<std::uint32_t>(fv.bytes.size());
      fi.kind = FrameKind::kLost;
      continue;
    }
    decoder.frame(static_cast<std::uint32_t>(i), trace.frame(i));
  }
  return d;
}

}  // namespace pxelab::conformance
