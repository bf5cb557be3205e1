#include "wire/dhcp_option_values.h"

#include <algorithm>

namespace pxelab::wire::dhcp {

std::string_view to_string(MessageType type) {
  switch (type) {
    case MessageType::kDiscover: return "DHCPDISCOVER";
    case MessageType::kOffer: return "DHCPOFFER";
    case MessageType::kRequest: return "DHCPREQUEST";
    case MessageType::kDecline: return "DHCPDECLINE";
    case MessageType::kAck: return "DHCPACK";
    case MessageType::kNak: return "DHCPNAK";
    case MessageType::kRelease: return "DHCPRELEASE";
    case MessageType::kInform: return "DHCPINFORM";
  }
  return "DHCP?";
}

Bytes encode_u8(std::uint8_t v) { return Bytes{v}; }
Bytes encode_u16(std::uint16_t v) {
  Bytes b;
  append_be16(b, v);
  return b;
}
Bytes encode_u32(std::uint32_t v) {
  Bytes b;
  append_be32(b, v);
  return b;
}
Bytes encode_ipv4(Ipv4Address a) { return encode_u32(a.value); }
Bytes encode_ipv4_list(const std::vector<Ipv4Address>& list) {
  Bytes b;
  b.reserve(list.size() * 4);
  for (auto a : list) append_be32(b, a.value);
  return b;
}
Bytes encode_string(std::string_view s) { return Bytes(s.begin(), s.end()); }

std::optional<std::uint8_t> get_u8(const Message& m, std::uint8_t code) {
  const Option* o = m.find(code);
  if (o == nullptr || o->data.size() != 1) return std::nullopt;
  return o->data[0];
}
std::optional<std::uint16_t> get_u16(const Message& m, std::uint8_t code) {
  const Option* o = m.find(code);
  if (o == nullptr || o->data.size() != 2) return std::nullopt;
  return load_be16(o->data.data());
}
std::optional<std::uint32_t> get_u32(const Message& m, std::uint8_t code) {
  const Option* o = m.find(code);
  if (o == nullptr || o->data.size() != 4) return std::nullopt;
  return load_be32(o->data.data());
}
std::optional<Ipv4Address> get_ipv4(const Message& m, std::uint8_t code) {
  auto v = get_u32(m, code);
  if (!v) return std::nullopt;
  return Ipv4Address{*v};
}
std::optional<std::vector<Ipv4Address>> get_ipv4_list(const Message& m, std::uint8_t code) {
  const Option* o = m.find(code);
  if (o == nullptr || o->data.size() % 4 != 0) return std::nullopt;
  std::vector<Ipv4Address> out;
  for (std::size_t i = 0; i < o->data.size(); i += 4) out.push_back(Ipv4Address{load_be32(&o->data[i])});
  return out;
}
std::optional<std::string> get_string(const Message& m, std::uint8_t code) {
  const Option* o = m.find(code);
  if (o == nullptr) return std::nullopt;
  std::string s(o->data.begin(), o->data.end());
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}
void set_string(Message& m, std::uint8_t code, std::string_view s, Nul nul) {
  Bytes b = encode_string(s);
  if (nul == Nul::kAppend) b.push_back(0);
  m.set(code, std::move(b));
}

std::optional<MessageType> message_type(const Message& m) {
  auto v = get_u8(m, code::kMessageType);
  if (!v || *v < 1 || *v > 8) return std::nullopt;
  return static_cast<MessageType>(*v);
}
void set_message_type(Message& m, MessageType type) {
  m.set(code::kMessageType, encode_u8(static_cast<std::uint8_t>(type)));
}

std::optional<Ipv4Address> server_id(const Message& m) { return get_ipv4(m, code::kServerId); }
void set_server_id(Message& m, Ipv4Address a) { m.set(code::kServerId, encode_ipv4(a)); }
std::optional<Ipv4Address> requested_address(const Message& m) { return get_ipv4(m, code::kRequestedAddress); }
void set_requested_address(Message& m, Ipv4Address a) { m.set(code::kRequestedAddress, encode_ipv4(a)); }
std::optional<Ipv4Address> subnet_mask(const Message& m) { return get_ipv4(m, code::kSubnetMask); }
void set_subnet_mask(Message& m, Ipv4Address a) { m.set(code::kSubnetMask, encode_ipv4(a)); }
std::optional<std::vector<Ipv4Address>> routers(const Message& m) { return get_ipv4_list(m, code::kRouter); }
void set_routers(Message& m, const std::vector<Ipv4Address>& list) {
  m.set(code::kRouter, encode_ipv4_list(list));
}
std::optional<std::vector<Ipv4Address>> dns_servers(const Message& m) {
  return get_ipv4_list(m, code::kDomainNameServer);
}
void set_dns_servers(Message& m, const std::vector<Ipv4Address>& list) {
  m.set(code::kDomainNameServer, encode_ipv4_list(list));
}

std::optional<std::uint32_t> lease_time(const Message& m) { return get_u32(m, code::kLeaseTime); }
void set_lease_time(Message& m, std::uint32_t s) { m.set(code::kLeaseTime, encode_u32(s)); }
std::optional<std::uint32_t> renewal_time(const Message& m) { return get_u32(m, code::kRenewalTime); }
void set_renewal_time(Message& m, std::uint32_t s) { m.set(code::kRenewalTime, encode_u32(s)); }
std::optional<std::uint32_t> rebinding_time(const Message& m) { return get_u32(m, code::kRebindingTime); }
void set_rebinding_time(Message& m, std::uint32_t s) { m.set(code::kRebindingTime, encode_u32(s)); }

std::optional<std::string> host_name(const Message& m) { return get_string(m, code::kHostName); }
void set_host_name(Message& m, std::string_view name) { set_string(m, code::kHostName, name); }

std::optional<std::vector<std::uint8_t>> parameter_request_list(const Message& m) {
  const Option* o = m.find(code::kParameterRequestList);
  if (o == nullptr) return std::nullopt;
  return o->data;
}
void set_parameter_request_list(Message& m, const std::vector<std::uint8_t>& codes) {
  m.set(code::kParameterRequestList, codes);
}

std::optional<std::uint16_t> max_message_size(const Message& m) { return get_u16(m, code::kMaxMessageSize); }
void set_max_message_size(Message& m, std::uint16_t size) { m.set(code::kMaxMessageSize, encode_u16(size)); }

std::optional<std::string> vendor_class(const Message& m) { return get_string(m, code::kVendorClassId); }
void set_vendor_class(Message& m, std::string_view id) { set_string(m, code::kVendorClassId, id); }
bool is_pxe_client(const Message& m) {
  const Option* o = m.find(code::kVendorClassId);
  constexpr std::string_view kPrefix = "PXEClient";
  return o != nullptr && o->data.size() >= kPrefix.size() &&
         std::equal(kPrefix.begin(), kPrefix.end(), o->data.begin());
}

std::optional<Bytes> client_id(const Message& m) {
  const Option* o = m.find(code::kClientId);
  if (o == nullptr) return std::nullopt;
  return o->data;
}
void set_client_id(Message& m, ByteView id) { m.set(code::kClientId, Bytes(id.begin(), id.end())); }

std::optional<std::string> tftp_server_name(const Message& m) { return get_string(m, code::kTftpServerName); }
void set_tftp_server_name(Message& m, std::string_view name, Nul nul) {
  set_string(m, code::kTftpServerName, name, nul);
}
std::optional<std::string> bootfile_name(const Message& m) { return get_string(m, code::kBootfileName); }
void set_bootfile_name(Message& m, std::string_view name, Nul nul) { set_string(m, code::kBootfileName, name, nul); }

bool has_pxelinux_magic(const Message& m) {
  const Option* o = m.find(code::kPxelinuxMagic);
  return o != nullptr && o->data.size() == 4 && std::equal(o->data.begin(), o->data.end(), kPxelinuxMagic);
}
void set_pxelinux_magic(Message& m) { m.set(code::kPxelinuxMagic, Bytes(kPxelinuxMagic, kPxelinuxMagic + 4)); }
std::optional<std::string> pxelinux_config_file(const Message& m) {
  return get_string(m, code::kPxelinuxConfigFile);
}
void set_pxelinux_config_file(Message& m, std::string_view name) {
  set_string(m, code::kPxelinuxConfigFile, name);
}
std::optional<std::string> pxelinux_path_prefix(const Message& m) {
  return get_string(m, code::kPxelinuxPathPrefix);
}
void set_pxelinux_path_prefix(Message& m, std::string_view prefix) {
  set_string(m, code::kPxelinuxPathPrefix, prefix);
}
std::optional<std::uint32_t> pxelinux_reboot_time(const Message& m) {
  return get_u32(m, code::kPxelinuxRebootTime);
}
void set_pxelinux_reboot_time(Message& m, std::uint32_t s) { m.set(code::kPxelinuxRebootTime, encode_u32(s)); }

}  // namespace pxelab::wire::dhcp
