// Typed codecs for the PXE and boot-firmware options: 43 (PXE 2.1 vendor options,
// sub-options 1–10 and 71), 93/94/97 (RFC 4578), 77 (RFC 3004 user class, and iPXE's
// raw form, FW-02), 82 (RFC 3046 relay agent information), 175 (iPXE).
// Decoders take an option's joined value (Message::find(code)->data) and return a
// plain struct or an error naming the sub-option and offset; `base_offset` is where
// that value starts in the message, when known, so offsets point into the message.
// Encoders return the option value (no code/length: Message::set adds those).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wire/address.h"
#include "wire/bytes.h"
#include "wire/dhcp_options.h"
#include "wire/result.h"

namespace pxelab::wire::dhcp {

// ---- 43: PXE vendor options (PXE 2.1 §2.2.5, table "PXE vendor options") ----------
namespace pxe_code {
inline constexpr std::uint8_t kMtftpIp = 1;
inline constexpr std::uint8_t kMtftpClientPort = 2;
inline constexpr std::uint8_t kMtftpServerPort = 3;
inline constexpr std::uint8_t kMtftpTimeout = 4;
inline constexpr std::uint8_t kMtftpDelay = 5;
inline constexpr std::uint8_t kDiscoveryControl = 6;
inline constexpr std::uint8_t kDiscoveryMcastAddr = 7;
inline constexpr std::uint8_t kBootServers = 8;
inline constexpr std::uint8_t kBootMenu = 9;
inline constexpr std::uint8_t kMenuPrompt = 10;
inline constexpr std::uint8_t kBootItem = 71;
}  // namespace pxe_code

// 43.6 DISCOVERY_CONTROL bits.
namespace discovery {
inline constexpr std::uint8_t kNoBroadcast = 1 << 0;   // disable broadcast discovery
inline constexpr std::uint8_t kNoMulticast = 1 << 1;   // disable multicast discovery
inline constexpr std::uint8_t kOnlyListed = 1 << 2;    // only use/accept servers in 43.8
inline constexpr std::uint8_t kUseBootfile = 1 << 3;   // bootfile present: skip menu/discovery (FW-20)
}  // namespace discovery

// 43.8: one server type and its addresses (type 2 octets, count 1, count × IPv4).
struct BootServer {
  std::uint16_t type = 0;
  std::vector<Ipv4Address> addresses;
  bool operator==(const BootServer&) const = default;
};
// 43.9: one menu line (type 2 octets, length 1, description). Type 0 is local boot.
struct BootMenuEntry {
  std::uint16_t type = 0;
  std::string description;
  bool operator==(const BootMenuEntry&) const = default;
};
// 43.10: timeout in seconds (0: take the default at once, 255: wait for a key; FW-20)
// and the prompt text.
struct MenuPrompt {
  std::uint8_t timeout = 0;
  std::string prompt;
  bool operator==(const MenuPrompt&) const = default;
};
// 43.71: the boot server type and layer a client asks for, echoed in the ACK (FW-19).
// Layer bit 15 asks for credentials; bits 0–14 are the layer number.
struct BootItem {
  std::uint16_t type = 0;
  std::uint16_t layer = 0;
  bool operator==(const BootItem&) const = default;
};

// Presence matters (FW-10 classifies offers by which sub-options exist), so every
// known sub-option is optional, lists included.
struct PxeVendorOptions {
  std::optional<Ipv4Address> mtftp_ip;                 // 1
  std::optional<std::uint16_t> mtftp_client_port;      // 2
  std::optional<std::uint16_t> mtftp_server_port;      // 3
  std::optional<std::uint8_t> mtftp_timeout;           // 4
  std::optional<std::uint8_t> mtftp_delay;             // 5
  std::optional<std::uint8_t> discovery_control;       // 6
  std::optional<Ipv4Address> discovery_mcast_addr;     // 7
  std::optional<std::vector<BootServer>> boot_servers;  // 8
  std::optional<std::vector<BootMenuEntry>> boot_menu;  // 9
  std::optional<MenuPrompt> menu_prompt;               // 10
  std::optional<BootItem> boot_item;                   // 71
  // Other sub-options in received order (e.g. pxelinux 208–211, which it accepts
  // inside 43 too, FW-30).
  std::vector<SubOption> other;

  bool operator==(const PxeVendorOptions&) const = default;
  // Any of 43.6–43.10: EDK2's "PXE10" offer class (FW-10).
  bool is_pxe10() const;
  // All of 43.1–43.5: "WfM11a", which EDK2 discards (FW-10).
  bool is_wfm11a() const;
};

// Fails on a malformed TLV, a known sub-option with a wrong length or inner
// structure, or a known sub-option given twice.
Result<PxeVendorOptions> decode_pxe_vendor_options(ByteView data, std::size_t base_offset = 0);
// Known sub-options in code order (1–10, 71), then `other`, then END (PXE 2.1).
Result<Bytes> encode_pxe_vendor_options(const PxeVendorOptions& options);

// ---- 93: client system architecture (RFC 4578 §2.1; IANA "Processor Architecture Types")
namespace arch {
inline constexpr std::uint16_t kX86Bios = 0;
inline constexpr std::uint16_t kEfiIa32 = 6;
inline constexpr std::uint16_t kEfiBc = 7;  // sent by EDK2 x64 (FW-01)
inline constexpr std::uint16_t kEfiX64 = 9;
inline constexpr std::uint16_t kEfiArm32 = 10;
inline constexpr std::uint16_t kEfiArm64 = 11;
inline constexpr std::uint16_t kEfiX64Http = 16;
}  // namespace arch
Result<std::vector<std::uint16_t>> decode_client_arch(ByteView data, std::size_t base_offset = 0);
Bytes encode_client_arch(const std::vector<std::uint16_t>& types);

// ---- 94: client network device interface (RFC 4578 §2.2) ------------------------
struct ClientNdi {
  std::uint8_t type = 1;  // 1: UNDI
  std::uint8_t major = 0;
  std::uint8_t minor = 0;
  bool operator==(const ClientNdi&) const = default;
};
Result<ClientNdi> decode_client_ndi(ByteView data, std::size_t base_offset = 0);
Bytes encode_client_ndi(const ClientNdi& ndi);

// ---- 97: client machine identifier (RFC 4578 §2.3) ------------------------------
struct ClientMachineId {
  std::uint8_t type = 0;  // 0: GUID; others are reserved (kept, not rejected)
  std::array<std::uint8_t, 16> guid{};  // as sent: EDK2 sends the SMBIOS UUID, zeros if none (FW-01)
  bool operator==(const ClientMachineId&) const = default;
};
Result<ClientMachineId> decode_client_machine_id(ByteView data, std::size_t base_offset = 0);
Bytes encode_client_machine_id(const ClientMachineId& id);

// ---- 77: user class ---------------------------------------------------------------
struct UserClass {
  enum class Form : std::uint8_t {
    kRfc3004,  // RFC 3004 §2: instances of (length ≥ 1, data)
    kRaw,      // iPXE: the bare string "iPXE" with no length prefix (FW-02, ipxe#1374)
  };
  Form form = Form::kRfc3004;
  std::vector<std::string> classes;  // kRaw: exactly one
  bool operator==(const UserClass&) const = default;
};
// RFC 3004 when the data splits exactly into length-prefixed instances of length ≥ 1;
// otherwise the raw form. ("iPXE" reads as a 105-octet instance that overruns, so it
// is raw; a raw string that happens to be valid RFC 3004 reads as RFC 3004.)
// Fails only on empty data.
Result<UserClass> decode_user_class(ByteView data, std::size_t base_offset = 0);
// Fails on an empty list, an empty or >255-octet RFC 3004 class, or kRaw with other
// than one class.
Result<Bytes> encode_user_class(const UserClass& user_class);

// ---- 82: relay agent information (RFC 3046) --------------------------------------
namespace relay_code {
inline constexpr std::uint8_t kCircuitId = 1;
inline constexpr std::uint8_t kRemoteId = 2;
}  // namespace relay_code
// Sub-options in received order, unknown ones kept: a server echoes 82 whole
// (RFC 3046 §2.2), so nothing is dropped or reordered.
struct RelayAgentInfo {
  std::vector<SubOption> suboptions;
  bool operator==(const RelayAgentInfo&) const = default;
  const SubOption* find(std::uint8_t code) const;
  std::optional<Bytes> circuit_id() const;
  std::optional<Bytes> remote_id() const;
};
Result<RelayAgentInfo> decode_relay_agent_info(ByteView data, std::size_t base_offset = 0);
Result<Bytes> encode_relay_agent_info(const RelayAgentInfo& info);

// ---- 175: iPXE encapsulated options (ipxe include/ipxe/dhcp.h) ----------------------
namespace ipxe_code {
inline constexpr std::uint8_t kPriority = 1;       // int8; the highest-priority offer wins (FW-13)
inline constexpr std::uint8_t kKeepSan = 8;
inline constexpr std::uint8_t kSkipSanBoot = 9;
// 0x10–0x4f: feature markers (what this iPXE build supports), sent by the client (FW-02).
inline constexpr std::uint8_t kFeatureFirst = 0x10;
inline constexpr std::uint8_t kFeatureLast = 0x4f;
inline constexpr std::uint8_t kScriptlet = 0x51;
inline constexpr std::uint8_t kNoPxeDhcp = 0xb0;   // skip the proxyDHCP wait (FW-13)
inline constexpr std::uint8_t kBusId = 0xb1;
inline constexpr std::uint8_t kBiosDrive = 0xbd;
}  // namespace ipxe_code
struct IpxeOptions {
  std::vector<SubOption> suboptions;  // received order
  bool operator==(const IpxeOptions&) const = default;
  const SubOption* find(std::uint8_t code) const;
  std::optional<std::int8_t> priority() const;
  bool no_pxedhcp() const;  // 175.176 present and non-zero
};
Result<IpxeOptions> decode_ipxe_options(ByteView data, std::size_t base_offset = 0);
Result<Bytes> encode_ipxe_options(const IpxeOptions& options);

}  // namespace pxelab::wire::dhcp
