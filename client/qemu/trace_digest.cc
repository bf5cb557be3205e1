#include "client/qemu/trace_digest.h"

#include <map>
#include <set>

#include "conformance/analysis/trace_decode.h"
#include "wire/dhcp_option_values.h"

namespace pxelab::client::qemu {

namespace {

using wire::dhcp::MessageType;

}  // namespace

std::vector<const DhcpEvent*> ClientDigest::sent(MessageType type) const {
  std::vector<const DhcpEvent*> out;
  for (const auto& e : dhcp) {
    if (e.from_client && e.type && *e.type == static_cast<std::uint8_t>(type)) out.push_back(&e);
  }
  return out;
}

namespace {

// The client's own view of one DHCP frame the trace decoder found (strict parse, as
// fidelity compares what a client would accept). False: not this client's.
bool add_dhcp_event(const conformance::DecodedTrace& dt, std::uint32_t i, const wire::MacAddress& mac, ClientDigest& d) {
  const conformance::FrameInfo& fi = dt.frames[i];
  const bool from = fi.src_mac == mac, to = fi.dst_mac == mac;
  auto m = wire::dhcp::parse(dt.payload(i));
  if (!m) {
    if (from || to) ++d.unparsed;
    return false;
  }
  // DHCP replies are often broadcast: the client is the one named in chaddr.
  if (m->mac() != mac || !(from || to || fi.dst_mac.is_broadcast())) return false;
  ++d.frames;
  DhcpEvent e;
  e.frame = i;
  e.time = fi.time;
  e.from_client = m->op == wire::dhcp::kBootRequest;
  e.src_ip = fi.src_ip;
  e.dst_ip = fi.dst_ip;
  e.src_port = fi.src_port;
  e.dst_port = fi.dst_port;
  if (auto t = wire::dhcp::message_type(*m)) e.type = static_cast<std::uint8_t>(*t);
  e.message = std::move(*m);
  d.dhcp.push_back(std::move(e));
  return true;
}

// The client's TFTP transfers, keyed by its port (its TID, RFC 1350 §4): an RRQ to 69
// opens one, DATA/OACK/ERROR on that port fill it; a block counts once.
class TransferTracker {
 public:
  explicit TransferTracker(ClientDigest& d) : d_(d) {}

  void packet(std::uint32_t i, sim::Time time, bool from, bool to, const conformance::FrameInfo& fi,
              const wire::TftpPacket& pkt) {
    if (from && fi.dst_port == wire::kTftpServerPort) {
      if (const auto* rq = std::get_if<wire::TftpRequest>(&pkt); rq && rq->opcode == wire::TftpOpcode::kRrq) {
        TftpTransfer t;
        t.file = rq->filename;
        t.client_port = fi.src_port;
        t.rrq_frame = t.last_frame = i;
        t.started = t.finished = time;
        t.requested = rq->options;
        open_[fi.src_port] = d_.tftp.size();
        block_size_[d_.tftp.size()] = rq->options.blksize().value_or(512);
        d_.tftp.push_back(std::move(t));
      }
      return;
    }
    auto it = open_.find(from ? fi.src_port : fi.dst_port);
    if (it == open_.end()) return;
    TftpTransfer& t = d_.tftp[it->second];
    if (!to) {
      if (const auto* e = std::get_if<wire::TftpError>(&pkt)) t.client_error = *e;
      return;
    }
    if (const auto* data = std::get_if<wire::TftpData>(&pkt)) {
      if (blocks_[it->second].insert(data->block).second) t.bytes += data->data.size();
      t.finished = time;
      t.last_frame = i;
      if (data->data.size() < block_size_[it->second]) t.complete = true;
    } else if (const auto* o = std::get_if<wire::TftpOack>(&pkt)) {
      t.oack = o->options;
      if (auto b = o->options.blksize()) block_size_[it->second] = *b;
    } else if (const auto* e = std::get_if<wire::TftpError>(&pkt)) {
      t.server_error = *e;
    }
  }

 private:
  ClientDigest& d_;
  std::map<std::uint16_t, std::size_t> open_;  // client port -> transfer
  std::map<std::size_t, std::set<std::uint16_t>> blocks_;
  std::map<std::size_t, std::uint16_t> block_size_;
};

}  // namespace

// Frames are read once, by the conformance trace decoder (Ethernet/802.1Q, IPv4, UDP,
// which UDP is DHCP and which is TFTP); the digest is this client's view over them.
ClientDigest digest_client(const sim::Trace& trace, const wire::MacAddress& mac) {
  ClientDigest d;
  d.mac = mac;
  const conformance::DecodedTrace dt = conformance::decode_trace(trace, {.decode_lost = true});
  TransferTracker transfers(d);
  for (std::uint32_t i = 0; i < dt.frames.size(); ++i) {
    const conformance::FrameInfo& fi = dt.frames[i];
    using Kind = conformance::FrameKind;
    if (fi.kind == Kind::kDhcp) {
      add_dhcp_event(dt, i, mac, d);
      continue;
    }
    const bool udp = fi.kind == Kind::kUdp || fi.kind == Kind::kTftp || (fi.kind == Kind::kWol && fi.ip_total_length != 0);
    if (!udp || (fi.src_mac != mac && fi.dst_mac != mac)) continue;
    ++d.frames;
    auto pkt = wire::parse_tftp(dt.payload(i));
    if (!pkt) continue;  // not TFTP (ARP-less UDP to other ports): not counted as unparsed
    transfers.packet(i, fi.time, fi.src_mac == mac, fi.dst_mac == mac, fi, *pkt);
  }
  return d;
}

void fill_outcome_from_digest(ClientOutcome& o, const ClientDigest& d) {
  auto type_is = [](const DhcpEvent& e, MessageType t) { return e.type && *e.type == static_cast<std::uint8_t>(t); };
  std::uint32_t discovers = 0, requests = 0, proxy_requests = 0;
  for (const auto& e : d.dhcp) {
    if (e.from_client) {
      bool proxy = e.dst_port == wire::kPxeBootServerPort;
      if (type_is(e, MessageType::kDiscover) || !e.type) {
        if (discovers++ == 0 && !o.timeline.first_discover) o.timeline.first_discover = e.time;
      } else if (type_is(e, MessageType::kRequest)) {
        ++(proxy ? proxy_requests : requests);
      }
      continue;
    }
    if (type_is(e, MessageType::kOffer) && !o.timeline.offer) o.timeline.offer = e.time;
    if (type_is(e, MessageType::kAck)) {
      if (e.src_port == wire::kPxeBootServerPort || e.message.yiaddr.value == 0) {
        if (!o.timeline.proxy_ack) o.timeline.proxy_ack = e.time;
        continue;
      }
      if (!o.timeline.ack) o.timeline.ack = e.time;
      // The last ACK names what the client ended with (a chainloaded iPXE asks again).
      o.address = e.message.yiaddr;
      o.dhcp_server = wire::dhcp::server_id(e.message);
      std::string file = wire::dhcp::get_string(e.message, wire::dhcp::code::kBootfileName).value_or(e.message.file);
      if (!file.empty() && o.boot_file.empty()) o.boot_file = file;
      if (!o.boot_server) o.boot_server = e.message.siaddr.value ? e.message.siaddr : e.src_ip;
    }
  }
  o.retransmissions.discover = discovers > 0 ? discovers - 1 : 0;
  // A chainloaded iPXE's REQUEST is a new exchange, not a retry: count REQUESTs beyond
  // one per ACK as retransmissions.
  std::uint32_t acks = 0;
  for (const auto& e : d.dhcp) acks += !e.from_client && type_is(e, MessageType::kAck) && e.src_port != wire::kPxeBootServerPort;
  o.retransmissions.request = requests > acks ? requests - acks : 0;
  o.retransmissions.proxy_request = proxy_requests > 1 ? proxy_requests - 1 : 0;
  o.images.clear();
  std::uint64_t octets = 0;
  // A retransmitted RRQ comes from the same port (same TID); EDK2's second RRQ after
  // its tsize probe (FW-23) comes from a new one and is a new transfer.
  std::map<std::pair<std::string, std::uint16_t>, int> rrqs;
  for (const auto& t : d.tftp) {
    ++rrqs[{t.file, t.client_port}];
    if (!o.timeline.tftp_start) o.timeline.tftp_start = t.started;
    if (!t.complete) continue;
    LoadedImage img;
    img.name = t.file;
    img.size = t.bytes;
    if (t.oack) img.tsize = t.oack->tsize();
    img.kind = o.images.empty() ? "nbp" : t.file.rfind("pxelinux.cfg/", 0) == 0 ? "pxelinux-config" : "file";
    img.server = o.boot_server.value_or(wire::Ipv4Address{});
    img.started = t.started;
    img.finished = t.finished;
    octets += t.bytes;
    o.timeline.tftp_end = t.finished;
    o.images.push_back(std::move(img));
  }
  for (const auto& [key, n] : rrqs) o.retransmissions.tftp += n > 1 ? static_cast<std::uint32_t>(n - 1) : 0;
  if (o.timeline.tftp_start && o.timeline.tftp_end && *o.timeline.tftp_end > *o.timeline.tftp_start) {
    o.throughput_bps = static_cast<double>(octets) * 8 / sim::to_seconds(*o.timeline.tftp_end - *o.timeline.tftp_start);
  }
}

}  // namespace pxelab::client::qemu
