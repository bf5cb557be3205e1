#include "client/failure.h"

#include <array>

#include "client/outcome.h"

namespace pxelab::client {

namespace {

struct Reason {
  FailureReason reason;
  std::string_view name;
  std::string_view text;  // "CODE: text"
};

// In FailureReason order (checked below). PXE 2.1 error codes where a ROM has one (Intel PXE "PXE-Exx" messages); pxelab's own
// codes (outcome.h) where none does.
constexpr std::array<Reason, 23> kReasons{{
    {FailureReason::kNoOffers, "no_offers", "PXE-E51: No DHCP or proxyDHCP offers were received."},
    {FailureReason::kNoAck, "no_ack", "PXE-E51: No DHCP or proxyDHCP offers were received."},
    // Offers came but none was usable (EDK2: a DHCP-only offer with no boot file and no
    // proxy offer, PxeBcSelectDhcp4Offer). Only a personality that lists this reason
    // fails so; the others keep no_offers' text.
    {FailureReason::kNoValidOffer, "no_valid_offer", "PXE-E16: No valid offer received."},
    {FailureReason::kNoBootfile, "no_bootfile", "PXE-E53: No boot filename received."},
    {FailureReason::kNoProxyReply, "no_proxy_reply", "PXE-E55: ProxyDHCP service did not reply to request on port 4011."},
    {FailureReason::kDiscoveryFailed, "discovery_failed", "PXE-E78: Could not locate boot server."},
    {FailureReason::kArpTimeout, "arp_timeout", "PXE-E11: ARP timeout."},
    // No TFTP server named (FW-37). Most ROMs then ask 0.0.0.0 and time out (PXE-E32);
    // a personality that lists this reason stops at once with its own text (U-Boot).
    {FailureReason::kNoServer, "no_server", "PXE-E32: TFTP open timeout."},
    {FailureReason::kTftpOpenTimeout, "tftp_open_timeout", "PXE-E32: TFTP open timeout."},
    {FailureReason::kTftpNotFound, "tftp_not_found", "PXE-E3B: TFTP Error - File Not found."},
    {FailureReason::kTftpAccess, "tftp_access", "PXE-E3C: TFTP Error - Access Violation."},
    {FailureReason::kTftpError, "tftp_error", "PXE-E36: Error received from TFTP server."},
    {FailureReason::kTftpTimeout, "tftp_timeout", "PXE-E35: TFTP read timeout."},
    {FailureReason::kNoTsize, "no_tsize", "PXE-E18: Server response timeout. (NBP filesize is 0 Bytes)"},
    {FailureReason::kNak, "nak", "DHCP-NAK: DHCPNAK received."},
    {FailureReason::kDeclined, "declined", "DHCP-DECLINE: Lease confirmed isn't the same as that in the offer."},
    {FailureReason::kOackRefused, "oack_refused", "TFTP-ABORTED: the client refused the server's OACK."},
    {FailureReason::kBadImage, "bad_image", "IMAGE-INVALID: the image arrived but fails the check for its kind."},
    {FailureReason::kNoConfig, "no_config", "NO-CONFIG: Unable to locate configuration file."},
    {FailureReason::kLoaderFailed, "loader_failed", "LOADER-FAILED: the loader could not go on."},
    {FailureReason::kChainLoop, "chain_loop", "CHAIN-LOOP: the server handed iPXE the iPXE binary again (FW-44)."},
    {FailureReason::kUnsupported, "unsupported", "UNSUPPORTED: the boot needs something pxelab does not emulate."},
    {FailureReason::kDeadline, "deadline", "DEADLINE: the run ended before the client finished."},
}};

constexpr bool in_enum_order() {
  for (std::size_t i = 0; i < kReasons.size(); ++i) {
    if (static_cast<std::size_t>(kReasons[i].reason) != i) return false;
  }
  return true;
}
static_assert(in_enum_order(), "kReasons must list every FailureReason in enum order");

std::string code_of(std::string_view text) {
  auto colon = text.find(':');
  return std::string(colon == std::string_view::npos ? text : text.substr(0, colon));
}

}  // namespace

std::string_view to_string(FailureReason reason) { return kReasons[static_cast<std::size_t>(reason)].name; }

std::optional<FailureReason> parse_failure_reason(std::string_view name) {
  for (const auto& r : kReasons) {
    if (r.name == name) return r.reason;
  }
  return std::nullopt;
}

Failure failure_for(const Personality& p, FailureReason reason) {
  if (auto it = p.failures.find(reason); it != p.failures.end()) return {code_of(it->second), it->second};
  const std::string_view text = kReasons[static_cast<std::size_t>(reason)].text;
  return {code_of(text), std::string(text)};
}

}  // namespace pxelab::client
