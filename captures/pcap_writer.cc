#include "captures/pcap_writer.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace pxelab::captures {

namespace {
constexpr std::size_t kFileBuffer = std::size_t{1} << 20;  // fewer write(2) calls
}

struct PcapStreamWriter::Handles {
  pcap_t* dead = nullptr;
  pcap_dumper_t* dumper = nullptr;
  FILE* file = nullptr;
  std::vector<char> buffer;

  ~Handles() {
    if (dumper != nullptr) pcap_dump_close(dumper);  // also fcloses `file`
    else if (file != nullptr) std::fclose(file);
    if (dead != nullptr) pcap_close(dead);
  }
};

Result<std::unique_ptr<PcapStreamWriter>> PcapStreamWriter::open(const std::string& path,
                                                                 const PcapWriteOptions& options) {
  auto h = std::make_unique<Handles>();
  h->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, static_cast<int>(options.snaplen),
                                                 PCAP_TSTAMP_PRECISION_NANO);
  if (h->dead == nullptr) return make_error("pcap", 0, "pcap_open_dead failed");
  h->file = std::fopen(path.c_str(), "wb");
  if (h->file == nullptr) return make_error("pcap", 0, path + ": " + std::strerror(errno));
  h->buffer.resize(kFileBuffer);
  std::setvbuf(h->file, h->buffer.data(), _IOFBF, h->buffer.size());
  h->dumper = pcap_dump_fopen(h->dead, h->file);
  if (h->dumper == nullptr) return make_error("pcap", 0, path + ": " + pcap_geterr(h->dead));
  return std::unique_ptr<PcapStreamWriter>(new PcapStreamWriter(std::move(h), options));
}

PcapStreamWriter::PcapStreamWriter(std::unique_ptr<Handles> handles, const PcapWriteOptions& options)
    : handles_(std::move(handles)), options_(options) {}

// A destructor has nowhere to return an error: owners that care close() first and see
// it (pxelab serve, bench_segment); this one is the last try. close() is idempotent.
PcapStreamWriter::~PcapStreamWriter() { static_cast<void>(close()); }

void PcapStreamWriter::write(sim::Time time, wire::ByteView bytes) {
  if (handles_ == nullptr) return;
  std::int64_t t = time + options_.epoch_ns;
  pcap_pkthdr header{};
  header.ts.tv_sec = static_cast<time_t>(t / 1'000'000'000);
  header.ts.tv_usec = static_cast<suseconds_t>(t % 1'000'000'000);  // nanoseconds: see open()
  header.len = static_cast<bpf_u_int32>(bytes.size());
  header.caplen = static_cast<bpf_u_int32>(std::min<std::size_t>(bytes.size(), options_.snaplen));
  pcap_dump(reinterpret_cast<u_char*>(handles_->dumper), &header, bytes.data());
  ++frames_;
  bytes_ += bytes.size();
}

void PcapStreamWriter::on_transmit(const sim::TransmitRecord& record, wire::ByteView bytes) {
  if (options_.view == PcapView::kTransmitted) write(record.time, bytes);
}

void PcapStreamWriter::on_outcome(const sim::Outcome& outcome, wire::ByteView delivered_bytes) {
  if (options_.view == PcapView::kDelivered && outcome.fate == sim::Fate::kDelivered) {
    write(outcome.time, delivered_bytes);
  }
}

Status PcapStreamWriter::close() {
  if (handles_ == nullptr) return Ok{};
  bool failed = pcap_dump_flush(handles_->dumper) != 0 || std::ferror(handles_->file) != 0;
  handles_.reset();
  if (failed) return make_error("pcap", 0, "writing the capture failed");
  return Ok{};
}

Status write_pcap(const sim::Trace& trace, const std::string& path, const PcapWriteOptions& options) {
  auto writer = PcapStreamWriter::open(path, options);
  if (!writer) return writer.error();
  PcapStreamWriter& w = **writer;
  if (options.view == PcapView::kTransmitted) {
    for (std::size_t i = 0; i < trace.frame_count(); ++i) {
      sim::FrameView f = trace.frame(i);
      w.on_transmit(sim::TransmitRecord{f.time, i, trace.ingress(i)}, f.bytes);
    }
  } else {
    const auto& outcomes = trace.outcomes();
    for (std::size_t i = 0; i < outcomes.size(); ++i) w.on_outcome(outcomes[i], trace.outcome_bytes(i));
  }
  return w.close();
}

}  // namespace pxelab::captures
