// junit.xml: one testcase per check (each check examines one role: the classname says
// which), so CI systems list them. A failure carries the findings (frames 1-based);
// not applicable is <skipped/> with the reason.
#pragma once

#include <span>
#include <string>

#include "conformance/checks/check.h"
#include "conformance/report/summary.h"

namespace pxelab::conformance {

std::string report_junit(std::span<const CheckResult> results, const RunMeta& meta);

// XML text escaping (&, <, >, ", ' and control characters).
std::string xml_escape(std::string_view s);

}  // namespace pxelab::conformance
