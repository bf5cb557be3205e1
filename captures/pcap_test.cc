#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "captures/pcap_reader.h"
#include "captures/pcap_writer.h"
#include "sim/clock.h"
#include "sim/segment.h"

namespace pxelab::captures {
namespace {

using sim::Time;
using wire::Bytes;
using wire::MacAddress;

MacAddress mac(std::uint8_t last) { return MacAddress{{0x02, 0, 0, 0, 0, last}}; }

// Filled in place (insert() growth from 6 octets trips a GCC 12 -Warray-bounds false positive).
Bytes make_frame(MacAddress dst, MacAddress src, std::size_t payload, std::uint8_t tag) {
  Bytes f(14 + payload, tag);
  std::copy(dst.octets.begin(), dst.octets.end(), f.begin());
  std::copy(src.octets.begin(), src.octets.end(), f.begin() + 6);
  f[12] = 0x88, f[13] = 0xb5;
  return f;
}

// Answers every frame whose last byte is 0 with the same frame back, last byte 1.
class EchoPort final : public sim::Port {
 public:
  void receive(const sim::FrameView& frame) override {
    if (frame.bytes.size() < 14 || frame.bytes.back() != 0) return;
    Bytes reply(frame.bytes.begin(), frame.bytes.end());
    std::swap_ranges(reply.begin(), reply.begin() + 6, reply.begin() + 6);
    reply.back() = 1;
    transmit(reply);
  }
};

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("pxelab_captures_test_" + std::to_string(getpid()) + "_" + name)).string();
}

Bytes file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Two echo ports on a lossy, jittery segment; port 0 sends 200 frames.
sim::Trace echo_run(std::uint64_t seed, double loss) {
  sim::VirtualClock clock;
  sim::Segment segment(clock, seed);
  sim::LinkParams params;
  params.latency = 1'234'567;  // odd nanoseconds, to see them survive the round trip
  params.jitter = sim::us(3);
  params.loss = loss;
  EchoPort a;
  EchoPort b;
  segment.attach(a, params, "a");
  segment.attach(b, params, "b");
  sim::Trace trace;
  segment.add_sink(trace);
  for (int i = 0; i < 200; ++i) {
    clock.at(sim::us(10) * i + 3, [&a, i] {
      Bytes f = make_frame(mac(2), mac(1), 60 + static_cast<std::size_t>(i), 0);
      a.transmit(f);
    });
  }
  clock.run();
  return trace;
}

TEST(Pcap, WriteThenReadKeepsTimesBytesAndOrder) {
  sim::Trace trace = echo_run(1, 0.0);
  ASSERT_EQ(trace.frame_count(), 400u);
  std::string path = temp_path("roundtrip.pcap");
  ASSERT_TRUE(write_pcap(trace, path).ok());
  auto read = read_capture(path);
  ASSERT_TRUE(read.ok()) << read.error().to_string();
  const sim::Trace& back = read->trace;
  EXPECT_EQ(read->link_type, DLT_EN10MB);
  ASSERT_EQ(back.frame_count(), trace.frame_count());
  for (std::size_t i = 0; i < trace.frame_count(); ++i) {
    EXPECT_EQ(back.frame(i).time, trace.frame(i).time) << i;
    EXPECT_TRUE(std::ranges::equal(back.frame(i).bytes, trace.frame(i).bytes)) << i;
    EXPECT_EQ(back.ingress(i), sim::kNoPort) << "ports are not in a pcap";
  }
  EXPECT_TRUE(back.outcomes().empty()) << "fates are not in a pcap";
  EXPECT_EQ(back.frame(1).time % 1000, trace.frame(1).time % 1000) << "nanoseconds kept";
  std::remove(path.c_str());
}

TEST(Pcap, DeliveredViewWritesEachDeliveredCopyAtItsDeliveryTime) {
  sim::Trace trace = echo_run(3, 0.2);
  std::size_t delivered = 0;
  for (const auto& o : trace.outcomes()) delivered += o.fate == sim::Fate::kDelivered;
  std::string path = temp_path("delivered.pcap");
  PcapWriteOptions options;
  options.view = PcapView::kDelivered;
  ASSERT_TRUE(write_pcap(trace, path, options).ok());
  auto read = read_capture(path);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->trace.frame_count(), delivered);
  std::size_t k = 0;
  for (const auto& o : trace.outcomes()) {
    if (o.fate != sim::Fate::kDelivered) continue;
    EXPECT_EQ(read->trace.frame(k).time, o.time);
    ++k;
  }
  EXPECT_LT(delivered, trace.frame_count());
  std::remove(path.c_str());
}

TEST(Pcap, SameSeedSamePcapBytesDifferentSeedWithLossDifferentBytes) {
  std::string p1 = temp_path("seed1.pcap");
  std::string p2 = temp_path("seed1b.pcap");
  std::string p3 = temp_path("seed2.pcap");
  ASSERT_TRUE(write_pcap(echo_run(7, 0.1), p1).ok());
  ASSERT_TRUE(write_pcap(echo_run(7, 0.1), p2).ok());
  ASSERT_TRUE(write_pcap(echo_run(8, 0.1), p3).ok());
  Bytes a = file_bytes(p1);
  EXPECT_GT(a.size(), 10'000u);
  EXPECT_EQ(a, file_bytes(p2));
  EXPECT_NE(a, file_bytes(p3));
  for (auto& p : {p1, p2, p3}) std::remove(p.c_str());
}

TEST(Pcap, StreamingWriterWritesTheSameBytesAsTheTrace) {
  std::string streamed = temp_path("streamed.pcap");
  std::string whole = temp_path("whole.pcap");
  sim::VirtualClock clock;
  sim::Segment segment(clock, 5);
  EchoPort a;
  EchoPort b;
  segment.attach(a);
  segment.attach(b);
  sim::Trace trace;
  auto writer = PcapStreamWriter::open(streamed);
  ASSERT_TRUE(writer.ok());
  segment.add_sink(trace);
  segment.add_sink(**writer);
  for (int i = 0; i < 50; ++i) {
    a.transmit(make_frame(mac(2), mac(1), 100, 0));
    clock.run(clock.now() + sim::us(1));
  }
  clock.run();
  EXPECT_EQ((*writer)->frames_written(), 100u);
  ASSERT_TRUE((*writer)->close().ok());
  ASSERT_TRUE(write_pcap(trace, whole).ok());
  EXPECT_EQ(file_bytes(streamed), file_bytes(whole));
  std::remove(streamed.c_str());
  std::remove(whole.c_str());
}

TEST(Pcap, WiresharkOpensWhatWeWrite) {
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/tshark")) << "tshark is missing: ci/setup installs it";
  std::string path = temp_path("tshark.pcap");
  ASSERT_TRUE(write_pcap(echo_run(1, 0.0), path).ok());
  std::string cmd = "/usr/bin/tshark -r " + path + " -T fields -e frame.number 2>/dev/null | wc -l";
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char line[64] = {};
  ASSERT_NE(fgets(line, sizeof line, pipe), nullptr);
  pclose(pipe);
  EXPECT_EQ(std::stoi(line), 400);
  std::remove(path.c_str());
}

void put32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));  // little endian
}
void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}

// A minimal little-endian pcapng: section header, one Ethernet interface with
// nanosecond resolution (if_tsresol = 9), and one enhanced packet block per frame.
Bytes tiny_pcapng(const std::vector<std::pair<std::uint64_t, Bytes>>& frames) {
  Bytes b;
  put32(b, 0x0A0D0D0A);
  put32(b, 28);
  put32(b, 0x1A2B3C4D);
  put16(b, 1);
  put16(b, 0);
  put32(b, 0xffffffff);
  put32(b, 0xffffffff);  // section length: unknown
  put32(b, 28);
  put32(b, 1);  // interface description block
  put32(b, 32);
  put16(b, 1);  // LINKTYPE_ETHERNET
  put16(b, 0);
  put32(b, 262144);
  put16(b, 9);  // if_tsresol
  put16(b, 1);
  b.insert(b.end(), {9, 0, 0, 0});
  put16(b, 0);  // opt_endofopt
  put16(b, 0);
  put32(b, 32);
  for (const auto& [ts, data] : frames) {
    std::uint32_t padded = static_cast<std::uint32_t>((data.size() + 3) & ~std::size_t{3});
    std::uint32_t total = 32 + padded;
    put32(b, 6);  // enhanced packet block
    put32(b, total);
    put32(b, 0);
    put32(b, static_cast<std::uint32_t>(ts >> 32));
    put32(b, static_cast<std::uint32_t>(ts));
    put32(b, static_cast<std::uint32_t>(data.size()));
    put32(b, static_cast<std::uint32_t>(data.size()));
    b.insert(b.end(), data.begin(), data.end());
    b.resize(b.size() + (padded - data.size()), 0);
    put32(b, total);
  }
  return b;
}

TEST(Pcap, ReadsPcapngWrittenByHand) {
  Bytes f1 = make_frame(MacAddress::broadcast(), mac(1), 50, 7);
  Bytes f2 = make_frame(mac(1), mac(2), 61, 8);  // odd length: padding
  std::uint64_t t1 = 1'700'000'000'123'456'789ull;
  Bytes file = tiny_pcapng({{t1, f1}, {t1 + 5, f2}});
  auto read = read_capture(wire::ByteView(file));
  ASSERT_TRUE(read.ok()) << read.error().to_string();
  ASSERT_EQ(read->trace.frame_count(), 2u);
  EXPECT_EQ(read->trace.frame(0).time, static_cast<Time>(t1));
  EXPECT_EQ(read->trace.frame(1).time, static_cast<Time>(t1 + 5));
  EXPECT_TRUE(std::ranges::equal(read->trace.frame(0).bytes, f1));
  EXPECT_TRUE(std::ranges::equal(read->trace.frame(1).bytes, f2));

  std::string path = temp_path("tiny.pcapng");
  write_file(path, file);
  auto from_file = read_capture(path);
  ASSERT_TRUE(from_file.ok());
  EXPECT_EQ(from_file->trace.frame_count(), 2u);
  std::remove(path.c_str());
}

TEST(Pcap, ReadsPcapngConvertedByEditcap) {
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/editcap")) << "editcap is missing: ci/setup installs tshark with it";
  sim::Trace trace = echo_run(1, 0.0);
  std::string pcap = temp_path("to_convert.pcap");
  std::string pcapng = temp_path("converted.pcapng");
  ASSERT_TRUE(write_pcap(trace, pcap).ok());
  std::string cmd = "/usr/bin/editcap -F pcapng " + pcap + " " + pcapng + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto read = read_capture(pcapng);
  ASSERT_TRUE(read.ok()) << read.error().to_string();
  ASSERT_EQ(read->trace.frame_count(), trace.frame_count());
  for (std::size_t i = 0; i < trace.frame_count(); ++i) {
    EXPECT_EQ(read->trace.frame(i).time, trace.frame(i).time);
    EXPECT_TRUE(std::ranges::equal(read->trace.frame(i).bytes, trace.frame(i).bytes));
  }
  std::remove(pcap.c_str());
  std::remove(pcapng.c_str());
}

// Writes raw records with libpcap under an arbitrary link type.
void write_raw(const std::string& path, int link_type, const std::vector<Bytes>& records) {
  pcap_t* dead = pcap_open_dead(link_type, 65535);
  pcap_dumper_t* d = pcap_dump_open(dead, path.c_str());
  ASSERT_NE(d, nullptr);
  for (const Bytes& r : records) {
    pcap_pkthdr h{};
    h.ts.tv_sec = 1000;
    h.caplen = h.len = static_cast<bpf_u_int32>(r.size());
    pcap_dump(reinterpret_cast<u_char*>(d), &h, r.data());
  }
  pcap_dump_close(d);
  pcap_close(dead);
}

TEST(Pcap, LinuxCookedCapturesBecomeEthernet) {
  const Bytes payload = {0x45, 0x00, 0x00, 0x1c, 1, 2, 3, 4};
  Bytes sll = {0x00, 0x01, 0x00, 0x01, 0x00, 0x06, 0x02, 0, 0, 0, 0, 0x07, 0, 0, 0x08, 0x00};  // broadcast, from 02::07
  sll.insert(sll.end(), payload.begin(), payload.end());
  Bytes sll_unicast = sll;
  sll_unicast[1] = 0x00;  // PACKET_HOST
  std::string path = temp_path("sll.pcap");
  write_raw(path, DLT_LINUX_SLL, {sll, sll_unicast, Bytes{1, 2, 3}});
  auto read = read_capture(path);
  ASSERT_TRUE(read.ok()) << read.error().to_string();
  EXPECT_EQ(read->link_type, DLT_LINUX_SLL);
  EXPECT_EQ(read->skipped_frames, 1u);
  ASSERT_EQ(read->trace.frame_count(), 2u);
  Bytes expected = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x07, 0x08, 0x00};
  expected.insert(expected.end(), payload.begin(), payload.end());
  EXPECT_TRUE(std::ranges::equal(read->trace.frame(0).bytes, expected));
  expected[0] = expected[1] = expected[2] = expected[3] = expected[4] = expected[5] = 0;
  EXPECT_TRUE(std::ranges::equal(read->trace.frame(1).bytes, expected));
  EXPECT_EQ(read->trace.frame(0).time, sim::seconds(1000));

  Bytes sll2 = {0x08, 0x06, 0, 0, 0, 0, 0, 3, 0x00, 0x01, 0x02, 0x06, 0x02, 0, 0, 0, 0, 0x09, 0, 0};  // ARP, multicast
  sll2.insert(sll2.end(), payload.begin(), payload.end());
  write_raw(path, DLT_LINUX_SLL2, {sll2});
  auto read2 = read_capture(path);
  ASSERT_TRUE(read2.ok()) << read2.error().to_string();
  ASSERT_EQ(read2->trace.frame_count(), 1u);
  Bytes expected2 = {0x01, 0x00, 0x5e, 0, 0, 0, 0x02, 0, 0, 0, 0, 0x09, 0x08, 0x06};
  expected2.insert(expected2.end(), payload.begin(), payload.end());
  EXPECT_TRUE(std::ranges::equal(read2->trace.frame(0).bytes, expected2));
  std::remove(path.c_str());
}

TEST(Pcap, VlanTaggedFramesLoadAsTheyAre) {
  Bytes tagged = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x81, 0x00, 0x00, 0x0a, 0x08, 0x00, 0x45};
  tagged.resize(64, 0);
  std::string path = temp_path("vlan.pcap");
  write_raw(path, DLT_EN10MB, {tagged});
  auto read = read_capture(path);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->trace.frame_count(), 1u);
  EXPECT_TRUE(std::ranges::equal(read->trace.frame(0).bytes, tagged));
  std::remove(path.c_str());
}

TEST(Pcap, ErrorsAreValues) {
  EXPECT_FALSE(read_capture(temp_path("does-not-exist.pcap")).ok());
  Bytes garbage = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25};
  EXPECT_FALSE(read_capture(wire::ByteView(garbage)).ok());
  EXPECT_FALSE(read_capture(wire::ByteView()).ok());

  std::string path = temp_path("raw_ip.pcap");
  write_raw(path, DLT_RAW, {Bytes{0x45, 0}});
  auto raw = read_capture(path);
  ASSERT_FALSE(raw.ok());
  EXPECT_NE(raw.error().message.find("unsupported link type"), std::string::npos);

  // Cut in the middle of the second record: the first frame is kept, the error told.
  write_raw(path, DLT_EN10MB, {Bytes(60, 1), Bytes(60, 2)});
  Bytes whole = file_bytes(path);
  Bytes cut(whole.begin(), whole.end() - 10);
  auto partial = read_capture(wire::ByteView(cut));
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->trace.frame_count(), 1u);
  EXPECT_FALSE(partial->read_error.empty());
  std::remove(path.c_str());
}

}  // namespace
}  // namespace pxelab::captures
