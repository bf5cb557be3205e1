#include "server/tftp_transfer.h"

#include <gtest/gtest.h>

namespace pxelab::server {
namespace {

using wire::TftpAck;
using wire::TftpData;
using wire::TftpError;
using wire::TftpOack;
using wire::TftpRequest;

struct Recorder final : TftpPacketSink {
  void send_packet(wire::ByteView packet) override {
    auto p = wire::parse_tftp(packet);
    ASSERT_TRUE(p) << p.error().to_string();
    raw.emplace_back(packet.begin(), packet.end());
    if (auto* d = std::get_if<TftpData>(&*p)) {
      data_blocks.push_back(d->block);
      data_sizes.push_back(d->data.size());
      received.insert(received.end(), d->data.begin(), d->data.end());
    } else if (auto* o = std::get_if<TftpOack>(&*p)) {
      oacks.push_back(*o);
    }
  }
  std::vector<wire::Bytes> raw;
  std::vector<std::uint16_t> data_blocks;
  std::vector<std::size_t> data_sizes;
  std::vector<TftpOack> oacks;
  wire::Bytes received;
  void clear() {
    raw.clear();
    data_blocks.clear();
    data_sizes.clear();
    oacks.clear();
  }
};

std::shared_ptr<const wire::Bytes> file_of(std::size_t n) {
  auto b = std::make_shared<wire::Bytes>(n);
  for (std::size_t i = 0; i < n; ++i) (*b)[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
  return b;
}

TftpRequest rrq(std::vector<std::pair<std::string, std::string>> options = {}) {
  TftpRequest r{wire::TftpOpcode::kRrq, "pxelinux.0", "octet", {}};
  for (auto& [n, v] : options) r.options.entries.push_back({n, v});
  return r;
}

// Plays a lock-step client: ACKs every DATA until the transfer finishes.
void drive_lock_step(TftpReadTransfer& t, Recorder& sink, sim::Time& now) {
  for (int guard = 0; guard < 1'000'000 && !t.finished(); ++guard) {
    ASSERT_FALSE(sink.data_blocks.empty());
    std::uint16_t last = sink.data_blocks.back();
    now += sim::ms(1);
    t.on_packet(TftpAck{last}, now, sink);
  }
}

TEST(TftpTransfer, NoOptionsMeansDataOneAtOnceIn512ByteBlocks) {
  auto file = file_of(1300);
  TftpReadTransfer t(rrq(), file, {});
  Recorder sink;
  sim::Time now = 0;
  t.start(now, sink);
  ASSERT_EQ(sink.data_blocks, std::vector<std::uint16_t>{1});  // TFTP-OACK-ONLY-ASKED: no OACK
  EXPECT_TRUE(sink.oacks.empty());
  drive_lock_step(t, sink, now);
  EXPECT_EQ(t.state(), TftpTransferState::kComplete);
  EXPECT_EQ(sink.data_blocks, (std::vector<std::uint16_t>{1, 2, 3}));
  EXPECT_EQ(sink.data_sizes, (std::vector<std::size_t>{512, 512, 276}));  // TFTP-LAST-BLOCK
  EXPECT_EQ(sink.received, *file);
}

TEST(TftpTransfer, ExactMultipleEndsWithAnEmptyBlock) {
  TftpReadTransfer t(rrq(), file_of(1024), {});
  Recorder sink;
  sim::Time now = 0;
  t.start(now, sink);
  drive_lock_step(t, sink, now);
  EXPECT_EQ(sink.data_sizes, (std::vector<std::size_t>{512, 512, 0}));
  EXPECT_EQ(t.state(), TftpTransferState::kComplete);
}

TEST(TftpTransfer, OackHoldsOnlyAcceptedRequestedOptionsInTheClientsOrder) {
  auto file = file_of(5000);
  TftpLimits limits;
  limits.max_blksize = 1468;
  TftpReadTransfer t(rrq({{"tsize", "0"}, {"BLKSIZE", "65464"}, {"multicast", ""}, {"timeout", "3"}, {"windowsize", "bogus"}}), file, limits);
  Recorder sink;
  t.start(0, sink);
  ASSERT_EQ(sink.oacks.size(), 1u);
  const auto& o = sink.oacks[0].options;
  ASSERT_EQ(o.entries.size(), 3u);
  EXPECT_EQ(o.entries[0].name, "tsize");
  EXPECT_EQ(o.tsize(), 5000u);      // TFTP-TSIZE
  EXPECT_EQ(o.blksize(), 1468);     // TFTP-BLKSIZE: capped, never above the request
  EXPECT_EQ(o.timeout(), 3);        // echoed unchanged (FW-25)
  EXPECT_FALSE(o.find("windowsize"));
  EXPECT_FALSE(o.find("multicast"));
  EXPECT_TRUE(sink.data_blocks.empty()) << "DATA waits for ACK 0";
  EXPECT_EQ(t.deadline(), sim::seconds(3)) << "the client's timeout is the retransmit interval";
  t.on_packet(TftpAck{1}, 1, sink);
  EXPECT_TRUE(sink.data_blocks.empty()) << "only ACK 0 acknowledges an OACK";
  t.on_packet(TftpAck{0}, 2, sink);
  EXPECT_EQ(sink.data_blocks, std::vector<std::uint16_t>{1});
  EXPECT_EQ(sink.data_sizes[0], 1468u);
}

TEST(TftpTransfer, SmallerBlksizeRequestIsHonoured) {
  TftpReadTransfer t(rrq({{"blksize", "1408"}}), file_of(3000), {});  // pxelinux (FW-29)
  EXPECT_EQ(t.blksize(), 1408);
}

TEST(TftpTransfer, TsizeProbeEndsWithTheClientsError) {
  TftpReadTransfer t(rrq({{"tsize", "0"}, {"blksize", "1468"}}), file_of(100), {});
  Recorder sink;
  t.start(0, sink);
  t.on_packet(TftpError{8, "User aborted the transfer"}, 1, sink);  // EDK2 RRQ1 (FW-23)
  EXPECT_EQ(t.state(), TftpTransferState::kClientError);
  EXPECT_EQ(t.client_error().code, 8);
  EXPECT_EQ(sink.raw.size(), 1u) << "nothing answers an ERROR (TFTP-ERROR-FINAL)";
}

TEST(TftpTransfer, DuplicateAckResendsNothing) {
  TftpReadTransfer t(rrq(), file_of(2000), {});
  Recorder sink;
  t.start(0, sink);
  t.on_packet(TftpAck{1}, 1, sink);
  EXPECT_EQ(sink.data_blocks, (std::vector<std::uint16_t>{1, 2}));
  t.on_packet(TftpAck{1}, 2, sink);  // the sorcerer's apprentice trigger
  t.on_packet(TftpAck{1}, 3, sink);
  EXPECT_EQ(sink.data_blocks, (std::vector<std::uint16_t>{1, 2})) << "TFTP-NO-SORCERER";
  t.on_packet(TftpAck{9}, 4, sink);  // from the future: ignored
  EXPECT_EQ(sink.data_blocks.size(), 2u);
}

TEST(TftpTransfer, TimeoutResendsThenGivesUp) {
  TftpLimits limits;
  limits.retries = 2;
  TftpReadTransfer t(rrq(), file_of(2000), limits);
  Recorder sink;
  t.start(0, sink);
  EXPECT_EQ(t.deadline(), sim::seconds(1));
  t.on_timeout(sim::ms(500), sink);  // early: nothing
  EXPECT_EQ(sink.data_blocks.size(), 1u);
  t.on_timeout(sim::seconds(1), sink);
  t.on_timeout(sim::seconds(2), sink);
  EXPECT_EQ(sink.data_blocks, (std::vector<std::uint16_t>{1, 1, 1}));
  EXPECT_EQ(t.retransmitted_blocks(), 2u);
  t.on_timeout(sim::seconds(3), sink);
  EXPECT_EQ(t.state(), TftpTransferState::kTimedOut);
  EXPECT_EQ(t.deadline(), sim::kNever);
}

TEST(TftpTransfer, IdleLimitEndsATransferBeforeLongRetriesDo) {
  TftpLimits limits;
  limits.retries = 100;
  limits.idle_limit = sim::seconds(30);
  TftpReadTransfer t(rrq({{"timeout", "255"}}), file_of(2000), limits);  // 255 s per retry
  Recorder sink;
  t.start(0, sink);
  t.on_packet(TftpAck{0}, sim::seconds(1), sink);
  EXPECT_EQ(t.deadline(), sim::seconds(256));
  t.on_timeout(sim::seconds(256), sink);
  EXPECT_EQ(t.state(), TftpTransferState::kTimedOut) << "255 s without progress > 30 s idle limit";
}

TEST(TftpTransfer, WindowsizeSendsWindowsAndRestartsAfterTheLastAckedBlock) {
  auto file = file_of(512 * 10 + 3);
  TftpReadTransfer t(rrq({{"blksize", "512"}, {"windowsize", "4"}}), file, {});
  Recorder sink;
  t.start(0, sink);
  ASSERT_EQ(sink.oacks.size(), 1u);
  EXPECT_EQ(sink.oacks[0].options.windowsize(), 4);
  t.on_packet(TftpAck{0}, 1, sink);
  EXPECT_EQ(sink.data_blocks, (std::vector<std::uint16_t>{1, 2, 3, 4}));
  sink.clear();
  t.on_packet(TftpAck{4}, 2, sink);
  EXPECT_EQ(sink.data_blocks, (std::vector<std::uint16_t>{5, 6, 7, 8}));
  sink.clear();
  t.on_packet(TftpAck{6}, 3, sink);  // 7 was lost: RFC 7440 §4, resume after 6
  EXPECT_EQ(sink.data_blocks, (std::vector<std::uint16_t>{7, 8, 9, 10}));
  sink.clear();
  t.on_packet(TftpAck{10}, 4, sink);
  EXPECT_EQ(sink.data_blocks, (std::vector<std::uint16_t>{11}));
  EXPECT_EQ(sink.data_sizes.back(), 3u);
  t.on_packet(TftpAck{11}, 5, sink);
  EXPECT_EQ(t.state(), TftpTransferState::kComplete);
}

TEST(TftpTransfer, WindowsizeIsCapped) {
  TftpLimits limits;
  limits.max_windowsize = 16;
  TftpReadTransfer t(rrq({{"windowsize", "64"}}), file_of(10), limits);
  EXPECT_EQ(t.windowsize(), 16);
}

class Rollover : public ::testing::TestWithParam<wire::BlockRollover> {};

TEST_P(Rollover, LargeFilesWrapBlockNumbersAndArriveWhole) {
  // 8-octet blocks: 70,000 blocks cross 65535 without a big file.
  auto file = file_of(8 * 70'000 + 5);
  TftpLimits limits;
  limits.rollover = GetParam();
  TftpReadTransfer t(rrq({{"blksize", "8"}, {"windowsize", "16"}}), file, limits);
  Recorder sink;
  sim::Time now = 0;
  t.start(now, sink);
  t.on_packet(TftpAck{0}, ++now, sink);
  while (!t.finished()) t.on_packet(TftpAck{sink.data_blocks.back()}, ++now, sink);
  EXPECT_EQ(t.state(), TftpTransferState::kComplete);
  EXPECT_EQ(sink.received, *file);
  ASSERT_GT(sink.data_blocks.size(), 65536u);
  std::uint16_t after_max = sink.data_blocks[65535];  // the block after 65535
  EXPECT_EQ(sink.data_blocks[65534], 65535);
  EXPECT_EQ(after_max, GetParam() == wire::BlockRollover::kToZero ? 0 : 1);  // TFTP-ROLLOVER
}
INSTANTIATE_TEST_SUITE_P(TftpTransfer, Rollover, ::testing::Values(wire::BlockRollover::kToZero, wire::BlockRollover::kToOne));

TEST(TftpTransfer, NetasciiConvertsLineEnds) {
  std::string text = "a\nb\rc";
  auto file = std::make_shared<const wire::Bytes>(text.begin(), text.end());
  TftpRequest r = rrq();
  r.mode = "NetASCII";
  TftpReadTransfer t(r, file, {});
  Recorder sink;
  t.start(0, sink);
  EXPECT_EQ(sink.received, (wire::Bytes{'a', '\r', '\n', 'b', '\r', '\0', 'c'}));
}

}  // namespace
}  // namespace pxelab::server

namespace pxelab::server {
namespace {

TftpRequest wrq(std::vector<std::pair<std::string, std::string>> options = {}) {
  TftpRequest r = rrq(std::move(options));
  r.opcode = wire::TftpOpcode::kWrq;
  return r;
}

std::vector<std::uint16_t> acks_in(const Recorder& sink) {
  std::vector<std::uint16_t> out;
  for (const auto& raw : sink.raw) {
    auto p = wire::parse_tftp(raw);
    if (auto* a = std::get_if<TftpAck>(&*p)) out.push_back(a->block);
  }
  return out;
}

TEST(TftpWrite, LockStepUploadAcknowledgesTheLastBlockOnlyWhenTold) {
  TftpWriteTransfer t(wrq(), {}, 1 << 20);
  Recorder sink;
  t.start(0, sink);
  EXPECT_EQ(acks_in(sink), std::vector<std::uint16_t>{0});
  wire::Bytes block(512, 7), tail(100, 9);
  t.on_packet(TftpData{1, block}, 1, sink);
  t.on_packet(TftpData{1, block}, 2, sink);  // our ACK 1 was lost: ACK again, store once
  t.on_packet(TftpData{2, tail}, 3, sink);
  EXPECT_EQ(t.state(), TftpTransferState::kComplete);
  EXPECT_EQ(acks_in(sink), (std::vector<std::uint16_t>{0, 1, 1})) << "no ACK 2 before the agent stored the file";
  EXPECT_EQ(t.content().size(), 612u);
  t.acknowledge_last(sink);
  EXPECT_EQ(acks_in(sink).back(), 2);
}

TEST(TftpWrite, OptionsAreNegotiatedAndWindowsizeLoweredToOne) {
  TftpLimits limits;
  limits.max_blksize = 1024;
  TftpWriteTransfer t(wrq({{"blksize", "1468"}, {"tsize", "5000"}, {"windowsize", "8"}}), limits, 1 << 20);
  Recorder sink;
  t.start(0, sink);
  ASSERT_EQ(sink.oacks.size(), 1u);
  EXPECT_EQ(sink.oacks[0].options.blksize(), 1024);
  EXPECT_EQ(sink.oacks[0].options.tsize(), 5000u);
  EXPECT_EQ(sink.oacks[0].options.windowsize(), 1);
  EXPECT_EQ(t.blksize(), 1024);
}

TEST(TftpWrite, TooLargeUploadsEndWithError3) {
  Recorder sink;
  TftpWriteTransfer announced(wrq({{"tsize", "2000"}}), {}, 1000);
  announced.start(0, sink);
  EXPECT_EQ(announced.state(), TftpTransferState::kServerError);
  auto p = wire::parse_tftp(sink.raw.back());
  EXPECT_EQ(std::get<TftpError>(*p).code, 3);

  Recorder sink2;
  TftpWriteTransfer silent(wrq(), {}, 600);
  silent.start(0, sink2);
  wire::Bytes block(512, 1);
  silent.on_packet(TftpData{1, block}, 1, sink2);
  silent.on_packet(TftpData{2, block}, 2, sink2);
  EXPECT_EQ(silent.state(), TftpTransferState::kServerError);
  EXPECT_EQ(std::get<TftpError>(*wire::parse_tftp(sink2.raw.back())).code, 3);
}

TEST(TftpWrite, TimeoutResendsTheLastAckThenGivesUp) {
  TftpLimits limits;
  limits.retries = 1;
  TftpWriteTransfer t(wrq(), limits, 1 << 20);
  Recorder sink;
  t.start(0, sink);
  t.on_timeout(sim::seconds(1), sink);
  EXPECT_EQ(acks_in(sink), (std::vector<std::uint16_t>{0, 0}));
  t.on_timeout(sim::seconds(2), sink);
  EXPECT_EQ(t.state(), TftpTransferState::kTimedOut);
}

}  // namespace
}  // namespace pxelab::server
