// Fuzz target: pxelab report merge/matrix over arbitrary documents. The input is parsed
// as JSON (not ours to fuzz: nlohmann's, without exceptions); whatever shape it has, as
// conform.json, as report.json or as both, merge and matrix return a value or an error
// and never throw or crash. A markdown page is always written for a matrix.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "conformance/report/conform_summary.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pxelab::conformance;
  const auto doc = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return 0;
  (void)merge_conform_summaries({doc});       // an error value is a fine answer here
  (void)merge_conform_summaries({doc, doc});  // the same shard twice: refused or merged
  auto m = conform_matrix({ServerRun{&doc, {{"scenario", &doc}}}});
  if (m && conform_matrix_markdown(*m).empty()) std::abort();  // a matrix always has a page
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)merge_junit("fuzz", {{"a", text}});
  return 0;
}
