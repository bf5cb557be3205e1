// Port: where frames enter and leave a Segment.
//
// Implemented by the in-process Host (sim/host.h), by QemuPort (a QEMU VM's NIC,
// sim/qemu_port.h) and by LinkPort (a TAP device or an AF_PACKET socket on a real
// interface, sim/link_port.h). A port is attached to at most one segment
// (Segment::attach); it receives frames through receive() and sends with transmit().
// Either may be destroyed first: a destroyed port is detached (frames to it are
// dropped as kNoRoute), a destroyed segment leaves its ports unattached.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/flood_key.h"
#include "sim/frame.h"
#include "wire/bytes.h"

namespace pxelab::sim {

class Segment;

using PortIndex = std::uint32_t;
inline constexpr PortIndex kNoPort = 0xffffffffu;

class Port {
 public:
  virtual ~Port();
  Port() = default;
  Port(const Port&) = delete;
  Port& operator=(const Port&) = delete;

  // A frame arrives from the segment at `frame.time` (== the clock's now()). The bytes
  // are borrowed for the duration of the call. The port may transmit from inside.
  virtual void receive(const FrameView& frame) = 0;

  // True if every frame this port transmits carries correct IPv4 and UDP checksums
  // (a Host builds them so). The segment then tells receivers, frame by frame, when
  // they may skip verifying them: the frame came from such a port and no bit was
  // flipped on the way (FrameView::checksums_trusted).
  virtual bool transmits_valid_checksums() const { return false; }

  // Puts a frame on this port's link toward the segment, now. The bytes are copied;
  // the caller keeps its buffer. A port that is not attached counts it and drops it.
  void transmit(wire::ByteView frame);

  bool attached() const { return segment_ != nullptr; }
  PortIndex index() const { return index_; }
  std::uint64_t unattached_drops() const { return unattached_drops_; }

 protected:
  // Flood filtering (sim/flood_key.h): once on, on an ideal link this port is handed
  // only the flooded frames that carry one of its keys. The port promises that it
  // would do nothing with the others. Keys may change at any time.
  void set_flood_filtering(bool on);
  void subscribe_flood(const FloodKey& key);
  void unsubscribe_flood(const FloodKey& key);

 private:
  friend class Segment;
  Segment* segment_ = nullptr;
  PortIndex index_ = kNoPort;
  std::uint64_t unattached_drops_ = 0;
  bool flood_filtering_ = false;
  std::vector<FloodKey> flood_keys_;
};

}  // namespace pxelab::sim
