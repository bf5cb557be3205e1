#include "conformance/report/summary.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "conformance/checks/check_util.h"
#include "conformance/report/ladder_json.h"

namespace pxelab::conformance {

namespace {

using util::msgtype::kAck;
using util::msgtype::kDiscover;
using util::msgtype::kOffer;
using util::msgtype::kRequest;

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string rate_text(double bps) {
  if (bps >= 1e6) return fmt("%.1f MB/s", bps / 1e6);
  if (bps >= 1e3) return fmt("%.1f kB/s", bps / 1e3);
  return fmt("%.0f B/s", bps);
}

std::string frames_text(const std::vector<std::uint64_t>& frames) {
  std::string s;
  for (std::size_t i = 0; i < frames.size() && i < 8; ++i) s += (i ? "," : "") + std::to_string(frames[i] + 1);
  if (frames.size() > 8) s += ",...";
  return frames.empty() ? "-" : (frames.size() == 1 ? "frame " : "frames ") + s;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

std::string seconds_text(double s) {
  if (s < 1.0) return fmt("%.0f ms", s * 1e3);
  return fmt("%.3f s", s);
}

std::size_t must_failures(std::span<const CheckResult> results) {
  std::size_t n = 0;
  for (const auto& r : results) n += r.verdict == Verdict::kFail && r.check->level == Level::kMust;
  return n;
}

// The client's DISCOVERs in frame order, a new identity wherever the fields the
// fingerprint reads change (retransmissions of one firmware keep its identity).
std::vector<IdentityFacts> identities_of(const AnalyzedRun& run, const Client& c, std::span<const Reference> references) {
  const auto& d = run.decoded();
  const auto& g = run.grouping();
  std::vector<std::uint32_t> discovers;
  for (std::uint32_t t : g.transactions_of(c)) {
    for (std::uint32_t i : g.messages(g.transactions[t])) {
      const DhcpMsg& m = d.dhcp[i];
      if (util::client_request(run.analysis(), m) && m.type == util::msgtype::kDiscover) discovers.push_back(i);
    }
  }
  std::sort(discovers.begin(), discovers.end(), [&](auto x, auto y) { return d.dhcp[x].frame < d.dhcp[y].frame; });
  std::vector<IdentityFacts> out;
  std::string last;
  for (auto i : discovers) {
    const DhcpMsg& m = d.dhcp[i];
    Identity id = identity_of(d, m);
    std::string text = describe(id);
    if (!out.empty() && text == last) continue;
    last = std::move(text);
    Fingerprint fp = fingerprint(id, references);
    out.push_back({m.frame, m.xid, std::move(id), std::move(fp)});
  }
  return out;
}

// "192.0.2.10:68 -> 192.0.2.1:4011"
static std::string route_text(const FrameInfo& f) {
  return f.src_ip.to_string() + ":" + std::to_string(f.src_port) + " -> " + f.dst_ip.to_string() + ":" +
         std::to_string(f.dst_port);
}

std::vector<ClientFacts> client_facts(const AnalyzedRun& run, std::span<const Reference> references) {
  const Analysis& a = run.analysis();
  const auto& d = run.decoded();
  const auto& g = run.grouping();
  const std::vector<IcmpError> icmp = icmp_errors(d);
  std::vector<ClientFacts> out;
  out.reserve(g.clients.size());
  for (const auto& c : g.clients) {
    ClientFacts& f = out.emplace_back();
    f.mac = c.mac;
    if (c.first_discover != kNone) {
      const DhcpMsg& m = d.dhcp[static_cast<std::size_t>(c.first_discover)];
      f.identity = identity_of(d, m);
      f.fp = fingerprint(*f.identity, references);
      f.first_discover = a.frame(m).time;
      f.first_discover_frame = m.frame;
      f.identities = identities_of(run, c, references);
    }
    for (std::uint32_t t : g.transactions_of(c)) {
      // Requests count from the client itself, or from a relay when the client's own
      // copies are not in the capture.
      bool own = false;
      for (std::uint32_t i : g.messages(g.transactions[t])) own |= util::client_request(a, d.dhcp[i]);
      for (std::uint32_t i : g.messages(g.transactions[t])) {
        const DhcpMsg& m = d.dhcp[i];
        const sim::Time time = a.frame(m).time;
        if (util::boot_server_exchange(a, m)) {
          std::string& route = m.is_request() ? f.boot_request_route : f.boot_reply_route;
          if (route.empty()) route = route_text(a.frame(m)) + " (" + util::frame_ref(m.frame) + ")";
        }
        if (m.is_request() && (own ? util::client_request(a, m) : !util::boot_server_exchange(a, m))) {
          f.discovers += m.type == kDiscover;
          f.requests += m.type == kRequest;
          continue;
        }
        if (!m.is_reply() || !util::server_reply(a, m)) continue;
        if (util::boot_server_exchange(a, m)) {
          if (m.type == kAck && !f.boot_ack) f.boot_ack = time;
        } else if (m.type == kOffer && m.yiaddr.is_any()) {
          if (!f.proxy_offer) {
            f.proxy_offer = time;
            f.proxy_server = util::server_identity(a, m);
          }
        } else if ((m.type == kOffer || m.type == 0) && !f.offer) {
          f.offer = time;
          f.offer_server = util::server_identity(a, m);
        } else if (m.type == kAck && !f.ack && !m.yiaddr.is_any()) {
          f.ack = time;
          f.address = m.yiaddr;
          f.dhcp_server = util::server_identity(a, m);
        }
        if ((m.type == kAck || m.type == 0) && f.boot_file.empty()) f.boot_file = util::boot_file(a, m);
        if (!util::boot_server_exchange(a, m) && !m.yiaddr.is_any() && !util::boot_file(a, m).empty()) {
          f.boot_file_offered = true;
        }
      }
    }
    for (std::uint32_t ti : c.transfers) {
      const TftpTransfer& t = g.transfers[ti];
      const auto& raw = d.transfers[t.raw];
      TransferFacts& tf = f.transfers.emplace_back();
      tf.file = t.filename;
      tf.server = raw.key.server_ip;
      tf.bytes = t.bytes;
      if (t.oack) tf.tsize = t.oack->tsize();
      tf.seconds = static_cast<double>(t.finish - t.start) / 1e9;
      tf.bytes_per_second = tf.seconds > 0 ? static_cast<double>(t.bytes) / tf.seconds : 0;
      tf.blksize = t.blksize;
      tf.windowsize = t.windowsize;
      tf.retransmissions = t.data_retransmissions + t.ack_retransmissions + (raw.request_count - 1);
      tf.request_frame = raw.request_frame;
      tf.end = std::string(to_string(t.end));
      // An ICMP error quoting this transfer's request (its client address and port, to
      // its server address) after the request: the request was answered, by ICMP.
      for (const auto& e : icmp) {
        if (e.frame < raw.request_frame || e.quoted_src != raw.key.client_ip ||
            e.quoted_src_port != raw.key.client_port || e.quoted_dst != raw.key.server_ip) {
          continue;
        }
        tf.icmp = IcmpFacts{icmp_name(e), e.sender, e.sender_mac, e.frame};
        if (t.end == TransferEnd::kNoAnswer) {
          tf.end = tf.icmp->what + " from " + e.sender.to_string() + " (" + e.sender_mac.to_string() + ") in " +
                   util::frame_ref(e.frame);
        }
        break;
      }
      if (t.end == TransferEnd::kError) {
        tf.end = std::string("ERROR ") + std::to_string(t.error_code) + (t.error_from_server ? " from server" : " from client");
      }
    }
  }
  return out;
}

// Why a PXE client did not boot when no server gave it anything to boot, and what its
// firmware does next; null when something was offered (a boot file in a DHCP OFFER or
// ACK, a proxyDHCP offer, a 4011 ACK) or the client read a file over TFTP anyway.
// Sources of each branch:
// - no answer at all: EDK2 retries DISCOVER, then prints "PXE-E18: Server response
//   timeout." (FIRMWARE.md, OVMF 2022.11); iPXE's netboot() fails in dhcp() and
//   autoboot() tries its next network device (src/usr/autoboot.c).
// - an address but no boot file (file field, option 67) and no proxy offer: EDK2 skips a
//   DHCP-only offer when no proxy offer came (NetworkPkg/UefiPxeBcDxe/PxeBcDhcp4.c,
//   PxeBcSelectDhcp4Offer), sends no REQUEST and prints "PXE-E16: No valid offer
//   received."; iPXE takes the lease and netboot() prints "Nothing to boot: ..."
//   (-ENOENT_BOOT), then autoboot() tries its next network device. Both seen on real
//   firmware: captures/golden/qemu/ovmf-x64-noboot.pcap (OVMF 2022.11: 4 DISCOVERs, no
//   REQUEST, PXE-E16) and seabios-ipxe-noboot.pcap (Debian's iPXE ROM).
std::optional<std::string> nothing_to_boot(const ClientFacts& c) {
  const bool pxe = c.identity && c.identity->vendor_class.rfind("PXEClient", 0) == 0;
  if (!pxe || c.boot_file_offered || c.proxy_server || c.boot_ack || !c.transfers.empty()) return std::nullopt;
  const std::string id = c.fp ? c.fp->id : "";
  const bool ipxe = id.rfind("ipxe", 0) == 0, edk2 = id.rfind("edk2", 0) == 0;
  std::string s = "nothing to boot: ";
  if (!c.offer && !c.ack) {
    s += "no DHCP server or proxyDHCP answered its " + std::to_string(c.discovers) + " DISCOVER" +
         (c.discovers == 1 ? "" : "s");
    if (edk2) return s + "; EDK2 prints \"PXE-E18: Server response timeout.\" and moves to its next boot option";
    if (ipxe) return s + "; iPXE's DHCP fails on this device and it tries its next network device";
    return s + "; the firmware moves on to its next boot device";
  }
  const auto server = c.ack ? c.dhcp_server : c.offer_server;
  s += (server ? server->to_string() : std::string("the server")) +
       " offered an address and no boot file (file field, option 67), and no proxyDHCP offer came";
  if (edk2) return s + "; EDK2 skips such an offer, sends no REQUEST, prints \"PXE-E16: No valid offer received.\" and moves to its next boot option";
  if (ipxe) return s + "; iPXE takes the address, prints \"Nothing to boot: ...\" and tries its next network device";
  return s + "; the firmware moves on to its next boot device";
}

namespace {

// One failing check and its first findings (5, or 10 when verbose), frame numbers first.
// A client check is marked as reported, not judged (text_summary's "Judged:" line).
void append_failing_check(std::string& s, const CheckResult& r, bool verbose, bool client_side) {
  s += "\nFAIL " + std::string(r.check->id) + " [" + std::string(to_string(r.check->level)) + ", " +
       std::string(to_string(r.check->role)) + "] " + std::string(r.check->title) + " (" + std::string(r.check->citation) +
       "): " + std::to_string(r.findings_total) + " finding(s)" + (client_side ? ", reported, not judged" : "") + "\n";
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    const std::size_t shown = verbose ? 10 : 5;
    if (i == shown) {
      s += "  ... " + std::to_string(r.findings_total - shown) + " more (report.json lists up to " +
           std::to_string(kDetailLimit) + ")\n";
      break;
    }
    const Finding& f = r.findings[i];
    s += "  " + frames_text(f.frames) + ": " + (f.client.is_zero() ? "" : f.client.to_string() + " ") +
         (f.transaction.empty() ? "" : f.transaction + ": ") + f.message + "\n";
  }
}


// Malformed frames by sender, the busiest first, each with its first fault: framing
// errors, and datagrams on the DHCP ports that are no BOOTP message at all (op neither
// 1 nor 2, RFC 951 §3). A server that answers garbage or floods the segment is named
// with what it sent (issue 10).
std::string malformed_text(const DecodedTrace& d) {
  struct Sender {
    wire::Ipv4Address ip;
    wire::MacAddress mac;
    std::size_t count = 0;
    std::uint32_t first = 0;
    std::string what;
  };
  std::vector<Sender> senders;
  std::map<std::pair<std::uint64_t, std::uint32_t>, std::size_t> index;  // (MAC, IPv4) -> senders[]
  std::size_t total = 0;
  // `what` makes the fault's text, asked only for a sender's first frame.
  auto add = [&](std::uint32_t frame, auto&& what) {
    if (frame >= d.frames.size()) return;
    const FrameInfo& f = d.frames[frame];
    ++total;
    std::uint64_t mac = 0;
    for (auto o : f.src_mac.octets) mac = (mac << 8) | o;
    auto [it, fresh] = index.try_emplace({mac, f.src_ip.value}, senders.size());
    if (fresh) senders.push_back(Sender{f.src_ip, f.src_mac, 0, frame, what()});
    ++senders[it->second].count;
  };
  for (const DecodeError& e : d.errors) add(e.frame, [&] { return e.field + ": " + e.message; });
  for (const DhcpMsg& m : d.dhcp) {
    if (m.error == kNone && m.op != wire::dhcp::kBootRequest && m.op != wire::dhcp::kBootReply) {
      add(m.frame, [&] { return "dhcp.op: " + std::to_string(m.op) + " is neither BOOTREQUEST (1) nor BOOTREPLY (2)"; });
    }
  }
  if (senders.empty()) return {};
  std::stable_sort(senders.begin(), senders.end(), [](const Sender& a, const Sender& b) { return a.count > b.count; });
  std::string s = std::to_string(total) + " malformed frames (decode errors, DHCP-port datagrams that are not BOOTP), by sender:\n";
  constexpr std::size_t kMaxSenders = 5;
  for (std::size_t i = 0; i < senders.size() && i < kMaxSenders; ++i) {
    const Sender& x = senders[i];
    const FrameInfo& f = d.frames[x.first];
    s += "  " + (x.ip.is_any() ? std::string("(no IPv4)") : x.ip.to_string()) + " " + x.mac.to_string() + ": " +
         std::to_string(x.count) + ", first frame " + std::to_string(x.first + 1) + " (to " + f.dst_ip.to_string() + ":" +
         std::to_string(f.dst_port) + ") " + x.what + "\n";
  }
  if (senders.size() > kMaxSenders) s += "  ... and " + std::to_string(senders.size() - kMaxSenders) + " more senders\n";
  return s;
}

// "Servers and relays": each peer with the roles the trace shows it in.
std::string peers_text(const Grouping& g) {
  if (g.peers.empty()) return {};
  std::string s = "\nServers and relays:\n";
  for (const auto& p : g.peers) {
    std::string roles;
    if (p.roles & kRoleDhcpServer) roles += " DHCP(" + std::to_string(p.offers) + " offers, " + std::to_string(p.acks) + " acks)";
    if (p.roles & kRoleProxy) roles += " proxyDHCP(" + std::to_string(p.proxy_offers) + ")";
    if (p.roles & kRoleBootServer) roles += " boot-server:4011(" + std::to_string(p.boot_replies) + ")";
    if (p.roles & kRoleRelay) roles += " relay(" + std::to_string(p.relayed) + ")";
    if (p.roles & kRoleTftpServer) roles += " TFTP(" + std::to_string(p.transfers) + " transfers)";
    s += "  " + p.ip.to_string() + (p.mac.is_zero() ? "" : " " + p.mac.to_string()) + roles + "\n";
  }
  return s;
}

// A scenario run's outcomes: booted per personality, boot time, failures by code.
std::string outcomes_text(const Run& run) {
  std::map<std::string, std::pair<int, int>> per;  // personality -> booted, total
  std::map<std::string, int> codes;
  std::vector<double> boot;
  for (const auto& o : run.outcomes) {
    auto& p = per[o.personality];
    ++p.second;
    if (o.status == client::BootStatus::kBooted || o.status == client::BootStatus::kLocalBoot) ++p.first;
    if (o.status == client::BootStatus::kFailed || o.status == client::BootStatus::kPending) {
      ++codes[o.code.empty() ? std::string(client::to_string(o.status)) : o.code];
    }
    if (o.status == client::BootStatus::kBooted && o.timeline.done) {
      boot.push_back(static_cast<double>(*o.timeline.done - o.timeline.power_on.value_or(0)) / 1e9);
    }
  }
  std::string s = "\nClients booted per personality:\n";
  for (const auto& [name, p] : per) s += "  " + name + ": " + std::to_string(p.first) + "/" + std::to_string(p.second) + "\n";
  s += "Boot time: p50 " + seconds_text(percentile(boot, 0.5)) + ", p99 " + seconds_text(percentile(boot, 0.99)) + "\n";
  if (!codes.empty()) {
    s += "Failures by code:";
    for (const auto& [c, n] : codes) s += " " + c + "=" + std::to_string(n);
    s += "\n";
  }
  return s;
}

// A capture's clients (no outcomes): how many got a lease, DORA times, fingerprints.
std::string leases_text(const std::vector<ClientFacts>& clients) {
  std::vector<double> dora;
  std::size_t leased = 0;
  for (const auto& c : clients) {
    if (c.first_discover && c.ack) {
      ++leased;
      dora.push_back(static_cast<double>(*c.ack - *c.first_discover) / 1e9);
    }
  }
  std::string s = "\nClients with a lease: " + std::to_string(leased) + "/" + std::to_string(clients.size());
  if (!dora.empty()) s += "; DORA p50 " + seconds_text(percentile(dora, 0.5)) + ", p99 " + seconds_text(percentile(dora, 0.99));
  s += "\n";
  std::map<std::string, int> fps;
  for (const auto& c : clients) {
    if (c.fp) ++fps[c.fp->id];
  }
  if (!fps.empty()) {
    s += "Fingerprints:";
    for (const auto& [id, n] : fps) s += " " + id + "=" + std::to_string(n);
    s += "\n";
  }
  return s;
}

// One client in the verbose list: fingerprint, DORA, address, proxy, transfers; times
// from t0 (the first frame).
std::string client_text(const ClientFacts& c, sim::Time t0) {
  auto at = [&](sim::Time t) { return seconds_text(static_cast<double>(t - t0) / 1e9); };
  std::string s = "  " + c.mac.to_string();
  if (c.fp) s += "  " + c.fp->id + fmt(" (distance %.1f", c.fp->distance) + (c.fp->runner_up.empty() ? "" : "; next " + c.fp->runner_up) + ")";
  s += "\n";
  if (c.fp) {
    if (!c.fp->matched.empty()) s += "      matched: " + c.fp->matched + "\n";
    if (!c.fp->differed.empty()) s += "      differed: " + c.fp->differed + "\n";
  }
  // Each later identity of the machine: the loader the previous one chainloaded.
  for (std::size_t i = 1; i < c.identities.size(); ++i) {
    const auto& id = c.identities[i];
    s += "      then, chainloaded by " + c.identities[i - 1].fp.id + ", as " + id.fp.id +
         fmt(" (distance %.1f)", id.fp.distance) + " from " + util::frame_ref(id.first_frame) + "\n";
  }
  if (c.first_discover) {
    s += "      DISCOVER at " + at(*c.first_discover) + " (" + util::frame_ref(*c.first_discover_frame) + ")";
    if (c.offer) s += ", OFFER +" + seconds_text(static_cast<double>(*c.offer - *c.first_discover) / 1e9);
    if (c.ack) {
      s += ", ACK +" + seconds_text(static_cast<double>(*c.ack - *c.first_discover) / 1e9) + " (DORA " +
           seconds_text(static_cast<double>(*c.ack - *c.first_discover) / 1e9) + ")";
    }
    s += "; " + std::to_string(c.discovers) + " DISCOVER, " + std::to_string(c.requests) + " REQUEST\n";
  }
  if (c.address) s += "      address " + c.address->to_string() + " from " + c.dhcp_server->to_string() + (c.boot_file.empty() ? "" : ", boot file '" + c.boot_file + "'") + "\n";
  if (c.proxy_offer) {
    s += "      proxy offer from " + c.proxy_server->to_string() +
         (c.first_discover ? " +" + seconds_text(static_cast<double>(*c.proxy_offer - *c.first_discover) / 1e9) : "") +
         (c.boot_ack ? ", 4011 ACK at " + at(*c.boot_ack) : "") + "\n";
  }
  if (!c.boot_request_route.empty()) {
    s += "      port 4011: request " + c.boot_request_route +
         (c.boot_reply_route.empty() ? ", no reply" : ", reply " + c.boot_reply_route) + "\n";
  }
  for (const auto& t : c.transfers) {
    s += "      TFTP '" + t.file + "' from " + t.server.to_string() + ": " + std::to_string(t.bytes) + " octets in " +
         seconds_text(t.seconds) + " (" + rate_text(t.bytes_per_second) + "), blksize " + std::to_string(t.blksize) +
         (t.windowsize > 1 ? ", windowsize " + std::to_string(t.windowsize) : "") + ", " +
         std::to_string(t.retransmissions) + " retransmissions, " + t.end + " (" + util::frame_ref(t.request_frame) + ")\n";
  }
  if (auto why = nothing_to_boot(c)) s += "      " + *why + "\n";
  return s;
}

// Findings by level, then the failing checks with their first findings.
std::string checks_text(std::span<const CheckResult> results, const RunMeta& meta, bool verbose) {
  std::size_t by_level[3] = {0, 0, 0}, pass = 0, fail = 0, na = 0;
  for (const auto& r : results) {
    by_level[static_cast<int>(r.check->level)] += r.findings_total;
    pass += r.verdict == Verdict::kPass;
    fail += r.verdict == Verdict::kFail;
    na += r.verdict == Verdict::kNotApplicable;
  }
  std::string s = "\nChecks: " + std::to_string(results.size()) + " run, " + std::to_string(pass) + " pass, " +
                  std::to_string(fail) + " fail, " + std::to_string(na) + " not applicable\n";
  s += "Findings: MUST " + std::to_string(by_level[0]) + ", SHOULD " + std::to_string(by_level[1]) + ", INTEROP " +
       std::to_string(by_level[2]) + "\n";
  // What is judged and what is only reported, in so many words. A scenario: its
  // expectations and the servers' and relays' MUST checks decide; checks about the
  // clients describe the firmware (a failing one in a passing run is no contradiction).
  // A capture: every MUST-level check decides the exit status, client checks included.
  const bool scenario = meta.kind == "scenario";
  std::size_t judged_fail = 0, client_fail = 0;
  for (const auto& r : results) {
    if (r.verdict != Verdict::kFail) continue;
    (r.check->role == Role::kClient ? client_fail : judged_fail)++;
  }
  auto checks_n = [](std::size_t n) { return std::to_string(n) + " failing check" + (n == 1 ? "" : "s"); };
  if (scenario) {
    s += "Judged: the scenario's expectations (below) and the servers' and relays' replies (" + checks_n(judged_fail) + ")";
    s += client_fail ? "; reported, not judged: " + checks_n(client_fail) +
                           " about the clients (role client: the firmware's own behaviour)\n"
                     : std::string("\n");
  } else {
    s += "Judged: every MUST-level check, on the servers' replies and the clients' requests alike (" +
         std::to_string(must_failures(results)) + " failing at MUST: exit status " + (must_failures(results) ? "1" : "0") +
         "); failing at any level: " + std::to_string(judged_fail) + " about servers or relays, " +
         std::to_string(client_fail) + " about the clients\n";
  }
  for (const bool client_side : {false, true}) {
    for (const auto& r : results) {
      if (r.verdict != Verdict::kFail || (r.check->role == Role::kClient) != client_side) continue;
      append_failing_check(s, r, verbose, scenario && client_side);
    }
  }
  return s;
}

}  // namespace

std::string text_summary(const Run& run, const AnalyzedRun& analyzed, std::span<const CheckResult> results,
                         const std::vector<ClientFacts>& clients, const RunMeta& meta, bool verbose) {
  const auto& d = analyzed.decoded();
  const auto& g = analyzed.grouping();
  std::string s;
  const double span = d.frames.size() < 2 ? 0 : static_cast<double>(d.frames.back().time - d.frames.front().time) / 1e9;
  s += meta.kind + " " + meta.source + ": " + std::to_string(d.frames.size()) + " frames over " + seconds_text(span) +
       ", " + std::to_string(d.dhcp.size()) + " BOOTP/DHCP, " + std::to_string(d.tftp.size()) + " TFTP, " +
       std::to_string(g.clients.size()) + " clients, " + std::to_string(g.transfers.size()) + " TFTP transfers\n";
  if (!meta.read_error.empty()) s += "capture damaged: " + meta.read_error + "\n";
  if (run.trace && run.trace->unrecorded_frames() > 0) {
    s += "trace capped: the first " + std::to_string(run.trace->frame_count()) + " frames are kept and judged; " +
         std::to_string(run.trace->unrecorded_frames()) + " more crossed the segment unrecorded (a wall-clock run keeps " +
         std::to_string(run.trace->frame_limit()) + ")\n";
  }
  s += malformed_text(d);
  s += peers_text(g);
  s += run.outcomes.empty() ? leases_text(clients) : outcomes_text(run);
  if (verbose && !clients.empty()) {
    s += "\nClients:\n";
    const sim::Time t0 = d.frames.empty() ? 0 : d.frames.front().time;
    constexpr std::size_t kMaxListed = 50;
    for (std::size_t ci = 0; ci < clients.size(); ++ci) {
      if (ci == kMaxListed) {
        s += "  ... " + std::to_string(clients.size() - kMaxListed) + " more clients (see --json)\n";
        break;
      }
      s += client_text(clients[ci], t0);
    }
  }
  s += checks_text(results, meta, verbose);
  return s;
}

}  // namespace pxelab::conformance
