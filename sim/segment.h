// Segment: an Ethernet segment — a learning L2 switch joining ports through links.
//
// - Learning: the switch learns source MAC -> port from every frame reaching it
//   (entries never age; a MAC that moves is re-learned from its next frame). A frame to
//   a known unicast MAC goes to that port only; to a broadcast/multicast or unknown MAC
//   it is flooded to every other port. A frame to a MAC learned on its own ingress
//   port goes nowhere (DropReason::kNoRoute, as a real switch filters it).
// - Links: each attachment has LinkParams (link_params.h: latency, jitter, bandwidth
//   with serialization and a tail-drop queue, loss, duplication, reordering,
//   corruption, MTU), applied on the way up (port -> switch) and on the way down
//   (switch -> port), each direction with its own random stream derived from the run
//   seed and the port index: same seed and same inputs => same trace, byte for byte.
// - Delivery is always an event (never a call from inside transmit()), so a port may
//   transmit from its receive() without re-entering itself.
// - Hot path: frames in flight live in a pool of reusable buffers shared by the copies
//   of a flooded frame; after warm-up a frame costs no heap allocation.
// The segment must outlive every run() of its clock (its events point to it).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/clock.h"
#include "sim/flood_key.h"
#include "sim/link_params.h"
#include "sim/port.h"
#include "sim/rng.h"
#include "sim/trace.h"
#include "wire/address.h"
#include "wire/bytes.h"

namespace pxelab::sim {

struct PortCounters {
  std::uint64_t transmitted = 0;  // frames the port put on its link
  std::uint64_t delivered = 0;    // frames delivered to the port (flooded frames a
                                  // filtering port skipped are not counted, flood_key.h)
  // Frames dropped on this attachment's link (either direction); kNoRoute is counted on
  // the ingress port.
  std::array<std::uint64_t, kDropReasonCount> dropped{};
  std::uint64_t drops(DropReason r) const { return dropped[static_cast<std::size_t>(r)]; }
};

class Segment {
 public:
  // `seed`: the run seed; each link direction draws from derive_seed(seed, ...).
  Segment(Clock& clock, std::uint64_t seed);
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  // Attaches `port` (not attached elsewhere; must outlive the segment or at least its
  // runs) with the given link. Ports are numbered 0, 1, 2... in attach order (at most
  // 65535 per segment).
  PortIndex attach(Port& port, const LinkParams& params = {}, std::string name = {});
  // Changes a link's parameters for frames entering it from now on (frames already
  // in flight keep their times).
  void set_link_params(PortIndex port, const LinkParams& params);
  const LinkParams& link_params(PortIndex port) const;
  // Port isolation (a switch's "protected ports" / private VLAN edge): frames entering
  // an isolated port are forwarded only to non-isolated ports, so two isolated ports
  // never exchange frames, flooded or unicast (unicast is dropped as kNoRoute). Used
  // by `pxelab serve` with several real links: each talks to the server's host only,
  // and the segment never bridges two kernel links into a loop.
  void set_isolated(PortIndex port, bool isolated);
  bool isolated(PortIndex port) const { return attachments_[port].isolated; }

  // Sinks see every frame transmitted and every outcome, from now on. Not owned.
  void add_sink(TraceSink& sink);
  void remove_sink(TraceSink& sink);

  std::size_t port_count() const { return attachments_.size(); }
  const std::string& port_name(PortIndex port) const;
  const PortCounters& counters(PortIndex port) const;
  std::uint64_t frames_transmitted() const { return next_frame_; }
  std::uint64_t total_drops(DropReason reason) const;

  // Where the switch forwards frames to `mac`, or kNoPort if unknown.
  PortIndex lookup(const wire::MacAddress& mac) const;

  // Pool and table sizes, for tests that prove the hot path stops allocating.
  std::size_t buffer_pool_size() const { return buffers_.size(); }
  std::size_t buffers_in_use() const { return buffers_in_use_; }

 private:
  friend class Port;

  struct Direction {
    explicit Direction(std::uint64_t seed) : rng_seed(seed) {}
    // The random stream, seeded on its first draw: an ideal link never draws, and a
    // storm's 2 x N streams of 2.5 KiB each (mt19937_64) would be memory nobody reads.
    // The same seed either way, so the same draws.
    Rng& rng() {
      if (!rng_state) rng_state = std::make_unique<Rng>(rng_seed);
      return *rng_state;
    }
    bool chance(double p) { return p > 0 && rng().chance(p); }
    Time uniform_time(Time max) { return max <= 0 ? 0 : rng().uniform_time(max); }
    std::uint64_t rng_seed;
    std::unique_ptr<Rng> rng_state;
    Time busy_until = 0;
    // Serialization finish times of the frames queued or in service (a ring).
    std::vector<Time> finish;
    std::size_t head = 0;
    std::size_t count = 0;
  };
  struct Attachment {
    Attachment(Port* p, std::string n, const LinkParams& lp, std::uint64_t up_seed, std::uint64_t down_seed)
        : port(p), name(std::move(n)), params(lp), up(up_seed), down(down_seed) {}
    Port* port;
    std::string name;
    LinkParams params;
    bool ideal = true;
    bool isolated = false;
    Direction up;
    Direction down;
    PortCounters counters;
  };
  // One copy of a frame on its way; small, so that an event capturing it with `this`
  // fits Callback's inline buffer.
  struct Hop {
    std::uint64_t frame;
    std::uint32_t buffer;
    std::uint16_t ingress;
    std::uint16_t egress;
    std::uint8_t flags;
  };
  struct Buffer {
    std::unique_ptr<std::uint8_t[]> data;
    std::uint32_t capacity = 0;
    std::uint32_t size = 0;
    std::uint32_t refs = 0;
    std::uint32_t next_free = 0;
  };
  struct MacEntry {
    std::uint64_t key = 0;  // MAC + 1 << 48; 0 = empty
    PortIndex port = kNoPort;
  };

  void ingress(PortIndex from, wire::ByteView bytes);
  // `last_act`: the caller does nothing after this call and runs as an event (not from
  // inside a transmit()), so a delivery due now may run at once when nothing else is
  // due now: the order of everything is the same as through an event.
  void cross(PortIndex link, bool up, Hop hop, bool last_act = false);
  void at_switch(Hop hop, bool in_event);
  void deliver(Hop hop);
  void drop(const Hop& hop, PortIndex counted_on, bool before_switch, DropReason reason);
  void configure(Attachment& a);

  std::uint32_t acquire(wire::ByteView bytes);
  std::uint32_t make_private(std::uint32_t buffer);
  void release(std::uint32_t buffer);
  wire::ByteView bytes_of(std::uint32_t buffer) const {
    return {buffers_[buffer].data.get(), buffers_[buffer].size};
  }

  void learn(const wire::MacAddress& mac, PortIndex port);

  Clock& clock_;
  std::uint64_t seed_;
  std::vector<Attachment> attachments_;
  std::vector<TraceSink*> sinks_;
  std::vector<Buffer> buffers_;
  std::uint32_t free_buffer_ = 0;  // index + 1; 0: none
  std::size_t buffers_in_use_ = 0;
  std::vector<MacEntry> mac_table_;  // open addressing, power-of-two size
  std::size_t mac_count_ = 0;
  std::uint64_t next_frame_ = 0;

  // Flood filtering (flood_key.h).
  void index_flood_key(PortIndex port, const FloodKey& key, bool add);
  void refresh_unfiltered(PortIndex port);
  bool filtered(PortIndex port) const;
  void flood_filtered(Hop hop);
  std::unordered_map<FloodKey, std::vector<PortIndex>, FloodKeyHash> flood_index_;
  std::vector<PortIndex> unfiltered_;  // sorted: ports that see every flooded frame
  std::size_t filtering_ports_ = 0;
  std::vector<PortIndex> flood_targets_;  // scratch
};

}  // namespace pxelab::sim
