#include "client/offer.h"

#include <algorithm>

#include "wire/dhcp_option_values.h"
#include "wire/ports.h"

namespace pxelab::client {

namespace dhcp = wire::dhcp;

namespace {

bool has_boot_file(const Offer& o) {
  return !o.message.file.empty() || dhcp::bootfile_name(o.message).has_value();
}

// iPXE reads no option 52 (FW-14): options spilled into file/sname are invisible to
// it and those header fields read as names.
void forget_overload(Offer& o) {
  auto view = dhcp::MessageView::make(o.raw);
  if (!view) return;
  dhcp::ParseOptions po;
  po.require_end = false;
  po.check_option_lengths = false;
  auto scan = dhcp::scan_options(*view, po);
  if (!scan || scan->overload == 0) return;
  std::vector<std::uint8_t> in_options_area;
  for (const auto& inst : scan->instances) {
    if (inst.area == dhcp::OptionArea::kOptions) in_options_area.push_back(inst.code);
  }
  std::erase_if(o.message.options, [&](const dhcp::Option& opt) {
    return std::find(in_options_area.begin(), in_options_area.end(), opt.code) == in_options_area.end();
  });
  auto text = [](wire::ByteView field) {
    std::string s(field.begin(), field.end());
    if (auto nul = s.find('\0'); nul != std::string::npos) s.resize(nul);
    return s;
  };
  o.message.file = text(view->file());
  o.message.sname = text(view->sname());
}

// The option-67 name as a ROM that reads past an unterminated value sees it (FW-38):
// the value and the octet after it (typically END, 0xFF, or the next option's code).
std::optional<std::string> option67_read_past(const Offer& o) {
  auto view = dhcp::MessageView::make(o.raw);
  if (!view) return std::nullopt;
  dhcp::ParseOptions po;
  po.require_end = false;
  po.check_option_lengths = false;
  auto scan = dhcp::scan_options(*view, po);
  if (!scan) return std::nullopt;
  for (const auto& inst : scan->instances) {
    if (inst.code != dhcp::code::kBootfileName) continue;
    std::string s(inst.data.begin(), inst.data.end());
    if (!s.empty() && s.back() == '\0') {
      s.resize(s.find('\0'));
      return s;
    }
    const std::size_t after = inst.offset + 2 + inst.data.size();
    if (after < o.raw.size()) s.push_back(static_cast<char>(o.raw[after]));
    return s;
  }
  return std::nullopt;
}

}  // namespace

Result<Offer> read_offer(const Personality& p, const sim::Datagram& d, sim::Time now) {
  dhcp::ParseOptions po;
  po.require_end = false;  // clients read up to the end of the area (FW-05)
  po.check_option_lengths = p.dhcp.strict_option_lengths;  // FW-07
  po.accept_vendor_specific_area = true;
  auto m = dhcp::parse(d.payload, po);
  if (!m) return m.error();
  if (m->op != dhcp::kBootReply) return make_error("dhcp.op", 0, "not a BOOTREPLY");
  Offer o;
  o.message = std::move(*m);
  o.raw.assign(d.payload.begin(), d.payload.end());
  o.time = now;
  o.frame = d.frame;
  o.from = d.src;
  if (!p.dhcp.honour_overload) forget_overload(o);
  o.bootp = o.message.is_bootp();
  o.pxe_client = dhcp::is_pxe_client(o.message);
  o.server_id = dhcp::server_id(o.message);
  if (const dhcp::Option* v = o.message.find(dhcp::code::kVendorSpecific); v && o.pxe_client) {
    if (auto pxe = dhcp::decode_pxe_vendor_options(v->data)) o.pxe = std::move(*pxe);
  }
  if (const dhcp::Option* v = o.message.find(dhcp::code::kIpxeEncapsulated)) {
    if (auto ipxe = dhcp::decode_ipxe_options(v->data)) {
      o.priority = ipxe->priority().value_or(0);
      o.no_pxedhcp = ipxe->no_pxedhcp();
    }
  }
  return o;
}

OfferClass classify(const Offer& o) {
  // EDK2 tests only the first octet of yiaddr (FW-10).
  const bool proxy = (o.message.yiaddr.value >> 24) == 0;
  if (o.bootp) return has_boot_file(o) ? OfferClass::kBootp : OfferClass::kDiscarded;
  if (o.pxe_client) {
    if (o.pxe10()) return proxy ? OfferClass::kProxyPxe10 : OfferClass::kDhcpPxe10;
    if (o.wfm11a()) return proxy ? OfferClass::kProxyWfm11a : OfferClass::kDhcpWfm11a;
    return proxy ? OfferClass::kProxyBinl : OfferClass::kDhcpBinl;
  }
  return proxy ? OfferClass::kDiscarded : OfferClass::kDhcpOnly;
}

std::string_view to_string(OfferClass c) {
  switch (c) {
    case OfferClass::kDhcpPxe10: return "DhcpPxe10";
    case OfferClass::kDhcpWfm11a: return "DhcpWfm11a";
    case OfferClass::kProxyPxe10: return "ProxyPxe10";
    case OfferClass::kProxyWfm11a: return "ProxyWfm11a";
    case OfferClass::kDhcpBinl: return "DhcpBinl";
    case OfferClass::kProxyBinl: return "ProxyBinl";
    case OfferClass::kDhcpOnly: return "DhcpOnly";
    case OfferClass::kBootp: return "Bootp";
    case OfferClass::kDiscarded: return "discarded";
  }
  return "?";
}

std::string offer_rejection(const Personality& p, const Offer& o) {
  if (p.dhcp.max_reply_size && o.raw.size() > *p.dhcp.max_reply_size) {
    return "larger than " + std::to_string(*p.dhcp.max_reply_size) + " octets (FW-01)";
  }
  if (!o.bootp) {
    auto type = dhcp::message_type(o.message);
    if (type != dhcp::MessageType::kOffer) return "not an OFFER";
  }
  if (p.identity.bootp_only && !o.bootp) return "not a BOOTREPLY (a BOOTP-only PROM)";
  if (p.dhcp.require_src_port_67 && o.from.port != wire::kDhcpServerPort) return "not from port 67";
  if (p.dhcp.require_server_id && !o.bootp && !o.server_id) return "no server identifier, option 54 (FW-09)";
  if (p.dhcp.selection == SelectionPolicy::kEdk2 || p.dhcp.selection == SelectionPolicy::kPxe21) {
    OfferClass c = classify(o);
    if (c == OfferClass::kDiscarded) return "not a usable offer class (FW-10)";
    if (c == OfferClass::kDhcpWfm11a || c == OfferClass::kProxyWfm11a) return "WfM11a vendor options (FW-10)";
  }
  return {};
}

std::optional<Selection> select_by_class(const std::vector<Offer>& offers) {
  auto first = [&](OfferClass c) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < offers.size(); ++i) {
      if (classify(offers[i]) == c) return i;
    }
    return std::nullopt;
  };
  // FW-11, in order.
  if (auto i = first(OfferClass::kDhcpPxe10)) return Selection{*i, BootInfoSource::kSelected, {}};
  if (auto i = first(OfferClass::kDhcpWfm11a)) return Selection{*i, BootInfoSource::kSelected, {}};
  auto dhcp_only = first(OfferClass::kDhcpOnly);
  if (dhcp_only) {
    if (auto px = first(OfferClass::kProxyPxe10)) return Selection{*dhcp_only, BootInfoSource::kProxyOffer, {*px}};
    if (auto px = first(OfferClass::kProxyWfm11a)) return Selection{*dhcp_only, BootInfoSource::kProxyOffer, {*px}};
  }
  if (auto i = first(OfferClass::kDhcpBinl)) return Selection{*i, BootInfoSource::kBinl, {}};
  if (dhcp_only) {
    std::vector<std::size_t> binl;
    for (std::size_t i = 0; i < offers.size(); ++i) {
      if (classify(offers[i]) == OfferClass::kProxyBinl) binl.push_back(i);
    }
    if (!binl.empty()) return Selection{*dhcp_only, BootInfoSource::kProxyBinl, binl};
    for (std::size_t i = 0; i < offers.size(); ++i) {
      if (classify(offers[i]) == OfferClass::kDhcpOnly && has_boot_file(offers[i])) {
        return Selection{i, BootInfoSource::kSelected, {}};
      }
    }
  }
  if (auto i = first(OfferClass::kBootp)) return Selection{*i, BootInfoSource::kSelected, {}};
  return std::nullopt;
}

std::optional<Selection> select_ipxe(const std::vector<Offer>& offers) {
  std::optional<std::size_t> dhcp_offer;
  std::optional<std::size_t> proxy;
  for (std::size_t i = 0; i < offers.size(); ++i) {
    const Offer& o = offers[i];
    // dhcp_discovery_rx: ">=" priority, so a later offer wins a tie.
    if (!o.yiaddr().is_any() && (!dhcp_offer || o.priority >= offers[*dhcp_offer].priority)) dhcp_offer = i;
    if (o.pxe_client && (!proxy || o.priority >= offers[*proxy].priority)) proxy = i;
  }
  if (!dhcp_offer) return std::nullopt;
  if (proxy) return Selection{*dhcp_offer, BootInfoSource::kProxyOffer, {*proxy}};
  return Selection{*dhcp_offer, BootInfoSource::kSelected, {}};
}

std::optional<Selection> select_first(const Personality& p, const std::vector<Offer>& offers) {
  for (std::size_t i = 0; i < offers.size(); ++i) {
    const Offer& o = offers[i];
    if (o.yiaddr().is_any()) continue;
    if (!p.dhcp.bootfile_prefix.empty() && o.message.file.rfind(p.dhcp.bootfile_prefix, 0) != 0) continue;
    return Selection{i, BootInfoSource::kSelected, {}};
  }
  return std::nullopt;
}

bool ipxe_ready(const Personality& p, const std::vector<Offer>& offers, sim::Time discovery_start, sim::Time now) {
  bool have_dhcp = false;
  bool skip_wait = false;
  bool have_proxy = false;
  for (const Offer& o : offers) {
    if (!o.yiaddr().is_any()) {
      have_dhcp = true;
      skip_wait = skip_wait || o.no_pxedhcp;
    }
    have_proxy = have_proxy || o.pxe_client;
  }
  if (!have_dhcp) return false;
  return skip_wait || have_proxy || now - discovery_start > p.timing.proxy_wait;
}

std::optional<wire::Ipv4Address> boot_server_for(const dhcp::PxeVendorOptions& pxe, std::optional<std::uint16_t> type) {
  if (!pxe.boot_servers) return std::nullopt;
  for (const auto& s : *pxe.boot_servers) {
    if ((!type || s.type == *type) && !s.addresses.empty()) return s.addresses.front();
  }
  return std::nullopt;
}

BootTarget boot_target(const Personality& p, const std::vector<const Offer*>& packets) {
  BootTarget t;
  for (const Offer* o : packets) {
    if (o == nullptr) continue;
    const dhcp::Message& m = o->message;
    for (FileSource src : p.boot.file_from) {
      std::string name;
      if (src == FileSource::kFileField) {
        name = m.file;
      } else if (p.boot.unterminated_name == UnterminatedName::kReadPast) {
        name = option67_read_past(*o).value_or("");
      } else {
        name = dhcp::bootfile_name(m).value_or("");
      }
      if (!name.empty()) {
        t.file = name;
        break;
      }
    }
    for (ServerSource src : p.boot.server_from) {
      std::optional<wire::Ipv4Address> server;
      switch (src) {
        case ServerSource::kBootServerList:
          // FW-12: the first 43.8 address, when 43.6 bit 3 says "use the boot file".
          if (o->pxe && o->pxe->discovery_control && (*o->pxe->discovery_control & dhcp::discovery::kUseBootfile)) {
            server = boot_server_for(*o->pxe, std::nullopt);
          }
          break;
        case ServerSource::kSiaddr:
          if (!m.siaddr.is_any()) server = m.siaddr;
          break;
        case ServerSource::kServerId:
          server = o->server_id;
          break;
        case ServerSource::kOption66:
          if (auto name = dhcp::tftp_server_name(m)) server = wire::Ipv4Address::parse(*name);
          break;
      }
      if (server) {
        t.server = server;
        break;
      }
    }
    if (auto v = dhcp::get_u16(m, 13)) t.boot_file_size = *v;
    if (auto v = dhcp::pxelinux_config_file(m)) t.config_file = *v;
    if (auto v = dhcp::pxelinux_path_prefix(m)) t.path_prefix = *v;
    if (auto v = dhcp::tftp_server_name(m)) t.tftp_server_name = *v;
  }
  return t;
}

}  // namespace pxelab::client
