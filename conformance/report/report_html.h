// report.html: one self-contained page (inline CSS, inline script drawing SVG; no
// network, opens from file://) made from report.json, which it embeds as is and stays
// the source of truth. The page and its script are data files
// (report_template.html, report_template.js) embedded at build time.
// Shows: the verdict and what decides it, checks by level, servers, fingerprints; the
// expectations of a scenario; per client (grouped by personality, the first 40 drawn,
// a search box for the rest) a ladder diagram with the TFTP DATA/ACK folded and the
// findings marked on the arrows they cite; a storm timeline and boot-time histogram;
// every finding with its citation and frame numbers.
// A replay's report.json (schema pxelab-replay/1) gets the same page with the replay's
// verdict, the decisive difference first, the answers that differ, and both sides
// (field, replay) drawn as two segments (report_replay.js).
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace pxelab::conformance {

std::string report_html(const nlohmann::json& report);

}  // namespace pxelab::conformance
