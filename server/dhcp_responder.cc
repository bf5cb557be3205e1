#include "server/dhcp_responder.h"

#include <algorithm>
#include <cstdio>

#include "server/boot_choice.h"
#include "wire/dhcp_option_values.h"
#include "wire/pxe_options.h"
#include "wire/text.h"

namespace pxelab::server {

namespace dhcp = wire::dhcp;
using wire::Ipv4Address;
using wire::MacAddress;

std::string_view to_string(DropReason r) {
  switch (r) {
    case DropReason::kNone: return "none";
    case DropReason::kMalformed: return "malformed";
    case DropReason::kNotARequest: return "not-a-request";
    case DropReason::kWrongMode: return "wrong-mode";
    case DropReason::kOtherServer: return "other-server";
    case DropReason::kUnknownClient: return "unknown-client";
    case DropReason::kNoSubnet: return "no-subnet";
    case DropReason::kPoolExhausted: return "pool-exhausted";
    case DropReason::kUnknownBootItem: return "unknown-boot-item";
    case DropReason::kLeaseNotDurable: return "lease-not-durable";
    case DropReason::kCannotEncode: return "cannot-encode";
    case DropReason::kNoBootFile: return "no-boot-file";
    case DropReason::kLocalBoot: return "local-boot";
    case DropReason::kCount: break;
  }
  return "?";
}

struct DhcpResponder::Context {
  const dhcp::Message& request;
  const Arrival& arrival;
  std::int64_t now;
  std::optional<dhcp::MessageType> type;
  MacAddress mac;
  std::string client_key;
  const HostEntry* host;
  ClientIdentity client;
  const Subnet* subnet;  // subnet_for(request)
  std::string head;  // "DISCOVER 52:54:00:00:00:01 xid 0x1234"
  bool renewing = false;  // on_request took the RENEWING/REBINDING branch (for faults)
};

namespace {

std::string client_id_string(const dhcp::Message& m) {
  auto id = dhcp::client_id(m);
  return id ? std::string(id->begin(), id->end()) : std::string();
}

// chaddr holds an Ethernet MAC (htype 1, hlen 6: RFC 1700 hardware type 1).
bool ethernet_chaddr(const dhcp::Message& m) { return m.htype == 1 && m.hlen == 6; }

// Whether the client asked for `code` in option 55.
bool requested(const dhcp::Message& m, std::uint8_t code) {
  auto prl = dhcp::parameter_request_list(m);
  return prl && std::find(prl->begin(), prl->end(), code) != prl->end();
}

}  // namespace

DhcpResponder::DhcpResponder(const ServerConfig& config, LeaseStore& leases) : config_(config), leases_(leases) {
  std::set<Ipv4Address> reserved{config.address};
  for (const auto& h : config.hosts) {
    if (h.ip) reserved.insert(*h.ip);
  }
  for (const auto& s : config.subnets) {
    std::set<Ipv4Address> r = reserved;
    if (s.router) r.insert(*s.router);
    pools_.emplace_back(s, std::move(r));
  }
}

Exchange DhcpResponder::handle(wire::ByteView datagram, const Arrival& arrival, std::int64_t now) {
  dhcp::ParseOptions popts;
  popts.require_end = false;  // be liberal in what we accept: FW-05-style senders exist
  popts.accept_vendor_specific_area = true;
  auto parsed = dhcp::parse(datagram, popts);
  if (!parsed) {
    ++stats_.requests;
    ++stats_.drops[static_cast<std::size_t>(DropReason::kMalformed)];
    return Exchange{std::nullopt, DropReason::kMalformed,
                    "malformed datagram from " + arrival.source.ip.to_string() + ":" +
                        std::to_string(arrival.source.port) + ": " + parsed.error().to_string()};
  }
  return handle(*parsed, arrival, now);
}

Exchange DhcpResponder::handle(const dhcp::Message& request, const Arrival& arrival, std::int64_t now) {
  ++stats_.requests;
  Context c{request,  arrival, now, dhcp::message_type(request), request.mac(), "", nullptr, identify_client(request),
            subnet_for(request), ""};
  c.client_key = client_key_for(client_id_string(request), c.mac);
  c.host = request.htype == 1 && request.hlen == 6 ? config_.find_host(c.mac) : nullptr;
  c.head = std::string(c.type ? dhcp::to_string(*c.type) : "BOOTREQUEST") + " " + c.mac.to_string() + " xid " + wire::hex32(request.xid);
  if (c.client.arch) c.head += " arch " + std::to_string(*c.client.arch);
  if (c.client.ipxe) c.head += " iPXE";
  if (arrival.local_port == wire::kPxeBootServerPort) c.head += " on 4011";

  if (request.op != dhcp::kBootRequest) return drop(c, DropReason::kNotARequest, "op " + std::to_string(request.op));
  if (request.hlen > 16) return drop(c, DropReason::kMalformed, "hlen " + std::to_string(request.hlen) + " > 16");

  if (!c.type) {
    if (config_.mode == ServerMode::Proxy) return drop(c, DropReason::kWrongMode, "BOOTP request in proxy mode");
    return on_bootp(c);
  }
  if (config_.mode == ServerMode::Bootp) {
    // RFC 1534 §2: a BOOTP server treats a DHCPDISCOVER/DHCPREQUEST as a BOOTREQUEST;
    // the DHCP client may use the BOOTREPLY (EDK2, iPXE and U-Boot do).
    if (*c.type == dhcp::MessageType::kDiscover || *c.type == dhcp::MessageType::kRequest) return on_bootp(c);
    return drop(c, DropReason::kWrongMode, "DHCP message in BOOTP-only mode");
  }

  if (arrival.local_port == wire::kPxeBootServerPort) {
    if (*c.type != dhcp::MessageType::kRequest && *c.type != dhcp::MessageType::kInform) {
      return drop(c, DropReason::kNotARequest, "only REQUEST/INFORM are served on 4011");
    }
    if (!c.client.pxe) return drop(c, DropReason::kWrongMode, "not a PXE client on 4011");
    return on_boot_server(c);
  }

  if (config_.mode == ServerMode::Proxy) {
    if (!c.client.pxe) return drop(c, DropReason::kWrongMode, "proxy mode answers PXE clients only");
    if (*c.type == dhcp::MessageType::kDiscover) return on_proxy_offer(c);
    // REQUESTs on 67 are for the DHCP server beside us (PXE 2.1 §2.2, step 4).
    return drop(c, DropReason::kOtherServer, "proxy mode leaves REQUESTs on 67 to the DHCP server");
  }

  switch (*c.type) {
    case dhcp::MessageType::kDiscover: return on_discover(c);
    case dhcp::MessageType::kRequest: return on_request(c);
    case dhcp::MessageType::kDecline: return on_decline(c);
    case dhcp::MessageType::kRelease: return on_release(c);
    case dhcp::MessageType::kInform: return on_inform(c);
    default: return drop(c, DropReason::kNotARequest, "a server message type");
  }
}

// ---- shared pieces ------------------------------------------------------------------

const Subnet* DhcpResponder::subnet_for(const dhcp::Message& request) const {
  auto containing = [&](Ipv4Address a) -> const Subnet* {
    for (const auto& s : config_.subnets) {
      if (s.contains(a)) return &s;
    }
    return nullptr;
  };
  // RFC 2131 §4.3.1: a relayed request is for giaddr's subnet; otherwise the subnet of
  // the interface it arrived on (ours).
  if (!request.giaddr.is_any()) return containing(request.giaddr);
  if (const Subnet* s = containing(config_.address)) return s;
  return config_.subnets.empty() ? nullptr : &config_.subnets.front();
}

AddressPool* DhcpResponder::pool_for(const Subnet* subnet) {
  if (!subnet) return nullptr;
  return &pools_[static_cast<std::size_t>(subnet - config_.subnets.data())];
}

std::uint32_t DhcpResponder::lease_time_for(const Subnet* subnet) const {
  return subnet && subnet->lease_time ? *subnet->lease_time : config_.lease_time;
}

dhcp::Message DhcpResponder::reply_header(const Context& c) const {
  // DHCP-HDR-ECHO (RFC 2131 table 3): xid, htype, hlen, flags, giaddr, chaddr copied;
  // hops 0; secs 0.
  dhcp::Message m;
  m.op = dhcp::kBootReply;
  m.htype = c.request.htype;
  m.hlen = c.request.hlen;
  m.hops = 0;
  m.xid = c.request.xid;
  m.flags = c.request.flags;
  m.giaddr = c.request.giaddr;
  m.chaddr = c.request.chaddr;
  return m;
}

void DhcpResponder::add_network_options(const Context& c, dhcp::Message& m, bool with_lease) const {
  const Subnet* s = c.subnet;
  if (with_lease) {
    std::uint32_t lease = lease_time_for(s);
    dhcp::set_lease_time(m, lease);
    dhcp::set_renewal_time(m, config_.t1.value_or(lease / 2));  // RFC 2131 §4.4.5
    dhcp::set_rebinding_time(m, config_.t2.value_or(static_cast<std::uint32_t>(std::uint64_t{lease} * 7 / 8)));
  }
  if (!s) return;
  dhcp::set_subnet_mask(m, Ipv4Address{s->mask()});  // before the router (RFC 2132 §3.3)
  if (s->router) dhcp::set_routers(m, {*s->router});
  if (!s->dns.empty()) dhcp::set_dns_servers(m, s->dns);
  if (!s->domain.empty()) dhcp::set_string(m, dhcp::code::kDomainName, s->domain);
  if (c.host && !c.host->hostname.empty()) dhcp::set_host_name(m, c.host->hostname);
  // Extra options only when asked for, and the same in OFFER and ACK (DHCP-PRL-OFFER).
  for (const auto& o : s->options) {
    if (requested(c.request, o.code)) m.set(o.code, o.data);
  }
  // Forced options go out whether asked for or not (FW-30: pxelinux's 208-211).
  for (const auto& o : s->force_options) m.set(o.code, o.data);
}

void DhcpResponder::add_boot(const Context& c, dhcp::Message& m, const std::string& file_override) const {
  BootDecision d = choose_boot(config_, c.host, c.client);
  std::string file = file_override.empty() ? d.file : file_override;
  // siaddr names the TFTP server for every client (FW-12, FW-37: firmware ignores 66):
  // this server, or the host boot.next_server names.
  m.siaddr = config_.boot.next_server.value_or(config_.address);
  if (!file.empty()) {
    // The header field is what every ROM reads (FW-14, FW-15, FW-22); 67 as well when
    // asked for (FW-35). NUL-terminated unless configured otherwise (FW-38).
    m.file = file;
    if (requested(c.request, dhcp::code::kBootfileName)) {
      dhcp::set_bootfile_name(m, file, config_.boot.nul_terminate_file ? dhcp::Nul::kAppend : dhcp::Nul::kOmit);
    }
  }
  if (!config_.boot.tftp_server_name.empty()) dhcp::set_tftp_server_name(m, config_.boot.tftp_server_name);
  if (c.client.pxe && (d.vendor || !file.empty())) {
    // 60 "PXEClient" only to PXE clients we have a boot for: echoing it otherwise
    // makes them wait for 4011 (FW-39, PXE-NO-FALSE-PXECLIENT).
    dhcp::set_vendor_class(m, "PXEClient");
    if (d.vendor) {
      if (auto v = dhcp::encode_pxe_vendor_options(*d.vendor)) m.set(dhcp::code::kVendorSpecific, std::move(*v));
    }
  }
}

// Options every reply ends with: 61 echoed (RFC 6842 §3), 82 echoed last (RFC 3046 §2.2).
void DhcpResponder::finish(const Context& c, dhcp::Message& m) const {
  if (const auto* id = c.request.find(dhcp::code::kClientId)) m.set(dhcp::code::kClientId, id->data);
  if (const auto* info = c.request.find(dhcp::code::kRelayAgentInfo)) {
    m.remove(dhcp::code::kRelayAgentInfo);
    m.options.push_back(*info);
  }
}

wire::UdpEndpoint DhcpResponder::destination(const Context& c, const dhcp::Message& reply, bool is_nak) const {
  const auto& req = c.request;
  const wire::UdpEndpoint broadcast{MacAddress::broadcast(), Ipv4Address::broadcast(), wire::kDhcpClientPort};
  // RFC 2131 §4.1 (DHCP-DEST), in its order.
  if (!req.giaddr.is_any()) return {c.arrival.source.mac, req.giaddr, wire::kDhcpServerPort};
  if (is_nak) return broadcast;  // §4.3.2: NAK without relay is broadcast
  if (!req.ciaddr.is_any()) return {ethernet_chaddr(req) ? c.mac : c.arrival.source.mac, req.ciaddr, wire::kDhcpClientPort};
  if ((req.flags & dhcp::kBroadcastFlag) != 0 || reply.yiaddr.is_any()) return broadcast;  // FW-21 for yiaddr 0
  // Unicast to chaddr needs an Ethernet address there: for another htype/hlen the
  // first 6 octets of chaddr are not a MAC, so broadcast (RFC 2131 §4.1: a server
  // that cannot unicast to chaddr broadcasts).
  if (!ethernet_chaddr(req)) return broadcast;
  return {c.mac, reply.yiaddr, wire::kDhcpClientPort};
}

Reply DhcpResponder::configured_reply(const Context& c, dhcp::MessageType type, Ipv4Address ciaddr, Ipv4Address yiaddr,
                                      bool with_lease) const {
  Reply r;
  r.message = reply_header(c);
  r.message.ciaddr = ciaddr;
  r.message.yiaddr = yiaddr;
  dhcp::set_message_type(r.message, type);
  dhcp::set_server_id(r.message, config_.address);
  add_network_options(c, r.message, with_lease);
  add_boot(c, r.message);
  r.destination = destination(c, r.message, false);
  return r;
}

Exchange DhcpResponder::drop(Context& c, DropReason reason, std::string why) {
  ++stats_.drops[static_cast<std::size_t>(reason)];
  return Exchange{std::nullopt, reason, c.head + " -> no reply (" + std::string(to_string(reason)) + ": " + why + ")"};
}

Exchange DhcpResponder::answer(Context& c, Reply reply, std::string what) {
  finish(c, reply.message);
  // The client's 57 when larger than the 576 everyone accepts (RFC 2132 §9.10).
  auto max = dhcp::max_message_size(c.request);
  reply.emit.max_message_size = std::max<std::size_t>(576, max.value_or(576));
  // Every reply at least 300 octets (RFC 1542 §2.1, FW-35 as dnsmasq does): BOOTP
  // relays and old ROMs may drop shorter ones; 300 is below any 57 (>= 576).
  reply.emit.pad_to_bootp_minimum = true;
  // DHCP-MAX-SIZE: when even overload (52) cannot make it fit, shed what the client
  // can live without — extra options it asked for (last first), then names — rather
  // than send nothing. The essentials (53, 54, 51, 1, 3, 43, 60, 66, 67, 82) stay.
  static constexpr std::uint8_t kSheddable[] = {dhcp::code::kHostName, dhcp::code::kDomainName,
                                                dhcp::code::kDomainNameServer};
  if (config_.faults.on != 0) {
    // A deliberately broken server (server/faults.h): only under [faults].
    DhcpFaultView view{c.request};
    view.is_nak = dhcp::message_type(reply.message) == dhcp::MessageType::kNak;
    view.is_inform = c.type == dhcp::MessageType::kInform;
    view.is_renew = c.renewing && c.request.giaddr.is_any();
    view.is_boot_server = c.arrival.local_port == wire::kPxeBootServerPort;
    apply_dhcp_faults(config_.faults, view, reply.message, reply.emit, reply.destination);
  }
  auto encoded = dhcp::emit(reply.message, reply.emit);
  for (int guard = 0; guard < 256 && !encoded; ++guard) {
    auto& opts = reply.message.options;
    const Subnet* s = c.subnet;
    auto extra = std::find_if(opts.rbegin(), opts.rend(), [&](const dhcp::Option& o) {
      return s && std::any_of(s->options.begin(), s->options.end(), [&](const RawOption& r) { return r.code == o.code; });
    });
    if (extra != opts.rend()) {
      opts.erase(std::next(extra).base());
      encoded = dhcp::emit(reply.message, reply.emit);
      continue;
    }
    auto shed = std::find_if(opts.begin(), opts.end(), [](const dhcp::Option& o) {
      return std::find(std::begin(kSheddable), std::end(kSheddable), o.code) != std::end(kSheddable);
    });
    if (shed == opts.end()) break;  // nothing left to shed
    opts.erase(shed);
    encoded = dhcp::emit(reply.message, reply.emit);
  }
  if (!encoded) return drop(c, DropReason::kCannotEncode, encoded.error().to_string());
  reply.encoded = std::move(*encoded);
  std::string line = c.head + " -> " + what;
  if (!reply.message.file.empty()) line += " file " + reply.message.file;
  line += " to " + reply.destination.ip.to_string() + ":" + std::to_string(reply.destination.port);
  return Exchange{std::move(reply), DropReason::kNone, std::move(line)};
}

// ---- DHCP ---------------------------------------------------------------------------

Exchange DhcpResponder::on_discover(Context& c) {
  const Subnet* subnet = c.subnet;
  if (!subnet) return drop(c, DropReason::kNoSubnet, "giaddr " + c.request.giaddr.to_string() + " is in no subnet");
  std::optional<Ipv4Address> address;
  if (c.host && c.host->ip) {
    if (!subnet->contains(*c.host->ip)) return drop(c, DropReason::kNoSubnet, "host address not on this subnet");
    address = c.host->ip;
  } else {
    address = pool_for(subnet)->choose(leases_, c.client_key, dhcp::requested_address(c.request), c.now);
    if (!address) return drop(c, DropReason::kPoolExhausted, "no free address in " + subnet->network.to_string());
  }
  // Set the address aside for this client while it decides; in memory only. A client
  // that already holds it keeps its (journalled) lease untouched.
  const Lease* existing = leases_.find_by_ip(*address);
  if (!(existing && existing->client_key() == c.client_key && existing->state == LeaseState::Bound && existing->expires > c.now)) {
    Lease offer{*address, c.mac, client_id_string(c.request), LeaseState::Offered, c.now + kOfferHoldSeconds,
                c.host ? c.host->hostname : std::string()};
    // MemoryOnly never touches the journal, so this record cannot fail (lease_store.cc).
    static_cast<void>(leases_.record(offer, Durability::MemoryOnly));
  }

  Reply r = configured_reply(c, dhcp::MessageType::kOffer, {}, *address, true);  // DHCP-OFFER-CIADDR: ciaddr 0
  ++stats_.offers;
  return answer(c, std::move(r), "OFFER " + address->to_string());
}

Exchange DhcpResponder::on_request(Context& c) {
  auto sid = dhcp::server_id(c.request);
  auto wanted = dhcp::requested_address(c.request);
  const Subnet* subnet = c.subnet;
  const Lease* mine = leases_.find_by_client(c.client_key);
  auto expected = [&]() -> std::optional<Ipv4Address> {
    if (c.host && c.host->ip) return c.host->ip;
    if (mine) return mine->ip;
    return std::nullopt;
  };

  if (sid) {  // SELECTING (RFC 2131 §4.3.2)
    if (*sid != config_.address && !config_.faults.has(Fault::kAnswerOtherServer)) {
      // The client took another server's offer: free ours at once.
      // MemoryOnly never touches the journal, so forgetting cannot fail (lease_store.cc).
      if (mine && mine->state == LeaseState::Offered) static_cast<void>(leases_.forget(mine->ip, Durability::MemoryOnly));
      return drop(c, DropReason::kOtherServer, "selected server " + sid->to_string());
    }
    if (!wanted) return nak(c, "SELECTING REQUEST without option 50");
    if (!subnet || !subnet->contains(*wanted)) return nak(c, wanted->to_string() + " is not on the client's subnet");
    // A record of another address for this client (or a fixed one): NAK. No record at
    // all - the offer hold expired, or this server restarted since it offered - the
    // selected server commits the binding if the address is still free in its pool
    // (RFC 2131 §4.3.2; ack() NAKs a taken one).
    if (auto e = expected(); e && *e != *wanted) return nak(c, wanted->to_string() + " was not offered to this client");
    return ack(c, *wanted);
  }
  if (wanted && c.request.ciaddr.is_any()) {  // INIT-REBOOT
    if (config_.faults.has(Fault::kInitRebootAckAny) && subnet && subnet->contains(*wanted)) {
      return ack(c, *wanted, /*check_pool=*/false);
    }
    if (!subnet || !subnet->contains(*wanted)) return nak(c, wanted->to_string() + " is on the wrong subnet");
    auto e = expected();
    if (!e) return drop(c, DropReason::kUnknownClient, "INIT-REBOOT from a client without a lease (RFC 2131 §4.3.2)");
    if (*e != *wanted) return nak(c, wanted->to_string() + " is not this client's address");
    return ack(c, *wanted);
  }
  if (!c.request.ciaddr.is_any()) {  // RENEWING (unicast) or REBINDING (broadcast)
    c.renewing = true;
    Ipv4Address ci = c.request.ciaddr;
    auto e = expected();
    if (e && *e == ci) return ack(c, ci);
    const Lease* holder = leases_.find_by_ip(ci);
    if (holder && holder->client_key() != c.client_key && holder->holds_address() && holder->expires > c.now) {
      return nak(c, ci.to_string() + " is leased to another client");
    }
    return drop(c, DropReason::kUnknownClient, "RENEWING/REBINDING for " + ci.to_string() + " without a record");
  }
  return drop(c, DropReason::kMalformed, "REQUEST with neither server id, requested address nor ciaddr");
}

Exchange DhcpResponder::ack(Context& c, Ipv4Address yiaddr, bool check_pool) {
  const Subnet* subnet = c.subnet;
  const bool fixed = c.host && c.host->ip && *c.host->ip == yiaddr;
  if (!fixed && check_pool) {
    AddressPool* pool = pool_for(subnet);
    if (!pool || !pool->available_to(leases_, yiaddr, c.client_key, c.now)) {
      return nak(c, yiaddr.to_string() + " is not available");
    }
  }
  std::uint32_t lease_time = lease_time_for(subnet);
  Lease bound{yiaddr, c.mac, client_id_string(c.request), LeaseState::Bound, c.now + lease_time,
              c.host ? c.host->hostname : dhcp::host_name(c.request).value_or("")};
  auto seq = leases_.record(bound);
  if (!seq) return drop(c, DropReason::kLeaseNotDurable, seq.error().to_string());

  Reply r = configured_reply(c, dhcp::MessageType::kAck, c.request.ciaddr, yiaddr, true);
  r.durable_seq = *seq;
  ++stats_.acks;
  return answer(c, std::move(r), "ACK " + yiaddr.to_string());
}

Exchange DhcpResponder::nak(Context& c, std::string why) {
  // DHCP-NAK-FIELDS: yiaddr, ciaddr, siaddr 0; no lease time; 54 set. Through a relay
  // the broadcast bit is set so the relay broadcasts it (RFC 2131 §4.3.2).
  Reply r;
  r.message = reply_header(c);
  if (!c.request.giaddr.is_any()) r.message.flags |= dhcp::kBroadcastFlag;
  dhcp::set_message_type(r.message, dhcp::MessageType::kNak);
  dhcp::set_server_id(r.message, config_.address);
  dhcp::set_string(r.message, dhcp::code::kMessage, why);
  r.destination = destination(c, r.message, true);
  ++stats_.naks;
  return answer(c, std::move(r), "NAK (" + why + ")");
}

Exchange DhcpResponder::on_decline(Context& c) {
  auto wanted = dhcp::requested_address(c.request);
  const Lease* l = wanted ? leases_.find_by_ip(*wanted) : nullptr;
  if (!l || l->client_key() != c.client_key) return drop(c, DropReason::kUnknownClient, "DECLINE of an address it does not hold");
  Lease declined = *l;
  declined.state = LeaseState::Declined;
  declined.expires = c.now + kDeclineHoldSeconds;
  auto seq = leases_.record(declined);
  if (!seq) return drop(c, DropReason::kLeaseNotDurable, seq.error().to_string());
  ++stats_.declines;
  return Exchange{std::nullopt, DropReason::kNone, c.head + " -> " + wanted->to_string() + " declined, held " + std::to_string(kDeclineHoldSeconds) + " s"};
}

Exchange DhcpResponder::on_release(Context& c) {
  const Lease* l = leases_.find_by_ip(c.request.ciaddr);
  if (!l || l->client_key() != c.client_key) return drop(c, DropReason::kUnknownClient, "RELEASE of an address it does not hold");
  Lease released = *l;
  released.state = LeaseState::Released;
  auto seq = leases_.record(released);
  if (!seq) return drop(c, DropReason::kLeaseNotDurable, seq.error().to_string());
  ++stats_.releases;
  return Exchange{std::nullopt, DropReason::kNone, c.head + " -> " + c.request.ciaddr.to_string() + " released"};
}

Exchange DhcpResponder::on_inform(Context& c) {
  // RFC 2131 §4.3.5 (DHCP-INFORM-ACK): no lease time, yiaddr 0, sent to ciaddr.
  Reply r = configured_reply(c, dhcp::MessageType::kAck, c.request.ciaddr, {}, false);
  if (r.destination.ip.is_broadcast() && !c.request.ciaddr.is_any()) {
    r.destination = {ethernet_chaddr(c.request) ? c.mac : c.arrival.source.mac, c.request.ciaddr, wire::kDhcpClientPort};
  }
  ++stats_.acks;
  return answer(c, std::move(r), "ACK (INFORM)");
}

// ---- BOOTP, proxy, boot server -------------------------------------------------------

Exchange DhcpResponder::on_bootp(Context& c) {
  // RFC 951: the server answers from its table; there is no lease to negotiate.
  if (!c.host || !c.host->ip) return drop(c, DropReason::kUnknownClient, "BOOTP client not in the host table with an address");
  // FW-47: a BOOTP PROM has no menu and no local-boot item; the only way to send it to
  // its disk is no answer, after which it gives up and the BIOS boots the next device.
  if (config_.boot_mode_of(c.host) == BootMode::Local) {
    return drop(c, DropReason::kLocalBoot, "host " + (c.host->hostname.empty() ? c.host->mac.to_string() : c.host->hostname) +
                                               " is in local mode: a BOOTP PROM is sent to its disk by silence");
  }
  Reply r;
  r.message = reply_header(c);
  r.message.ciaddr = c.request.ciaddr;
  r.message.yiaddr = *c.host->ip;
  if (c.request.vendor_format == dhcp::VendorFormat::kOptions) {
    // RFC 1497 extensions in the vendor area, as the client used them.
    add_network_options(c, r.message, false);
  } else {
    r.message.vendor_format = dhcp::VendorFormat::kRaw;
    r.message.vendor_raw.assign(64, 0);
  }
  add_boot(c, r.message);
  r.message.remove(dhcp::code::kVendorClassId);
  r.emit.pad_to_bootp_minimum = true;  // BOOTP-REPLY: 300 octets
  r.destination = destination(c, r.message, false);
  ++stats_.bootp_replies;
  return answer(c, std::move(r), "BOOTREPLY " + c.host->ip->to_string());
}

Exchange DhcpResponder::on_proxy_offer(Context& c) {
  // PXE 2.1 §2.2 step 2, PXE-PROXY-OFFER: yiaddr 0, 60 PXEClient, 54 (FW-09), boot
  // information; broadcast, or to giaddr:67 when relayed (FW-21). A proxy with no
  // file for the client's architecture stays silent (PXE-ARCH-FILE).
  if (BootDecision d = choose_boot(config_, c.host, c.client); d.no_file_for_arch) {
    return drop(c, DropReason::kNoBootFile, d.why);
  }
  Reply r;
  r.message = reply_header(c);
  dhcp::set_message_type(r.message, dhcp::MessageType::kOffer);
  dhcp::set_server_id(r.message, config_.address);
  add_boot(c, r.message);
  if (const auto* guid = c.request.find(dhcp::code::kClientMachineId)) r.message.set(guid->code, guid->data);  // FW-34
  r.destination = destination(c, r.message, false);
  ++stats_.offers;
  return answer(c, std::move(r), "proxy OFFER");
}

Exchange DhcpResponder::on_boot_server(Context& c) {
  // PXE 2.1 §2.2 steps 5-6 (PXE-4011-ACK): answer to the source address and port of
  // the request (FW-18), with a boot file and, for discovery, 43.71 echoed (FW-19).
  std::string file;
  std::optional<dhcp::BootItem> item;
  if (const auto* v = c.request.find(dhcp::code::kVendorSpecific)) {
    if (auto pxe = dhcp::decode_pxe_vendor_options(v->data)) item = pxe->boot_item;
  }
  if (item) {
    auto f = file_for_menu_item(config_, item->type, c.client.arch);
    if (!f) {
      return drop(c, DropReason::kUnknownBootItem,
                  "boot server type " + std::to_string(item->type) + " has no file for architecture " +
                      (c.client.arch ? std::to_string(*c.client.arch) : std::string("(none)")));
    }
    file = *f;
  } else {
    BootDecision d = choose_boot(config_, c.host, c.client);
    if (d.file.empty()) return drop(c, DropReason::kUnknownBootItem, "no boot file for this client");
    file = d.file;
  }
  Reply r;
  r.message = reply_header(c);
  r.message.ciaddr = c.request.ciaddr;
  dhcp::set_message_type(r.message, dhcp::MessageType::kAck);
  dhcp::set_server_id(r.message, config_.address);
  add_boot(c, r.message, file);
  if (item) {
    dhcp::PxeVendorOptions v;
    v.boot_item = item;
    if (auto bytes = dhcp::encode_pxe_vendor_options(v)) r.message.set(dhcp::code::kVendorSpecific, std::move(*bytes));
  }
  r.source_port = wire::kPxeBootServerPort;
  r.destination = c.arrival.source;
  ++stats_.boot_server_acks;
  return answer(c, std::move(r), "boot server ACK");
}

}  // namespace pxelab::server
