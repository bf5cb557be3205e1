#include "server/lease_store.h"

#include <algorithm>
#include <vector>

namespace pxelab::server {

Result<LeaseStore> LeaseStore::open(const LeaseStoreOptions& options, ReplayReport* report) {
  LeaseStore store;
  store.options_ = options;
  if (options.journal_path.empty()) return store;
  std::vector<Lease> replayed;
  ReplayReport local;
  auto journal = LeaseJournal::open(options.journal_path, options.fsync, replayed, local);
  if (!journal) return journal.error();
  store.journal_ = std::move(*journal);
  for (const auto& lease : replayed) {
    if (lease.state == LeaseState::Expired) {
      auto it = store.by_ip_.find(lease.ip.value);
      if (it != store.by_ip_.end()) {
        store.by_client_.erase(it->second.client_key());
        store.by_ip_.erase(it);
      }
    } else {
      store.apply(lease);
    }
  }
  if (report) *report = local;
  return store;
}

const Lease* LeaseStore::find_by_ip(wire::Ipv4Address ip) const {
  auto it = by_ip_.find(ip.value);
  return it == by_ip_.end() ? nullptr : &it->second;
}

const Lease* LeaseStore::find_by_client(std::string_view client_key) const {
  auto it = by_client_.find(client_key);
  return it == by_client_.end() ? nullptr : find_by_ip(wire::Ipv4Address{it->second});
}

void LeaseStore::apply(const Lease& lease) {
  auto it = by_ip_.find(lease.ip.value);
  if (it != by_ip_.end()) {
    // The address changes hands: the old holder no longer points at it.
    auto old_key = it->second.client_key();
    auto owner = by_client_.find(old_key);
    if (owner != by_client_.end() && owner->second == lease.ip.value) by_client_.erase(owner);
    it->second = lease;
  } else {
    by_ip_.emplace(lease.ip.value, lease);
  }
  by_client_[lease.client_key()] = lease.ip.value;
}

Result<std::uint64_t> LeaseStore::record(const Lease& lease, Durability durability) {
  apply(lease);
  if (!journal_ || durability == Durability::MemoryOnly) return std::uint64_t{0};
  std::uint64_t seq = journal_->append(lease);
  if (options_.fsync == FsyncPolicy::EveryRecord) {
    auto st = flush();
    if (!st) return st.error();
  }
  return seq;
}

Result<std::uint64_t> LeaseStore::forget(wire::Ipv4Address ip, Durability durability) {
  auto it = by_ip_.find(ip.value);
  if (it == by_ip_.end()) return std::uint64_t{0};
  Lease gone = it->second;
  gone.state = LeaseState::Expired;
  auto owner = by_client_.find(gone.client_key());
  if (owner != by_client_.end() && owner->second == ip.value) by_client_.erase(owner);
  by_ip_.erase(it);
  if (!journal_ || durability == Durability::MemoryOnly) return std::uint64_t{0};
  std::uint64_t seq = journal_->append(gone);
  if (options_.fsync == FsyncPolicy::EveryRecord) {
    auto st = flush();
    if (!st) return st.error();
  }
  return seq;
}

Status LeaseStore::flush() {
  if (!journal_) return Ok{};
  auto st = journal_->flush();
  if (!st) return st;
  return maybe_compact();
}

Status LeaseStore::maybe_compact() {
  if (journal_->records_in_file() <= options_.compact_ratio * by_ip_.size() + options_.compact_slack) return Ok{};
  std::vector<Lease> live;
  live.reserve(by_ip_.size());
  for (const auto& [ip, lease] : by_ip_) live.push_back(lease);
  // Address order: the compacted file is the same for the same leases.
  std::sort(live.begin(), live.end(), [](const Lease& a, const Lease& b) { return a.ip < b.ip; });
  return journal_->compact(live);
}

std::uint64_t LeaseStore::durable_seq() const { return journal_ ? journal_->durable_seq() : 0; }
std::uint64_t LeaseStore::appended_seq() const { return journal_ ? journal_->appended_seq() : 0; }

void LeaseStore::for_each(const std::function<void(const Lease&)>& fn) const {
  for (const auto& [ip, lease] : by_ip_) fn(lease);
}

}  // namespace pxelab::server
