// Fuzz target: the capture reader (libpcap's pcap and pcapng parsers behind
// fmemopen, then the cooked-header conversion) on arbitrary file contents. It must
// return an error or a trace, never crash or read out of bounds. What it returns must be
// possible for the file: no frame longer than the file, frames and headers no longer than
// the file (pcap's 24-octet file and 16-octet record headers are the smallest), no
// more truncated frames than frames read (kept or skipped: a cooked frame cut short by
// the snaplen is counted as cut, then skipped as too short to convert), and an error
// offset inside the file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "captures/pcap_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto capture = pxelab::captures::read_capture(pxelab::wire::ByteView(data, size));
  if (capture.ok()) {
    const auto& trace = capture->trace;
    std::size_t total = 0;
    for (std::size_t i = 0; i < trace.frame_count(); ++i) {
      const std::size_t n = trace.frame(i).bytes.size();
      if (n > size) std::abort();
      total += n;
    }
    // A pcap file header (24 octets) and a record header per frame (16) come with them.
    if (total + 16 * trace.frame_count() + 24 > size) std::abort();
    if (capture->truncated_frames > trace.frame_count() + capture->skipped_frames) std::abort();
    if (capture->read_error_offset < -1 || capture->read_error_offset > static_cast<long>(size)) std::abort();
  }
  return 0;
}
