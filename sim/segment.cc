#include "sim/segment.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "wire/address.h"

namespace pxelab::sim {

namespace {

constexpr std::size_t kEthernetHeader = 14;
constexpr std::uint32_t kMinBufferCapacity = 2048;  // a full 1518-byte frame fits
constexpr std::size_t kMaxPorts = 0xffff;
constexpr std::size_t kMaxMacEntries = std::size_t{1} << 20;
// Hop::flags bit, never in a trace: a flooded copy a filtering port skips; its delivery
// event only records the outcome (flood_key.h).
constexpr std::uint8_t kHopTraceOnly = 0x80;

std::uint64_t mac_key(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 6; ++i) v = (v << 8) | p[i];
  return v | (std::uint64_t{1} << 48);
}

std::size_t mac_hash(std::uint64_t key) { return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ull) >> 32); }

// Ethernet payload size: after the header and an 802.1Q tag if there is one.
std::size_t payload_size(wire::ByteView frame) {
  if (frame.size() < kEthernetHeader) return 0;
  std::size_t header = kEthernetHeader;
  if (frame.size() >= 18 && frame[12] == 0x81 && frame[13] == 0x00) header += 4;
  return frame.size() - header;
}

}  // namespace

Port::~Port() {
  if (segment_ != nullptr) segment_->attachments_[index_].port = nullptr;
}

void Port::set_flood_filtering(bool on) {
  if (flood_filtering_ == on) return;
  flood_filtering_ = on;
  if (segment_ != nullptr) {
    if (on) {
      ++segment_->filtering_ports_;
    } else {
      --segment_->filtering_ports_;
    }
    segment_->refresh_unfiltered(index_);
  }
}

void Port::subscribe_flood(const FloodKey& key) {
  if (std::find(flood_keys_.begin(), flood_keys_.end(), key) != flood_keys_.end()) return;
  flood_keys_.push_back(key);
  if (segment_ != nullptr) segment_->index_flood_key(index_, key, true);
}

void Port::unsubscribe_flood(const FloodKey& key) {
  auto it = std::find(flood_keys_.begin(), flood_keys_.end(), key);
  if (it == flood_keys_.end()) return;
  flood_keys_.erase(it);
  if (segment_ != nullptr) segment_->index_flood_key(index_, key, false);
}

void Port::transmit(wire::ByteView frame) {
  if (segment_ == nullptr) {
    ++unattached_drops_;
    return;
  }
  segment_->ingress(index_, frame);
}

Segment::Segment(Clock& clock, std::uint64_t seed) : clock_(clock), seed_(seed), mac_table_(64) {}

Segment::~Segment() {
  for (auto& a : attachments_) {
    if (a.port == nullptr) continue;
    a.port->segment_ = nullptr;
    a.port->index_ = kNoPort;
  }
}

PortIndex Segment::attach(Port& port, const LinkParams& params, std::string name) {
  if (attachments_.size() >= kMaxPorts || port.segment_ != nullptr) {
    std::fprintf(stderr, "pxelab::sim::Segment::attach: port already attached or more than %zu ports\n", kMaxPorts);
    std::abort();
  }
  auto index = static_cast<PortIndex>(attachments_.size());
  if (name.empty()) name = "port" + std::to_string(index);
  attachments_.emplace_back(&port, std::move(name), params, derive_seed(seed_, 2 * std::uint64_t{index}),
                            derive_seed(seed_, 2 * std::uint64_t{index} + 1));
  configure(attachments_.back());
  port.segment_ = this;
  port.index_ = index;
  if (port.flood_filtering_) ++filtering_ports_;
  for (const FloodKey& k : port.flood_keys_) index_flood_key(index, k, true);
  refresh_unfiltered(index);
  return index;
}

bool Segment::filtered(PortIndex port) const {
  const Attachment& a = attachments_[port];
  return a.port != nullptr && a.port->flood_filtering_ && a.ideal;
}

void Segment::refresh_unfiltered(PortIndex port) {
  auto it = std::lower_bound(unfiltered_.begin(), unfiltered_.end(), port);
  const bool listed = it != unfiltered_.end() && *it == port;
  const bool want = attachments_[port].port != nullptr && !filtered(port);
  if (want && !listed) unfiltered_.insert(it, port);
  if (!want && listed) unfiltered_.erase(it);
}

void Segment::index_flood_key(PortIndex port, const FloodKey& key, bool add) {
  auto& ports = flood_index_[key];
  if (add) {
    ports.insert(std::lower_bound(ports.begin(), ports.end(), port), port);
  } else {
    if (auto it = std::lower_bound(ports.begin(), ports.end(), port); it != ports.end() && *it == port) ports.erase(it);
    if (ports.empty()) flood_index_.erase(key);
  }
}

void Segment::configure(Attachment& a) {
  a.ideal = a.params.ideal();
  for (Direction* d : {&a.up, &a.down}) {
    // Keep the frames queued when the queue grows; drop the oldest finish times (they
    // only count occupancy) when it shrinks. Without a bandwidth nothing queues: the ring
    // only keeps what is there (a storm's N ideal links would hold 16 KiB each).
    const std::size_t queue = std::max<std::uint32_t>(1, a.params.queue_frames);
    std::vector<Time> ring(a.params.bandwidth_bps != 0 ? queue : std::max<std::size_t>(1, std::min(queue, d->count)));
    std::size_t keep = std::min(d->count, ring.size());
    for (std::size_t i = 0; i < keep; ++i) {
      ring[i] = d->finish[(d->head + d->count - keep + i) % d->finish.size()];
    }
    d->finish = std::move(ring);
    d->head = 0;
    d->count = keep;
  }
}

void Segment::set_link_params(PortIndex port, const LinkParams& params) {
  attachments_.at(port).params = params;
  configure(attachments_[port]);
  refresh_unfiltered(port);
}

const LinkParams& Segment::link_params(PortIndex port) const { return attachments_.at(port).params; }

void Segment::set_isolated(PortIndex port, bool isolated) { attachments_.at(port).isolated = isolated; }

void Segment::add_sink(TraceSink& sink) { sinks_.push_back(&sink); }

void Segment::remove_sink(TraceSink& sink) { std::erase(sinks_, &sink); }

const std::string& Segment::port_name(PortIndex port) const { return attachments_.at(port).name; }

const PortCounters& Segment::counters(PortIndex port) const { return attachments_.at(port).counters; }

std::uint64_t Segment::total_drops(DropReason reason) const {
  std::uint64_t n = 0;
  for (const auto& a : attachments_) n += a.counters.drops(reason);
  return n;
}

// --- buffers -------------------------------------------------------------------------

std::uint32_t Segment::acquire(wire::ByteView bytes) {
  std::uint32_t index;
  if (free_buffer_ != 0) {
    index = free_buffer_ - 1;
    free_buffer_ = buffers_[index].next_free;
  } else {
    buffers_.emplace_back();
    index = static_cast<std::uint32_t>(buffers_.size() - 1);
  }
  Buffer& b = buffers_[index];
  if (b.capacity < bytes.size()) {
    b.capacity = std::max<std::uint32_t>(kMinBufferCapacity, static_cast<std::uint32_t>(bytes.size()));
    b.data = std::make_unique_for_overwrite<std::uint8_t[]>(b.capacity);
  }
  if (!bytes.empty()) std::memcpy(b.data.get(), bytes.data(), bytes.size());
  b.size = static_cast<std::uint32_t>(bytes.size());
  b.refs = 1;
  ++buffers_in_use_;
  return index;
}

std::uint32_t Segment::make_private(std::uint32_t buffer) {
  if (buffers_[buffer].refs == 1) return buffer;
  std::uint32_t copy = acquire(bytes_of(buffer));  // may move buffers_: index again after
  --buffers_[buffer].refs;
  return copy;
}

void Segment::release(std::uint32_t buffer) {
  Buffer& b = buffers_[buffer];
  if (--b.refs != 0) return;
  b.next_free = free_buffer_;
  free_buffer_ = buffer + 1;
  --buffers_in_use_;
}

// --- switching -----------------------------------------------------------------------

void Segment::learn(const wire::MacAddress& mac, PortIndex port) {
  std::uint64_t key = mac_key(mac.octets.data());
  std::size_t mask = mac_table_.size() - 1;
  for (std::size_t i = mac_hash(key) & mask;; i = (i + 1) & mask) {
    MacEntry& e = mac_table_[i];
    if (e.key == key) {
      e.port = port;
      return;
    }
    if (e.key == 0) {
      if (mac_count_ >= kMaxMacEntries) return;  // full: unknown MACs are flooded
      e = MacEntry{key, port};
      if (++mac_count_ * 2 > mac_table_.size()) {
        std::vector<MacEntry> old(mac_table_.size() * 2);
        old.swap(mac_table_);
        mac_count_ = 0;
        for (const MacEntry& o : old) {
          if (o.key != 0) {
            wire::MacAddress m;
            for (int k = 0; k < 6; ++k) m.octets[k] = static_cast<std::uint8_t>(o.key >> (40 - 8 * k));
            learn(m, o.port);
          }
        }
      }
      return;
    }
  }
}

PortIndex Segment::lookup(const wire::MacAddress& mac) const {
  std::uint64_t key = mac_key(mac.octets.data());
  std::size_t mask = mac_table_.size() - 1;
  for (std::size_t i = mac_hash(key) & mask;; i = (i + 1) & mask) {
    const MacEntry& e = mac_table_[i];
    if (e.key == key) return e.port;
    if (e.key == 0) return kNoPort;
  }
}

void Segment::ingress(PortIndex from, wire::ByteView bytes) {
  Attachment& a = attachments_[from];
  ++a.counters.transmitted;
  std::uint64_t frame = next_frame_++;
  if (!sinks_.empty()) {
    TransmitRecord record{clock_.now(), frame, from};
    for (TraceSink* s : sinks_) s->on_transmit(record, bytes);
  }
  Hop hop{frame, acquire(bytes), static_cast<std::uint16_t>(from), 0xffff, 0};
  if (a.ideal && payload_size(bytes) <= a.params.mtu) {
    at_switch(hop, false);  // nothing on the way up can delay or change it: skip an event
  } else {
    cross(from, true, hop);
  }
}

void Segment::drop(const Hop& hop, PortIndex counted_on, bool before_switch, DropReason reason) {
  ++attachments_[counted_on].counters.dropped[static_cast<std::size_t>(reason)];
  if (sinks_.empty()) return;
  Outcome o{clock_.now(), hop.frame, hop.ingress, before_switch ? kNoPort : PortIndex{hop.egress},
            Fate::kDropped, reason, hop.flags};
  for (TraceSink* s : sinks_) s->on_outcome(o, {});
}

void Segment::cross(PortIndex link, bool up, Hop hop, bool last_act) {
  Attachment& a = attachments_[link];
  Direction& d = up ? a.up : a.down;
  const LinkParams& p = a.params;
  const Time now = clock_.now();
  const std::size_t size = buffers_[hop.buffer].size;

  if (payload_size(bytes_of(hop.buffer)) > p.mtu) {
    drop(hop, link, up, DropReason::kMtu);
    release(hop.buffer);
    return;
  }
  if (d.chance(p.loss)) {
    drop(hop, link, up, DropReason::kLoss);
    release(hop.buffer);
    return;
  }
  const int copies = d.chance(p.duplicate) ? 2 : 1;
  if (copies == 2) ++buffers_[hop.buffer].refs;

  for (int c = 0; c < copies; ++c) {
    Hop h = hop;
    if (c == 1) h.flags |= kFlagDuplicate;
    Time t = now;
    if (p.bandwidth_bps != 0) {
      while (d.count != 0 && d.finish[d.head] <= now) {
        d.head = (d.head + 1) % d.finish.size();
        --d.count;
      }
      if (d.count >= p.queue_frames) {
        drop(h, link, up, DropReason::kQueueFull);
        release(h.buffer);
        continue;
      }
      t = std::max(now, d.busy_until) + serialization_delay(p, size);
      d.busy_until = t;
      d.finish[(d.head + d.count) % d.finish.size()] = t;
      ++d.count;
    }
    t += p.latency + d.uniform_time(p.jitter);
    if (d.chance(p.reorder)) {
      t += p.reorder_delay;
      h.flags |= kFlagReordered;
    }
    if (p.corrupt > 0 && d.chance(p.corrupt)) {
      h.buffer = make_private(h.buffer);
      Buffer& b = buffers_[h.buffer];
      if (b.size != 0) {
        std::uint64_t bit = d.rng().below(std::uint64_t{b.size} * 8);
        b.data[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        h.flags |= kFlagCorrupted;
      }
    }
    if (up) {
      clock_.at(t, [this, h] { at_switch(h, true); });
    } else if (last_act && a.ideal && t <= now && clock_.next_if_scheduled_now()) {
      // One copy (an ideal link neither duplicates nor delays): the delivery event would
      // be the next to run; run it now and save the scheduler a push and a pop.
      deliver(h);
    } else {
      clock_.at(t, [this, h] { deliver(h); });
    }
  }
}

void Segment::at_switch(Hop hop, bool in_event) {
  wire::ByteView bytes = bytes_of(hop.buffer);
  const PortIndex from = hop.ingress;
  if (bytes.size() < kEthernetHeader) {
    drop(hop, from, true, DropReason::kNoRoute);
    release(hop.buffer);
    return;
  }
  wire::MacAddress dst;
  wire::MacAddress src;
  std::memcpy(dst.octets.data(), bytes.data(), 6);
  std::memcpy(src.octets.data(), bytes.data() + 6, 6);
  if (!src.is_multicast()) learn(src, from);

  PortIndex to = dst.is_multicast() ? kNoPort : lookup(dst);
  if (to != kNoPort) {
    // Isolated ports never talk to each other (see set_isolated).
    if (to == from || (attachments_[from].isolated && attachments_[to].isolated)) {
      drop(hop, from, true, DropReason::kNoRoute);
      release(hop.buffer);
      return;
    }
    hop.egress = static_cast<std::uint16_t>(to);
    cross(to, false, hop, in_event);
    return;
  }
  if (filtering_ports_ > 0) {
    flood_filtered(hop);
    return;
  }
  // Flood: one reference per egress copy, then drop the switch's own.
  bool sent = false;
  for (PortIndex p = 0; p < attachments_.size(); ++p) {
    if (p == from || attachments_[p].port == nullptr) continue;
    if (attachments_[from].isolated && attachments_[p].isolated) continue;
    ++buffers_[hop.buffer].refs;
    Hop h = hop;
    h.egress = static_cast<std::uint16_t>(p);
    cross(p, false, h);
    sent = true;
  }
  if (!sent) drop(hop, from, true, DropReason::kNoRoute);
  release(hop.buffer);
}

// A flood when some ports filter: the frame goes to every port that sees all floods
// and to the filtering ports that subscribed one of its keys, in port order (as the
// plain flood). With a trace attached, a filtering port it skips still gets the
// delivery event, which only records the outcome, so the trace is the same as without
// filtering; without one, skipped ports cost nothing.
void Segment::flood_filtered(Hop hop) {
  const PortIndex from = hop.ingress;
  const wire::ByteView bytes = bytes_of(hop.buffer);
  const FloodKeys keys = flood_keys_of(bytes);
  flood_targets_.assign(unfiltered_.begin(), unfiltered_.end());
  for (std::size_t i = 0; i < keys.count; ++i) {
    auto it = flood_index_.find(keys.keys[i]);
    if (it != flood_index_.end()) flood_targets_.insert(flood_targets_.end(), it->second.begin(), it->second.end());
  }
  std::sort(flood_targets_.begin(), flood_targets_.end());
  flood_targets_.erase(std::unique(flood_targets_.begin(), flood_targets_.end()), flood_targets_.end());
  const std::vector<PortIndex> targets = flood_targets_;  // cross() may flood again (re-entrancy)
  bool reached = false;
  auto send_copy = [&](PortIndex p) {
    ++buffers_[hop.buffer].refs;
    Hop h = hop;
    h.egress = static_cast<std::uint16_t>(p);
    cross(p, false, h);
    reached = true;
  };
  // Isolated ports never reach each other (see set_isolated), filtered or not.
  auto apart = [&](PortIndex p) { return attachments_[from].isolated && attachments_[p].isolated; };
  if (sinks_.empty()) {
    for (PortIndex p : targets) {
      if (p != from && attachments_[p].port != nullptr && !apart(p)) send_copy(p);
    }
  } else {
    std::size_t next = 0;
    for (PortIndex p = 0; p < attachments_.size(); ++p) {
      const bool target = next < targets.size() && targets[next] == p;
      if (target) ++next;
      if (p == from || attachments_[p].port == nullptr || apart(p)) continue;
      if (target) {
        send_copy(p);
      } else if (filtered(p)) {
        // The same delivery event as for a copy it receives (so the trace's order is
        // the same as without filtering), but no receive().
        ++buffers_[hop.buffer].refs;
        Hop h = hop;
        h.egress = static_cast<std::uint16_t>(p);
        h.flags |= kHopTraceOnly;
        cross(p, false, h);
        reached = true;
      }
    }
  }
  if (!reached) {
    bool any_other = false;
    for (PortIndex p = 0; p < attachments_.size() && !any_other; ++p) any_other = p != from && attachments_[p].port && !apart(p);
    if (!any_other) drop(hop, from, true, DropReason::kNoRoute);
  }
  release(hop.buffer);
}

void Segment::deliver(Hop hop) {
  Attachment& a = attachments_[hop.egress];
  if (a.port == nullptr) {  // destroyed while the frame was on its way
    drop(hop, hop.egress, false, DropReason::kNoRoute);
    release(hop.buffer);
    return;
  }
  if (hop.flags & kHopTraceOnly) {
    Outcome o{clock_.now(), hop.frame, hop.ingress, hop.egress, Fate::kDelivered, DropReason::kNone,
              static_cast<std::uint8_t>(hop.flags & ~kHopTraceOnly)};
    for (TraceSink* s : sinks_) s->on_outcome(o, bytes_of(hop.buffer));
    release(hop.buffer);
    return;
  }
  ++a.counters.delivered;
  const Port* from = attachments_[hop.ingress].port;
  const bool trusted = from != nullptr && from->transmits_valid_checksums() && (hop.flags & kFlagCorrupted) == 0;
  const FrameView view{clock_.now(), bytes_of(hop.buffer), hop.frame, trusted};
  if (!sinks_.empty()) {
    Outcome o{view.time, hop.frame, hop.ingress, hop.egress, Fate::kDelivered, DropReason::kNone, hop.flags};
    for (TraceSink* s : sinks_) s->on_outcome(o, view.bytes);
  }
  // The buffer is not released before receive() returns: the port reads it in place,
  // and anything it transmits meanwhile gets another buffer.
  a.port->receive(view);
  release(hop.buffer);
}

}  // namespace pxelab::sim
