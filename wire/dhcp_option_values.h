// Typed values of the DHCP options a boot server or client reads and writes:
// message type, addresses, times, names, PRL, 57, 60, 61, 66, 67, pxelinux 208–211.
// Getters return nullopt when the option is absent or its length does not fit the
// type (parse() already rejected such lengths for table-defined options, so for a
// parsed Message nullopt means absent). Setters replace or append (Message::set).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wire/address.h"
#include "wire/bytes.h"
#include "wire/dhcp_message.h"

namespace pxelab::wire::dhcp {

enum class MessageType : std::uint8_t {  // RFC 2132 §9.6
  kDiscover = 1,
  kOffer = 2,
  kRequest = 3,
  kDecline = 4,
  kAck = 5,
  kNak = 6,
  kRelease = 7,
  kInform = 8,
};
std::string_view to_string(MessageType type);

// Value encoders, usable for any code of that format.
Bytes encode_u8(std::uint8_t v);
Bytes encode_u16(std::uint16_t v);
Bytes encode_u32(std::uint32_t v);
Bytes encode_ipv4(Ipv4Address a);
Bytes encode_ipv4_list(const std::vector<Ipv4Address>& list);
Bytes encode_string(std::string_view s);

// Generic getters by code.
std::optional<std::uint8_t> get_u8(const Message& m, std::uint8_t code);
std::optional<std::uint16_t> get_u16(const Message& m, std::uint8_t code);
std::optional<std::uint32_t> get_u32(const Message& m, std::uint8_t code);
std::optional<Ipv4Address> get_ipv4(const Message& m, std::uint8_t code);
std::optional<std::vector<Ipv4Address>> get_ipv4_list(const Message& m, std::uint8_t code);
// The value with trailing NULs removed: RFC 2132 §2 tells receivers to drop them.
std::optional<std::string> get_string(const Message& m, std::uint8_t code);

// Whether a string option carries a trailing NUL. dnsmasq always adds one (FW-35);
// old Intel PXE ROMs need it on 67 (FW-38) while the Raspberry Pi bootcode breaks on
// it in 66 (FW-38). RFC 2132 §2 says no NUL.
enum class Nul : std::uint8_t { kOmit, kAppend };
void set_string(Message& m, std::uint8_t code, std::string_view s, Nul nul = Nul::kOmit);

// 53
std::optional<MessageType> message_type(const Message& m);  // nullopt also for values outside 1..8
void set_message_type(Message& m, MessageType type);
// 54, 50, 1, 3, 6
std::optional<Ipv4Address> server_id(const Message& m);
void set_server_id(Message& m, Ipv4Address a);
std::optional<Ipv4Address> requested_address(const Message& m);
void set_requested_address(Message& m, Ipv4Address a);
std::optional<Ipv4Address> subnet_mask(const Message& m);
void set_subnet_mask(Message& m, Ipv4Address a);
std::optional<std::vector<Ipv4Address>> routers(const Message& m);
void set_routers(Message& m, const std::vector<Ipv4Address>& list);
std::optional<std::vector<Ipv4Address>> dns_servers(const Message& m);
void set_dns_servers(Message& m, const std::vector<Ipv4Address>& list);
// 51, 58 (T1), 59 (T2): seconds; 0xffffffff is infinite (RFC 2132 §9.2)
std::optional<std::uint32_t> lease_time(const Message& m);
void set_lease_time(Message& m, std::uint32_t seconds);
std::optional<std::uint32_t> renewal_time(const Message& m);
void set_renewal_time(Message& m, std::uint32_t seconds);
std::optional<std::uint32_t> rebinding_time(const Message& m);
void set_rebinding_time(Message& m, std::uint32_t seconds);
// 12
std::optional<std::string> host_name(const Message& m);
void set_host_name(Message& m, std::string_view name);
// 55: codes in the client's order (the order is a firmware fingerprint)
std::optional<std::vector<std::uint8_t>> parameter_request_list(const Message& m);
void set_parameter_request_list(Message& m, const std::vector<std::uint8_t>& codes);
// 57: see EmitOptions::max_message_size for how it is read
std::optional<std::uint16_t> max_message_size(const Message& m);
void set_max_message_size(Message& m, std::uint16_t size);
// 60: e.g. "PXEClient:Arch:00007:UNDI:003000" (FW-01), "U-Boot.armv8" (FW-03)
std::optional<std::string> vendor_class(const Message& m);
void set_vendor_class(Message& m, std::string_view id);
// 60 starts with "PXEClient" (PXE 2.1 §2.2.1; FW-10 keys on exactly this prefix)
bool is_pxe_client(const Message& m);
// 61: type octet + identifier, kept as octets (RFC 2132 §9.14); echoed unchanged (RFC 6842)
std::optional<Bytes> client_id(const Message& m);
void set_client_id(Message& m, ByteView id);
// 66, 67
std::optional<std::string> tftp_server_name(const Message& m);
void set_tftp_server_name(Message& m, std::string_view name, Nul nul = Nul::kOmit);
std::optional<std::string> bootfile_name(const Message& m);
void set_bootfile_name(Message& m, std::string_view name, Nul nul = Nul::kOmit);

// pxelinux (doc/pxelinux.txt): 208 magic, 209 config file, 210 path prefix, 211 reboot
// time. pxelinux never asks for them in 55, so servers force them (FW-30).
inline constexpr std::uint8_t kPxelinuxMagic[4] = {0xf1, 0x00, 0x74, 0x7e};
bool has_pxelinux_magic(const Message& m);
void set_pxelinux_magic(Message& m);
std::optional<std::string> pxelinux_config_file(const Message& m);
void set_pxelinux_config_file(Message& m, std::string_view name);
std::optional<std::string> pxelinux_path_prefix(const Message& m);
void set_pxelinux_path_prefix(Message& m, std::string_view prefix);
std::optional<std::uint32_t> pxelinux_reboot_time(const Message& m);
void set_pxelinux_reboot_time(Message& m, std::uint32_t seconds);

}  // namespace pxelab::wire::dhcp
