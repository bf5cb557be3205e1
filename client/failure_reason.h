// Why an emulated boot ended badly, as pxelab names it: an enum so that a misspelt
// reason is a compile error, not an "UNKNOWN" outcome. The names ("no_offers") are the
// keys of a personality's [failures] table, parsed once when it is loaded
// (client/personality_toml.cc); client/failure.cc maps each reason to the firmware's
// code and text.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace pxelab::client {

enum class FailureReason : std::uint8_t {
  kNoOffers,
  kNoAck,
  kNoValidOffer,  // offers came, none could be used (listed by a personality; else kNoOffers)
  kNoBootfile,
  kNoProxyReply,
  kDiscoveryFailed,
  kArpTimeout,
  kNoServer,
  kTftpOpenTimeout,
  kTftpNotFound,
  kTftpAccess,
  kTftpError,
  kTftpTimeout,
  kNoTsize,
  kNak,
  kDeclined,
  kOackRefused,
  kBadImage,
  kNoConfig,
  kLoaderFailed,
  kChainLoop,
  kUnsupported,
  kDeadline,
};

// "no_offers" for kNoOffers; the inverse is parse_failure_reason.
std::string_view to_string(FailureReason reason);
std::optional<FailureReason> parse_failure_reason(std::string_view name);

}  // namespace pxelab::client
