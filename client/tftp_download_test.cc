// The parts of TftpDownload that `pxelab tftp-get` uses beyond the simulator's ROMs:
// the server port, the data callback, hashing off, a 65535 -> 1 rollover asked for,
// and the counters of stale and early blocks. (The ROM behaviour is covered through
// PxeClient in firmware_behaviour_test.cc.)
#include "client/tftp_download.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pxelab::client {
namespace {

const wire::Ipv4Address kServer = wire::Ipv4Address::from_octets(192, 0, 2, 1);
constexpr std::uint16_t kLocal = 40000;
constexpr std::uint16_t kServerTid = 50000;

struct RecordingContext final : sim::AgentContext {
  struct Sent {
    sim::Endpoint to;
    wire::Bytes payload;
  };
  Status send(const sim::OutgoingDatagram& d) override {
    sent.push_back({d.dst, wire::Bytes(d.payload.begin(), d.payload.end())});
    return Ok{};
  }
  sim::TimerId set_timer(sim::Time, std::uint64_t) override { return {}; }
  bool cancel_timer(sim::TimerId) override { return false; }
  // The ACKed block numbers, in order.
  std::vector<std::uint16_t> acks() const {
    std::vector<std::uint16_t> out;
    for (const auto& s : sent) {
      auto p = wire::parse_tftp(s.payload);
      if (p && std::holds_alternative<wire::TftpAck>(*p)) out.push_back(std::get<wire::TftpAck>(*p).block);
    }
    return out;
  }
  std::vector<Sent> sent;
};

TftpRules rules() {
  TftpRules r;
  r.timeouts = {sim::seconds(1), sim::seconds(1)};
  return r;
}

// DATA `block` with `size` octets of `fill` from the server's TID.
bool deliver(TftpDownload& dl, RecordingContext& ctx, std::uint16_t block, std::size_t size, std::uint8_t fill = 'a') {
  const std::vector<std::uint8_t> data(size, fill);
  const wire::Bytes bytes = wire::encode_tftp(wire::TftpData{block, wire::ByteView(data.data(), data.size())});
  sim::Datagram d;
  d.src = {kServer, kServerTid};
  d.dst = {wire::Ipv4Address::any(), kLocal};
  d.payload = bytes;
  return dl.on_datagram(ctx, 0, d);
}

TftpDownloadSpec spec() {
  TftpDownloadSpec s;
  s.file = "big.img";
  s.server = kServer;
  s.local_port = kLocal;
  return s;
}

TEST(TftpDownload, SendsTheRrqToTheServerPortAskedAndHandsEachBlockOnInOrder) {
  const TftpRules r = rules();
  TftpDownloadSpec s = spec();
  s.server_port = 6969;
  s.hash = false;
  std::string got;
  s.on_data = [&](wire::ByteView data) { got.append(data.begin(), data.end()); };
  TftpDownload dl(r, s);
  RecordingContext ctx;
  dl.start(ctx, 0);
  ASSERT_EQ(ctx.sent.size(), 1u);
  EXPECT_EQ(ctx.sent[0].to, (sim::Endpoint{kServer, 6969}));
  ASSERT_TRUE(deliver(dl, ctx, 1, 512, 'a'));
  ASSERT_TRUE(deliver(dl, ctx, 1, 512, 'a'));  // the server resent block 1: stale
  ASSERT_TRUE(deliver(dl, ctx, 3, 512, 'c'));  // block 2 lost: early, dropped
  ASSERT_TRUE(deliver(dl, ctx, 2, 512, 'b'));
  ASSERT_TRUE(deliver(dl, ctx, 3, 10, 'c'));   // the last block
  EXPECT_EQ(dl.status(), TftpDownloadStatus::kComplete);
  EXPECT_EQ(got, std::string(512, 'a') + std::string(512, 'b') + std::string(10, 'c'));
  EXPECT_EQ(dl.size(), 1034u);
  EXPECT_EQ(dl.stale_blocks(), 1u);
  EXPECT_EQ(dl.early_blocks(), 1u);
  // One ACK of where we are per stall (RFC 7440 §4): the stale copy and the gap right
  // after it share it; block 2 in order ends the stall.
  EXPECT_EQ(dl.resync_acks(), 1u);
  EXPECT_EQ(ctx.acks(), (std::vector<std::uint16_t>{1, 1, 2, 3}));
  EXPECT_EQ(ctx.sent.back().to, (sim::Endpoint{kServer, kServerTid})) << "ACKs go to the server's TID";
  ASSERT_TRUE(dl.server().has_value());
  EXPECT_EQ(*dl.server(), (sim::Endpoint{kServer, kServerTid}));
  // Hashing off: the digest is that of no data at all.
  EXPECT_EQ(dl.sha256(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(TftpDownload, HashesByDefault) {
  const TftpRules r = rules();
  TftpDownload dl(r, spec());
  RecordingContext ctx;
  dl.start(ctx, 0);
  EXPECT_EQ(ctx.sent[0].to, (sim::Endpoint{kServer, wire::kTftpServerPort}));
  ASSERT_TRUE(deliver(dl, ctx, 1, 3, 'a'));
  EXPECT_EQ(dl.status(), TftpDownloadStatus::kComplete);
  EXPECT_EQ(dl.sha256(), "9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0");  // "aaa"
}

TEST(TftpDownload, ARolloverToOneAskedForExpectsOneAfter65535) {
  const TftpRules r = rules();
  TftpDownloadSpec s = spec();
  s.rollover = wire::BlockRollover::kToOne;
  s.hash = false;
  TftpDownload dl(r, s);
  RecordingContext ctx;
  dl.start(ctx, 0);
  for (std::uint32_t b = 1; b <= 65535; ++b) ASSERT_TRUE(deliver(dl, ctx, static_cast<std::uint16_t>(b), 512));
  ASSERT_TRUE(deliver(dl, ctx, 0, 512));  // block 0 is not next under this numbering
  EXPECT_EQ(dl.early_blocks() + dl.stale_blocks(), 1u);
  ASSERT_TRUE(deliver(dl, ctx, 1, 0));
  EXPECT_EQ(dl.status(), TftpDownloadStatus::kComplete);
  EXPECT_EQ(dl.size(), 65535u * 512u);
}

}  // namespace
}  // namespace pxelab::client
