#include "conformance/report/report_junit.h"

#include <cstdio>

namespace pxelab::conformance {

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c < 0x20 && c != '\n' && c != '\t') {
          char b[8];
          std::snprintf(b, sizeof b, "\\x%02x", c);  // not representable in XML 1.0
          out += b;
        } else {
          out += ch;
        }
    }
  }
  return out;
}

std::string report_junit(std::span<const CheckResult> results, const RunMeta& meta) {
  std::size_t failures = 0, skipped = 0;
  for (const auto& r : results) {
    failures += r.verdict == Verdict::kFail;
    skipped += r.verdict == Verdict::kNotApplicable;
  }
  const std::string suite = "pxelab " + (meta.scenario.empty() ? meta.source : meta.scenario);
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<testsuites name=\"pxelab\" tests=\"" + std::to_string(results.size()) + "\" failures=\"" +
       std::to_string(failures) + "\" skipped=\"" + std::to_string(skipped) + "\">\n";
  x += "  <testsuite name=\"" + xml_escape(suite) + "\" tests=\"" + std::to_string(results.size()) + "\" failures=\"" +
       std::to_string(failures) + "\" skipped=\"" + std::to_string(skipped) + "\" errors=\"0\">\n";
  for (const auto& r : results) {
    const Check& c = *r.check;
    x += "    <testcase classname=\"pxelab." + std::string(to_string(c.role)) + "\" name=\"" +
         xml_escape(std::string(c.id) + " [" + std::string(to_string(c.level)) + "] " + std::string(c.title)) + "\"";
    if (r.verdict == Verdict::kPass) {
      x += "/>\n";
      continue;
    }
    x += ">\n";
    if (r.verdict == Verdict::kNotApplicable) {
      x += "      <skipped message=\"not applicable: " + xml_escape(r.reason) + "\"/>\n";
    } else {
      std::string body;
      for (const auto& f : r.findings) {
        std::string frames;
        for (auto n : f.frames) frames += (frames.empty() ? "" : ",") + std::to_string(n + 1);
        body += "frames " + (frames.empty() ? "-" : frames) + ": " + (f.client.is_zero() ? "" : f.client.to_string() + " ") +
                (f.transaction.empty() ? "" : f.transaction + ": ") + f.message + "\n";
      }
      x += "      <failure type=\"" + std::string(to_string(c.level)) + "\" message=\"" +
           xml_escape(std::to_string(r.findings_total) + " finding(s); " + std::string(c.citation)) + "\">" +
           xml_escape(body) + "</failure>\n";
    }
    x += "    </testcase>\n";
  }
  x += "  </testsuite>\n</testsuites>\n";
  return x;
}

}  // namespace pxelab::conformance
