#include "wire/pxe_options.h"

#include <algorithm>
#include <string>

namespace pxelab::wire::dhcp {
namespace {

std::string sub_field(std::uint8_t option, std::uint8_t sub) {
  return "dhcp.option[" + std::to_string(option) + "].suboption[" + std::to_string(sub) + "]";
}

Error length_error(std::uint8_t option, std::uint8_t sub, std::size_t offset, std::size_t got,
                   const std::string& expected) {
  return make_error(sub_field(option, sub) + ".length", offset,
                    std::to_string(got) + " octets, expected " + expected);
}

void put_sub(Bytes& out, std::uint8_t code, ByteView data) {
  out.push_back(code);
  out.push_back(static_cast<std::uint8_t>(data.size()));
  append(out, data);
}

const SubOption* find_sub(const std::vector<SubOption>& subs, std::uint8_t code) {
  for (const auto& s : subs) {
    if (s.code == code) return &s;
  }
  return nullptr;
}

// Walks a 43 value keeping each TLV's offset, which parse_suboptions does not report.
struct Tlv {
  std::uint8_t code;
  std::size_t offset;  // of the code octet, relative to the option value
  ByteView data;
};

Result<std::vector<Tlv>> walk_pad_end(ByteView data, std::uint8_t option, std::size_t base) {
  std::vector<Tlv> out;
  std::size_t i = 0;
  while (i < data.size()) {
    std::uint8_t c = data[i];
    if (c == code::kPad) {
      ++i;
      continue;
    }
    if (c == code::kEnd) break;
    if (i + 1 >= data.size()) return make_error(sub_field(option, c) + ".length", base + i + 1, "no length octet");
    std::size_t len = data[i + 1];
    if (i + 2 + len > data.size()) {
      return make_error(sub_field(option, c) + ".length", base + i + 1,
                        std::to_string(len) + " octets run past the end of the option (" +
                            std::to_string(data.size() - i - 2) + " left)");
    }
    out.push_back(Tlv{c, i, data.subspan(i + 2, len)});
    i += 2 + len;
  }
  return out;
}

Result<std::vector<BootServer>> decode_boot_servers(ByteView d, std::size_t at) {
  std::vector<BootServer> out;
  std::size_t i = 0;
  while (i < d.size()) {
    if (d.size() - i < 3) {
      return make_error(sub_field(43, pxe_code::kBootServers), at + i,
                        "a boot server entry needs type (2) and count (1); " + std::to_string(d.size() - i) +
                            " octets left");
    }
    BootServer s;
    s.type = load_be16(&d[i]);
    std::size_t count = d[i + 2];
    if (d.size() - i - 3 < count * 4) {
      return make_error(sub_field(43, pxe_code::kBootServers) + ".count", at + i + 2,
                        std::to_string(count) + " addresses need " + std::to_string(count * 4) + " octets; " +
                            std::to_string(d.size() - i - 3) + " left");
    }
    for (std::size_t k = 0; k < count; ++k) s.addresses.push_back(Ipv4Address{load_be32(&d[i + 3 + 4 * k])});
    out.push_back(std::move(s));
    i += 3 + 4 * count;
  }
  return out;
}

Result<std::vector<BootMenuEntry>> decode_boot_menu(ByteView d, std::size_t at) {
  std::vector<BootMenuEntry> out;
  std::size_t i = 0;
  while (i < d.size()) {
    if (d.size() - i < 3) {
      return make_error(sub_field(43, pxe_code::kBootMenu), at + i,
                        "a menu entry needs type (2) and length (1); " + std::to_string(d.size() - i) +
                            " octets left");
    }
    BootMenuEntry e;
    e.type = load_be16(&d[i]);
    std::size_t len = d[i + 2];
    if (d.size() - i - 3 < len) {
      return make_error(sub_field(43, pxe_code::kBootMenu) + ".description_length", at + i + 2,
                        std::to_string(len) + " octets run past the sub-option (" +
                            std::to_string(d.size() - i - 3) + " left)");
    }
    e.description.assign(d.begin() + static_cast<std::ptrdiff_t>(i + 3),
                         d.begin() + static_cast<std::ptrdiff_t>(i + 3 + len));
    out.push_back(std::move(e));
    i += 3 + len;
  }
  return out;
}

}  // namespace

bool PxeVendorOptions::is_pxe10() const {
  return discovery_control || discovery_mcast_addr || boot_servers || boot_menu || menu_prompt;
}

bool PxeVendorOptions::is_wfm11a() const {
  return mtftp_ip && mtftp_client_port && mtftp_server_port && mtftp_timeout && mtftp_delay;
}

Result<PxeVendorOptions> decode_pxe_vendor_options(ByteView data, std::size_t base_offset) {
  auto tlvs = walk_pad_end(data, code::kVendorSpecific, base_offset);
  if (!tlvs) return tlvs.error();
  PxeVendorOptions out;
  std::array<bool, 256> seen{};
  for (const Tlv& t : *tlvs) {
    const std::size_t len_at = base_offset + t.offset + 1;
    const std::size_t data_at = base_offset + t.offset + 2;
    const ByteView d = t.data;
    auto exact = [&](std::size_t n) -> Status {
      if (d.size() != n) return length_error(43, t.code, len_at, d.size(), std::to_string(n));
      return Ok{};
    };
    bool known = true;
    Status s = Ok{};
    switch (t.code) {
      case pxe_code::kMtftpIp:
        if (s = exact(4); s) out.mtftp_ip = Ipv4Address{load_be32(d.data())};
        break;
      case pxe_code::kMtftpClientPort:
        if (s = exact(2); s) out.mtftp_client_port = load_be16(d.data());
        break;
      case pxe_code::kMtftpServerPort:
        if (s = exact(2); s) out.mtftp_server_port = load_be16(d.data());
        break;
      case pxe_code::kMtftpTimeout:
        if (s = exact(1); s) out.mtftp_timeout = d[0];
        break;
      case pxe_code::kMtftpDelay:
        if (s = exact(1); s) out.mtftp_delay = d[0];
        break;
      case pxe_code::kDiscoveryControl:
        if (s = exact(1); s) out.discovery_control = d[0];
        break;
      case pxe_code::kDiscoveryMcastAddr:
        if (s = exact(4); s) out.discovery_mcast_addr = Ipv4Address{load_be32(d.data())};
        break;
      case pxe_code::kBootServers: {
        auto v = decode_boot_servers(d, data_at);
        if (!v) return v.error();
        out.boot_servers = std::move(*v);
        break;
      }
      case pxe_code::kBootMenu: {
        auto v = decode_boot_menu(d, data_at);
        if (!v) return v.error();
        out.boot_menu = std::move(*v);
        break;
      }
      case pxe_code::kMenuPrompt:
        if (d.empty()) {
          s = length_error(43, t.code, len_at, 0, "at least 1 (timeout)");
        } else {
          out.menu_prompt = MenuPrompt{d[0], std::string(d.begin() + 1, d.end())};
        }
        break;
      case pxe_code::kBootItem:
        if (s = exact(4); s) out.boot_item = BootItem{load_be16(d.data()), load_be16(d.data() + 2)};
        break;
      default:
        known = false;
        out.other.push_back(SubOption{t.code, Bytes(d.begin(), d.end())});
        break;
    }
    if (!s) return s.error();
    if (known) {
      if (seen[t.code]) {
        return make_error(sub_field(43, t.code), base_offset + t.offset, "sub-option given twice");
      }
      seen[t.code] = true;
    }
  }
  return out;
}

Result<Bytes> encode_pxe_vendor_options(const PxeVendorOptions& o) {
  Bytes out;
  Bytes v;
  if (o.mtftp_ip) {
    v.clear();
    append_be32(v, o.mtftp_ip->value);
    put_sub(out, pxe_code::kMtftpIp, v);
  }
  if (o.mtftp_client_port) {
    v.clear();
    append_be16(v, *o.mtftp_client_port);
    put_sub(out, pxe_code::kMtftpClientPort, v);
  }
  if (o.mtftp_server_port) {
    v.clear();
    append_be16(v, *o.mtftp_server_port);
    put_sub(out, pxe_code::kMtftpServerPort, v);
  }
  if (o.mtftp_timeout) put_sub(out, pxe_code::kMtftpTimeout, Bytes{*o.mtftp_timeout});
  if (o.mtftp_delay) put_sub(out, pxe_code::kMtftpDelay, Bytes{*o.mtftp_delay});
  if (o.discovery_control) put_sub(out, pxe_code::kDiscoveryControl, Bytes{*o.discovery_control});
  if (o.discovery_mcast_addr) {
    v.clear();
    append_be32(v, o.discovery_mcast_addr->value);
    put_sub(out, pxe_code::kDiscoveryMcastAddr, v);
  }
  if (o.boot_servers) {
    v.clear();
    for (const auto& s : *o.boot_servers) {
      if (s.addresses.size() > 255) {
        return make_error(sub_field(43, pxe_code::kBootServers) + ".count", 0, "more than 255 addresses");
      }
      append_be16(v, s.type);
      v.push_back(static_cast<std::uint8_t>(s.addresses.size()));
      for (auto a : s.addresses) append_be32(v, a.value);
    }
    if (v.size() > 255) {
      return make_error(sub_field(43, pxe_code::kBootServers), 0,
                        std::to_string(v.size()) + " octets do not fit one sub-option (255)");
    }
    put_sub(out, pxe_code::kBootServers, v);
  }
  if (o.boot_menu) {
    v.clear();
    for (const auto& e : *o.boot_menu) {
      if (e.description.size() > 255) {
        return make_error(sub_field(43, pxe_code::kBootMenu) + ".description_length", 0,
                          "a description longer than 255 octets");
      }
      append_be16(v, e.type);
      v.push_back(static_cast<std::uint8_t>(e.description.size()));
      v.insert(v.end(), e.description.begin(), e.description.end());
    }
    if (v.size() > 255) {
      return make_error(sub_field(43, pxe_code::kBootMenu), 0,
                        std::to_string(v.size()) + " octets do not fit one sub-option (255)");
    }
    put_sub(out, pxe_code::kBootMenu, v);
  }
  if (o.menu_prompt) {
    if (o.menu_prompt->prompt.size() > 254) {
      return make_error(sub_field(43, pxe_code::kMenuPrompt), 0, "a prompt longer than 254 octets");
    }
    v.assign(1, o.menu_prompt->timeout);
    v.insert(v.end(), o.menu_prompt->prompt.begin(), o.menu_prompt->prompt.end());
    put_sub(out, pxe_code::kMenuPrompt, v);
  }
  if (o.boot_item) {
    v.clear();
    append_be16(v, o.boot_item->type);
    append_be16(v, o.boot_item->layer);
    put_sub(out, pxe_code::kBootItem, v);
  }
  auto rest = encode_suboptions(o.other, SubOptionFraming::kPadAndEnd, "dhcp.option[43]");
  if (!rest) return rest.error();
  append(out, *rest);  // the other sub-options, then END
  return out;
}

Result<std::vector<std::uint16_t>> decode_client_arch(ByteView data, std::size_t base_offset) {
  if (data.empty() || data.size() % 2 != 0) {
    return make_error("dhcp.option[93].length", base_offset, std::to_string(data.size()) +
                                                                 " octets, expected a non-zero multiple of 2");
  }
  std::vector<std::uint16_t> out;
  for (std::size_t i = 0; i < data.size(); i += 2) out.push_back(load_be16(&data[i]));
  return out;
}

Bytes encode_client_arch(const std::vector<std::uint16_t>& types) {
  Bytes out;
  for (auto t : types) append_be16(out, t);
  return out;
}

Result<ClientNdi> decode_client_ndi(ByteView data, std::size_t base_offset) {
  if (data.size() != 3) {
    return make_error("dhcp.option[94].length", base_offset, std::to_string(data.size()) + " octets, expected 3");
  }
  return ClientNdi{data[0], data[1], data[2]};
}

Bytes encode_client_ndi(const ClientNdi& ndi) { return Bytes{ndi.type, ndi.major, ndi.minor}; }

Result<ClientMachineId> decode_client_machine_id(ByteView data, std::size_t base_offset) {
  if (data.size() != 17) {
    return make_error("dhcp.option[97].length", base_offset, std::to_string(data.size()) + " octets, expected 17");
  }
  ClientMachineId id;
  id.type = data[0];
  std::copy_n(data.begin() + 1, 16, id.guid.begin());
  return id;
}

Bytes encode_client_machine_id(const ClientMachineId& id) {
  Bytes out(1 + id.guid.size());
  out[0] = id.type;
  std::copy(id.guid.begin(), id.guid.end(), out.begin() + 1);
  return out;
}

Result<UserClass> decode_user_class(ByteView data, std::size_t base_offset) {
  if (data.empty()) return make_error("dhcp.option[77].length", base_offset, "0 octets, expected at least 1");
  UserClass uc;
  std::size_t i = 0;
  bool rfc3004 = true;
  while (i < data.size()) {
    std::size_t len = data[i];
    if (len == 0 || len > data.size() - i - 1) {
      rfc3004 = false;
      break;
    }
    uc.classes.emplace_back(data.begin() + static_cast<std::ptrdiff_t>(i + 1),
                            data.begin() + static_cast<std::ptrdiff_t>(i + 1 + len));
    i += 1 + len;
  }
  if (!rfc3004) {
    uc.form = UserClass::Form::kRaw;
    uc.classes.assign(1, std::string(data.begin(), data.end()));
  }
  return uc;
}

Result<Bytes> encode_user_class(const UserClass& uc) {
  if (uc.form == UserClass::Form::kRaw) {
    if (uc.classes.size() != 1 || uc.classes[0].empty()) {
      return make_error("dhcp.option[77]", 0, "the raw form carries exactly one non-empty class");
    }
    return Bytes(uc.classes[0].begin(), uc.classes[0].end());
  }
  if (uc.classes.empty()) return make_error("dhcp.option[77]", 0, "no user class");
  Bytes out;
  for (const auto& c : uc.classes) {
    if (c.empty() || c.size() > 255) {
      return make_error("dhcp.option[77]", 0, "an RFC 3004 class has 1..255 octets, not " + std::to_string(c.size()));
    }
    out.push_back(static_cast<std::uint8_t>(c.size()));
    out.insert(out.end(), c.begin(), c.end());
  }
  return out;
}

const SubOption* RelayAgentInfo::find(std::uint8_t c) const { return find_sub(suboptions, c); }
std::optional<Bytes> RelayAgentInfo::circuit_id() const {
  const SubOption* s = find(relay_code::kCircuitId);
  if (s == nullptr) return std::nullopt;
  return s->data;
}
std::optional<Bytes> RelayAgentInfo::remote_id() const {
  const SubOption* s = find(relay_code::kRemoteId);
  if (s == nullptr) return std::nullopt;
  return s->data;
}

Result<RelayAgentInfo> decode_relay_agent_info(ByteView data, std::size_t base_offset) {
  auto subs = parse_suboptions(data, SubOptionFraming::kPlain, "dhcp.option[82]", base_offset);
  if (!subs) return subs.error();
  return RelayAgentInfo{std::move(*subs)};
}

Result<Bytes> encode_relay_agent_info(const RelayAgentInfo& info) {
  return encode_suboptions(info.suboptions, SubOptionFraming::kPlain, "dhcp.option[82]");
}

const SubOption* IpxeOptions::find(std::uint8_t c) const { return find_sub(suboptions, c); }
std::optional<std::int8_t> IpxeOptions::priority() const {
  const SubOption* s = find(ipxe_code::kPriority);
  if (s == nullptr || s->data.size() != 1) return std::nullopt;
  return static_cast<std::int8_t>(s->data[0]);
}
bool IpxeOptions::no_pxedhcp() const {
  const SubOption* s = find(ipxe_code::kNoPxeDhcp);
  return s != nullptr && std::any_of(s->data.begin(), s->data.end(), [](std::uint8_t b) { return b != 0; });
}

Result<IpxeOptions> decode_ipxe_options(ByteView data, std::size_t base_offset) {
  auto subs = parse_suboptions(data, SubOptionFraming::kPadNoEnd, "dhcp.option[175]", base_offset);
  if (!subs) return subs.error();
  return IpxeOptions{std::move(*subs)};
}

Result<Bytes> encode_ipxe_options(const IpxeOptions& options) {
  return encode_suboptions(options.suboptions, SubOptionFraming::kPadNoEnd, "dhcp.option[175]");
}

}  // namespace pxelab::wire::dhcp
