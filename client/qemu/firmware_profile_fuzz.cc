// libFuzzer target for firmware profiles (TOML text): any input parses or fails with
// a located error; an accepted profile has what the launcher relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "client/qemu/firmware_profile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = pxelab::client::qemu::parse_firmware_profile(text, "fuzz.toml");
  if (!p) {
    if (p.error().location.rfind("fuzz.toml:", 0) != 0) std::abort();
    return 0;
  }
  if (p->id.empty() || p->args.empty() || p->marker.empty() || (p->boot_file.empty() != p->nothing_to_boot)) std::abort();
  for (const auto& t : p->tftp) {
    if (t.name.empty() || t.name.front() == '/' || t.name.find("..") != std::string::npos) std::abort();
  }
  return 0;
}
