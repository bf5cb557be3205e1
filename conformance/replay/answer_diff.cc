#include "conformance/replay/answer_diff.h"

#include <algorithm>
#include <map>

#include <fmt/core.h>

#include "wire/dhcp_message.h"

namespace pxelab::conformance::replay {

namespace {

constexpr const char* kAbsent = "(absent)";

struct OptionRule {
  std::uint8_t code;
  Rule rule;
  int rank;
  const char* why;
};

// The rules per option; codes not listed must match (rank kOtherOption).
constexpr int kOtherOption = 40;
constexpr OptionRule kOptionRules[] = {
    {53, Rule::kMustMatch, 1, "the message type decides what the client does next (RFC 2131 §4.3)"},
    {43, Rule::kMustMatch, 10, "PXE ROMs parse 43 for discovery control and the boot menu (PXE 2.1 §2.4); EDK2 falls back without it"},
    {60, Rule::kMustMatch, 11, "PXEClient in 60 tells a ROM that this is a PXE answer (PXE 2.1 §2.2)"},
    {67, Rule::kMustMatch, 12, "the boot file the client fetches (RFC 2132 §9.5)"},
    {66, Rule::kMustMatch, 13, "the TFTP server the client asks (RFC 2132 §9.4)"},
    {52, Rule::kMustMatch, 30, "overload moves options into file/sname (RFC 2131 §4.1); some ROMs ignore it (FW-05)"},
    {54, Rule::kMayDiffer, 50, "the server's own address"},
    {51, Rule::kMayDiffer, 51, "lease times are the site's policy"},
    {58, Rule::kMayDiffer, 52, "lease times are the site's policy"},
    {59, Rule::kMayDiffer, 53, "lease times are the site's policy"},
    {1, Rule::kMayDiffer, 54, "the site's network configuration"},
    {3, Rule::kMayDiffer, 55, "the site's network configuration"},
    {6, Rule::kMayDiffer, 56, "the site's network configuration"},
    {12, Rule::kMayDiffer, 57, "the site's network configuration"},
    {15, Rule::kMayDiffer, 58, "the site's network configuration"},
    {28, Rule::kMayDiffer, 59, "the site's network configuration"},
    {42, Rule::kMayDiffer, 60, "the site's network configuration"},
};

const OptionRule* rule_of(std::uint8_t code) {
  for (const auto& r : kOptionRules) {
    if (r.code == code) return &r;
  }
  return nullptr;
}

std::string hex(wire::ByteView v) {
  std::string s;
  for (std::size_t i = 0; i < v.size() && i < 48; ++i) s += fmt::format("{:02x}", v[i]);
  if (v.size() > 48) s += fmt::format("... ({} octets)", v.size());
  return s.empty() ? "(empty)" : s;
}

// Printable text as text, anything else as hex.
std::string value_text(wire::ByteView v) {
  bool printable = !v.empty();
  for (auto c : v) printable = printable && c >= 0x20 && c < 0x7f;
  return printable ? "'" + std::string(v.begin(), v.end()) + "'" : hex(v);
}

std::string cstring(wire::ByteView v) {
  auto end = std::find(v.begin(), v.end(), std::uint8_t{0});
  return std::string(v.begin(), end);
}

struct Parsed {
  std::optional<wire::dhcp::MessageView> view;
  std::map<std::uint8_t, wire::Bytes> options;  // joined (RFC 3396)
  std::vector<std::uint8_t> order;
  bool end_missing = false;
};

Parsed parse(const FieldAnswer& a) {
  Parsed p;
  auto v = wire::dhcp::MessageView::make(a.message);
  if (!v) return p;
  p.view = *v;
  if (!v->has_magic_cookie()) return p;
  wire::dhcp::ParseOptions po;
  po.require_end = false;
  auto scan = wire::dhcp::scan_options(*v, po);
  if (!scan) return p;
  p.end_missing = scan->end_missing;
  for (const auto& in : scan->instances) {
    auto [it, added] = p.options.try_emplace(in.code);
    if (added) p.order.push_back(in.code);
    it->second.insert(it->second.end(), in.data.begin(), in.data.end());
  }
  return p;
}

void sort_diff(AnswerDiff& d) {
  std::stable_sort(d.differences.begin(), d.differences.end(), [](const FieldDiff& a, const FieldDiff& b) {
    if (a.rule != b.rule) return a.rule == Rule::kMustMatch;
    return a.rank < b.rank;
  });
}

std::string type_text(const Parsed& p) {
  auto it = p.options.find(53);
  if (it == p.options.end() || it->second.size() != 1) return "BOOTREPLY (no 53)";
  static constexpr const char* kNames[] = {"?", "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM"};
  const auto t = it->second[0];
  return t < std::size(kNames) ? kNames[t] : std::to_string(t);
}

}  // namespace

std::string_view to_string(Rule rule) { return rule == Rule::kMustMatch ? "must match" : "may differ"; }

const FieldDiff* AnswerDiff::decisive() const {
  return !differences.empty() && differences.front().rule == Rule::kMustMatch ? &differences.front() : nullptr;
}

std::size_t AnswerDiff::forbidden() const {
  return static_cast<std::size_t>(std::count_if(differences.begin(), differences.end(),
                                                [](const FieldDiff& f) { return f.rule == Rule::kMustMatch; }));
}

std::string addressing(const FieldAnswer& a) {
  std::string to;
  auto v = wire::dhcp::MessageView::make(a.message);
  if (a.dst_ip.is_broadcast()) {
    to = "broadcast";
  } else if (v && a.dst_ip == v->yiaddr()) {
    to = "unicast to yiaddr";
  } else if (v && a.dst_ip == v->ciaddr()) {
    to = "unicast to ciaddr";
  } else if (v && a.dst_ip == v->giaddr()) {
    to = "unicast to giaddr";
  } else {
    to = "unicast to " + a.dst_ip.to_string();
  }
  return fmt::format("{} :{} -> :{}", to, a.src_port, a.dst_port);
}

AnswerDiff diff_dhcp(const FieldAnswer* field, const FieldAnswer* now) {
  AnswerDiff d;
  auto add = [&](std::string what, std::string f, std::string n, Rule rule, int rank, std::string why) {
    if (f == n) return;
    d.differences.push_back({std::move(what), std::move(f), std::move(n), rule, std::move(why), rank});
  };
  if (!field || !now) {
    if (field || now) {
      add("answer", field ? type_text(parse(*field)) : "(no answer)", now ? type_text(parse(*now)) : "(no answer)",
          Rule::kMustMatch, 0, "a request the field server answered must be answered (and one it ignored, ignored)");
    }
    return d;
  }
  const Parsed f = parse(*field), n = parse(*now);
  if (!f.view || !n.view) {
    add("answer", f.view ? "BOOTREPLY" : "(malformed)", n.view ? "BOOTREPLY" : "(malformed)", Rule::kMustMatch, 0,
        "a BOOTREPLY holds at least the 236-octet header (RFC 951)");
    return d;
  }
  add("reply addressing", addressing(*field), addressing(*now), Rule::kMustMatch, 2,
      "how a reply reaches a client without an address (RFC 2131 §4.1; PXE 2.1 §2.2.6 for 4011)");
  add("xid", fmt::format("0x{:08x}", f.view->xid()), fmt::format("0x{:08x}", n.view->xid()), Rule::kMustMatch, 3,
      "a reply carries the request's xid (RFC 2131 §4.1)");
  add("flags", fmt::format("0x{:04x}", f.view->flags()), fmt::format("0x{:04x}", n.view->flags()), Rule::kMustMatch, 20,
      "the server echoes the client's flags (RFC 2131 §4.1 table 3)");
  add("yiaddr present", f.view->yiaddr().is_any() ? "no" : "yes", n.view->yiaddr().is_any() ? "no" : "yes",
      Rule::kMustMatch, 5, "a proxy answers with yiaddr 0, a DHCP server with an address (PXE 2.1 §2.2.4)");
  add("siaddr present", f.view->siaddr().is_any() ? "no" : "yes", n.view->siaddr().is_any() ? "no" : "yes",
      Rule::kMustMatch, 9, "without siaddr most ROMs have no TFTP server; 66 alone is read by none (FW-09, FW-37)");
  if (f.view->has_magic_cookie() && n.view->has_magic_cookie()) {
    add("options END", f.end_missing ? "missing" : "present", n.end_missing ? "missing" : "present", Rule::kMustMatch, 8,
        "the options end with END (RFC 2131 §4.1); U-Boot then parses stale buffer bytes (FW-05)");
  }
  add("giaddr", f.view->giaddr().to_string(), n.view->giaddr().to_string(), Rule::kMustMatch, 21,
      "giaddr is the relay's, echoed (RFC 2131 §4.1)");
  add("file", value_text(wire::ByteView(reinterpret_cast<const std::uint8_t*>(cstring(f.view->file()).data()),
                                        cstring(f.view->file()).size())),
      value_text(wire::ByteView(reinterpret_cast<const std::uint8_t*>(cstring(n.view->file()).data()),
                                cstring(n.view->file()).size())),
      Rule::kMustMatch, 12, "the boot file name in the header (RFC 951; FW-38 for unterminated names)");
  add("sname", "'" + cstring(f.view->sname()) + "'", "'" + cstring(n.view->sname()) + "'", Rule::kMustMatch, 13,
      "sname names the TFTP server for some ROMs (RFC 2131 §2)");
  add("yiaddr", f.view->yiaddr().to_string(), n.view->yiaddr().to_string(), Rule::kMayDiffer, 50,
      "another address within the pool");
  add("siaddr", f.view->siaddr().to_string(), n.view->siaddr().to_string(), Rule::kMayDiffer, 51,
      "the next server's address");
  add("source", field->src_ip.to_string(), now->src_ip.to_string(), Rule::kMayDiffer, 52, "another server's address");
  // Options.
  std::vector<std::uint8_t> codes = f.order;
  for (auto c : n.order) {
    if (!f.options.contains(c)) codes.push_back(c);
  }
  for (auto c : codes) {
    const auto fi = f.options.find(c), ni = n.options.find(c);
    const std::string fv = fi == f.options.end() ? kAbsent : value_text(fi->second);
    const std::string nv = ni == n.options.end() ? kAbsent : value_text(ni->second);
    const OptionRule* r = rule_of(c);
    const bool presence = (fi == f.options.end()) != (ni == n.options.end());
    // A may-differ option must still be there on both sides or neither (54 in a DHCP
    // reply is a MUST of RFC 2131 §4.3.1).
    Rule rule = r ? r->rule : Rule::kMustMatch;
    if (presence && c == 54) rule = Rule::kMustMatch;
    const int rank = r ? (c == 53 ? 1 : r->rank) : kOtherOption;
    add(fmt::format("option {}", c), fv, nv, rule, rule == Rule::kMustMatch && rank >= 50 ? 22 : rank,
        r ? r->why : "an option the rules do not cover: the same server behaviour sends the same content");
  }
  auto order_text = [](const std::vector<std::uint8_t>& o) {
    std::string s;
    for (auto c : o) s += (s.empty() ? "" : ",") + std::to_string(c);
    return s;
  };
  add("option order", order_text(f.order), order_text(n.order), Rule::kMayDiffer, 70,
      "order is not meaningful (RFC 2131 §4.1), except 53 first for some ROMs");
  sort_diff(d);
  return d;
}

AnswerDiff diff_tftp(const TftpFieldAnswer& field, const TftpFieldAnswer& now) {
  AnswerDiff d;
  auto add = [&](std::string what, std::string f, std::string n, Rule rule, int rank, std::string why) {
    if (f == n) return;
    d.differences.push_back({std::move(what), std::move(f), std::move(n), rule, std::move(why), rank});
  };
  using K = TftpFieldAnswer::Kind;
  auto kind = [](const TftpFieldAnswer& a) -> std::string {
    switch (a.kind) {
      case K::kNone: return "(no answer)";
      case K::kOack: return "OACK";
      case K::kData: return "DATA";
      case K::kError: return "ERROR";
    }
    return "?";
  };
  add("answer", kind(field), kind(now), Rule::kMustMatch, 0,
      "OACK when options are accepted, DATA when not, ERROR for a refusal (RFC 2347 §3)");
  if (field.kind == K::kError && now.kind == K::kError) {
    add("error code", std::to_string(field.error_code), std::to_string(now.error_code), Rule::kMustMatch, 1,
        "the error code is what a client acts on (RFC 1350 §5)");
    add("error message", "'" + field.error_message + "'", "'" + now.error_message + "'", Rule::kMayDiffer, 60,
        "the text is for people");
  }
  if (field.kind != K::kNone && now.kind != K::kNone) {
    add("reply port", std::to_string(field.dst_port), std::to_string(now.dst_port), Rule::kMustMatch, 2,
        "the server answers the client's port (RFC 1350 §4)");
    add("server TID", std::to_string(field.src_port), std::to_string(now.src_port), Rule::kMayDiffer, 61,
        "a transfer id is the server's choice (RFC 1350 §4)");
    add("server", field.src_ip.to_string(), now.src_ip.to_string(), Rule::kMayDiffer, 62, "another server's address");
  }
  if (field.kind == K::kOack || now.kind == K::kOack) {
    std::vector<std::string> names;
    for (const auto* a : {&field.oack, &now.oack}) {
      for (const auto& o : a->entries) {
        std::string lower = o.name;
        for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (std::find(names.begin(), names.end(), lower) == names.end()) names.push_back(lower);
      }
    }
    for (const auto& name : names) {
      const std::string* fv = field.oack.find(name);
      const std::string* nv = now.oack.find(name);
      const bool tsize_value = name == "tsize" && fv && nv;
      add("tftp oack " + name, fv ? *fv : kAbsent, nv ? *nv : kAbsent, tsize_value ? Rule::kMayDiffer : Rule::kMustMatch,
          tsize_value ? 63 : 3,
          tsize_value ? "the file may be another build" : "an option the server accepts, and its value (RFC 2347 §3)");
    }
  }
  add("transfer end", field.end, now.end, Rule::kMustMatch, 4, "how the read ended for the client");
  add("blksize used", std::to_string(field.blksize), std::to_string(now.blksize), Rule::kMustMatch, 5,
      "the block size decides the datagram size on the path (RFC 2348)");
  add("windowsize used", std::to_string(field.windowsize), std::to_string(now.windowsize), Rule::kMustMatch, 6,
      "RFC 7440 §4");
  add("bytes", std::to_string(field.bytes), std::to_string(now.bytes), Rule::kMayDiffer, 64, "the file may be another build");
  sort_diff(d);
  return d;
}

}  // namespace pxelab::conformance::replay
