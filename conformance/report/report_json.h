// report.json, the source of truth of a run (schema: conformance/REPORT.md).
#pragma once

#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "conformance/report/summary.h"

namespace pxelab::conformance {

inline constexpr const char* kReportSchema = "pxelab-report/1";

nlohmann::json report_json(const Run& run, const AnalyzedRun& analyzed, std::span<const CheckResult> results,
                           const std::vector<ClientFacts>& clients, const RunMeta& meta);
// Pretty-printed (2 spaces) with a final newline.
std::string report_json_text(const Run& run, const AnalyzedRun& analyzed, std::span<const CheckResult> results,
                             const std::vector<ClientFacts>& clients, const RunMeta& meta);

}  // namespace pxelab::conformance
