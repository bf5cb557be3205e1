// Reading captures (pcap and pcapng, through libpcap) into a sim::Trace.
//
// Every frame becomes a trace frame {time, ingress = kNoPort, bytes}; outcomes are
// empty (a capture does not say what became of a frame). Times are the capture's
// timestamps in nanoseconds since 1970 (the simulator's own files start at 0).
// Link types:
// - Ethernet (DLT_EN10MB), with or without 802.1Q tags: kept as is.
// - Linux cooked capture, SLL (DLT_LINUX_SLL, `tcpdump -i any`) and SLL2
//   (DLT_LINUX_SLL2): converted to Ethernet so that the rest of pxelab sees one frame
//   format. The cooked header holds the sender's address and the protocol, not the
//   destination MAC, so the destination becomes ff:ff:ff:ff:ff:ff for packets the
//   kernel saw as broadcast, 01:00:5e:00:00:00 for multicast, and 00:00:00:00:00:00
//   otherwise; the source is the cooked address when it is 6 bytes long (else zero).
// - anything else: an error naming the link type.
#pragma once

#include <cstddef>
#include <string>

#include "sim/trace.h"
#include "wire/bytes.h"
#include "wire/result.h"

namespace pxelab::captures {

struct Capture {
  sim::Trace trace;
  int link_type = 0;                 // as found in the file (DLT_*)
  std::size_t truncated_frames = 0;  // frames cut by the capture's snaplen (kept cut)
  std::size_t skipped_frames = 0;    // cooked frames too short to convert
  // Non-empty if reading stopped early on an error after at least one frame (e.g. a
  // file cut in the middle of a record): the frames before it are in `trace`.
  std::string read_error;
  // Where reading stopped in the file (bytes from its start) when read_error is set;
  // -1 when the position is unknown.
  long read_error_offset = -1;
};

Result<Capture> read_capture(const std::string& path);
// The same from bytes in memory (a file's contents).
Result<Capture> read_capture(wire::ByteView file_bytes);

}  // namespace pxelab::captures
