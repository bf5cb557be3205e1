// The check catalogue: an explicit table (no self-registration) and the function
// that runs a selection of it over a run. Ids never change meaning once published.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/checks/check.h"
#include "wire/result.h"

namespace pxelab::conformance {

std::span<const Check> catalogue();
const Check* find_check(std::string_view id);

// Ids (exact, case-insensitive) or prefixes ending in '*' ("TFTP-*"), comma-separated
// ("DHCP-DEST,TFTP-*"). Empty: every check. Unknown ids are an error naming them.
Result<std::vector<const Check*>> select_checks(std::string_view spec);

// A run decoded and grouped once, for any number of checks.
class AnalyzedRun {
 public:
  explicit AnalyzedRun(const Run& run);
  AnalyzedRun(const AnalyzedRun&) = delete;
  AnalyzedRun& operator=(const AnalyzedRun&) = delete;

  const Analysis& analysis() const { return analysis_; }
  const DecodedTrace& decoded() const { return decoded_; }
  const Grouping& grouping() const { return grouping_; }

 private:
  DecodedTrace decoded_;
  Grouping grouping_;
  Analysis analysis_;
};

CheckResult run_check(const Analysis& analysis, const Check& check);
std::vector<CheckResult> run_checks(const Analysis& analysis, std::span<const Check* const> checks);

}  // namespace pxelab::conformance
