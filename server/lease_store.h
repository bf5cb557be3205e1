// The lease store: an in-memory index over the leases plus, optionally, the durable
// journal (lease_journal.h) behind it.
//
// Contract with the DHCP server: record() updates the index at once (so the address
// is taken for everyone else immediately) and queues the journal record; the server
// sends the ACK for a record only once durable_seq() has reached the sequence number
// record() returned. With FsyncPolicy::EveryRecord that holds when record() returns;
// with Group the server calls flush() once per batch (group commit).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "server/lease.h"
#include "server/lease_journal.h"

namespace pxelab::server {

struct LeaseStoreOptions {
  std::string journal_path;  // empty: in memory only (simulations that need no file)
  FsyncPolicy fsync = FsyncPolicy::EveryRecord;
  // Rewrite the journal when it holds more than ratio × leases + slack records.
  std::size_t compact_slack = 4096;
  std::size_t compact_ratio = 2;
};

// Whether a change goes to the journal. Offers do not: an offer is no commitment
// (RFC 2131 §4.3.1), and journalling it would cost a write per DISCOVER; after a
// restart the client simply asks again.
enum class Durability : std::uint8_t { Journal, MemoryOnly };

class LeaseStore {
 public:
  // Opens the journal (if any) and rebuilds the index from it.
  static Result<LeaseStore> open(const LeaseStoreOptions& options, ReplayReport* report = nullptr);

  const Lease* find_by_ip(wire::Ipv4Address ip) const;
  const Lease* find_by_client(std::string_view client_key) const;

  // Takes `lease` into the index (replacing whatever was recorded for its address)
  // and queues it for the journal; returns the sequence number to wait for
  // (0 without a journal or with MemoryOnly: nothing to wait for). With EveryRecord
  // it is durable on
  // return; an error means it is not, and its ACK must not be sent.
  Result<std::uint64_t> record(const Lease& lease, Durability durability = Durability::Journal);
  // Drops the record for `ip` from the index (journalled as an expired lease), e.g.
  // after its expiry passed. No-op for an unknown address.
  Result<std::uint64_t> forget(wire::Ipv4Address ip, Durability durability = Durability::Journal);
  // Group commit: makes every queued record durable, then compacts if due.
  Status flush();
  std::uint64_t durable_seq() const;
  std::uint64_t appended_seq() const;

  std::size_t size() const { return by_ip_.size(); }
  void for_each(const std::function<void(const Lease&)>& fn) const;

 private:
  void apply(const Lease& lease);
  Status maybe_compact();

  LeaseStoreOptions options_;
  std::unique_ptr<LeaseJournal> journal_;
  std::unordered_map<std::uint32_t, Lease> by_ip_;
  // Transparent hashing: find_by_client() looks up a string_view without building a key.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view k) const { return std::hash<std::string_view>{}(k); }
  };
  std::unordered_map<std::string, std::uint32_t, KeyHash, std::equal_to<>> by_client_;
};

}  // namespace pxelab::server
