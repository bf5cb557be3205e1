#include "bench/bench_segment.h"

#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "captures/pcap_writer.h"
#include "sim/clock.h"
#include "sim/host.h"
#include "sim/segment.h"
#include "sim/trace.h"
#include "wire/frame.h"

namespace pxelab::conformance {

namespace {



// 198.18.0.0/15 is set aside for benchmarking (DESIGN.md).
const wire::Ipv4Address kPingerIp = wire::Ipv4Address::from_octets(198, 18, 0, 1);
const wire::Ipv4Address kEchoIp = wire::Ipv4Address::from_octets(198, 18, 0, 2);
const wire::MacAddress kPingerMac{{0x02, 0, 0, 0, 0, 1}};
const wire::MacAddress kEchoMac{{0x02, 0, 0, 0, 0, 2}};

class Pinger final : public sim::Agent {
 public:
  Pinger(std::uint64_t datagrams, std::size_t payload, int window)
      : total_(datagrams), payload_(payload), window_(window) {
    for (std::size_t i = 0; i < payload_.size(); ++i) payload_[i] = static_cast<std::uint8_t>(i * 7);
  }
  void start(sim::AgentContext& ctx, sim::Time) override {
    for (int i = 0; i < window_ && sent_ < total_; ++i) send(ctx);
  }
  void on_datagram(sim::AgentContext& ctx, sim::Time, const sim::Datagram&) override {
    if (sent_ < total_) send(ctx);
  }
  void on_timer(sim::AgentContext&, sim::Time, std::uint64_t) override {}

 private:
  void send(sim::AgentContext& ctx) {
    ++sent_;
    // A send fails only over the MTU; the loads' payloads (bench_segment.h, 300 octets by
    // default) are far under it, and a failed send would show as fewer frames measured.
    static_cast<void>(ctx.send(sim::OutgoingDatagram{5000, {kEchoIp, 7}, payload_}));
  }
  std::uint64_t total_;
  std::uint64_t sent_ = 0;
  std::vector<std::uint8_t> payload_;
  int window_;
};

class Echo final : public sim::Agent {
 public:
  void start(sim::AgentContext&, sim::Time) override {}
  void on_datagram(sim::AgentContext& ctx, sim::Time, const sim::Datagram& d) override {
    // The echo is the datagram that arrived: it fit the MTU then and fits it now.
    static_cast<void>(ctx.send(sim::OutgoingDatagram{d.dst.port, d.src, d.payload}));
  }
  void on_timer(sim::AgentContext&, sim::Time, std::uint64_t) override {}
};

std::string temp_pcap_path() {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/pxelab-bench-XXXXXX";
  int fd = mkstemp(path.data());
  if (fd >= 0) close(fd);
  return path;
}

// The frame the benchmark moves, as the pinger's host builds it.
wire::Bytes sample_frame(std::size_t payload) {
  std::vector<std::uint8_t> p(payload, 0x5a);
  return wire::build_udp_frame({kPingerMac, kPingerIp, 5000}, {kEchoMac, kEchoIp, 7}, p);
}

}  // namespace

Measurement segment_throughput(const SegmentLoad& load, TraceMode mode) {
  sim::VirtualClock clock;
  sim::Segment segment(clock, 1);
  sim::Host pinger_host(clock, {kPingerMac, kPingerIp});
  sim::Host echo_host(clock, {kEchoMac, kEchoIp});
  segment.attach(pinger_host, {}, "pinger");
  segment.attach(echo_host, {}, "echo");
  Pinger pinger(load.frames / 2, load.payload, load.window);
  Echo echo;
  if (!pinger_host.bind(5000, pinger).ok() || !echo_host.bind(7, echo).ok()) std::abort();

  sim::Trace trace;
  std::unique_ptr<captures::PcapStreamWriter> writer;
  std::string path;
  if (mode == TraceMode::kOn) segment.add_sink(trace);
  if (mode == TraceMode::kPcap) {
    path = temp_pcap_path();
    auto opened = captures::PcapStreamWriter::open(path);
    if (!opened) std::abort();
    writer = std::move(*opened);
    segment.add_sink(*writer);
  }
  pinger_host.start(pinger);

  CpuStopwatch watch;
  clock.run();
  if (writer && !writer->close().ok()) std::abort();
  double elapsed = watch.seconds();
  double wall = watch.wall_seconds();

  double frames = static_cast<double>(segment.frames_transmitted());
  double bytes = static_cast<double>(segment.frames_transmitted() * sample_frame(load.payload).size());
  if (writer) {
    bytes = static_cast<double>(writer->bytes_written());
    std::remove(path.c_str());
  }
  return Measurement{frames / elapsed, bytes / elapsed / 1e6, frames / wall, {}};
}

Measurement memcpy_frames(const SegmentLoad& load) {
  wire::Bytes frame = sample_frame(load.payload);
  constexpr std::size_t kRing = 4096;
  const std::size_t slot = (frame.size() + 63) / 64 * 64;
  std::vector<std::uint8_t> ring(kRing * slot);
  CpuStopwatch watch;
  for (std::uint64_t i = 0; i < load.frames; ++i) {
    frame[20] = static_cast<std::uint8_t>(i);  // a frame that changes, as in the simulation
    std::memcpy(ring.data() + (i % kRing) * slot, frame.data(), frame.size());
  }
  double elapsed = watch.seconds();
  double wall = watch.wall_seconds();
  volatile std::uint8_t sink = ring[(load.frames / 2 % kRing) * slot + 20];
  (void)sink;  // read so the copies into ring cannot be optimised away
  double frames = static_cast<double>(load.frames);
  return Measurement{frames / elapsed, frames * static_cast<double>(frame.size()) / elapsed / 1e6, frames / wall, {}};
}

Measurement pcap_dump_frames(const SegmentLoad& load) {
  wire::Bytes frame = sample_frame(load.payload);
  std::string path = temp_pcap_path();
  pcap_t* dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 262144, PCAP_TSTAMP_PRECISION_NANO);
  CpuStopwatch watch;
  // The same 1 MiB stdio buffer as PcapStreamWriter: the anchor is the writing alone.
  std::FILE* file = std::fopen(path.c_str(), "wb");
  std::vector<char> buffer(std::size_t{1} << 20);
  if (file == nullptr || std::setvbuf(file, buffer.data(), _IOFBF, buffer.size()) != 0) std::abort();
  pcap_dumper_t* dumper = pcap_dump_fopen(dead, file);
  if (dumper == nullptr) std::abort();
  pcap_pkthdr header{};
  header.caplen = header.len = static_cast<bpf_u_int32>(frame.size());
  for (std::uint64_t i = 0; i < load.frames; ++i) {
    header.ts.tv_usec = static_cast<suseconds_t>(i % 1'000'000'000);
    pcap_dump(reinterpret_cast<u_char*>(dumper), &header, frame.data());
  }
  pcap_dump_close(dumper);
  double elapsed = watch.seconds();
  double wall = watch.wall_seconds();
  pcap_close(dead);
  std::remove(path.c_str());
  double frames = static_cast<double>(load.frames);
  return Measurement{frames / elapsed, frames * static_cast<double>(frame.size()) / elapsed / 1e6, frames / wall, {}};
}

}  // namespace pxelab::conformance
