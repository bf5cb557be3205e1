#include "client/qemu/trace_digest.h"

#include <map>
#include <set>

#include "wire/dhcp_option_values.h"
#include "wire/frame.h"
#include "wire/ports.h"

namespace pxelab::client::qemu {

namespace {

using wire::dhcp::MessageType;

bool is_dhcp_port(std::uint16_t p) {
  return p == wire::kDhcpServerPort || p == wire::kDhcpClientPort || p == wire::kPxeBootServerPort;
}

}  // namespace

std::vector<const DhcpEvent*> ClientDigest::sent(MessageType type) const {
  std::vector<const DhcpEvent*> out;
  for (const auto& e : dhcp) {
    if (e.from_client && e.type && *e.type == static_cast<std::uint8_t>(type)) out.push_back(&e);
  }
  return out;
}

ClientDigest digest_client(const sim::Trace& trace, const wire::MacAddress& mac) {
  ClientDigest d;
  d.mac = mac;
  // Transfers by the client's TFTP port; blocks seen per transfer (a block counts once).
  std::map<std::uint16_t, std::size_t> open;
  std::map<std::size_t, std::set<std::uint16_t>> blocks;
  std::map<std::size_t, std::uint16_t> block_size;
  for (std::size_t i = 0; i < trace.frame_count(); ++i) {
    sim::FrameView f = trace.frame(i);
    auto udp = wire::parse_udp_frame(f.bytes, {.verify_udp_checksum = false});
    if (!udp) continue;
    bool from = udp->eth.src == mac;
    bool to = udp->eth.dst == mac;
    std::uint16_t sp = udp->udp.src_port, dp = udp->udp.dst_port;
    if (is_dhcp_port(sp) || is_dhcp_port(dp)) {
      auto m = wire::dhcp::parse(udp->payload);
      if (!m) {
        if (from || to) ++d.unparsed;
        continue;
      }
      // DHCP replies are often broadcast: the client is the one named in chaddr.
      if (m->mac() != mac || !(from || to || udp->eth.dst.is_broadcast())) continue;
      ++d.frames;
      DhcpEvent e;
      e.frame = i;
      e.time = f.time;
      e.from_client = m->op == wire::dhcp::kBootRequest;
      e.src_ip = udp->ip.src;
      e.dst_ip = udp->ip.dst;
      e.src_port = sp;
      e.dst_port = dp;
      if (auto t = wire::dhcp::message_type(*m)) e.type = static_cast<std::uint8_t>(*t);
      e.message = std::move(*m);
      d.dhcp.push_back(std::move(e));
      continue;
    }
    if (!from && !to) continue;
    ++d.frames;
    auto pkt = wire::parse_tftp(udp->payload);
    if (!pkt) continue;  // not TFTP (ARP-less UDP to other ports): not counted as unparsed
    if (from && dp == wire::kTftpServerPort) {
      if (const auto* rq = std::get_if<wire::TftpRequest>(&*pkt); rq && rq->opcode == wire::TftpOpcode::kRrq) {
        TftpTransfer t;
        t.file = rq->filename;
        t.client_port = sp;
        t.rrq_frame = t.last_frame = i;
        t.started = t.finished = f.time;
        t.requested = rq->options;
        open[sp] = d.tftp.size();
        block_size[d.tftp.size()] = rq->options.blksize().value_or(512);
        d.tftp.push_back(std::move(t));
      }
      continue;
    }
    std::uint16_t client_port = from ? sp : dp;
    auto it = open.find(client_port);
    if (it == open.end()) continue;
    TftpTransfer& t = d.tftp[it->second];
    if (to) {
      if (const auto* data = std::get_if<wire::TftpData>(&*pkt)) {
        if (blocks[it->second].insert(data->block).second) t.bytes += data->data.size();
        t.finished = f.time;
        t.last_frame = i;
        if (data->data.size() < block_size[it->second]) t.complete = true;
      } else if (const auto* o = std::get_if<wire::TftpOack>(&*pkt)) {
        t.oack = o->options;
        if (auto b = o->options.blksize()) block_size[it->second] = *b;
      } else if (const auto* e = std::get_if<wire::TftpError>(&*pkt)) {
        t.server_error = *e;
      }
    } else if (const auto* e = std::get_if<wire::TftpError>(&*pkt)) {
      t.client_error = *e;
    }
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
