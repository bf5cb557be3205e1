#include "conformance/report/report_pcapng.h"

#include <algorithm>

namespace pxelab::conformance {

std::string finding_comment(const Finding& f) {
  std::string s = "FAIL " + f.check + " (" + std::string(to_string(f.level)) + "): " + f.message;
  std::string where;
  if (!f.client.is_zero()) where += f.client.to_string();
  if (!f.transaction.empty()) where += (where.empty() ? "" : ", ") + f.transaction;
  if (!f.frames.empty()) {
    where += where.empty() ? "frames " : "; frames ";
    for (std::size_t i = 0; i < f.frames.size(); ++i) where += (i ? "," : "") + std::to_string(f.frames[i] + 1);
  }
  if (!where.empty()) s += " [" + where + "]";
  return s;
}

std::vector<captures::FrameComment> finding_comments(std::span<const CheckResult> results) {
  std::vector<captures::FrameComment> out;
  for (const auto& r : results) {
    for (const auto& f : r.findings) {
      if (f.frames.empty()) continue;
      const std::string text = finding_comment(f);
      const std::size_t first = out.size();
      for (auto frame : f.frames) {
        if (out.size() - first == kCommentFramesPerFinding) break;
        const bool again = std::any_of(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                                       [&](const auto& c) { return c.frame == frame; });
        if (!again) out.push_back({frame, text});  // a frame cited twice: one comment
      }
    }
  }
  return out;
}

Status write_annotated_pcapng(const sim::Trace& trace, std::span<const CheckResult> results, const std::string& path,
                              const captures::PcapWriteOptions& options) {
  return captures::write_pcapng(trace, path, finding_comments(results), options);
}

}  // namespace pxelab::conformance
