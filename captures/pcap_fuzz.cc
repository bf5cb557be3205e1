// Fuzz target: the capture reader (libpcap's pcap and pcapng parsers behind
// fmemopen, then the cooked-header conversion) on arbitrary file contents. It must
// return an error or a trace, never crash or read out of bounds.
#include <cstddef>
#include <cstdint>

#include "captures/pcap_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto capture = pxelab::captures::read_capture(pxelab::wire::ByteView(data, size));
  if (capture.ok()) {
    const auto& trace = capture->trace;
    std::size_t total = 0;
    for (std::size_t i = 0; i < trace.frame_count(); ++i) total += trace.frame(i).bytes.size();
    (void)total;
  }
  return 0;
}
