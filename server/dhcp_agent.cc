#include "server/dhcp_agent.h"

#include "server/boot_choice.h"

namespace pxelab::server {

namespace {
constexpr std::uint64_t kCommitTimer = 1;
constexpr std::uint64_t kFirstDelayedTimer = 2;  // then one tag per delayed reply
// Fault duplicate_offer: the copy leaves this much after the first.
constexpr sim::Time kDuplicateOfferGap = sim::ms(100);

bool is_offer(const Reply& r) { return wire::dhcp::message_type(r.message) == wire::dhcp::MessageType::kOffer; }
}

DhcpServerAgent::DhcpServerAgent(const ServerConfig& config, LeaseStore& leases, LogSink& log, std::int64_t lease_epoch)
    : config_(config), leases_(leases), log_(log), lease_epoch_(lease_epoch), responder_(config, leases) {}

void DhcpServerAgent::start(sim::AgentContext&, sim::Time) {}

void DhcpServerAgent::on_datagram(sim::AgentContext& ctx, sim::Time now, const sim::Datagram& d) {
  Arrival arrival{{d.src_mac, d.src.ip, d.src.port}, d.dst.port};
  Exchange ex = responder_.handle(d.payload, arrival, lease_epoch_ + now / sim::seconds(1));
  log_.line(now, ex.summary);
  if (!ex.reply) return;
  if (ex.reply->durable_seq > leases_.durable_seq()) {
    waiting_.push_back(std::move(*ex.reply));
    if (!commit_pending_) {
      commit_pending_ = true;
      ctx.set_timer(now + sim::ms(config_.group_commit_ms), kCommitTimer);
    }
    return;
  }
  const Faults& f = config_.faults;
  if (f.any() && is_offer(*ex.reply)) {
    // Faults offer_delay_ms (FW-13: a proxy later than iPXE's window) and
    // duplicate_offer (DHCP-DUP-OFFER).
    const sim::Time first = now + sim::ms(f.offer_delay_ms);
    if (f.has(Fault::kDuplicateOffer)) send_at(ctx, first + kDuplicateOfferGap, *ex.reply);
    if (f.offer_delay_ms > 0) {
      send_at(ctx, first, std::move(*ex.reply));
      return;
    }
  }
  send(ctx, now, *ex.reply);
}

void DhcpServerAgent::send_at(sim::AgentContext& ctx, sim::Time at, Reply reply) {
  const std::uint64_t tag = kFirstDelayedTimer + next_delayed_++;
  delayed_.emplace(tag, std::move(reply));
  ctx.set_timer(at, tag);
}

void DhcpServerAgent::on_timer(sim::AgentContext& ctx, sim::Time now, std::uint64_t tag) {
  if (tag == kCommitTimer) {
    commit(ctx, now);
    return;
  }
  if (auto it = delayed_.find(tag); it != delayed_.end()) {
    send(ctx, now, it->second);
    delayed_.erase(it);
  }
}

void DhcpServerAgent::commit(sim::AgentContext& ctx, sim::Time now) {
  commit_pending_ = false;
  auto st = leases_.flush();
  if (!st) {
    // Not durable: these ACKs must not leave. The clients will retry.
    log_.line(now, "lease journal flush failed, " + std::to_string(waiting_.size()) +
                       " ACKs withheld: " + st.error().to_string());
    waiting_.clear();
    return;
  }
  for (const auto& r : waiting_) send(ctx, now, r);
  waiting_.clear();
}

void DhcpServerAgent::send(sim::AgentContext& ctx, sim::Time now, const Reply& reply) {
  sim::OutgoingDatagram out{reply.source_port, {reply.destination.ip, reply.destination.port}, reply.encoded};
  // A client without an address cannot answer ARP: unicast replies go straight to the
  // MAC the responder chose (chaddr, or the relay's), RFC 2131 §4.1.
  if (!reply.destination.mac.is_broadcast()) out.dst_mac = reply.destination.mac;
  out.src_ip = config_.address;
  auto st = ctx.send(out);
  if (!st) {
    log_.line(now, "reply not sent: " + st.error().to_string());
    return;
  }
  ++replies_sent_;
  note_once_file(reply.message);
}

void DhcpServerAgent::note_once_file(const wire::dhcp::Message& m) {
  if (m.file.empty()) return;
  const HostEntry* host = config_.find_host(m.mac());
  if (config_.boot_mode_of(host) != BootMode::Once || host == nullptr) return;
  // A chainloaded iPXE binary is not the boot image: iPXE asks again and gets its
  // script (FW-44), which is what the once flip waits for (boot_choice.h).
  if (is_ipxe_binary(config_, m.file)) return;
  once_files_[host->mac] = m.file;
}

const std::string* DhcpServerAgent::once_file(const wire::MacAddress& mac) const {
  auto it = once_files_.find(mac);
  return it == once_files_.end() ? nullptr : &it->second;
}

Status bind_dhcp_server(sim::Host& host, DhcpServerAgent& agent) {
  auto st = host.bind(wire::kDhcpServerPort, agent);
  if (!st) return st;
  return host.bind(wire::kPxeBootServerPort, agent);
}

}  // namespace pxelab::server
