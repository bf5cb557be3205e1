// Client-side checks (what ROMs send), Wake-on-LAN, and the outcome-only checks that
// need ClientOutcome (never applicable to a capture).
#include <algorithm>
#include <cctype>

#include "conformance/checks/check_util.h"
#include "conformance/checks/checks.h"
#include "wire/dhcp_options.h"

namespace pxelab::conformance::checks {

namespace code = wire::dhcp::code;
using namespace util;

namespace {

// The client's DHCP messages it sent itself, in frame order, into `out` (reused
// across clients: no allocation per client once it has grown).
const std::vector<const DhcpMsg*>& sent_by(const Analysis& a, const Client& c, std::vector<const DhcpMsg*>& out) {
  out.clear();
  for (std::uint32_t t : a.g().transactions_of(c)) {
    for (std::uint32_t i : a.g().messages(a.g().transactions[t])) {
      const DhcpMsg& m = a.d().dhcp[i];
      if (client_request(a, m)) out.push_back(&m);
    }
  }
  if (c.tx_count > 1) {
    std::sort(out.begin(), out.end(), [](const DhcpMsg* x, const DhcpMsg* y) { return x->frame < y->frame; });
  }
  return out;
}

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

void client_ident(const Analysis& a, Judge& j) {
  std::vector<const DhcpMsg*> scratch;
  for (const auto& c : a.g().clients) {
    for (const DhcpMsg* m : sent_by(a, c, scratch)) {
      if (m->type != msgtype::kDiscover || !pxe_client(a, *m)) continue;
      j.judge();
      std::string bad;
      const std::string v60 = str(a, *m, code::kVendorClassId).value_or("");
      // PXE 2.1 §2.2: "PXEClient:Arch:xxxxx:UNDI:yyyzzz"
      const bool form = v60.size() == 32 && v60.compare(0, 15, "PXEClient:Arch:") == 0 && digits(v60.substr(15, 5)) &&
                        v60.compare(20, 6, ":UNDI:") == 0 && digits(v60.substr(26, 6));
      if (!form) bad += " 60 \"" + v60 + "\" is not PXEClient:Arch:xxxxx:UNDI:yyyzzz;";
      auto o93 = a.d().option(*m, code::kClientArch);
      if (!o93 || o93->size() != 2) bad += o93 ? " 93 is not 2 octets;" : " no 93;";
      auto o94 = a.d().option(*m, code::kClientNdi);
      if (!o94 || o94->size() != 3 || (*o94)[0] != 1) bad += o94 ? " 94 is not 3 octets of type 1;" : " no 94;";
      auto o97 = a.d().option(*m, code::kClientMachineId);
      if (!o97 || o97->size() != 17 || (*o97)[0] != 0) bad += o97 ? " 97 is not 17 octets of type 0;" : " no 97;";
      if (!bad.empty()) fail(j, a, *m, {}, "PXE client identity incomplete:" + bad);
      break;  // the first PXE DISCOVER speaks for the client
    }
  }
}

void client_retry(const Analysis& a, Judge& j) {
  std::vector<const DhcpMsg*> scratch;
  for (const auto& c : a.g().clients) {
    std::vector<const DhcpMsg*> discovers;
    bool pxe = false;
    for (const DhcpMsg* m : sent_by(a, c, scratch)) {
      if (m->type == msgtype::kRequest) break;  // the first DORA's DISCOVER phase only
      if (m->type != msgtype::kDiscover || boot_server_exchange(a, *m)) continue;
      discovers.push_back(m);
      pxe |= pxe_client(a, *m);
    }
    if (!pxe || discovers.size() < 2) continue;
    j.judge();
    std::string seen;
    bool ok = true;
    for (std::size_t k = 1; k < discovers.size(); ++k) {
      const double interval = static_cast<double>(a.frame(*discovers[k]).time - a.frame(*discovers[k - 1]).time) / 1e9;
      const double expected = static_cast<double>(4u << std::min<std::size_t>(k - 1, 3));
      ok = ok && interval >= 0.75 * expected && interval <= 1.5 * expected;
      char b[32];
      std::snprintf(b, sizeof b, "%s%.2f", k == 1 ? "" : "/", interval);
      seen += b;
    }
    if (!ok) {
      std::vector<std::uint64_t> frames;
      for (const auto* m : discovers) frames.push_back(m->frame);
      fail(j, a, *discovers.back(), frames, "DISCOVER retries expected after 4/8/16/32 s, seen " + seen + " s");
    }
  }
}

void client_secs(const Analysis& a, Judge& j) {
  std::vector<const DhcpMsg*> scratch;
  for (const auto& c : a.g().clients) {
    auto sent = sent_by(a, c, scratch);
    if (sent.empty()) continue;
    j.judge();
    for (const DhcpMsg* m : sent) {
      // Wireshark's test: a value above 255 whose low octet is 0 reads as little-endian.
      if (m->secs > 255 && (m->secs & 0xff) == 0) {
        fail(j, a, *m, {}, "secs " + std::to_string(m->secs) + " looks little-endian (" + std::to_string(m->secs >> 8) +
                               " s sent byte-swapped); RFC 2131 fields are big-endian");
        break;
      }
    }
  }
}

void client_opt_format(const Analysis& a, Judge& j) {
  for (const auto& m : a.d().dhcp) {
    if (!m.is_request() && !m.is_reply()) {  // too short for a header, or op is neither 1 nor 2
      const FrameInfo& f = a.frame(m);
      if (f.src_port != wire::kDhcpClientPort) continue;
      j.judge();
      if (m.error != kNone) {
        const auto& e = a.d().errors[static_cast<std::size_t>(m.error)];
        j.fail(f.src_mac, "", {m.frame}, e.field + ": " + e.message);
      } else {
        j.fail(f.src_mac, "", {m.frame}, "op " + std::to_string(m.op) + " is neither BOOTREQUEST (1) nor BOOTREPLY (2)");
      }
      continue;
    }
    if (!client_request(a, m)) continue;
    j.judge();
    if (m.error != kNone) {
      const auto& e = a.d().errors[static_cast<std::size_t>(m.error)];
      fail(j, a, m, {}, e.field + " at byte " + std::to_string(e.offset) + ": " + e.message);
    } else if (m.cookie && !m.options_end) {
      fail(j, a, m, {}, std::string(type_name(m.type)) + " has no END option (255)");
    } else if (m.length_error != kNone) {
      const auto& e = a.d().errors[static_cast<std::size_t>(m.length_error)];
      fail(j, a, m, {}, e.field + " at byte " + std::to_string(e.offset) + ": " + e.message);
    }
  }
}

void client_arch(const Analysis& a, Judge& j) {
  std::vector<const DhcpMsg*> scratch;
  for (const auto& c : a.g().clients) {
    for (const DhcpMsg* m : sent_by(a, c, scratch)) {
      auto v = a.d().option(*m, code::kClientArch);
      if (!v) continue;
      j.judge();
      if (v->size() < 2 || v->size() % 2 != 0) {
        fail(j, a, *m, {}, "option 93 of " + std::to_string(v->size()) + " octets: expected 2 per architecture type");
      } else if (v->size() > 2) {
        fail(j, a, *m, {}, "option 93 lists " + std::to_string(v->size() / 2) +
                               " architectures: servers take the first or none (ambiguous)");
      }
      break;
    }
  }
}

void tsize_probe(const Analysis& a, Judge& j) {
  const auto& ts = a.g().transfers;
  for (std::size_t i = 0; i < ts.size(); ++i) {
    const TftpTransfer& t = ts[i];
    if (t.write || !t.oack || t.blocks > 0) continue;
    bool retried = false;
    for (std::size_t k = i + 1; k < ts.size(); ++k) retried |= ts[k].client == t.client && ts[k].filename == t.filename;
    if (!retried) continue;
    j.judge();
    if (t.error_frame == kNone || t.error_from_server) {
      fail(j, a, t, {static_cast<std::uint64_t>(t.oack_frame)},
           "the client abandoned the transfer after the OACK without sending ERROR (RFC 2347: ERROR 8), then asked again");
    }
  }
}

void wol_magic(const Analysis& a, Judge& j) {
  for (const auto& w : a.d().wol) {
    auto p = a.d().payload(w.frame);
    if (w.udp && (p.empty() || p[0] != 0xff)) continue;  // ordinary echo/discard traffic
    j.judge();
    if (w.error != kNone) {
      const auto& e = a.d().errors[static_cast<std::size_t>(w.error)];
      j.fail(a.frame(w.frame).src_mac, "", {w.frame}, "not a magic packet: " + e.field + ": " + e.message);
    }
  }
}

// An outcome finding's frames (issue 15: every finding lists its frame numbers): the
// deciding frame when the outcome names one inside the trace, else the client's last
// frame on the wire - its last DHCP message, TFTP request, DATA or ERROR - where a
// reader in Wireshark starts to see why it stopped. Empty only for a client that sent
// and got nothing (a machine never powered on): such a finding has no frame by nature.
std::vector<std::uint64_t> outcome_frames(const Analysis& a, const client::ClientOutcome& o) {
  if (o.decided_by && o.decided_by->frame && *o.decided_by->frame < a.d().frames.size()) return {*o.decided_by->frame};
  const std::int32_t ci = a.g().client_index(o.mac);
  if (ci == kNone) return {};
  const Client& c = a.g().clients[static_cast<std::size_t>(ci)];
  std::int64_t last = kNone;
  for (std::uint32_t t : a.g().transactions_of(c)) {
    const auto msgs = a.g().messages(a.g().transactions[t]);
    if (!msgs.empty()) last = std::max<std::int64_t>(last, a.d().dhcp[msgs.back()].frame);
  }
  for (std::uint32_t t : c.transfers) {
    const TftpTransfer& tr = a.g().transfers[t];
    last = std::max<std::int64_t>({last, a.d().transfers[tr.raw].request_frame, tr.last_data_frame, tr.error_frame});
  }
  if (last == kNone) return {};
  return {static_cast<std::uint64_t>(last)};
}

void outcome_booted(const Analysis& a, Judge& j) {
  if (a.run->from_capture) return;
  for (const auto& o : a.run->outcomes) {
    j.judge();
    if (o.status == client::BootStatus::kBooted || o.status == client::BootStatus::kLocalBoot) continue;
    j.fail(o.mac, o.name, outcome_frames(a, o),
           std::string("client ") + o.name + " (" + o.personality + ") did not boot: " +
               std::string(client::to_string(o.status)) + (o.code.empty() ? "" : " " + o.code) +
               (o.text.empty() ? "" : " \"" + o.text + "\""));
  }
}

void outcome_code(const Analysis& a, Judge& j) {
  if (a.run->from_capture) return;
  const std::size_t frames = a.d().frames.size();
  for (const auto& o : a.run->outcomes) {
    if (o.status != client::BootStatus::kFailed) continue;
    j.judge();
    if (o.code.empty()) {
      j.fail(o.mac, o.name, outcome_frames(a, o), "a failed client must carry a failure code (PXE-Exx), it has none");
      continue;
    }
    if (o.decided_by && o.decided_by->frame && *o.decided_by->frame >= frames) {
      j.fail(o.mac, o.name, outcome_frames(a, o), "the deciding frame " + std::to_string(*o.decided_by->frame + 1) +
                                    " is beyond the trace (" + std::to_string(frames) + " frames)");
      continue;
    }
    if (o.code == client::kCodeNoOffers) {
      for (const auto& m : a.d().dhcp) {
        if (m.is_reply() && m.mac == o.mac && (m.type == msgtype::kOffer || m.type == 0) && server_reply(a, m)) {
          j.fail(o.mac, o.name, {m.frame}, o.code + " (no offers) but " + frame_ref(m.frame) + " is an offer to it");
          break;
        }
      }
    } else if (o.code == client::kCodeTftpFileNotFound) {
      const std::int32_t c = a.g().client_index(o.mac);
      bool seen = false;
      std::vector<std::uint64_t> requests;  // the reads that were not refused with ERROR 1
      if (c != kNone) {
        for (std::uint32_t t : a.g().clients[static_cast<std::size_t>(c)].transfers) {
          const auto& tr = a.g().transfers[t];
          seen |= tr.error_frame != kNone && tr.error_from_server && tr.error_code == 1;
          requests.push_back(a.d().transfers[tr.raw].request_frame);
        }
      }
      if (requests.empty()) requests = outcome_frames(a, o);
      if (!seen) j.fail(o.mac, o.name, requests, o.code + " (file not found) but no TFTP ERROR 1 reached the client");
    }
  }
}

}  // namespace pxelab::conformance::checks
