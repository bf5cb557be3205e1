// What `pxelab replay` writes: report.json (schema "pxelab-replay/1": the diff of every
// request, then each side's full report.json as `field` and `replay`), junit.xml (a
// testcase per request - failing on a forbidden difference - and each side's check
// suite) and the text summary (decisive differences first, then both sides' failing
// checks side by side).
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "conformance/replay/replay_run.h"
#include "conformance/report/summary.h"

namespace pxelab::conformance::replay {

inline constexpr const char* kReplaySchema = "pxelab-replay/1";

struct ReplayMeta {
  std::string capture;  // the field capture
  std::string server;   // "--server example.toml", "--scenario x.toml (server 'boot')"
  std::string timing;   // "compressed" | "exact"
  std::string tool;
  std::string read_error;  // capture damage ("" when whole)
};

nlohmann::json replay_json(const ReplayResult& r, const ReplayMeta& meta);
std::string replay_json_text(const ReplayResult& r, const ReplayMeta& meta);
std::string replay_json_text(const nlohmann::json& report);  // report.json's text of replay_json's document
std::string replay_junit(const ReplayResult& r, const ReplayMeta& meta);
std::string replay_text(const ReplayResult& r, const ReplayMeta& meta, bool verbose);

// The check ids failing on one side and not the other: (field only, replay only).
std::pair<std::vector<std::string>, std::vector<std::string>> failing_difference(const ReplayResult& r);

}  // namespace pxelab::conformance::replay
