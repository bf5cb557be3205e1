// BOOTP/DHCP messages (RFC 951, RFC 1542, RFC 2131): the fixed header, the magic
// cookie, the options area with overload (RFC 2131 §4.1, RFC 2132 §9.3) and long
// options (RFC 3396). Three levels:
//   MessageView   a length-checked view of the fixed header; accessors cannot fail.
//   scan_options  every option instance as it sits on the wire (area, offset, data):
//                 what conformance checks look at (order, END, splitting).
//   Message       the parsed value ("Repr"): header fields plus options joined per
//                 RFC 3396, in order of first appearance. parse() and emit() convert.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "wire/address.h"
#include "wire/bytes.h"
#include "wire/dhcp_options.h"
#include "wire/result.h"

namespace pxelab::wire::dhcp {

// RFC 2131 §2, figure 1: where each field of the fixed header starts.
inline constexpr std::size_t kOpOffset = 0;
inline constexpr std::size_t kHtypeOffset = 1;
inline constexpr std::size_t kHlenOffset = 2;
inline constexpr std::size_t kHopsOffset = 3;
inline constexpr std::size_t kXidOffset = 4;
inline constexpr std::size_t kSecsOffset = 8;
inline constexpr std::size_t kFlagsOffset = 10;
inline constexpr std::size_t kCiaddrOffset = 12;
inline constexpr std::size_t kYiaddrOffset = 16;
inline constexpr std::size_t kSiaddrOffset = 20;
inline constexpr std::size_t kGiaddrOffset = 24;
inline constexpr std::size_t kChaddrOffset = 28;
inline constexpr std::size_t kChaddrSize = 16;
inline constexpr std::size_t kSnameOffset = 44;
inline constexpr std::size_t kSnameSize = 64;
inline constexpr std::size_t kFileOffset = 108;
inline constexpr std::size_t kFileSize = 128;
inline constexpr std::size_t kFixedHeaderSize = 236;  // op .. file; the vendor area follows
inline constexpr std::size_t kMagicCookieOffset = 236;  // RFC 2131 §3: the options field starts with it
inline constexpr std::size_t kOptionsOffset = 240;    // after the magic cookie
inline constexpr std::uint32_t kMagicCookie = 0x63825363;  // 99.130.83.99, RFC 1497
// RFC 951 vend is 64 octets, so a BOOTP message is at least 300 (RFC 1542 §2.1).
inline constexpr std::size_t kBootpMinimumSize = 300;
// IPv4 (20) + UDP (8) headers: a message's size limit is stated per IP datagram.
inline constexpr std::size_t kIpUdpOverhead = 28;
inline constexpr std::uint16_t kBroadcastFlag = 0x8000;  // RFC 2131 §2, figure 2

inline constexpr std::uint8_t kBootRequest = 1;
inline constexpr std::uint8_t kBootReply = 2;

// The fixed header of a buffer already checked to hold at least 236 octets.
class MessageView {
 public:
  // Fails ("dhcp.header") on fewer than 236 octets.
  static Result<MessageView> make(ByteView bytes);

  std::uint8_t op() const { return b_[kOpOffset]; }
  std::uint8_t htype() const { return b_[kHtypeOffset]; }
  std::uint8_t hlen() const { return b_[kHlenOffset]; }
  std::uint8_t hops() const { return b_[kHopsOffset]; }
  std::uint32_t xid() const { return load_be32(&b_[kXidOffset]); }
  std::uint16_t secs() const { return load_be16(&b_[kSecsOffset]); }
  std::uint16_t flags() const { return load_be16(&b_[kFlagsOffset]); }
  Ipv4Address ciaddr() const { return {load_be32(&b_[kCiaddrOffset])}; }
  Ipv4Address yiaddr() const { return {load_be32(&b_[kYiaddrOffset])}; }
  Ipv4Address siaddr() const { return {load_be32(&b_[kSiaddrOffset])}; }
  Ipv4Address giaddr() const { return {load_be32(&b_[kGiaddrOffset])}; }
  ByteView chaddr() const { return b_.subspan(kChaddrOffset, kChaddrSize); }
  ByteView sname() const { return b_.subspan(kSnameOffset, kSnameSize); }
  ByteView file() const { return b_.subspan(kFileOffset, kFileSize); }
  // Everything after the fixed header (RFC 951 "vend"; DHCP's cookie + options).
  ByteView vendor_area() const { return b_.subspan(kFixedHeaderSize); }
  bool has_magic_cookie() const { return b_.size() >= kOptionsOffset && load_be32(&b_[kMagicCookieOffset]) == kMagicCookie; }
  ByteView bytes() const { return b_; }

 private:
  explicit MessageView(ByteView b) : b_(b) {}
  ByteView b_;
};

enum class OptionArea : std::uint8_t { kOptions, kFile, kSname };

// One TLV as it sits in the message. `data` borrows from the scanned buffer.
struct OptionInstance {
  std::uint8_t code = 0;
  OptionArea area = OptionArea::kOptions;
  std::size_t offset = 0;  // of the code octet, from the start of the message
  ByteView data;
};

struct ParseOptions {
  // RFC 2131 §4.1 / RFC 2132 §3.2: each options area ends with END. Off: accept a
  // missing END (the analyser wants to look at such messages; FW-05 clients do too).
  bool require_end = true;
  // Check joined values against the option table (FW-07: EDK2 drops the packet).
  bool check_option_lengths = true;
  // A vendor area that is neither all zero nor starts with the RFC 1497 cookie is an
  // error ("dhcp.magic_cookie") unless this is set: RFC 951 also allows
  // vendor-specific formats with their own first four octets.
  bool accept_vendor_specific_area = false;
};

struct OptionScan {
  // Reading order: options field, then file, then sname (RFC 3396 §7 order, RFC 2131
  // §4.1). PAD and END are not listed.
  std::vector<OptionInstance> instances;
  std::uint8_t overload = 0;  // option 52's value: 1 file, 2 sname, 3 both; 0 absent
  bool end_missing = false;   // some scanned area had no END (only with !require_end)
};

// Scans the options of a message that carries the magic cookie (else an error).
// Validates framing only (every TLV inside its area, 52 well formed, END when
// required), not option lengths against the table.
Result<OptionScan> scan_options(const MessageView& view, const ParseOptions& options = {});

enum class VendorFormat : std::uint8_t {
  kOptions,  // magic cookie + options (DHCP, and BOOTP with RFC 1497 extensions)
  kRaw,      // no cookie: vendor_raw holds the vendor area verbatim (RFC 951 BOOTP)
};

// A BOOTP/DHCP message as a plain value. Default: a BOOTREQUEST over Ethernet.
struct Message {
  std::uint8_t op = kBootRequest;
  std::uint8_t htype = 1;  // Ethernet
  std::uint8_t hlen = 6;
  std::uint8_t hops = 0;
  std::uint32_t xid = 0;
  std::uint16_t secs = 0;
  std::uint16_t flags = 0;
  Ipv4Address ciaddr, yiaddr, siaddr, giaddr;
  std::array<std::uint8_t, kChaddrSize> chaddr{};
  // The octets before the first NUL (all 64/128 when there is none: an unterminated
  // name, FW-38). Empty when the field carries overloaded options.
  std::string sname;
  std::string file;
  VendorFormat vendor_format = VendorFormat::kOptions;
  Bytes vendor_raw;  // only with VendorFormat::kRaw
  // Joined values (RFC 3396), in order of first appearance; option 52 is not listed
  // (parse consumes it, emit adds it when it spills). Codes should be unique: a code
  // listed twice is emitted twice, which receivers join (useful for fault injection).
  std::vector<Option> options;

  bool operator==(const Message&) const = default;

  const Option* find(std::uint8_t code) const;
  // Replaces the value of `code` in place, or appends it (insertion order is kept).
  void set(std::uint8_t code, Bytes data);
  void remove(std::uint8_t code);
  bool has(std::uint8_t code) const { return find(code) != nullptr; }

  MacAddress mac() const;        // the first 6 octets of chaddr
  void set_mac(MacAddress mac);  // htype 1, hlen 6, chaddr = mac + zeros
  // No option 53: BOOTP (RFC 951) rather than DHCP (RFC 2131 §2).
  bool is_bootp() const { return !has(code::kMessageType); }
};

// Never throws, never reads past `bytes`. Errors name the field and byte offset,
// e.g. "dhcp.option[52].length at byte 250: 2 octets, dhcp-option-overload needs 1".
Result<Message> parse(ByteView bytes, const ParseOptions& options = {});

// Deliberate faults emit() can write, for fault injection. Combine with |.
enum class Malformation : std::uint32_t {
  kNone = 0,
  kWrongOptionLength = 1u << 0,  // first instance of EmitOptions::wrong_length_code
                                 // gets length octet wrong_length_value
  kMissingEnd = 1u << 1,         // no END in the options field
  kUnterminatedFile = 1u << 2,   // file: name then 0xFF up to 128, no NUL (FW-38)
  kUnterminatedSname = 1u << 3,  // sname: the same
  kBadMagicCookie = 1u << 4,     // 99.130.83.100
  kTruncated = 1u << 5,          // cut to EmitOptions::truncate_to octets
  kOverloadMissingEnd = 1u << 6, // overloaded file/sname fields get no END
};
constexpr Malformation operator|(Malformation a, Malformation b) {
  return static_cast<Malformation>(static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b));
}
constexpr bool has_malformation(Malformation set, Malformation m) {
  return (static_cast<std::uint32_t>(set) & static_cast<std::uint32_t>(m)) != 0;
}

struct EmitOptions {
  // The largest IP datagram the message may ride in: message + 28 octets of IPv4/UDP.
  // 576 is RFC 2131 §2's minimum every client accepts (312 octets of options). Read
  // this way a client's option 57 is honoured whether it means the datagram (RFC 2132
  // §9.10, ISC dhcpd) or the UDP payload (EDK2/iPXE 57=1472, FW-01). Callers pass
  // the client's 57 when it is larger.
  std::size_t max_message_size = 576;
  // When the options do not fit, spill into file then sname (those left empty by the
  // message) and add option 52 (RFC 2131 §4.1). Otherwise emit fails.
  bool allow_overload = true;
  // Pad with zeros to 300 octets, the BOOTP minimum (RFC 1542 §2.1; BOOTP relays and
  // clients may drop shorter messages).
  bool pad_to_bootp_minimum = false;

  Malformation malformations = Malformation::kNone;
  std::uint8_t wrong_length_code = 0;
  std::uint8_t wrong_length_value = 0;
  std::size_t truncate_to = 0;
};

// Writes the message: header, cookie, options in the given order (each longer than
// 255 octets split into consecutive instances, RFC 3396 §5), END, and overload
// spill-over as needed. Fails ("dhcp.sname", "dhcp.file", "dhcp.options",
// "dhcp.vendor") if a field is too long or the options or vendor area cannot fit.
Result<Bytes> emit(const Message& message, const EmitOptions& options = {});

}  // namespace pxelab::wire::dhcp
