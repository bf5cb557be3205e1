// DHCP/BOOTP options: the definition table (code, name, wire format, length bounds),
// the option value type, and the TLV codec for option areas and encapsulated
// sub-options. The message layout (header, cookie, overload) is in dhcp_message.h;
// typed values of common options in dhcp_option_values.h; PXE ones in pxe_options.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "wire/bytes.h"
#include "wire/result.h"

namespace pxelab::wire::dhcp {

// Option codes used by name in pxelab. The table below holds every defined one.
namespace code {
inline constexpr std::uint8_t kPad = 0;
inline constexpr std::uint8_t kSubnetMask = 1;
inline constexpr std::uint8_t kRouter = 3;
inline constexpr std::uint8_t kDomainNameServer = 6;
inline constexpr std::uint8_t kHostName = 12;
inline constexpr std::uint8_t kDomainName = 15;
inline constexpr std::uint8_t kBroadcastAddress = 28;
inline constexpr std::uint8_t kVendorSpecific = 43;
inline constexpr std::uint8_t kRequestedAddress = 50;
inline constexpr std::uint8_t kLeaseTime = 51;
inline constexpr std::uint8_t kOverload = 52;
inline constexpr std::uint8_t kMessageType = 53;
inline constexpr std::uint8_t kServerId = 54;
inline constexpr std::uint8_t kParameterRequestList = 55;
inline constexpr std::uint8_t kMessage = 56;
inline constexpr std::uint8_t kMaxMessageSize = 57;
inline constexpr std::uint8_t kRenewalTime = 58;    // T1
inline constexpr std::uint8_t kRebindingTime = 59;  // T2
inline constexpr std::uint8_t kVendorClassId = 60;
inline constexpr std::uint8_t kClientId = 61;
inline constexpr std::uint8_t kTftpServerName = 66;
inline constexpr std::uint8_t kBootfileName = 67;
inline constexpr std::uint8_t kUserClass = 77;
inline constexpr std::uint8_t kRelayAgentInfo = 82;
inline constexpr std::uint8_t kClientArch = 93;
inline constexpr std::uint8_t kClientNdi = 94;
inline constexpr std::uint8_t kClientMachineId = 97;
inline constexpr std::uint8_t kIpxeEncapsulated = 175;
inline constexpr std::uint8_t kPxelinuxMagic = 208;
inline constexpr std::uint8_t kPxelinuxConfigFile = 209;
inline constexpr std::uint8_t kPxelinuxPathPrefix = 210;
inline constexpr std::uint8_t kPxelinuxRebootTime = 211;
inline constexpr std::uint8_t kEnd = 255;
}  // namespace code

// How an option's value is laid out on the wire. List formats fix the unit size;
// lengths are checked against it when a message is parsed.
enum class OptionFormat : std::uint8_t {
  kEmpty,          // no data (e.g. 80 rapid commit)
  kUint8,
  kUint16,
  kUint32,
  kInt32,
  kBool,           // one octet, 0 or 1
  kIpv4,
  kIpv4List,       // n × 4
  kIpv4Pairs,      // n × 8 (address, mask / destination, router)
  kUint8List,      // e.g. 55
  kUint16List,     // e.g. 25, 93
  kString,         // NVT ASCII; receivers drop trailing NULs (RFC 2132 §2)
  kBinary,         // opaque octets
  kEncapsulated,   // sub-option TLVs (43, 82, 175)
  kUserClass,      // RFC 3004, or iPXE's raw string (FW-02); see pxe_options.h
  kClientNdi,      // RFC 4578 §2.2: type, major, minor
  kClientMachineId,  // RFC 4578 §2.3: type 0 + 16-octet GUID
};

// A joined value (RFC 3396) may exceed 255 octets; kUnbounded marks no upper limit.
inline constexpr std::uint16_t kUnbounded = 0xffff;

struct OptionDef {
  std::uint8_t code;
  std::string_view name;  // Kea's names where Kea has one
  OptionFormat format;
  std::uint16_t min_length;
  std::uint16_t max_length;
};

// The whole table, sorted by code: RFC 2132, plus 77 (RFC 3004), 81, 82 (RFC 3046),
// 93/94/97 (RFC 4578), 118, 119, 121, 150, 175 (iPXE), 208–211 (pxelinux), 252.
std::span<const OptionDef> option_table();
// nullptr for codes the table does not define (they are kept, unchecked).
const OptionDef* find_option_def(std::uint8_t code);
// Octets per list element (4 for kIpv4List); 1 for formats that are not lists.
std::size_t format_unit(OptionFormat format);

// One option as the message carries it after RFC 3396 joining: a code and the
// concatenation of all its instances' data (which may exceed 255 octets).
// Codes 0 (PAD) and 255 (END) are framing, never options.
struct Option {
  std::uint8_t code = 0;
  Bytes data;
  bool operator==(const Option&) const = default;
};
using SubOption = Option;  // a TLV inside 43, 82 or 175: same shape, own code space

// Checks `data` against the table entry for `code` (length bounds, list unit).
// `field_offset` is the byte offset reported on failure (where the option starts).
Status validate_option_length(std::uint8_t code, std::size_t length, std::size_t field_offset);

// Appends `code` with `data` as TLV instances of at most 255 octets each, split per
// RFC 3396 §5 (a zero-length value is one empty instance).
void append_option_instances(Bytes& out, std::uint8_t code, ByteView data);
// Number of octets append_option_instances writes.
std::size_t encoded_option_size(std::size_t data_length);

// Encapsulated sub-options. `field` names the option in errors ("dhcp.option[43]"),
// `base_offset` is where the data starts in the message.
enum class SubOptionFraming : std::uint8_t {
  kPadAndEnd,  // 43: PAD 0 allowed, END 255 written (PXE 2.1 vendor options)
  kPadNoEnd,   // 175: iPXE skips PAD and stops at END, but writes no END itself
  kPlain,      // 82: RFC 3046 §2.0 has neither; 0 and 255 are ordinary codes
};
// Parses sub-options in order, each kept as one entry (duplicates too: the typed
// decoders decide). With PAD/END framing, a missing END is accepted and bytes after
// END are ignored: both are common in the field and harmless.
Result<std::vector<SubOption>> parse_suboptions(ByteView data, SubOptionFraming framing,
                                                std::string_view field, std::size_t base_offset = 0);
// Writes sub-options in order, then END when framing is kPadAndEnd. Fails if one is
// longer than 255 octets (sub-options are never split) or, with PAD/END framing,
// has code 0 or 255.
Result<Bytes> encode_suboptions(std::span<const SubOption> suboptions, SubOptionFraming framing,
                                std::string_view field);

}  // namespace pxelab::wire::dhcp
