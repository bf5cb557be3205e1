// The append-only lease journal: the durable half of the lease store.
//
// One text line per lease change, newest last, so `tail` shows what the server did:
//   <crc32> <ip> <mac> <state> <expires> <client-id hex|-> <hostname|->
// The CRC-32 (hex) covers the rest of the line. A crash can leave at most the last
// line torn (no newline, or a CRC mismatch): replay drops it, because its ACK was never
// sent — an ACK leaves only after flush() made its record durable. A bad line anywhere
// else is corruption and replay fails, naming the file and line.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "server/lease.h"
#include "wire/result.h"

namespace pxelab::server {

// When appended records reach the disk.
enum class FsyncPolicy : std::uint8_t {
  EveryRecord,  // flush() after each record: one fdatasync per ACK
  Group,        // the caller flushes a batch (group commit), one fdatasync per batch
  None,         // write(2) without fdatasync: survives a process kill, not power loss
};

struct ReplayReport {
  std::size_t records = 0;        // good records read
  bool dropped_torn_tail = false; // the last line was incomplete and was cut off
};

class LeaseJournal {
 public:
  // Opens `path` for appending, creating it if absent, and hands every record in it,
  // oldest first, to `replayed`. A torn last line is truncated away.
  static Result<std::unique_ptr<LeaseJournal>> open(const std::string& path, FsyncPolicy policy,
                                                    std::vector<Lease>& replayed, ReplayReport& report);
  ~LeaseJournal();
  LeaseJournal(const LeaseJournal&) = delete;
  LeaseJournal& operator=(const LeaseJournal&) = delete;

  // Queues a record; returns its sequence number (1, 2, ... within this process).
  std::uint64_t append(const Lease& lease);
  // Writes every queued record and, unless the policy is None, fdatasyncs.
  // On success durable_seq() == appended_seq().
  Status flush();
  std::uint64_t appended_seq() const { return appended_; }
  std::uint64_t durable_seq() const { return durable_; }
  FsyncPolicy policy() const { return policy_; }
  // Records in the file (replayed + flushed since), for deciding when to compact.
  std::size_t records_in_file() const { return records_in_file_; }

  // Replaces the file by one holding exactly `live` (write to a temporary file,
  // fdatasync, rename over the journal, fsync the directory): atomic under a crash.
  // Flushes queued records first.
  Status compact(const std::vector<Lease>& live);

  const std::string& path() const { return path_; }

 private:
  LeaseJournal(std::string path, int fd, FsyncPolicy policy, std::size_t records);
  Status write_all(int fd, const std::string& bytes);

  std::string path_;
  int fd_ = -1;
  FsyncPolicy policy_;
  std::string pending_;
  std::size_t pending_records_ = 0;
  std::size_t records_in_file_ = 0;
  std::uint64_t appended_ = 0;
  std::uint64_t durable_ = 0;
};

// The line for one record, without the trailing newline (exposed for tests).
std::string format_journal_line(const Lease& lease);
// Parses one line (without newline); an error names the column.
Result<Lease> parse_journal_line(std::string_view line);

}  // namespace pxelab::server
