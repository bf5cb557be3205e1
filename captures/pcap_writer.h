// Writing simulator traces as pcap files (libpcap, nanosecond timestamps, DLT_EN10MB),
// which Wireshark, tshark and tcpdump open as is.
//
// What goes into the file (a plain pcap has no place for ports or fates):
// - PcapView::kTransmitted (default): one record per frame, at the time its port
//   transmitted it, with the bytes as transmitted — the view of a monitor port that
//   sees every sender, whatever then happened to the frame. Packet number k (from 1 in
//   Wireshark) is trace frame k-1, so findings citing frame numbers match the file.
// - PcapView::kDelivered: one record per delivered copy, at its delivery time, with
//   the bytes as delivered (corrupted copies as corrupted, each flooded copy once per
//   egress port) — the receivers' view. Dropped frames do not appear.
// Ports, fates and drop reasons stay in the Trace; they are not written.
// Timestamps: trace time (ns since the start of the run) + `epoch_ns`; the default
// epoch 0 makes files independent of the wall clock (same seed => same bytes).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "sim/time.h"
#include "sim/trace.h"
#include "wire/bytes.h"
#include "wire/result.h"

namespace pxelab::captures {

enum class PcapView { kTransmitted, kDelivered };

struct PcapWriteOptions {
  PcapView view = PcapView::kTransmitted;
  std::int64_t epoch_ns = 0;           // added to every timestamp
  std::uint32_t snaplen = 262144;      // frames longer than this are cut (and so marked)
};

// Writes the whole trace to `path` (replaced if it exists).
Status write_pcap(const sim::Trace& trace, const std::string& path, const PcapWriteOptions& options = {});

// A TraceSink that writes each frame as it happens (Segment::add_sink): the pcap of a
// run that is never held in memory. Buffered; close() (or the destructor) flushes.
class PcapStreamWriter final : public sim::TraceSink {
 public:
  static Result<std::unique_ptr<PcapStreamWriter>> open(const std::string& path,
                                                        const PcapWriteOptions& options = {});
  ~PcapStreamWriter() override;

  void on_transmit(const sim::TransmitRecord& record, wire::ByteView bytes) override;
  void on_outcome(const sim::Outcome& outcome, wire::ByteView delivered_bytes) override;

  // Flushes and closes the file; an error if any write failed. Idempotent.
  Status close();

  std::uint64_t frames_written() const { return frames_; }
  std::uint64_t bytes_written() const { return bytes_; }  // frame bytes, headers excluded

 private:
  struct Handles;
  explicit PcapStreamWriter(std::unique_ptr<Handles> handles, const PcapWriteOptions& options);
  void write(sim::Time time, wire::ByteView bytes);

  std::unique_ptr<Handles> handles_;
  PcapWriteOptions options_;
  std::uint64_t frames_ = 0;
  std::uint64_t bytes_ = 0;
};

}  // namespace pxelab::captures
