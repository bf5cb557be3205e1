#include "conformance/checks/catalogue.h"

#include <algorithm>

#include "conformance/checks/checks.h"
#include "wire/text.h"

namespace pxelab::conformance {

namespace {

using L = Level;
using R = Role;
using M = Mode;
namespace c = checks;

// The table. Levels and citations: shared/CONFORMANCE.md and shared/FIRMWARE.md.
constexpr Check kCatalogue[] = {
    // ---- server: BOOTP/DHCP replies ------------------------------------------------
    {"DHCP-HDR-ECHO", "replies copy xid, htype, hlen, flags, giaddr, chaddr; hops 0", L::kMust, R::kServer,
     "RFC 2131 §4.3.1 table 3", M::kPassive, c::hdr_echo},
    {"DHCP-OFFER-CIADDR", "OFFER has ciaddr 0", L::kMust, R::kServer, "RFC 2131 §4.3.1 table 3", M::kPassive,
     c::offer_ciaddr},
    {"DHCP-NAK-FIELDS", "NAK has yiaddr=ciaddr=siaddr=0 and no lease time", L::kMust, R::kServer,
     "RFC 2131 §4.3.1 table 3", M::kPassive, c::nak_fields},
    {"DHCP-SERVER-ID", "OFFER/ACK/NAK carry 54; OFFER and ACK to REQUEST carry 51", L::kMust, R::kServer,
     "RFC 2131 §4.3.1 table 3", M::kPassive, c::server_id},
    {"DHCP-INFORM-ACK", "ACK to INFORM has no 51 and yiaddr 0", L::kMust, R::kServer, "RFC 2131 §4.3.5",
     M::kPassive, c::inform_ack},
    {"DHCP-NO-CLIENT-OPTS", "replies never carry 50, 55 or 57", L::kMust, R::kServer, "RFC 2131 §4.3.1 table 3",
     M::kPassive, c::no_client_opts},
    {"DHCP-CLIENT-ID-ECHO", "option 61 echoed unchanged", L::kMust, R::kServer, "RFC 6842 §3", M::kPassive,
     c::client_id_echo},
    {"DHCP-DEST", "reply destination: giaddr, ciaddr, broadcast flag, else yiaddr at chaddr", L::kMust, R::kServer,
     "RFC 2131 §4.1; RFC 1542 §5.4", M::kPassive, c::dest_rule},
    {"DHCP-NAK-BCAST", "NAK broadcast, or to giaddr with the broadcast bit", L::kMust, R::kServer,
     "RFC 2131 §4.1, §4.3.2", M::kPassive, c::nak_bcast},
    // SHOULD, as §4.3.2 words what this judges (an ACK of an address that is not the
    // client's): "If not, then the server SHOULD send a DHCPNAK message to the client."
    // Its MUST ("If the DHCP server has no record of this client, then it MUST remain
    // silent") needs to know the server's records, which a trace does not show.
    {"DHCP-INIT-REBOOT", "INIT-REBOOT REQUEST: silence or NAK unless the address is the client's", L::kShould,
     R::kServer, "RFC 2131 §4.3.2", M::kActive, c::init_reboot},
    // SHOULD, not MUST: §3.1 step 4 has no key word ("Those servers not selected by the
    // DHCPREQUEST message use the message as notification that the client has declined
    // that server's offer"), and the catalogue has no level below SHOULD for a standard.
    {"DHCP-SELECT-OTHER", "a REQUEST naming another server gets no reply", L::kShould, R::kServer,
     "RFC 2131 §3.1 step 4, §4.3.2", M::kPassive, c::select_other},
    {"DHCP-RENEW", "ACK to a RENEWING REQUEST is unicast to ciaddr", L::kMust, R::kServer, "RFC 2131 §4.3.2",
     M::kPassive, c::renew},
    {"DHCP-PRL-OFFER", "options asked in 55 appear in OFFER as in ACK", L::kShould, R::kServer, "RFC 2131 §4.3.1",
     M::kPassive, c::prl_offer},
    {"DHCP-OPT-FORMAT", "cookie, well-formed options, END, valid lengths", L::kMust, R::kServer,
     "RFC 2132 §2, §9.3; RFC 3396", M::kPassive, c::opt_format},
    {"DHCP-OVERLOAD-END", "overloaded sname/file end with END", L::kMust, R::kServer, "RFC 2131 §4.1; RFC 2132 §9.3",
     M::kPassive, c::overload_end},
    {"DHCP-MASK-BEFORE-ROUTER", "subnet mask precedes router", L::kShould, R::kServer, "RFC 2132 §3.3", M::kPassive,
     c::mask_before_router},
    {"DHCP-MAX-SIZE", "reply fits the client's option 57 (or 576)", L::kMust, R::kServer, "RFC 2132 §9.10; RFC 2131 §2",
     M::kPassive, c::max_size},
    {"DHCP-T1-T2", "T1 < T2 < lease time", L::kShould, R::kServer, "RFC 2131 §4.4.5", M::kPassive, c::t1_t2},
    {"BOOTP-REPLY", "BOOTP request gets a BOOTREPLY without 53, at least 300 octets", L::kMust, R::kServer,
     "RFC 951; RFC 1542 §2.1", M::kPassive, c::bootp_reply},
    {"RELAY-82-ECHO", "option 82 echoed whole, as the last option", L::kMust, R::kServer, "RFC 3046 §2.2",
     M::kPassive, c::relay_82_echo},
    {"DHCP-DUP-OFFER", "no second OFFER from one server without a new DISCOVER", L::kInterop, R::kServer,
     "FIRMWARE.md (dnsmasq ping wait); RFC 2131 §4.3.1", M::kPassive, c::dup_offer},
    {"DHCP-ROGUE", "addresses offered by one DHCP server (or only the servers under test)", L::kInterop, R::kServer,
     "RFC 2131 §3.1 step 2; FW-04", M::kPassive, c::rogue},
    {"DHCP-REPLY-PADDING", "replies are at least 300 octets", L::kInterop, R::kServer, "FW-35; RFC 1542 §2.1",
     M::kPassive, c::reply_padding},
    {"DHCP-NO-FRAGMENT", "BOOTP/DHCP replies are not IP fragments", L::kInterop, R::kServer, "FW-05; RFC 1542 §2.1",
     M::kPassive, c::no_fragment},
    // ---- relay -------------------------------------------------------------------------
    {"RELAY-HOPS", "relay increments hops, sets giaddr only if zero, drops hops > 16", L::kMust, R::kRelay,
     "RFC 1542 §4.1.1", M::kPassive, c::relay_hops},
    {"RELAY-DELIVERY", "relay broadcasts when the flag is set, else unicasts to yiaddr", L::kMust, R::kRelay,
     "RFC 1542 §5.4; FW-41", M::kPassive, c::relay_delivery_rule},
    // ---- server: PXE, proxyDHCP, boot server ----------------------------------------------
    {"PXE-PROXY-OFFER", "proxy offer has 60 PXEClient and yiaddr 0", L::kMust, R::kServer, "PXE 2.1 §2.2",
     M::kPassive, c::proxy_offer},
    {"PXE-ARCH-FILE", "boot file matches option 93 (BIOS vs EFI)", L::kMust, R::kServer, "RFC 4578 §2.1",
     M::kPassive, c::arch_file},
    {"PXE-4011-ACK", "4011 REQUEST gets an ACK with a boot file and 43.71 echoed", L::kMust, R::kServer,
     "PXE 2.1 §2.2 steps 5-6", M::kPassive, c::boot_server_ack},
    {"PXE-4011-PORT", "4011 reply goes to the request's source address and port", L::kInterop, R::kServer, "FW-18",
     M::kPassive, c::boot_server_port},
    {"PXE-43-CONSISTENT", "43 sub-options agree (6 bits, 7, 8, 9, 10)", L::kMust, R::kServer,
     "PXE 2.1 §2.2.5 vendor options table", M::kPassive, c::pxe43_consistent},
    {"PXE-PROXY-WINDOW", "proxy offer within the client's window (4 s; iPXE 2 s)", L::kInterop, R::kServer,
     "PXE 2.1 §2.2.3; FW-08, FW-13", M::kPassive, c::proxy_window},
    {"PXE-SERVER-ID-PROXY", "every offer to a PXE client carries 54", L::kInterop, R::kServer, "FW-09", M::kPassive,
     c::server_id_proxy},
    {"PXE-PROXY-DELIVERY", "proxy offer broadcast, or to giaddr:67 when relayed", L::kInterop, R::kServer, "FW-21",
     M::kPassive, c::proxy_delivery},
    {"PXE-SIADDR", "siaddr (not only 66) names the TFTP server", L::kInterop, R::kServer, "FW-12, FW-37",
     M::kPassive, c::siaddr},
    {"PXE-BOOTFILE-NUL", "boot file name NUL-terminated", L::kInterop, R::kServer, "FW-38", M::kPassive,
     c::bootfile_nul},
    {"PXE-NO-FALSE-PXECLIENT", "no 60 PXEClient echo without 43 or a boot file", L::kInterop, R::kServer, "FW-39",
     M::kPassive, c::no_false_pxeclient},
    {"PXE-CHAINLOAD-LOOP", "iPXE (77/175) is not handed the iPXE binary again", L::kInterop, R::kServer, "FW-44",
     M::kPassive, c::chainload_loop},
    {"PXE-MENU-LOCAL", "type 0 is local boot: no server for it, no boot file", L::kMust, R::kServer,
     "PXE 2.1 §2.4; FW-20", M::kActive, c::menu_local},
    // ---- server: TFTP ------------------------------------------------------------------
    {"TFTP-NEW-TID", "server answers from a new port and keeps it", L::kMust, R::kServer, "RFC 1350 §4", M::kActive,
     c::tftp_new_tid},
    {"TFTP-LAST-BLOCK", "a short block ends the transfer; exact multiples end with 0 octets", L::kMust, R::kServer,
     "RFC 1350 §6", M::kPassive, c::tftp_last_block},
    {"TFTP-NO-SORCERER", "a duplicate ACK does not trigger a DATA resend", L::kMust, R::kServer,
     "RFC 1123 §4.2.3.1", M::kPassive, c::tftp_no_sorcerer},
    {"TFTP-OACK-ONLY-ASKED", "OACK holds only requested options, and at least one", L::kMust, R::kServer, "RFC 2347",
     M::kPassive, c::tftp_oack_only_asked},
    {"TFTP-BLKSIZE", "OACK blksize <= requested, within 8-65464", L::kMust, R::kServer, "RFC 2348", M::kPassive,
     c::tftp_blksize},
    {"TFTP-TSIZE", "OACK tsize is the exact file size", L::kMust, R::kServer, "RFC 2349 §4", M::kPassive,
     c::tftp_tsize},
    {"TFTP-TIMEOUT", "OACK timeout within 1-255 and echoed unchanged", L::kMust, R::kServer, "RFC 2349 §3",
     M::kPassive, c::tftp_timeout},
    {"TFTP-WINDOW", "OACK windowsize <= requested, within 1-65535", L::kMust, R::kServer, "RFC 7440 §3", M::kPassive,
     c::tftp_window},
    {"TFTP-OACK-FORMAT", "OACK is name\\0value\\0 pairs, no padding", L::kMust, R::kServer, "RFC 2347", M::kPassive,
     c::tftp_oack_format},
    {"TFTP-ERROR-FINAL", "ERROR ends the transfer and is not retransmitted", L::kMust, R::kServer, "RFC 1350 §7",
     M::kPassive, c::tftp_error_final},
    // INTEROP: RFC 1350 says nothing of block numbers past 65535 (so no SHOULD), but a
    // file over 32 MiB at blksize 512 (shim asks 512) fails without a wrap (FW-46).
    {"TFTP-ROLLOVER", "block numbers wrap 65535 -> 0 or 1", L::kInterop, R::kServer,
     "FW-46 (PyPXE#160, uftpd#45); RFC 1350 is silent", M::kPassive, c::tftp_rollover},
    {"TFTP-PATH", "no file served for a path with '..'", L::kMust, R::kServer, "RFC 1350 §7 note; CWE-22",
     M::kActive, c::tftp_path},
    {"TFTP-OACK-STRICT", "OACK acceptable to EDK2: asked options only, no raise, timeout kept", L::kInterop,
     R::kServer, "FW-25", M::kPassive, c::tftp_oack_strict},
    {"TFTP-BLKSIZE-MTU", "negotiated blksize fits the path MTU", L::kInterop, R::kServer, "FW-42", M::kPassive,
     c::tftp_blksize_mtu},
    {"TFTP-DUP-OACK", "one OACK per request", L::kInterop, R::kServer, "FW-43", M::kPassive, c::tftp_dup_oack},
    {"TFTP-BLKSIZE-HONOURED", "DATA never exceeds the negotiated blksize", L::kMust, R::kServer, "RFC 2348; FW-43",
     M::kPassive, c::tftp_blksize_honoured},
    // ---- clients -----------------------------------------------------------------------
    {"PXE-CLIENT-IDENT", "PXE DISCOVER carries 60 PXEClient:Arch:..:UNDI:.., 93, 94, 97", L::kMust, R::kClient,
     "PXE 2.1 §2.2; RFC 4578 §2.1-2.3", M::kPassive, c::client_ident},
    {"PXE-CLIENT-RETRY", "DISCOVER retries at 4/8/16/32 s", L::kMust, R::kClient, "PXE 2.1 §2.2.3", M::kPassive,
     c::client_retry},
    {"DHCP-CLIENT-SECS", "secs is big-endian seconds", L::kShould, R::kClient, "RFC 2131 §2; FW-02", M::kPassive,
     c::client_secs},
    {"DHCP-CLIENT-OPT-FORMAT", "client messages well formed, END present", L::kMust, R::kClient,
     "RFC 2131 §4.1; RFC 2132 §2", M::kPassive, c::client_opt_format},
    {"DHCP-CLIENT-ARCH", "option 93 names one architecture", L::kShould, R::kClient, "RFC 4578 §2.1", M::kPassive,
     c::client_arch},
    {"TFTP-TSIZE-PROBE", "a tsize probe is closed with ERROR, not abandoned", L::kInterop, R::kClient,
     "RFC 2347; FW-23", M::kPassive, c::tsize_probe},
    {"WOL-MAGIC", "magic packet: 6 x 0xFF, MAC x 16, optional 4/6-octet password", L::kMust, R::kClient,
     "AMD Magic Packet white paper", M::kPassive, c::wol_magic},
    // ---- outcomes (scenario runs only) -----------------------------------------------------
    {"OUTCOME-BOOTED", "every client booted (or went to local boot)", L::kMust, R::kServer,
     "PXE 2.1 §2.2 (boot sequence); scenario", M::kOutcome, c::outcome_booted},
    {"OUTCOME-CODE", "a failed client's code agrees with the wire", L::kMust, R::kClient,
     "PXE 2.1 error codes; client/outcome.h", M::kOutcome, c::outcome_code},
};

bool iequal(std::string_view a, std::string_view b) { return wire::iequals(a, b); }  // wire/text.h

}  // namespace

std::span<const Check> catalogue() { return kCatalogue; }

const Check* find_check(std::string_view id) {
  for (const auto& c : kCatalogue) {
    if (iequal(c.id, id)) return &c;
  }
  return nullptr;
}

Result<std::vector<const Check*>> select_checks(std::string_view spec) {
  std::vector<const Check*> out;
  if (spec.empty()) {
    for (const auto& c : kCatalogue) out.push_back(&c);
    return out;
  }
  std::string unknown;
  std::size_t start = 0;
  while (start <= spec.size()) {
    std::size_t comma = spec.find(',', start);
    if (comma == std::string_view::npos) comma = spec.size();
    std::string_view item = spec.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    start = comma + 1;
    if (item.empty()) continue;
    bool matched = false;
    for (const auto& c : kCatalogue) {
      const bool hit = item.back() == '*' ? c.id.size() >= item.size() - 1 && iequal(c.id.substr(0, item.size() - 1),
                                                                                       item.substr(0, item.size() - 1))
                                          : iequal(c.id, item);
      if (hit && std::find(out.begin(), out.end(), &c) == out.end()) out.push_back(&c);
      matched |= hit;
    }
    if (!matched) unknown += (unknown.empty() ? "" : ", ") + std::string(item);
  }
  if (!unknown.empty()) return make_error("--only", 0, "unknown check id(s): " + unknown + " (see pxelab check --list)");
  return out;
}

AnalyzedRun::AnalyzedRun(const Run& run)
    : decoded_(decode_trace(*run.trace)), grouping_(group_transactions(decoded_)),
      analysis_{&run, &decoded_, &grouping_} {}

CheckResult run_check(const Analysis& analysis, const Check& check) {
  CheckResult r;
  r.check = &check;
  Judge judge(check.id, check.level);
  if (check.mode == Mode::kOutcome && (analysis.run->from_capture || analysis.run->outcomes.empty())) {
    r.reason = analysis.run->from_capture ? "needs client outcomes; a capture has none" : "no client outcomes";
    return r;
  }
  check.run(analysis, judge);
  r.judged = judge.judged();
  r.findings = std::move(judge.findings());
  r.findings_total = judge.total();
  if (r.findings_total > 0) {
    r.verdict = Verdict::kFail;
  } else if (r.judged == 0) {
    r.reason = "nothing in the trace to judge";
  } else {
    r.verdict = Verdict::kPass;
  }
  return r;
}

std::vector<CheckResult> run_checks(const Analysis& analysis, std::span<const Check* const> checks) {
  std::vector<CheckResult> out;
  out.reserve(checks.size());
  for (const Check* c : checks) out.push_back(run_check(analysis, *c));
  return out;
}

}  // namespace pxelab::conformance
