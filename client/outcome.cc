#include "client/outcome.h"

namespace pxelab::client {

std::string_view to_string(BootStatus status) {
  switch (status) {
    case BootStatus::kPending: return "pending";
    case BootStatus::kBooted: return "booted";
    case BootStatus::kFailed: return "failed";
    case BootStatus::kLocalBoot: return "local-boot";
  }
  return "unknown";
}

}  // namespace pxelab::client
