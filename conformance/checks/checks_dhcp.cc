// Server-side BOOTP/DHCP checks and relay checks (RFC 951, 1542, 2131, 2132, 3046,
// 6842). Each function is one row of catalogue.cc; see there for levels and citations.
#include <algorithm>
#include <cstring>
#include <set>

#include "conformance/checks/check_util.h"
#include "conformance/checks/checks.h"
#include "wire/dhcp_options.h"

namespace pxelab::conformance::checks {

namespace code = wire::dhcp::code;
using namespace util;

void hdr_echo(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg* q) {
    if (q == nullptr || r.op == 0) return;
    j.judge();
    std::string bad;
    auto field = [&](const char* name, auto seen, auto want) {
      if (seen != want) bad += fmt_field(name, seen, want);
    };
    field("htype", r.htype, q->htype);
    field("hlen", r.hlen, q->hlen);
    field("flags", r.flags, q->flags);
    field("giaddr", r.giaddr.value, q->giaddr.value);
    // Table 3's hops is 0, a value in the table's field part, which carries no key word
    // (its option part does). A reply to a relayed request that copies the request's
    // hops is what dnsmasq, Kea and ISC dhcpd all do (conform-relay), and no relay reads
    // hops in a BOOTREPLY (RFC 1542 §4.1.2): not judged here. A hops the server made up
    // (a direct request's reply with hops != 0) still is.
    const bool copied_from_relayed = !q->giaddr.is_any() && r.hops == q->hops;
    if (!copied_from_relayed) field("hops", r.hops, std::uint8_t{0});
    auto rb = a.d().bytes(r), qb = a.d().bytes(*q);
    const std::size_t at = wire::dhcp::kChaddrOffset;
    if (std::memcmp(rb.data() + at, qb.data() + at, wire::dhcp::kChaddrSize) != 0) bad += " chaddr differs;";
    if (!bad.empty()) {
      fail(j, a, r, {q->frame},
           std::string(type_name(r.type)) + " does not copy the request (" + frame_ref(q->frame) + "):" + bad);
    }
  });
}

void offer_ciaddr(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg*) {
    if (r.type != msgtype::kOffer) return;
    j.judge();
    if (!r.ciaddr.is_any()) fail(j, a, r, {}, "expected ciaddr 0 in DHCPOFFER, seen " + ip(r.ciaddr));
  });
}

void nak_fields(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg*) {
    if (r.type != msgtype::kNak) return;
    j.judge();
    std::string bad;
    if (!r.yiaddr.is_any()) bad += " yiaddr " + ip(r.yiaddr);
    if (!r.ciaddr.is_any()) bad += " ciaddr " + ip(r.ciaddr);
    if (!r.siaddr.is_any()) bad += " siaddr " + ip(r.siaddr);
    if (a.d().has(r, code::kLeaseTime)) bad += " option 51";
    if (!bad.empty()) fail(j, a, r, {}, "expected a DHCPNAK with yiaddr=ciaddr=siaddr=0 and no lease time, seen" + bad);
  });
}

void server_id(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg* q) {
    if (r.type != msgtype::kOffer && r.type != msgtype::kAck && r.type != msgtype::kNak) return;
    j.judge();
    std::string missing;
    if (!a.d().has(r, code::kServerId)) missing += " 54 (server identifier)";
    const bool proxy = r.yiaddr.is_any();  // proxyDHCP / 4011 / INFORM answers lease nothing
    const bool lease = (r.type == msgtype::kOffer && !proxy) ||
                       (r.type == msgtype::kAck && q != nullptr && q->type == msgtype::kRequest && !proxy &&
                        !boot_server_exchange(a, r));
    if (lease && !a.d().has(r, code::kLeaseTime)) missing += " 51 (lease time)";
    if (!missing.empty()) fail(j, a, r, {}, std::string(type_name(r.type)) + " lacks option" + missing);
  });
}

void inform_ack(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg* q) {
    if (r.type != msgtype::kAck || q == nullptr || q->type != msgtype::kInform) return;
    j.judge();
    std::string bad;
    if (a.d().has(r, code::kLeaseTime)) bad += " option 51";
    if (!r.yiaddr.is_any()) bad += " yiaddr " + ip(r.yiaddr);
    if (!bad.empty()) fail(j, a, r, {q->frame}, "expected no lease time and yiaddr 0 in the ACK to DHCPINFORM, seen" + bad);
  });
}

void no_client_opts(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg*) {
    if (r.op == 0) return;
    j.judge();
    std::string bad;
    for (std::uint8_t c : {code::kRequestedAddress, code::kParameterRequestList, code::kMaxMessageSize}) {
      if (a.d().has(r, c)) bad += " " + std::to_string(c);
    }
    if (!bad.empty()) fail(j, a, r, {}, std::string(type_name(r.type)) + " carries client-only option(s)" + bad);
  });
}

void client_id_echo(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg* q) {
    if (q == nullptr || r.type == 0) return;
    auto sent = a.d().option(*q, code::kClientId);
    if (!sent) return;
    j.judge();
    auto got = a.d().option(r, code::kClientId);
    if (!got) {
      fail(j, a, r, {q->frame}, "the client sent option 61 (" + frame_ref(q->frame) + "); the reply does not echo it");
    } else if (got->size() != sent->size() || !std::equal(got->begin(), got->end(), sent->begin())) {
      fail(j, a, r, {q->frame}, "option 61 echoed changed (" + std::to_string(got->size()) + " octets, sent " +
                                    std::to_string(sent->size()) + ")");
    }
  });
}

namespace {
std::string dest(const FrameInfo& f) { return ip(f.dst_ip) + ":" + std::to_string(f.dst_port); }
}  // namespace

void dest_rule(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg*) {
    if (r.op == 0 || r.type == msgtype::kNak || boot_server_exchange(a, r)) return;
    if (r.type == msgtype::kOffer && r.yiaddr.is_any()) return;  // proxy offers: PXE-PROXY-DELIVERY
    const FrameInfo& f = a.frame(r);
    j.judge();
    std::string want;
    bool ok;
    if (!r.giaddr.is_any()) {
      ok = f.dst_ip == r.giaddr && f.dst_port == wire::kDhcpServerPort;
      want = "giaddr " + ip(r.giaddr) + ":67";
    } else if (!r.ciaddr.is_any()) {
      ok = f.dst_ip == r.ciaddr && f.dst_port == wire::kDhcpClientPort;
      want = "ciaddr " + ip(r.ciaddr) + ":68";
    } else if (r.broadcast_flag()) {
      ok = f.dst_ip.is_broadcast() && f.dst_port == wire::kDhcpClientPort;
      want = "255.255.255.255:68 (broadcast flag set)";
    } else {
      // Unicast to yiaddr at chaddr; an IP broadcast is allowed when unicast is not.
      // A zero destination MAC is unknown (Linux cooked captures do not record it).
      ok = f.dst_port == wire::kDhcpClientPort &&
           ((f.dst_ip == r.yiaddr && (f.dst_mac == r.mac || f.dst_mac.is_zero())) || f.dst_ip.is_broadcast());
      want = "yiaddr " + ip(r.yiaddr) + ":68 at " + r.mac.to_string() + " (or broadcast)";
    }
    if (!ok) fail(j, a, r, {}, std::string(type_name(r.type)) + " expected to " + want + ", sent to " + dest(f));
  });
}

void nak_bcast(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg*) {
    if (r.type != msgtype::kNak) return;
    const FrameInfo& f = a.frame(r);
    j.judge();
    if (!r.giaddr.is_any()) {
      if (f.dst_ip != r.giaddr || f.dst_port != wire::kDhcpServerPort || !r.broadcast_flag()) {
        fail(j, a, r, {}, "a relayed DHCPNAK goes to giaddr " + ip(r.giaddr) + ":67 with the broadcast bit; sent to " +
                              dest(f) + (r.broadcast_flag() ? "" : " without the bit"));
      }
    } else if (!f.dst_ip.is_broadcast()) {
      fail(j, a, r, {}, "DHCPNAK expected broadcast to 255.255.255.255, sent to " + dest(f));
    }
  });
}

void init_reboot(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg* q) {
    if (q == nullptr || q->type != msgtype::kRequest || !q->ciaddr.is_any()) return;
    if (a.d().has(*q, code::kServerId) || boot_server_exchange(a, r)) return;
    auto requested = ipv4(a, *q, code::kRequestedAddress);
    if (!requested || (r.type != msgtype::kAck && r.type != msgtype::kNak)) return;
    j.judge();
    if (r.type == msgtype::kAck && r.yiaddr != *requested) {
      fail(j, a, r, {q->frame}, "INIT-REBOOT REQUEST for " + ip(*requested) + " expected NAK or silence, got ACK of " +
                                    ip(r.yiaddr));
      return;
    }
    if (r.type != msgtype::kAck) return;
    // The client's address as the capture knows it: the last ACK that bound it before.
    const DhcpMsg* bound = nullptr;
    for (const auto& m : a.d().dhcp) {
      if (m.frame >= q->frame) break;
      if (m.is_reply() && m.type == msgtype::kAck && m.mac == q->mac && !m.yiaddr.is_any() && server_reply(a, m)) bound = &m;
    }
    if (bound != nullptr && bound->yiaddr != *requested) {
      fail(j, a, r, {q->frame, bound->frame}, "INIT-REBOOT REQUEST for " + ip(*requested) + " from a client bound to " +
                                                  ip(bound->yiaddr) + " (" + frame_ref(bound->frame) +
                                                  ") expected NAK, got ACK");
    }
  });
}

void select_other(const Analysis& a, Judge& j) {
  const auto& dhcp = a.d().dhcp;
  for (const auto& tx : a.g().transactions) {
    auto msgs = a.g().messages(tx);
    for (std::size_t k = 0; k < msgs.size(); ++k) {
      const DhcpMsg& q = dhcp[msgs[k]];
      if (!client_request(a, q) || q.type != msgtype::kRequest) continue;
      auto named = ipv4(a, q, code::kServerId);
      if (!named || !q.ciaddr.is_any()) continue;
      j.judge();
      for (std::size_t n = k + 1; n < msgs.size(); ++n) {
        const DhcpMsg& r = dhcp[msgs[n]];
        if (client_request(a, r)) break;
        if (!r.is_reply() || !server_reply(a, r) || (r.type != msgtype::kAck && r.type != msgtype::kNak)) continue;
        auto id = server_identity(a, r);
        if (id != *named) {
          fail(j, a, r, {q.frame}, "REQUEST (" + frame_ref(q.frame) + ") selected server " + ip(*named) + "; server " +
                                       ip(id) + " answered it with " + std::string(type_name(r.type)));
        }
      }
    }
  }
}

void renew(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg* q) {
    if (q == nullptr || q->type != msgtype::kRequest || q->ciaddr.is_any() || r.type != msgtype::kAck) return;
    if (a.d().has(*q, code::kServerId) || a.d().has(*q, code::kRequestedAddress) || !r.giaddr.is_any()) return;
    if (boot_server_exchange(a, r)) return;
    j.judge();
    const FrameInfo& f = a.frame(r);
    if (f.dst_ip != q->ciaddr) {
      fail(j, a, r, {q->frame}, "ACK to a RENEWING REQUEST expected unicast to ciaddr " + ip(q->ciaddr) +
                                    ", sent to " + dest(f));
    }
  });
}

void prl_offer(const Analysis& a, Judge& j) {
  const auto& dhcp = a.d().dhcp;
  for (const auto& tx : a.g().transactions) {
    if (tx.boot_server) continue;
    auto msgs = a.g().messages(tx);
    const DhcpMsg* discover = nullptr;
    for (std::uint32_t i : msgs) {
      const DhcpMsg& m = dhcp[i];
      if (m.type == msgtype::kDiscover && client_request(a, m) && discover == nullptr) discover = &m;
      if (m.type != msgtype::kAck || !server_reply(a, m) || discover == nullptr || m.yiaddr.is_any()) continue;
      auto prl = a.d().option(*discover, code::kParameterRequestList);
      if (!prl) continue;
      // The OFFER from the same server.
      const DhcpMsg* offer = nullptr;
      for (std::uint32_t k : msgs) {
        const DhcpMsg& o = dhcp[k];
        if (o.frame < m.frame && o.type == msgtype::kOffer && server_reply(a, o) && !o.yiaddr.is_any() &&
            server_identity(a, o) == server_identity(a, m)) {
          offer = &o;
        }
      }
      if (offer == nullptr) continue;
      j.judge();
      std::string missing;
      for (std::uint8_t c : *prl) {
        if (a.d().has(m, c) && !a.d().has(*offer, c)) missing += " " + std::to_string(c);
      }
      if (!missing.empty()) {
        fail(j, a, *offer, {m.frame, discover->frame},
             "options requested in 55 and present in the ACK (" + frame_ref(m.frame) + ") are missing from the OFFER:" +
                 missing);
      }
    }
  }
}

void opt_format(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg* q) {
    j.judge();
    if (r.error != kNone) {
      const auto& e = a.d().errors[static_cast<std::size_t>(r.error)];
      fail(j, a, r, {}, e.field + " at byte " + std::to_string(e.offset) + ": " + e.message);
      return;
    }
    if (!r.cookie && r.type == 0 && q != nullptr && q->cookie) {
      fail(j, a, r, {q->frame}, "the request had the magic cookie; the reply's vendor area does not start with it");
      return;
    }
    if (!r.options_end) fail(j, a, r, {}, "the options field has no END option (255)");
    if (r.length_error != kNone) {
      const auto& e = a.d().errors[static_cast<std::size_t>(r.length_error)];
      fail(j, a, r, {}, e.field + " at byte " + std::to_string(e.offset) + ": " + e.message);
    }
  });
}

void overload_end(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg*) {
    if (r.overload == 0) return;
    j.judge();
    if (!r.file_end) fail(j, a, r, {}, "option 52 overloads the file field, which has no END option (255)");
    if (!r.sname_end) fail(j, a, r, {}, "option 52 overloads the sname field, which has no END option (255)");
  });
}

void mask_before_router(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg*) {
    const int mask = a.d().position(r, code::kSubnetMask), router = a.d().position(r, code::kRouter);
    if (mask < 0 || router < 0) return;
    j.judge();
    if (mask > router) fail(j, a, r, {}, "option 1 (subnet mask) expected before option 3 (router), seen after it");
  });
}

void max_size(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg* q) {
    if (q == nullptr || r.op == 0) return;
    j.judge();
    auto m57 = u16(a, *q, code::kMaxMessageSize);
    // 57 read as the message size (the generous reading, wire/dhcp_message.h); without
    // it, 576-octet datagrams are all a client must accept (RFC 2131 §2).
    const std::size_t limit = (m57 && *m57 >= 576) ? *m57 : 576 - wire::dhcp::kIpUdpOverhead;
    if (r.size > limit) {
      fail(j, a, r, {q->frame}, std::string(type_name(r.type)) + " of " + std::to_string(r.size) +
                                    " octets exceeds the client's limit of " + std::to_string(limit) +
                                    (m57 ? " (option 57)" : " (no option 57: 576-octet datagrams)"));
    }
  });
}

void t1_t2(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg*) {
    auto lease = u32(a, r, code::kLeaseTime);
    auto t1 = u32(a, r, code::kRenewalTime), t2 = u32(a, r, code::kRebindingTime);
    if (!lease || (!t1 && !t2) || *lease == 0xffffffffu) return;
    j.judge();
    const bool ok = (!t1 || *t1 < *lease) && (!t2 || *t2 < *lease) && (!t1 || !t2 || *t1 < *t2);
    if (!ok) {
      fail(j, a, r, {}, "expected T1 < T2 < lease, seen T1 " + (t1 ? std::to_string(*t1) : "-") + " T2 " +
                            (t2 ? std::to_string(*t2) : "-") + " lease " + std::to_string(*lease));
    }
  });
}

void bootp_reply(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg* q) {
    if (q == nullptr || q->type != 0 || boot_server_exchange(a, r)) return;
    j.judge();
    if (r.type != 0) fail(j, a, r, {q->frame}, "a BOOTP request got a reply with option 53 (" +
                                                   std::string(type_name(r.type)) + ")");
    if (r.size < wire::dhcp::kBootpMinimumSize) {
      fail(j, a, r, {q->frame}, "BOOTREPLY of " + std::to_string(r.size) + " octets; expected at least 300 (64-octet vendor area)");
    }
  });
}

void reply_padding(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg*) {
    j.judge();
    if (r.size < wire::dhcp::kBootpMinimumSize) {
      if (j.saturated()) return j.count();
      fail(j, a, r, {}, std::string(type_name(r.type)) + " of " + std::to_string(r.size) +
                            " octets; BOOTP relays and old clients drop messages under 300 (dnsmasq pads, FW-35)");
    }
  });
}

void relay_82_echo(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg* q) {
    if (q == nullptr || q->giaddr.is_any() || r.op == 0) return;
    auto sent = a.d().option(*q, code::kRelayAgentInfo);
    if (!sent) return;
    j.judge();
    auto got = a.d().option(r, code::kRelayAgentInfo);
    if (!got) {
      fail(j, a, r, {q->frame}, "the relayed request carried option 82; the reply does not echo it");
      return;
    }
    if (got->size() != sent->size() || !std::equal(got->begin(), got->end(), sent->begin())) {
      fail(j, a, r, {q->frame}, "option 82 echoed changed");
    }
    auto inst = a.d().instances(r);
    std::size_t last_main = 0;
    for (std::size_t i = 0; i < inst.size(); ++i) {
      if (inst[i].area == wire::dhcp::OptionArea::kOptions) last_main = i;
    }
    if (inst[last_main].code != code::kRelayAgentInfo) fail(j, a, r, {}, "option 82 expected as the last option");
  });
}

void relay_hops(const Analysis& a, Judge& j) {
  const auto& dhcp = a.d().dhcp;
  for (const auto& tx : a.g().transactions) {
    auto msgs = a.g().messages(tx);
    for (std::size_t k = 0; k < msgs.size(); ++k) {
      const DhcpMsg& fwd = dhcp[msgs[k]];
      const FrameInfo& f = a.frame(fwd);
      if (!fwd.is_request() || f.src_port != wire::kDhcpServerPort || f.dst_port != wire::kDhcpServerPort) continue;
      j.judge();
      if (fwd.hops > 16) fail(j, a, fwd, {}, "a relay forwarded a request with hops " + std::to_string(fwd.hops) + " (> 16)");
      const DhcpMsg* orig = nullptr;
      for (std::size_t n = 0; n < k; ++n) {
        const DhcpMsg& o = dhcp[msgs[n]];
        if (client_request(a, o) && o.type == fwd.type) orig = &o;
      }
      if (orig == nullptr) continue;
      if (fwd.hops != orig->hops + 1) {
        fail(j, a, fwd, {orig->frame}, "expected hops " + std::to_string(orig->hops + 1) + " after one relay, seen " +
                                           std::to_string(fwd.hops));
      }
      if (!orig->giaddr.is_any() && fwd.giaddr != orig->giaddr) {
        fail(j, a, fwd, {orig->frame}, "giaddr was " + ip(orig->giaddr) + " and must be kept; relay wrote " + ip(fwd.giaddr));
      }
      if (fwd.giaddr.is_any()) fail(j, a, fwd, {orig->frame}, "a relayed request must carry giaddr; it is 0");
    }
  }
}

void relay_delivery_rule(const Analysis& a, Judge& j) {
  for (const auto& r : a.d().dhcp) {
    if (!relay_delivery(a, r)) continue;
    const FrameInfo& f = a.frame(r);
    j.judge();
    if (r.broadcast_flag() || r.yiaddr.is_any()) {
      if (!f.dst_ip.is_broadcast() || !(f.dst_mac.is_broadcast() || f.dst_mac.is_zero())) {
        fail(j, a, r, {}, "broadcast bit set (or no yiaddr): the relay must broadcast, it sent to " + dest(f) + " at " +
                              f.dst_mac.to_string());
      }
    } else if (!(f.dst_ip == r.yiaddr && (f.dst_mac == r.mac || f.dst_mac.is_zero())) && !f.dst_ip.is_broadcast()) {
      fail(j, a, r, {}, "expected unicast to yiaddr " + ip(r.yiaddr) + " at chaddr " + r.mac.to_string() +
                            ", sent to " + dest(f));
    }
  }
}

void dup_offer(const Analysis& a, Judge& j) {
  const auto& dhcp = a.d().dhcp;
  for (const auto& tx : a.g().transactions) {
    auto msgs = a.g().messages(tx);
    bool any = false;
    for (std::size_t k = 0; k < msgs.size(); ++k) {
      const DhcpMsg& o = dhcp[msgs[k]];
      if (o.type != msgtype::kOffer || !server_reply(a, o)) continue;
      any = true;
      for (std::size_t n = k + 1; n < msgs.size(); ++n) {
        const DhcpMsg& m = dhcp[msgs[n]];
        // Any BOOTREQUEST between ends the window: the client's own, or one a relay
        // forwarded (the only one a capture of the server's segment holds; conform-relay).
        if (m.op == 1) break;
        if (m.type == msgtype::kOffer && server_reply(a, m) && a.frame(m).src_ip == a.frame(o).src_ip) {
          fail(j, a, m, {o.frame}, "a second OFFER from " + ip(a.frame(o).src_ip) + " with no DISCOVER between (first: " +
                                       frame_ref(o.frame) + ")");
          break;
        }
      }
    }
    if (any) j.judge();
  }
}

void rogue(const Analysis& a, Judge& j) {
  const Run& run = *a.run;
  std::vector<const Peer*> servers;
  for (const auto& p : a.g().peers) {
    if ((p.roles & kRoleDhcpServer) && (p.offers + p.acks) > 0) servers.push_back(&p);
  }
  if (servers.empty()) return;
  j.judge(servers.size());
  const bool known = !run.server_ips.empty() || !run.server_macs.empty();
  auto listed = [&](const Peer& p) {
    return std::find(run.server_ips.begin(), run.server_ips.end(), p.ip) != run.server_ips.end() ||
           std::find(run.server_macs.begin(), run.server_macs.end(), p.mac) != run.server_macs.end();
  };
  for (std::size_t i = 0; i < servers.size(); ++i) {
    const Peer& p = *servers[i];
    const bool is_rogue = known ? !listed(p) : i > 0;
    if (!is_rogue) continue;
    std::string others;
    for (const auto* s : servers) {
      if (s != &p) others += " " + ip(s->ip);
    }
    j.fail(wire::MacAddress{}, "server " + ip(p.ip), {p.first_frame},
           known ? "DHCP server " + ip(p.ip) + " (" + p.mac.to_string() + ") offers addresses but is not a server under test"
                 : "offers from more than one DHCP server: " + ip(p.ip) + " (" + p.mac.to_string() + ") besides" + others);
  }
}

void no_fragment(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg&, const DhcpMsg*) { j.judge(); });
  for (std::uint32_t i = 0; i < a.d().frames.size(); ++i) {
    const FrameInfo& f = a.frame(i);
    if (f.kind != FrameKind::kFragment || f.fragment_offset != 0) continue;
    if (f.src_port != wire::kDhcpServerPort && f.src_port != wire::kPxeBootServerPort) continue;
    j.judge();
    j.fail(f.dst_mac, "", {i}, "a BOOTP/DHCP reply sent as IP fragments (" + std::to_string(f.ip_total_length) +
                                   "-octet first fragment); U-Boot and other ROMs drop fragments");
  }
}

}  // namespace pxelab::conformance::checks
