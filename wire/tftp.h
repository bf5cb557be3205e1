// TFTP packets (RFC 1350) with option extension (RFC 2347, OACK), blksize
// (RFC 2348), timeout and tsize (RFC 2349) and windowsize (RFC 7440).
//
// A packet parses to one of the TftpPacket alternatives. Strings are NUL-terminated
// on the wire (RFC 1350 §5). Option names and values are kept as written, in order
// (unknown options too); typed accessors interpret the four standard ones with
// case-insensitive names (RFC 2347 "case in-sensitive").
// Block-number arithmetic for 16-bit rollover lives in wire/tftp_block.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "wire/bytes.h"
#include "wire/ports.h"
#include "wire/result.h"

namespace pxelab::wire {

inline constexpr std::size_t kTftpDefaultBlockSize = 512;  // RFC 1350 §2

enum class TftpOpcode : std::uint16_t { kRrq = 1, kWrq = 2, kData = 3, kAck = 4, kError = 5, kOack = 6 };

// RFC 1350 Appendix "Error Codes"; 8 from RFC 2347.
enum class TftpErrorCode : std::uint16_t {
  kNotDefined = 0,
  kFileNotFound = 1,
  kAccessViolation = 2,
  kDiskFull = 3,
  kIllegalOperation = 4,
  kUnknownTransferId = 5,
  kFileExists = 6,
  kNoSuchUser = 7,
  kOptionNegotiation = 8,  // RFC 2347: option negotiation refused
};

struct TftpOption {
  std::string name;
  std::string value;
  bool operator==(const TftpOption&) const = default;
};

// Options in wire order.
struct TftpOptions {
  std::vector<TftpOption> entries;

  // The value of the first option named `name` (case-insensitive), if any.
  const std::string* find(std::string_view name) const;
  // Replaces the first option named `name`, or appends one.
  void set(std::string_view name, std::string value);

  // Typed access: nullopt when absent or when the value is not a decimal number in
  // the range the RFC allows (a server then ignores the option, RFC 2347).
  std::optional<std::uint16_t> blksize() const;     // RFC 2348 §2: 8..65464
  std::optional<std::uint8_t> timeout() const;      // RFC 2349 §2: 1..255 seconds
  std::optional<std::uint64_t> tsize() const;       // RFC 2349 §3: octets (0 in a RRQ)
  std::optional<std::uint16_t> windowsize() const;  // RFC 7440 §3: 1..65535
  void set_blksize(std::uint16_t v) { set("blksize", std::to_string(v)); }
  void set_timeout(std::uint8_t v) { set("timeout", std::to_string(v)); }
  void set_tsize(std::uint64_t v) { set("tsize", std::to_string(v)); }
  void set_windowsize(std::uint16_t v) { set("windowsize", std::to_string(v)); }

  bool empty() const { return entries.empty(); }
  bool operator==(const TftpOptions&) const = default;
};

// RRQ or WRQ (RFC 1350 §5, RFC 2347 §2).
struct TftpRequest {
  TftpOpcode opcode = TftpOpcode::kRrq;  // kRrq or kWrq
  std::string filename;
  std::string mode = "octet";  // "netascii", "octet", "mail"; any case
  TftpOptions options;
  bool operator==(const TftpRequest&) const = default;
};

// DATA: `data` borrows (from the parsed buffer, or whatever the sender points at).
struct TftpData {
  std::uint16_t block = 1;
  ByteView data;
  bool operator==(const TftpData& o) const;  // compares contents
};

struct TftpAck {
  std::uint16_t block = 0;
  bool operator==(const TftpAck&) const = default;
};

struct TftpError {
  std::uint16_t code = 0;  // a TftpErrorCode, or any other value received
  std::string message;
  bool operator==(const TftpError&) const = default;
};

struct TftpOack {
  TftpOptions options;
  bool operator==(const TftpOack&) const = default;
};

using TftpPacket = std::variant<TftpRequest, TftpData, TftpAck, TftpError, TftpOack>;

TftpOpcode opcode_of(const TftpPacket& p);

// Errors (offsets from the start of the UDP payload):
//   "tftp.opcode" at 0        shorter than 2 bytes, or not 1..6
//   "tftp.filename" at 2      missing NUL terminator, or empty
//   "tftp.mode"               missing NUL terminator, or empty
//   "tftp.option.name"        missing NUL terminator, or empty
//   "tftp.option.value"       option name without value (missing or unterminated)
//   "tftp.block" at 2         DATA/ACK shorter than 4 bytes
//   "tftp.error_code" at 2    ERROR shorter than 4 bytes
//   "tftp.error_message" at 4 missing NUL terminator
//   "tftp.packet"             bytes after a complete ACK or ERROR
Result<TftpPacket> parse_tftp(ByteView payload);

// Deliberate faults for emit.
struct TftpFaults {
  // Omit the NUL after the last string (mode, last option value, error message, OACK's
  // last value). No effect on DATA/ACK.
  bool unterminated_last_string = false;
};

// Exact size emit_tftp() writes.
std::size_t tftp_size(const TftpPacket& p, const TftpFaults& faults = {});
// Writes the packet at the start of `out`; returns tftp_size(), or 0 if `out` is
// shorter. Never allocates.
std::size_t emit_tftp(const TftpPacket& p, MutableByteView out, const TftpFaults& faults = {});
Bytes encode_tftp(const TftpPacket& p, const TftpFaults& faults = {});

std::string_view to_string(TftpOpcode op);  // "RRQ", "WRQ", "DATA", ...

}  // namespace pxelab::wire
