// The ways an emulated boot can end badly (FailureReason, client/failure_reason.h), and what each firmware prints for them.
// A reason ("no_offers") is pxelab's; the code and text ("PXE-E51: No DHCP or
// proxyDHCP offers were received.") are the firmware's, from its personality's
// [failures] table or else the PXE 2.1 defaults below.
#pragma once

#include <string>
#include <string_view>

#include "client/failure_reason.h"
#include "client/personality.h"

namespace pxelab::client {

struct Failure {
  std::string code;  // "PXE-E51"
  std::string text;  // "PXE-E51: No DHCP or proxyDHCP offers were received."
};

// The personality's text for `reason` or the default; the code is the text up to ':'.
Failure failure_for(const Personality& p, FailureReason reason);

}  // namespace pxelab::client
