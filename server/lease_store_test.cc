#include "server/lease_store.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

namespace pxelab::server {
namespace {

using wire::Ipv4Address;
using wire::MacAddress;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pxelab-lease-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const char* name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

Lease make_lease(std::uint32_t n, LeaseState state = LeaseState::Bound) {
  Lease l;
  l.ip = Ipv4Address::from_octets(192, 0, 2, static_cast<std::uint8_t>(n));
  l.mac = MacAddress{{0x52, 0x54, 0x00, 0x00, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)}};
  l.state = state;
  l.expires = 1000 + n;
  l.hostname = "host-" + std::to_string(n);
  return l;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(LeaseJournalLine, RoundTripsOddHostnamesAndClientIds) {
  Lease l = make_lease(7);
  l.hostname = "my host%1\n";
  l.client_id = std::string("\x01\x52\x54\x00\x00\x00\x07\x00 ", 9);
  auto line = format_journal_line(l);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto back = parse_journal_line(line);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(*back, l);
}

TEST(LeaseJournalLine, RoundTripsEmptyAndDashHostnames) {
  for (const char* name : {"", "-", "a-b"}) {
    Lease l = make_lease(3);
    l.hostname = name;
    auto back = parse_journal_line(format_journal_line(l));
    ASSERT_TRUE(back) << name;
    EXPECT_EQ(back->hostname, name);
  }
}

TEST(LeaseJournalLine, RejectsCorruptionNamingTheColumn) {
  auto line = format_journal_line(make_lease(9));
  std::string flipped = line;
  flipped[12] = flipped[12] == '1' ? '2' : '1';
  auto r = parse_journal_line(flipped);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "journal.crc");

  auto short_line = parse_journal_line(line.substr(0, line.rfind(' ')));
  ASSERT_FALSE(short_line);
  EXPECT_EQ(short_line.error().field, "journal.line");
  EXPECT_FALSE(parse_journal_line(""));
  EXPECT_FALSE(parse_journal_line("zzzzzzzz 1 2 3 4 5 6"));
}

TEST(LeaseStore, InMemoryIndexesByAddressAndClient) {
  auto store = LeaseStore::open({});
  ASSERT_TRUE(store);
  Lease a = make_lease(10);
  auto seq = store->record(a);
  ASSERT_TRUE(seq);
  EXPECT_EQ(*seq, 0u);
  ASSERT_NE(store->find_by_ip(a.ip), nullptr);
  EXPECT_EQ(*store->find_by_ip(a.ip), a);
  ASSERT_NE(store->find_by_client(a.client_key()), nullptr);
  EXPECT_EQ(store->find_by_client(a.client_key())->ip, a.ip);
  EXPECT_EQ(store->find_by_ip(Ipv4Address::from_octets(192, 0, 2, 99)), nullptr);
}

TEST(LeaseStore, AddressChangingHandsUnlinksTheOldHolder) {
  auto store = LeaseStore::open({});
  ASSERT_TRUE(store);
  Lease a = make_lease(10);
  Lease b = make_lease(11);
  b.ip = a.ip;  // the server reassigned a's address (after it expired) to b
  ASSERT_TRUE(store->record(a));
  ASSERT_TRUE(store->record(b));
  EXPECT_EQ(store->size(), 1u);
  EXPECT_EQ(store->find_by_client(a.client_key()), nullptr);
  EXPECT_EQ(store->find_by_client(b.client_key())->mac, b.mac);
}

TEST(LeaseStore, ClientIdOutranksMac) {
  Lease a = make_lease(1);
  Lease b = a;
  b.client_id = "abc";
  EXPECT_NE(a.client_key(), b.client_key());
  EXPECT_EQ(client_key_for("", a.mac), a.client_key());
}

TEST(LeaseStore, ReopenReplaysTheJournal) {
  TempDir dir;
  LeaseStoreOptions opt{dir.file("leases.journal"), FsyncPolicy::EveryRecord};
  {
    auto store = LeaseStore::open(opt);
    ASSERT_TRUE(store) << store.error().to_string();
    for (std::uint32_t i = 1; i <= 20; ++i) ASSERT_TRUE(store->record(make_lease(i)));
    Lease released = make_lease(5, LeaseState::Released);
    ASSERT_TRUE(store->record(released));
    ASSERT_TRUE(store->forget(make_lease(6).ip));
    EXPECT_EQ(store->durable_seq(), 22u);
  }
  ReplayReport report;
  auto store = LeaseStore::open(opt, &report);
  ASSERT_TRUE(store) << store.error().to_string();
  EXPECT_EQ(report.records, 22u);
  EXPECT_FALSE(report.dropped_torn_tail);
  EXPECT_EQ(store->size(), 19u);
  EXPECT_EQ(store->find_by_ip(make_lease(5).ip)->state, LeaseState::Released);
  EXPECT_EQ(store->find_by_ip(make_lease(6).ip), nullptr);
  EXPECT_EQ(*store->find_by_ip(make_lease(20).ip), make_lease(20));
}

TEST(LeaseStore, GroupCommitIsDurableOnlyAfterFlush) {
  TempDir dir;
  LeaseStoreOptions opt{dir.file("j"), FsyncPolicy::Group};
  auto store = LeaseStore::open(opt);
  ASSERT_TRUE(store);
  auto s1 = store->record(make_lease(1));
  auto s2 = store->record(make_lease(2));
  ASSERT_TRUE(s1 && s2);
  EXPECT_EQ(*s2, 2u);
  EXPECT_EQ(store->durable_seq(), 0u);
  EXPECT_EQ(read_file(dir.file("j")).find("192.0.2.1 "), std::string::npos) << "nothing written before flush";
  ASSERT_TRUE(store->flush());
  EXPECT_EQ(store->durable_seq(), 2u);
  EXPECT_NE(read_file(dir.file("j")).find("192.0.2.2 "), std::string::npos);
}

TEST(LeaseStore, TornTailIsDroppedAndTruncated) {
  TempDir dir;
  LeaseStoreOptions opt{dir.file("j"), FsyncPolicy::EveryRecord};
  {
    auto store = LeaseStore::open(opt);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->record(make_lease(1)));
    ASSERT_TRUE(store->record(make_lease(2)));
  }
  std::string full = read_file(dir.file("j"));
  {
    std::ofstream out(dir.file("j"), std::ios::app | std::ios::binary);
    std::string line = format_journal_line(make_lease(3));
    out << line.substr(0, line.size() / 2);  // a write the crash cut short
  }
  ReplayReport report;
  auto store = LeaseStore::open(opt, &report);
  ASSERT_TRUE(store) << store.error().to_string();
  EXPECT_TRUE(report.dropped_torn_tail);
  EXPECT_EQ(store->size(), 2u);
  EXPECT_EQ(read_file(dir.file("j")), full) << "torn bytes are cut off before appending";
  ASSERT_TRUE(store->record(make_lease(4)));
  auto again = LeaseStore::open(opt, &report);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->size(), 3u);
}

TEST(LeaseStore, CorruptionBeforeTheTailIsAnErrorNamingFileAndLine) {
  TempDir dir;
  LeaseStoreOptions opt{dir.file("j"), FsyncPolicy::EveryRecord};
  {
    auto store = LeaseStore::open(opt);
    ASSERT_TRUE(store);
    for (std::uint32_t i = 1; i <= 3; ++i) ASSERT_TRUE(store->record(make_lease(i)));
  }
  std::string content = read_file(dir.file("j"));
  auto second_record = content.find('\n', content.find('\n') + 1) + 1;  // header, record 1, record 2
  content[second_record + 12] ^= 1;
  std::ofstream(dir.file("j"), std::ios::binary | std::ios::trunc) << content;
  auto store = LeaseStore::open(opt);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().field.find("j:3"), std::string::npos) << store.error().to_string();
}

TEST(LeaseStore, CompactionKeepsExactlyTheLiveLeases) {
  TempDir dir;
  LeaseStoreOptions opt{dir.file("j"), FsyncPolicy::None, /*compact_slack=*/10, /*compact_ratio=*/2};
  {
    auto store = LeaseStore::open(opt);
    ASSERT_TRUE(store);
    // 5 addresses renewed 10 times each: 50 records for 5 leases.
    for (int round = 0; round < 10; ++round) {
      for (std::uint32_t i = 1; i <= 5; ++i) {
        Lease l = make_lease(i);
        l.expires += round;
        ASSERT_TRUE(store->record(l));
      }
      ASSERT_TRUE(store->flush());
    }
  }
  ReplayReport report;
  auto store = LeaseStore::open(opt, &report);
  ASSERT_TRUE(store);
  EXPECT_LE(report.records, 20u) << "the journal was compacted";
  EXPECT_EQ(store->size(), 5u);
  for (std::uint32_t i = 1; i <= 5; ++i) EXPECT_EQ(store->find_by_ip(make_lease(i).ip)->expires, 1000 + i + 9);
  EXPECT_FALSE(std::filesystem::exists(dir.file("j.compact")));
}

TEST(LeaseStore, UnwritableJournalIsAnError) {
  auto store = LeaseStore::open({"/proc/no-such-dir/leases"});
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().to_string().find("/proc/no-such-dir/leases"), std::string::npos);
}

// The durability promise under SIGKILL: a child records leases one by one and, like
// the server sending an ACK, reports each sequence number only after record() returned
// (EveryRecord) or flush() returned (Group). The parent kills it mid-stream; every
// reported lease must be in the journal afterwards.
void kill_mid_stream_and_check(FsyncPolicy policy) {
  TempDir dir;
  LeaseStoreOptions opt{dir.file("j"), policy};
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    auto store = LeaseStore::open(opt);
    if (!store) ::_exit(3);
    for (std::uint32_t i = 1;; ++i) {
      if (!store->record(make_lease(i % 250 + 1))) ::_exit(4);
      if (policy == FsyncPolicy::Group && i % 8 != 0) continue;
      if (policy == FsyncPolicy::Group && !store->flush()) ::_exit(5);
      std::uint32_t acked = i;
      if (::write(fds[1], &acked, sizeof acked) != sizeof acked) ::_exit(6);
    }
  }
  ::close(fds[1]);
  std::uint32_t last_acked = 0, v = 0;
  int reports = 0;
  while (reports < 200 && ::read(fds[0], &v, sizeof v) == sizeof v) {
    last_acked = v;
    ++reports;
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  while (::read(fds[0], &v, sizeof v) == sizeof v) last_acked = v;  // ACKs sent before death
  ::close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child failed on its own: " << WEXITSTATUS(status);
  ASSERT_GT(last_acked, 0u);

  ReplayReport report;
  auto store = LeaseStore::open(opt, &report);
  ASSERT_TRUE(store) << store.error().to_string();
  EXPECT_GE(report.records, last_acked);
  // Every address acknowledged so far is in the store with the newest acked expiry or later.
  for (std::uint32_t i = std::max<std::uint32_t>(1, last_acked > 250 ? last_acked - 249 : 1); i <= last_acked; ++i) {
    const Lease* l = store->find_by_ip(make_lease(i % 250 + 1).ip);
    ASSERT_NE(l, nullptr) << "acknowledged lease " << i << " lost";
    EXPECT_EQ(l->mac, make_lease(i % 250 + 1).mac);
  }
}

TEST(LeaseStoreDurability, SigkillLosesNoAcknowledgedLeaseEveryRecord) { kill_mid_stream_and_check(FsyncPolicy::EveryRecord); }
TEST(LeaseStoreDurability, SigkillLosesNoAcknowledgedLeaseGroupCommit) { kill_mid_stream_and_check(FsyncPolicy::Group); }

}  // namespace
}  // namespace pxelab::server
