#include "wire/dhcp_options.h"

#include <algorithm>
#include <array>
#include <string>

namespace pxelab::wire::dhcp {
namespace {

using F = OptionFormat;
constexpr std::uint16_t U = kUnbounded;

// Lengths are RFC 2132's unless noted. A string or list has at least one element.
constexpr std::array kOptionTable = {
    OptionDef{1, "subnet-mask", F::kIpv4, 4, 4},
    OptionDef{2, "time-offset", F::kInt32, 4, 4},
    OptionDef{3, "routers", F::kIpv4List, 4, U},
    OptionDef{4, "time-servers", F::kIpv4List, 4, U},
    OptionDef{5, "name-servers", F::kIpv4List, 4, U},
    OptionDef{6, "domain-name-servers", F::kIpv4List, 4, U},
    OptionDef{7, "log-servers", F::kIpv4List, 4, U},
    OptionDef{8, "cookie-servers", F::kIpv4List, 4, U},
    OptionDef{9, "lpr-servers", F::kIpv4List, 4, U},
    OptionDef{10, "impress-servers", F::kIpv4List, 4, U},
    OptionDef{11, "resource-location-servers", F::kIpv4List, 4, U},
    OptionDef{12, "host-name", F::kString, 1, U},
    OptionDef{13, "boot-size", F::kUint16, 2, 2},
    OptionDef{14, "merit-dump", F::kString, 1, U},
    OptionDef{15, "domain-name", F::kString, 1, U},
    OptionDef{16, "swap-server", F::kIpv4, 4, 4},
    OptionDef{17, "root-path", F::kString, 1, U},
    OptionDef{18, "extensions-path", F::kString, 1, U},
    OptionDef{19, "ip-forwarding", F::kBool, 1, 1},
    OptionDef{20, "non-local-source-routing", F::kBool, 1, 1},
    OptionDef{21, "policy-filter", F::kIpv4Pairs, 8, U},
    OptionDef{22, "max-dgram-reassembly", F::kUint16, 2, 2},
    OptionDef{23, "default-ip-ttl", F::kUint8, 1, 1},
    OptionDef{24, "path-mtu-aging-timeout", F::kUint32, 4, 4},
    OptionDef{25, "path-mtu-plateau-table", F::kUint16List, 2, U},
    OptionDef{26, "interface-mtu", F::kUint16, 2, 2},
    OptionDef{27, "all-subnets-local", F::kBool, 1, 1},
    OptionDef{28, "broadcast-address", F::kIpv4, 4, 4},
    OptionDef{29, "perform-mask-discovery", F::kBool, 1, 1},
    OptionDef{30, "mask-supplier", F::kBool, 1, 1},
    OptionDef{31, "router-discovery", F::kBool, 1, 1},
    OptionDef{32, "router-solicitation-address", F::kIpv4, 4, 4},
    OptionDef{33, "static-routes", F::kIpv4Pairs, 8, U},
    OptionDef{34, "trailer-encapsulation", F::kBool, 1, 1},
    OptionDef{35, "arp-cache-timeout", F::kUint32, 4, 4},
    OptionDef{36, "ieee802-3-encapsulation", F::kBool, 1, 1},
    OptionDef{37, "default-tcp-ttl", F::kUint8, 1, 1},
    OptionDef{38, "tcp-keepalive-interval", F::kUint32, 4, 4},
    OptionDef{39, "tcp-keepalive-garbage", F::kBool, 1, 1},
    OptionDef{40, "nis-domain", F::kString, 1, U},
    OptionDef{41, "nis-servers", F::kIpv4List, 4, U},
    OptionDef{42, "ntp-servers", F::kIpv4List, 4, U},
    // RFC 2132 §8.4 says n ≥ 1; EDK2 drops the whole packet on a zero-length 43 (FW-07).
    OptionDef{43, "vendor-encapsulated-options", F::kEncapsulated, 1, U},
    OptionDef{44, "netbios-name-servers", F::kIpv4List, 4, U},
    OptionDef{45, "netbios-dd-server", F::kIpv4List, 4, U},
    OptionDef{46, "netbios-node-type", F::kUint8, 1, 1},
    OptionDef{47, "netbios-scope", F::kString, 1, U},
    OptionDef{48, "font-servers", F::kIpv4List, 4, U},
    OptionDef{49, "x-display-manager", F::kIpv4List, 4, U},
    OptionDef{50, "dhcp-requested-address", F::kIpv4, 4, 4},
    OptionDef{51, "dhcp-lease-time", F::kUint32, 4, 4},
    OptionDef{52, "dhcp-option-overload", F::kUint8, 1, 1},
    OptionDef{53, "dhcp-message-type", F::kUint8, 1, 1},
    OptionDef{54, "dhcp-server-identifier", F::kIpv4, 4, 4},
    OptionDef{55, "dhcp-parameter-request-list", F::kUint8List, 1, U},
    OptionDef{56, "dhcp-message", F::kString, 1, U},
    OptionDef{57, "dhcp-max-message-size", F::kUint16, 2, 2},
    OptionDef{58, "dhcp-renewal-time", F::kUint32, 4, 4},
    OptionDef{59, "dhcp-rebinding-time", F::kUint32, 4, 4},
    OptionDef{60, "vendor-class-identifier", F::kString, 1, U},
    OptionDef{61, "dhcp-client-identifier", F::kBinary, 2, U},
    OptionDef{62, "nwip-domain-name", F::kString, 1, U},
    OptionDef{63, "nwip-suboptions", F::kBinary, 1, U},
    OptionDef{64, "nisplus-domain-name", F::kString, 1, U},
    OptionDef{65, "nisplus-servers", F::kIpv4List, 4, U},
    OptionDef{66, "tftp-server-name", F::kString, 1, U},
    OptionDef{67, "boot-file-name", F::kString, 1, U},
    OptionDef{68, "mobile-ip-home-agent", F::kIpv4List, 0, U},
    OptionDef{69, "smtp-server", F::kIpv4List, 4, U},
    OptionDef{70, "pop-server", F::kIpv4List, 4, U},
    OptionDef{71, "nntp-server", F::kIpv4List, 4, U},
    OptionDef{72, "www-server", F::kIpv4List, 4, U},
    OptionDef{73, "finger-server", F::kIpv4List, 4, U},
    OptionDef{74, "irc-server", F::kIpv4List, 4, U},
    OptionDef{75, "streettalk-server", F::kIpv4List, 4, U},
    OptionDef{76, "streettalk-directory-assistance-server", F::kIpv4List, 4, U},
    // RFC 3004 §2; iPXE sends the bare string "iPXE" instead (FW-02).
    OptionDef{77, "user-class", F::kUserClass, 1, U},
    OptionDef{80, "rapid-commit", F::kEmpty, 0, 0},                      // RFC 4039
    OptionDef{81, "fqdn", F::kBinary, 3, U},                             // RFC 4702
    OptionDef{82, "dhcp-agent-options", F::kEncapsulated, 2, U},         // RFC 3046
    OptionDef{93, "client-system", F::kUint16List, 2, U},               // RFC 4578 §2.1
    OptionDef{94, "client-ndi", F::kClientNdi, 3, 3},                   // RFC 4578 §2.2
    OptionDef{97, "uuid-guid", F::kClientMachineId, 17, 17},            // RFC 4578 §2.3
    OptionDef{118, "subnet-selection", F::kIpv4, 4, 4},                 // RFC 3011
    OptionDef{119, "domain-search", F::kBinary, 1, U},                  // RFC 3397
    OptionDef{121, "classless-static-route", F::kBinary, 5, U},         // RFC 3442
    OptionDef{150, "tftp-server-address", F::kIpv4List, 4, U},          // RFC 5859
    OptionDef{175, "ipxe-encapsulated-options", F::kEncapsulated, 0, U},  // iPXE dhcp.h
    // pxelinux (doc/pxelinux.txt, RFC 5071): magic F1:00:74:7E, config file, path prefix,
    // reboot time in seconds.
    OptionDef{208, "pxelinux-magic", F::kBinary, 4, 4},
    OptionDef{209, "pxelinux-configfile", F::kString, 1, U},
    OptionDef{210, "pxelinux-pathprefix", F::kString, 1, U},
    OptionDef{211, "pxelinux-reboottime", F::kUint32, 4, 4},
    OptionDef{252, "wpad-url", F::kString, 1, U},
};

constexpr bool table_is_sorted() {
  for (std::size_t i = 1; i < kOptionTable.size(); ++i) {
    if (kOptionTable[i - 1].code >= kOptionTable[i].code) return false;
  }
  return true;
}
static_assert(table_is_sorted(), "option table must be sorted by code, codes unique");

}  // namespace

std::span<const OptionDef> option_table() { return kOptionTable; }

const OptionDef* find_option_def(std::uint8_t code) {
  auto it = std::lower_bound(kOptionTable.begin(), kOptionTable.end(), code,
                             [](const OptionDef& d, std::uint8_t c) { return d.code < c; });
  return (it != kOptionTable.end() && it->code == code) ? &*it : nullptr;
}

std::size_t format_unit(OptionFormat format) {
  switch (format) {
    case F::kIpv4List: return 4;
    case F::kIpv4Pairs: return 8;
    case F::kUint16List: return 2;
    default: return 1;
  }
}

Status validate_option_length(std::uint8_t code, std::size_t length, std::size_t field_offset) {
  const OptionDef* def = find_option_def(code);
  if (def == nullptr) return Ok{};
  auto field = "dhcp.option[" + std::to_string(code) + "].length";
  if (length < def->min_length || (def->max_length != kUnbounded && length > def->max_length)) {
    std::string expected = def->min_length == def->max_length
                               ? std::to_string(def->min_length)
                               : "at least " + std::to_string(def->min_length);
    if (def->max_length != kUnbounded && def->min_length != def->max_length) {
      expected = std::to_string(def->min_length) + ".." + std::to_string(def->max_length);
    }
    return make_error(field, field_offset,
                      std::to_string(length) + " octets, " + std::string(def->name) + " needs " + expected);
  }
  std::size_t unit = format_unit(def->format);
  if (length % unit != 0) {
    return make_error(field, field_offset,
                      std::to_string(length) + " octets, " + std::string(def->name) + " needs a multiple of " +
                          std::to_string(unit));
  }
  return Ok{};
}

void append_option_instances(Bytes& out, std::uint8_t code, ByteView data) {
  do {
    std::size_t chunk = std::min<std::size_t>(data.size(), 255);
    out.push_back(code);
    out.push_back(static_cast<std::uint8_t>(chunk));
    append(out, data.first(chunk));
    data = data.subspan(chunk);
  } while (!data.empty());
}

std::size_t encoded_option_size(std::size_t data_length) {
  std::size_t instances = data_length == 0 ? 1 : (data_length + 254) / 255;
  return data_length + 2 * instances;
}

Result<std::vector<SubOption>> parse_suboptions(ByteView data, SubOptionFraming framing, std::string_view field,
                                                std::size_t base_offset) {
  std::vector<SubOption> out;
  std::size_t i = 0;
  while (i < data.size()) {
    std::uint8_t sub = data[i];
    if (framing != SubOptionFraming::kPlain) {
      if (sub == code::kPad) {
        ++i;
        continue;
      }
      if (sub == code::kEnd) break;
    }
    auto name = std::string(field) + ".suboption[" + std::to_string(sub) + "]";
    if (i + 1 >= data.size()) {
      return make_error(name + ".length", base_offset + i + 1, "sub-option has no length octet");
    }
    std::size_t len = data[i + 1];
    if (i + 2 + len > data.size()) {
      return make_error(name + ".length", base_offset + i + 1,
                        std::to_string(len) + " octets run past the end of the option (" +
                            std::to_string(data.size() - i - 2) + " left)");
    }
    auto value = data.subspan(i + 2, len);
    out.push_back(SubOption{sub, Bytes(value.begin(), value.end())});
    i += 2 + len;
  }
  return out;
}

Result<Bytes> encode_suboptions(std::span<const SubOption> suboptions, SubOptionFraming framing,
                                std::string_view field) {
  Bytes out;
  for (const auto& s : suboptions) {
    if (framing != SubOptionFraming::kPlain && (s.code == code::kPad || s.code == code::kEnd)) {
      return make_error(std::string(field) + ".suboption[" + std::to_string(s.code) + "]", 0,
                        "codes 0 and 255 are PAD and END here, not sub-options");
    }
    if (s.data.size() > 255) {
      return make_error(std::string(field) + ".suboption[" + std::to_string(s.code) + "]", 0,
                        std::to_string(s.data.size()) + " octets do not fit one sub-option (255)");
    }
    out.push_back(s.code);
    out.push_back(static_cast<std::uint8_t>(s.data.size()));
    append(out, s.data);
  }
  if (framing == SubOptionFraming::kPadAndEnd) out.push_back(code::kEnd);
  return out;
}

}  // namespace pxelab::wire::dhcp
