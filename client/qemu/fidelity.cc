#include "client/qemu/fidelity.h"

#include <cmath>
#include <cstdio>
#include <functional>

#include "wire/ports.h"
#include "wire/text.h"

namespace pxelab::client::qemu {

namespace {

using wire::dhcp::MessageType;

std::string hex(wire::ByteView b) { return wire::hex_octets(b); }  // wire/text.h

std::string printable_or_hex(wire::ByteView b) {
  for (auto c : b) {
    if (c < 0x20 || c > 0x7e) return std::string("hex:").append(hex(b));
  }
  std::string s = "\"";
  s.append(b.begin(), b.end());
  s += '"';
  return s;
}

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", s);
  return buf;
}

template <class T>
std::string join(const std::vector<T>& v, const char* sep = ",") {
  std::string s;
  for (const auto& x : v) {
    if (!s.empty()) s += sep;
    s += std::to_string(x);
  }
  return s;
}

std::string option_value(const wire::dhcp::Message& m, std::uint8_t code) {
  const auto* o = m.find(code);
  if (!o) return "-";
  const auto& d = o->data;
  switch (code) {
    case 55: {
      std::vector<int> codes(d.begin(), d.end());
      return join(codes);
    }
    case 57:
      return d.size() == 2 ? std::to_string(wire::load_be16(d.data())) : std::string("hex:").append(hex(d));
    case 61:
    case 97:  // per-machine content: compare the shape (length, type octet)
      return "len " + std::to_string(d.size()) + (d.empty() ? "" : " type " + std::to_string(d[0]));
    case 175: {  // iPXE encapsulated options: the sub-option codes it announces
      std::vector<int> codes;
      for (std::size_t i = 0; i + 1 < d.size(); i += 2 + d[i + 1]) codes.push_back(d[i]);
      return "suboptions " + join(codes);
    }
    case 60:
    case 77:
      return printable_or_hex(d);
    default:
      return std::string("hex:").append(hex(d));
  }
}

const DhcpEvent* first(const ClientDigest& d, MessageType t, bool proxy = false) {
  for (const auto& e : d.dhcp) {
    if (e.from_client && e.type == static_cast<std::uint8_t>(t) && (e.dst_port == wire::kPxeBootServerPort) == proxy) return &e;
  }
  return nullptr;
}

// DISCOVERs of the first exchange: up to the first REQUEST (later ones belong to a
// chainloaded program asking again, FW-44).
std::vector<const DhcpEvent*> first_discovers(const ClientDigest& d) {
  std::vector<const DhcpEvent*> out;
  for (const auto& e : d.dhcp) {
    if (!e.from_client) continue;
    if (e.type == static_cast<std::uint8_t>(MessageType::kRequest)) break;
    if (e.type == static_cast<std::uint8_t>(MessageType::kDiscover) || !e.type) out.push_back(&e);
  }
  return out;
}

std::string xid_policy(const std::vector<const DhcpEvent*>& discovers) {
  if (discovers.empty()) return "-";
  if (discovers.size() == 1) return "one DISCOVER";
  bool same = true, distinct = true;
  for (std::size_t i = 1; i < discovers.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (discovers[i]->message.xid == discovers[j]->message.xid) distinct = false;
    }
    same &= discovers[i]->message.xid == discovers[0]->message.xid;
  }
  return same ? "one xid for every DISCOVER" : distinct ? "a new xid per DISCOVER" : "xids partly reused";
}

std::string rrq_options(const TftpTransfer& t) {
  std::string s;
  for (const auto& o : t.requested.entries) {
    // tsize is 0 in a request; other values are the client's choices.
    if (!s.empty()) s += ' ';
    s.append(o.name).append("=").append(o.value);
  }
  return s.empty() ? "(none)" : s;
}

}  // namespace

std::size_t FidelityReport::differences() const {
  std::size_t n = 0;
  for (const auto& i : items) n += !i.same && i.known.empty();
  return n;
}

namespace {

// By frame number, not time: an emulated run on ideal links does everything at one
// virtual instant.
ClientDigest cut_at_nbp(const ClientDigest& d) {
  std::size_t end = static_cast<std::size_t>(-1);
  for (const auto& t : d.tftp) {
    if (t.complete) {
      end = t.last_frame;
      break;
    }
  }
  ClientDigest out;
  out.mac = d.mac;
  for (const auto& e : d.dhcp) {
    if (e.frame <= end) out.dhcp.push_back(e);
  }
  for (const auto& t : d.tftp) {
    if (t.rrq_frame <= end) out.tftp.push_back(t);
  }
  return out;
}

}  // namespace

namespace {

// Two per-attempt series (secs, retry intervals) agree when they are equal element by
// element, or when one has a single attempt more at either end and the rest agrees:
// how many DISCOVERs go out before the first OFFER is caught depends on when the
// firmware's NIC is ready under TCG (seen with U-Boot: 4 DISCOVERs in one run, 3 in the
// next, the same backoff), while the schedule itself is the firmware's.
template <typename T, typename Eq>
bool same_but_one_attempt(const std::vector<T>& a, const std::vector<T>& b, Eq&& eq) {
  auto equal_at = [&](const std::vector<T>& longer, const std::vector<T>& shorter, std::size_t offset) {
    for (std::size_t i = 0; i < shorter.size(); ++i) {
      if (!eq(longer[i + offset], shorter[i])) return false;
    }
    return true;
  };
  if (a.size() == b.size()) return equal_at(a, b, 0);
  const auto& longer = a.size() > b.size() ? a : b;
  const auto& shorter = a.size() > b.size() ? b : a;
  if (longer.size() != shorter.size() + 1 || shorter.empty()) return false;
  return equal_at(longer, shorter, 0) || equal_at(longer, shorter, 1);
}

}  // namespace

namespace {

// Adds compared aspects to a report, in order, with the known-difference reason of a
// differing one.
struct Comparison {
  FidelityReport& report;
  const FidelityOptions& opt;

  void add(std::string aspect, std::string a, std::string b, std::optional<bool> same = std::nullopt) {
    FidelityItem item{std::move(aspect), std::move(a), std::move(b), false, {}};
    item.same = same ? *same : item.real == item.other;
    if (!item.same) {
      for (const auto& k : opt.known) {
        if (k.aspect == item.aspect) item.known = k.reason;
      }
    }
    report.items.push_back(std::move(item));
  }
  // Two times agree within max(absolute, relative * the real one).
  bool close(double a, double b) const {
    return std::fabs(a - b) <= std::max(opt.tolerance_seconds, opt.tolerance_relative * std::fabs(a));
  }
};

// The first DISCOVER's and REQUEST's option list, the options that identify a client
// (55, 57, 60, 61, 93, 94, 97, 77, 175) and flags.
void compare_dhcp_options(Comparison& cmp, const ClientDigest& real, const ClientDigest& other) {
  auto codes = [](const DhcpEvent* e) {
    if (!e) return std::string("-");
    std::vector<int> c;
    for (const auto& o : e->message.options) c.push_back(o.code);
    return join(c);
  };
  auto flags = [](const DhcpEvent* e) {
    if (!e) return std::string("-");
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%04x", e->message.flags);
    return std::string(buf);
  };
  for (auto type : {MessageType::kDiscover, MessageType::kRequest}) {
    std::string name = type == MessageType::kDiscover ? "DISCOVER" : "REQUEST";
    const DhcpEvent* a = first(real, type);
    const DhcpEvent* b = first(other, type);
    cmp.add(name + " options", codes(a), codes(b));
    for (std::uint8_t code : {55, 57, 60, 61, 93, 94, 97, 77, 175}) {
      cmp.add(name + " " + std::to_string(code), a ? option_value(a->message, code) : "-",
              b ? option_value(b->message, code) : "-");
    }
    cmp.add(name + " flags", flags(a), flags(b));
  }
}

std::string render_list(const std::vector<double>& v) {
  std::string s;
  for (double x : v) {
    if (!s.empty()) s += ", ";
    s += seconds(x);
  }
  return s.empty() ? std::string("none") : s + " s";
}

std::vector<double> retry_intervals(const std::vector<const DhcpEvent*>& d) {
  std::vector<double> out;
  for (std::size_t i = 1; i < d.size(); ++i) out.push_back(sim::to_seconds(d[i]->time - d[i - 1]->time));
  return out;
}

// The DISCOVER schedule: xid policy, REQUEST xid, secs, retry intervals, and the wait
// before the REQUEST.
void compare_discover_schedule(Comparison& cmp, const ClientDigest& real, const ClientDigest& other) {
  auto da = first_discovers(real), db = first_discovers(other);
  cmp.add("DISCOVER xid policy", xid_policy(da), xid_policy(db));
  const DhcpEvent* ra = first(real, MessageType::kRequest);
  const DhcpEvent* rb = first(other, MessageType::kRequest);
  auto req_xid = [](const std::vector<const DhcpEvent*>& d, const DhcpEvent* req) {
    if (d.empty() || !req) return std::string("-");
    return std::string(req->message.xid == d.back()->message.xid ? "REQUEST reuses the DISCOVER's xid"
                                                                 : "REQUEST has a new xid");
  };
  cmp.add("REQUEST xid", req_xid(da, ra), req_xid(db, rb));
  auto secs = [](const std::vector<const DhcpEvent*>& d) {
    std::vector<int> s;
    for (const auto* e : d) s.push_back(e->message.secs);
    return s;
  };
  auto render_secs = [](const std::vector<int>& s) { return s.empty() ? std::string("-") : join(s); };
  // secs is a policy (FW-02: iPXE packs a counter; FW-08: EDK2 0/4/12/28).
  const auto sa = secs(da), sb = secs(db);
  cmp.add("DISCOVER secs", render_secs(sa), render_secs(sb), same_but_one_attempt(sa, sb, std::equal_to<int>()));
  // Retry intervals within tolerance, as many of them (but one attempt, see above).
  const auto ia = retry_intervals(da), ib = retry_intervals(db);
  auto close = [&cmp](double a, double b) { return cmp.close(a, b); };
  cmp.add("DISCOVER retry intervals", render_list(ia), render_list(ib), same_but_one_attempt(ia, ib, close));
  // The wait between the last DISCOVER and the REQUEST: the offer collection window
  // (FW-08: EDK2 selects when its 4 s timer expires; FW-13: iPXE after 2 s).
  auto wait = [&](const std::vector<const DhcpEvent*>& d, const DhcpEvent* req) -> std::optional<double> {
    if (d.empty() || !req) return std::nullopt;
    return sim::to_seconds(req->time - d.front()->time);
  };
  auto wa = wait(da, ra), wb = wait(db, rb);
  cmp.add("first DISCOVER to REQUEST", wa ? seconds(*wa) + " s" : "-", wb ? seconds(*wb) + " s" : "-",
          (!wa && !wb) || (wa && wb && cmp.close(*wa, *wb)));
}

std::string port4011(const ClientDigest& d) {
  std::vector<std::string> parts;
  for (const auto& e : d.dhcp) {
    if (e.from_client && e.dst_port == wire::kPxeBootServerPort) parts.push_back("REQUEST to 4011 from port " + std::to_string(e.src_port));
  }
  if (parts.empty()) return std::string("none");
  return parts.front() + (parts.size() > 1 ? " (x" + std::to_string(parts.size()) + ")" : "");
}

std::string tsize_probe(const ClientDigest& d) {
  for (std::size_t i = 0; i + 1 < d.tftp.size(); ++i) {
    const auto& t = d.tftp[i];
    if (t.requested.find("tsize") && t.client_error && d.tftp[i + 1].file == t.file) {
      return "RRQ " + t.file + " with tsize, ERROR " + std::to_string(t.client_error->code) + ", then RRQ" +
             (d.tftp[i + 1].requested.find("tsize") ? " with tsize" : " without tsize");
    }
  }
  return std::string("none");
}

std::string files_after_nbp(const ClientDigest& d) {
  std::string s;
  for (std::size_t i = 1; i < d.tftp.size(); ++i) {  // after the NBP
    if (!s.empty()) s += ' ';
    s += d.tftp[i].file;
    if (d.tftp[i].server_error) s += "(!)";
  }
  return s.empty() ? std::string("none") : s;
}

// Each TFTP read (file, options, how it ended), the tsize probe, and what was asked
// after the NBP.
void compare_tftp(Comparison& cmp, const ClientDigest& real, const ClientDigest& other) {
  std::size_t n = std::max(real.tftp.size(), other.tftp.size());
  auto end = [](const TftpTransfer* t) {
    if (!t) return std::string("-");
    if (!t->client_error) return std::string(t->complete ? "completed" : "not completed");
    return "client ERROR " + std::to_string(t->client_error->code) + " '" + t->client_error->message + "'";
  };
  for (std::size_t i = 0; i < n; ++i) {
    const TftpTransfer* a = i < real.tftp.size() ? &real.tftp[i] : nullptr;
    const TftpTransfer* b = i < other.tftp.size() ? &other.tftp[i] : nullptr;
    std::string tag = "TFTP RRQ " + std::to_string(i + 1);
    cmp.add(tag + " file", a ? a->file : "-", b ? b->file : "-");
    cmp.add(tag + " options", a ? rrq_options(*a) : "-", b ? rrq_options(*b) : "-");
    cmp.add(tag + " end", end(a), end(b));
  }
  cmp.add("TFTP tsize probe", tsize_probe(real), tsize_probe(other));
  cmp.add("files asked after the NBP", files_after_nbp(real), files_after_nbp(other));
}

}  // namespace

FidelityReport compare_clients(const ClientDigest& real_in, const ClientDigest& other_in, const FidelityOptions& opt) {
  FidelityReport r;
  const ClientDigest real = opt.until_nbp ? cut_at_nbp(real_in) : real_in;
  const ClientDigest other = opt.until_nbp ? cut_at_nbp(other_in) : other_in;
  Comparison cmp{r, opt};
  compare_dhcp_options(cmp, real, other);
  compare_discover_schedule(cmp, real, other);
  cmp.add("port 4011", port4011(real), port4011(other));
  compare_tftp(cmp, real, other);
  // Known differences that did not differ this time (and are not `sometimes`): stale.
  for (const auto& k : opt.known) {
    bool used = false;
    for (const auto& i : r.items) used |= i.aspect == k.aspect && !i.same;
    if (!used && !k.sometimes) r.stale.push_back(k);
  }
  return r;
}

std::string render(const FidelityReport& report) {
  std::size_t width = 0;
  for (const auto& i : report.items) width = std::max(width, i.aspect.size());
  std::string out;
  for (const auto& i : report.items) {
    out += i.same ? "same " : !i.known.empty() ? "known" : "DIFF ";
    out.append("  ").append(i.aspect).append(width - i.aspect.size() + 2, ' ').append(i.real);
    if (!i.same) {
      out.append("  |  ").append(i.other);
      if (!i.known.empty()) out.append("   (").append(i.known).append(")");
    }
    out += '\n';
  }
  for (const auto& k : report.stale) out += "stale  known difference '" + k.aspect + "' is the same now: remove it\n";
  return out;
}

}  // namespace pxelab::client::qemu
