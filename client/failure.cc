#include "client/failure.h"

#include <array>

#include "client/outcome.h"

namespace pxelab::client {

namespace {

struct Reason {
  std::string_view name;
  std::string_view text;  // "CODE: text"
};

// PXE 2.1 error codes where a ROM has one (Intel PXE "PXE-Exx" messages); pxelab's own
// codes (outcome.h) where none does.
constexpr std::array<Reason, 22> kReasons{{
    {"no_offers", "PXE-E51: No DHCP or proxyDHCP offers were received."},
    {"no_ack", "PXE-E51: No DHCP or proxyDHCP offers were received."},
    {"no_bootfile", "PXE-E53: No boot filename received."},
    {"no_proxy_reply", "PXE-E55: ProxyDHCP service did not reply to request on port 4011."},
    {"discovery_failed", "PXE-E78: Could not locate boot server."},
    {"arp_timeout", "PXE-E11: ARP timeout."},
    // No TFTP server named (FW-37). Most ROMs then ask 0.0.0.0 and time out (PXE-E32);
    // a personality that lists this reason stops at once with its own text (U-Boot).
    {"no_server", "PXE-E32: TFTP open timeout."},
    {"tftp_open_timeout", "PXE-E32: TFTP open timeout."},
    {"tftp_not_found", "PXE-E3B: TFTP Error - File Not found."},
    {"tftp_access", "PXE-E3C: TFTP Error - Access Violation."},
    {"tftp_error", "PXE-E36: Error received from TFTP server."},
    {"tftp_timeout", "PXE-E35: TFTP read timeout."},
    {"no_tsize", "PXE-E18: Server response timeout. (NBP filesize is 0 Bytes)"},
    {"nak", "DHCP-NAK: DHCPNAK received."},
    {"declined", "DHCP-DECLINE: Lease confirmed isn't the same as that in the offer."},
    {"oack_refused", "TFTP-ABORTED: the client refused the server's OACK."},
    {"bad_image", "IMAGE-INVALID: the image arrived but fails the check for its kind."},
    {"no_config", "NO-CONFIG: Unable to locate configuration file."},
    {"loader_failed", "LOADER-FAILED: the loader could not go on."},
    {"chain_loop", "CHAIN-LOOP: the server handed iPXE the iPXE binary again (FW-44)."},
    {"unsupported", "UNSUPPORTED: the boot needs something pxelab does not emulate."},
    {"deadline", "DEADLINE: the run ended before the client finished."},
}};

std::string code_of(std::string_view text) {
  auto colon = text.find(':');
  return std::string(colon == std::string_view::npos ? text : text.substr(0, colon));
}

}  // namespace

bool is_failure_reason(std::string_view reason) {
  for (const auto& r : kReasons) {
    if (r.name == reason) return true;
  }
  return false;
}

Failure failure_for(const Personality& p, std::string_view reason) {
  if (auto it = p.failures.find(reason); it != p.failures.end()) return {code_of(it->second), it->second};
  for (const auto& r : kReasons) {
    if (r.name == reason) return {code_of(r.text), std::string(r.text)};
  }
  return {"UNKNOWN", std::string(reason)};
}

}  // namespace pxelab::client
