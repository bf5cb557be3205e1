// Findings as pcapng packet comments: every finding becomes a comment on each frame it
// cites, "FAIL <CHECK> (<LEVEL>): <message> [client, transaction; frames a,b]", so in
// Wireshark `frame.comment contains "FAIL"` lists them and `frame.comment contains
// "DHCP-DEST"` one check's. The run's pcapng (`pxelab run`) and `pxelab check CAPTURE
// --annotate OUT.pcapng` are written from these.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "captures/pcapng_writer.h"
#include "conformance/checks/check.h"

namespace pxelab::conformance {

// A finding's comment text (the same on every frame it cites).
std::string finding_comment(const Finding& f);

// The comments of every listed finding of `results`, on every frame each cites (at most
// kCommentFramesPerFinding frames per finding: a finding citing a whole transfer marks
// its first frames). Findings citing no frame have no comment.
inline constexpr std::size_t kCommentFramesPerFinding = 16;
std::vector<captures::FrameComment> finding_comments(std::span<const CheckResult> results);

// Writes `trace` as pcapng with the findings of `results` as comments.
Status write_annotated_pcapng(const sim::Trace& trace, std::span<const CheckResult> results, const std::string& path,
                              const captures::PcapWriteOptions& options = {});

}  // namespace pxelab::conformance
