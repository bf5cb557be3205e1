// ArpTable: a host's ARP cache as one flat open-addressing table (linear probing,
// power-of-two size, at most half full). A server answering 10,000 clients looks up a
// different address for almost every frame it sends; a node-based map costs two or
// three cache misses per lookup, this one about one. Entries are never removed one by
// one (they expire in place and are overwritten when refreshed), only all at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/time.h"
#include "wire/address.h"

namespace pxelab::sim {

class ArpTable {
 public:
  struct Entry {
    std::uint64_t key = 0;  // IPv4 address + 2^32; 0: empty
    wire::MacAddress mac;
    Time expires = 0;
  };

  ArpTable() : slots_(16) {}

  // The entry for `ip`, expired or not; nullptr if none. Valid until the next put().
  const Entry* find(wire::Ipv4Address ip) const {
    const std::uint64_t key = key_of(ip);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(key) & mask;; i = (i + 1) & mask) {
      const Entry& e = slots_[i];
      if (e.key == key) return &e;
      if (e.key == 0) return nullptr;
    }
  }
  bool contains(wire::Ipv4Address ip) const { return find(ip) != nullptr; }

  void put(wire::Ipv4Address ip, const wire::MacAddress& mac, Time expires) {
    if ((count_ + 1) * 2 > slots_.size()) grow();
    Entry& e = slot_for(key_of(ip));
    if (e.key == 0) ++count_;
    e = Entry{key_of(ip), mac, expires};
  }

  void clear() {
    if (count_ == 0) return;
    slots_.assign(16, Entry{});
    count_ = 0;
  }
  std::size_t size() const { return count_; }

 private:
  static std::uint64_t key_of(wire::Ipv4Address ip) { return std::uint64_t{ip.value} | (std::uint64_t{1} << 32); }
  static std::size_t hash(std::uint64_t key) { return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ull) >> 29); }

  Entry& slot_for(std::uint64_t key) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(key) & mask;; i = (i + 1) & mask) {
      if (slots_[i].key == key || slots_[i].key == 0) return slots_[i];
    }
  }
  void grow() {
    std::vector<Entry> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Entry& e : old) {
      if (e.key != 0) slot_for(e.key) = e;
    }
  }

  std::vector<Entry> slots_;
  std::size_t count_ = 0;
};

}  // namespace pxelab::sim
