#include "captures/pcapng_writer.h"

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "captures/pcap_reader.h"

namespace pxelab::captures {
namespace {

sim::Trace three_frames() {
  sim::Trace trace;
  for (std::uint8_t i = 0; i < 3; ++i) {
    wire::Bytes f(60 + i, i);  // odd lengths: padding to 32 bits is exercised
    trace.add_frame(1'700'000'000'123'456'789LL + i * 1'000'001, sim::kNoPort, f);
  }
  return trace;
}

// The opt_comment strings of each Enhanced Packet Block, parsed independently of the
// writer (little-endian file, blocks as in the pcapng spec §4.3).
std::vector<std::vector<std::string>> comments_by_packet(const wire::Bytes& b) {
  auto u32 = [&](std::size_t at) {
    return std::uint32_t{b[at]} | std::uint32_t{b[at + 1]} << 8 | std::uint32_t{b[at + 2]} << 16 |
           std::uint32_t{b[at + 3]} << 24;
  };
  std::vector<std::vector<std::string>> out;
  for (std::size_t at = 0; at + 12 <= b.size();) {
    const std::uint32_t type = u32(at), len = u32(at + 4);
    EXPECT_EQ(u32(at + len - 4), len) << "trailing length";
    if (type == 6) {
      out.emplace_back();
      const std::uint32_t caplen = u32(at + 20);
      std::size_t o = at + 28 + (caplen + 3) / 4 * 4;
      while (o + 4 <= at + len - 4) {
        const std::uint16_t code = static_cast<std::uint16_t>(b[o] | b[o + 1] << 8);
        const std::uint16_t n = static_cast<std::uint16_t>(b[o + 2] | b[o + 3] << 8);
        if (code == 0) break;
        if (code == 1) out.back().emplace_back(reinterpret_cast<const char*>(&b[o + 4]), n);
        o += 4 + (n + 3u) / 4 * 4;
      }
    }
    at += len;
  }
  return out;
}

TEST(Pcapng, CommentsSitOnTheFramesTheyName) {
  const sim::Trace trace = three_frames();
  const std::vector<FrameComment> comments = {{1, "FAIL DHCP-DEST: x"}, {1, "FAIL TFTP-OACK: yz"}, {2, "SHOULD a"}};
  auto bytes = pcapng_bytes(trace, comments);
  ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
  const auto parsed = comments_by_packet(*bytes);
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_TRUE(parsed[0].empty());
  EXPECT_EQ(parsed[1], (std::vector<std::string>{"FAIL DHCP-DEST: x", "FAIL TFTP-OACK: yz"}));
  EXPECT_EQ(parsed[2], (std::vector<std::string>{"SHOULD a"}));
}

TEST(Pcapng, LibpcapReadsBackTheSameFramesAndNanosecondTimes) {
  const sim::Trace trace = three_frames();
  const std::string path =
      (std::filesystem::temp_directory_path() / ("pxelab_pcapng_test_" + std::to_string(getpid()) + ".pcapng")).string();
  const std::vector<FrameComment> comments = {{0, "FAIL X: first"}};
  ASSERT_TRUE(write_pcapng(trace, path, comments).ok());
  auto back = read_capture(path);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->link_type, DLT_EN10MB);
  ASSERT_EQ(back->trace.frame_count(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back->trace.frame(i).time, trace.frame(i).time) << i;
    EXPECT_TRUE(std::ranges::equal(back->trace.frame(i).bytes, trace.frame(i).bytes)) << i;
  }
  std::remove(path.c_str());
}

TEST(Pcapng, SameTraceSameBytes) {
  const std::vector<FrameComment> comments = {{2, "MUST z"}};
  auto a = pcapng_bytes(three_frames(), comments);
  auto b = pcapng_bytes(three_frames(), comments);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(Pcapng, ACommentBeyondTheTraceOrTheDeliveredViewIsAnError) {
  const std::vector<FrameComment> beyond = {{3, "nowhere"}};
  auto r = pcapng_bytes(three_frames(), beyond);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("frame 4"), std::string::npos) << r.error().message;
  PcapWriteOptions delivered;
  delivered.view = PcapView::kDelivered;
  EXPECT_FALSE(pcapng_bytes(three_frames(), {}, delivered).ok());
  EXPECT_FALSE(write_pcapng(three_frames(), "/nonexistent-dir/x.pcapng", {}).ok());
}

TEST(Pcapng, AnEmptyTraceIsAValidFileWithNoPackets) {
  sim::Trace empty;
  auto b = pcapng_bytes(empty, {});
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(comments_by_packet(*b).empty());
  EXPECT_EQ(b->size(), 44u + 32u) << "SHB with shb_userappl, IDB with if_tsresol";
}

}  // namespace
}  // namespace pxelab::captures
