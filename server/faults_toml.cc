#include "server/faults_toml.h"

#include <string>

namespace pxelab::server {

// [faults]: a boolean per fault of server/faults.h, and offer_delay_ms.
void read_faults(sim::TomlReader& r, const toml::table& t, Faults& f) {
  for (auto&& [k, v] : t) {
    const std::string key(k.str());
    const std::string path = "faults." + key;
    if (key == "offer_delay_ms") {
      if (auto d = r.integer(t, "offer_delay_ms", "faults", 0, 60000)) f.offer_delay_ms = static_cast<std::uint32_t>(*d);
      continue;
    }
    const FaultInfo* info = find_fault(key);
    if (info == nullptr) {
      std::string known = "offer_delay_ms";
      for (const auto& i : fault_table()) known += ", " + std::string(i.key);
      r.fail(k.source(), path, "unknown fault (known: " + known + ")");
      return;
    }
    auto on = r.boolean(t, key, "faults");
    if (!on) return;
    if (*on) f.set(info->fault);
  }
}

}  // namespace pxelab::server
