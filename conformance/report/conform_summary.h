// pxelab conform's OUT/conform.json across shards and across servers. Pure: the caller
// (cli/report_command.cc) reads and writes the files.
//
// conform.json ("pxelab-conform/1"):
//   {"schema", "profile", "suite", "shard": "K/N", "suite_scenarios": M,
//    "scenarios": [{"scenario", "verdict": "pass"|"fail"|"not applicable", "why"}]}
// A run without --shard is shard "1/1"; `suite_scenarios` counts the suite's scenarios
// before sharding, so a merge can tell a missing shard from an empty one.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "wire/result.h"

namespace pxelab::conformance {

inline constexpr const char* kConformSchema = "pxelab-conform/1";

// "K/N" with 1 <= K <= N <= 1000, else an error naming the text.
struct Shard {
  unsigned index = 1;  // K
  unsigned count = 1;  // N
};
Result<Shard> parse_shard(const std::string& text);
// The shard's share of a suite of `size` scenarios in a fixed order: positions i with
// i % N == K - 1 (round robin, so long and short scenarios spread over the shards).
bool in_shard(const Shard& shard, std::size_t position);

// One summary out of every shard of one run: same profile, suite and N, each K once,
// every K present, no scenario twice. Scenarios are listed by name; the merged shard
// is "1/1". An error says which input (by index, 0-based, as given) is at fault.
Result<nlohmann::json> merge_conform_summaries(const std::vector<nlohmann::json>& shards);

// One junit.xml out of the scenarios' (pxelab's own, report_junit.h): every <testsuite>
// of each, in the order given, under one <testsuites name="...">. `docs` are
// (scenario, file text); one without <testsuites>...</testsuites> is an error naming it.
Result<std::string> merge_junit(const std::string& name, const std::vector<std::pair<std::string, std::string>>& docs);

// One server's suite run, as a matrix column: its conform.json and the report.json of
// each scenario it ran (in the order of conform.json, not-applicable ones absent).
// The pointers are the caller's documents, which outlive the call.
struct ServerRun {
  const nlohmann::json* summary = nullptr;
  std::vector<std::pair<std::string, const nlohmann::json*>> reports;  // scenario -> report.json
};

// The check x server table over the server-role checks: per server, a check fails if
// any scenario failed it (first finding: scenario, frames, message), passes if some
// scenario judged it and none failed it, else is not applicable (the reasons the
// reports give). JSON ("pxelab-matrix/1"):
//   {"schema", "servers": [{"profile", "suite", "scenarios": [...]}],
//    "checks": [{"id", "level", "title", "citation",
//                "cells": {PROFILE: {"verdict", "scenario", "frames", "message", "why"}}}]}
Result<nlohmann::json> conform_matrix(const std::vector<ServerRun>& runs);
// The same as a markdown page: the table, then each failure (scenario, frames, what)
// and each not-applicable reason, numbered as the table cites them.
std::string conform_matrix_markdown(const nlohmann::json& matrix);

}  // namespace pxelab::conformance
