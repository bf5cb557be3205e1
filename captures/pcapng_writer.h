// Writing simulator traces (or captures read back) as pcapng with packet comments,
// so that findings can sit on the frames they cite: in Wireshark,
// `frame.comment contains "FAIL"` lists them (pcapng spec, draft-ietf-opsawg-pcapng
// §4.3 Enhanced Packet Block, option opt_comment = 1).
//
// The file: one Section Header Block (little endian, shb_userappl "pxelab"), one
// Interface Description Block (LINKTYPE_ETHERNET, if_tsresol 9: nanoseconds), one
// Enhanced Packet Block per trace frame in PcapView::kTransmitted order (packet k is
// trace frame k-1, as in write_pcap), each with its comments. Timestamps are trace time
// + epoch_ns; nothing depends on the wall clock, so the same seed gives the same bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "captures/pcap_writer.h"
#include "sim/trace.h"
#include "wire/result.h"

namespace pxelab::captures {

// A comment on one frame (0-based trace index). Several comments on one frame are
// written as several opt_comment options, in the order given.
struct FrameComment {
  std::uint64_t frame = 0;
  std::string text;  // UTF-8; cut at 65,000 octets (an option's length is 16 bits)
};

// Writes `trace` as pcapng to `path` (replaced). Comments naming a frame beyond the
// trace are an error (nothing is written). options.view must be kTransmitted (the view
// the frame numbers of findings refer to); kDelivered is an error.
Status write_pcapng(const sim::Trace& trace, const std::string& path, std::span<const FrameComment> comments,
                    const PcapWriteOptions& options = {});

// The same file in memory.
Result<wire::Bytes> pcapng_bytes(const sim::Trace& trace, std::span<const FrameComment> comments,
                                 const PcapWriteOptions& options = {});

}  // namespace pxelab::captures
