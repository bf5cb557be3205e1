#include "captures/pcapng_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>
#include <vector>

namespace pxelab::captures {

namespace {

constexpr std::uint32_t kSectionHeader = 0x0A0D0D0A;
constexpr std::uint32_t kInterfaceDescription = 1;
constexpr std::uint32_t kEnhancedPacket = 6;
constexpr std::uint32_t kByteOrderMagic = 0x1A2B3C4D;
constexpr std::uint16_t kOptEnd = 0, kOptComment = 1, kShbUserAppl = 4, kIfTsresol = 9;
constexpr std::uint16_t kLinkTypeEthernet = 1;
constexpr std::size_t kMaxComment = 65000;
constexpr std::size_t kFlushAt = std::size_t{1} << 20;

// Little-endian block builder: body appended, then framed with type and lengths.
class Block {
 public:
  void u16(std::uint16_t v) { bytes_.insert(bytes_.end(), {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8)}); }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v));
    u16(static_cast<std::uint16_t>(v >> 16));
  }
  void raw(const std::uint8_t* p, std::size_t n) {
    bytes_.insert(bytes_.end(), p, p + n);
    pad();
  }
  void option(std::uint16_t code, const void* p, std::size_t n) {
    u16(code);
    u16(static_cast<std::uint16_t>(n));
    raw(static_cast<const std::uint8_t*>(p), n);
  }
  void end_options() { u32(0); }  // opt_endofopt: code 0, length 0
  // Appends the framed block (type, total length, body, total length) to `out`.
  void emit(std::uint32_t type, wire::Bytes& out) const {
    const auto total = static_cast<std::uint32_t>(bytes_.size() + 12);
    Block head;
    head.u32(type);
    head.u32(total);
    out.insert(out.end(), head.bytes_.begin(), head.bytes_.end());
    out.insert(out.end(), bytes_.begin(), bytes_.end());
    out.insert(out.end(), head.bytes_.begin() + 4, head.bytes_.end());
  }

 private:
  void pad() {
    while (bytes_.size() % 4 != 0) bytes_.push_back(0);
  }
  wire::Bytes bytes_;
};

void section_and_interface(wire::Bytes& out, std::uint32_t snaplen) {
  Block shb;
  shb.u32(kByteOrderMagic);
  shb.u16(1);  // major
  shb.u16(0);  // minor
  shb.u32(0xffffffff);  // section length: unspecified (-1)
  shb.u32(0xffffffff);
  static constexpr char kAppl[] = "pxelab";
  shb.option(kShbUserAppl, kAppl, sizeof kAppl - 1);
  shb.end_options();
  shb.emit(kSectionHeader, out);

  Block idb;
  idb.u16(kLinkTypeEthernet);
  idb.u16(0);
  idb.u32(snaplen);
  const std::uint8_t nanoseconds = 9;
  idb.option(kIfTsresol, &nanoseconds, 1);
  idb.end_options();
  idb.emit(kInterfaceDescription, out);
}

void packet(wire::Bytes& out, std::int64_t t, wire::ByteView bytes, std::uint32_t snaplen,
            std::span<const FrameComment> comments) {
  Block epb;
  const auto ts = static_cast<std::uint64_t>(t);
  const auto caplen = static_cast<std::uint32_t>(std::min<std::size_t>(bytes.size(), snaplen));
  epb.u32(0);  // interface 0
  epb.u32(static_cast<std::uint32_t>(ts >> 32));
  epb.u32(static_cast<std::uint32_t>(ts));
  epb.u32(caplen);
  epb.u32(static_cast<std::uint32_t>(bytes.size()));
  epb.raw(bytes.data(), caplen);
  for (const auto& c : comments) epb.option(kOptComment, c.text.data(), std::min(c.text.size(), kMaxComment));
  if (!comments.empty()) epb.end_options();
  epb.emit(kEnhancedPacket, out);
}

// Validates and writes the blocks to `out`, one packet at a time (a large trace is
// never held twice in memory).
Status write_blocks(const sim::Trace& trace, std::span<const FrameComment> comments, const PcapWriteOptions& options,
                    std::ostream& out) {
  if (options.view != PcapView::kTransmitted) {
    return make_error("pcapng", 0, "packet comments cite transmitted frames: only PcapView::kTransmitted is written");
  }
  std::vector<FrameComment> sorted(comments.begin(), comments.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.frame < b.frame; });
  if (!sorted.empty() && sorted.back().frame >= trace.frame_count()) {
    return make_error("pcapng", 0, "a comment names frame " + std::to_string(sorted.back().frame + 1) +
                                       " of a trace of " + std::to_string(trace.frame_count()) + " frames");
  }
  wire::Bytes buffer;
  section_and_interface(buffer, options.snaplen);
  std::size_t next = 0;
  for (std::size_t i = 0; i < trace.frame_count(); ++i) {
    const std::size_t first = next;
    while (next < sorted.size() && sorted[next].frame == i) ++next;
    sim::FrameView f = trace.frame(i);
    packet(buffer, f.time + options.epoch_ns, f.bytes, options.snaplen,
           std::span<const FrameComment>(sorted.data() + first, next - first));
    if (buffer.size() >= kFlushAt || i + 1 == trace.frame_count()) {
      out.write(reinterpret_cast<const char*>(buffer.data()), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
    }
  }
  if (!buffer.empty()) out.write(reinterpret_cast<const char*>(buffer.data()), static_cast<std::streamsize>(buffer.size()));
  return Ok{};
}

}  // namespace

Result<wire::Bytes> pcapng_bytes(const sim::Trace& trace, std::span<const FrameComment> comments,
                                 const PcapWriteOptions& options) {
  std::ostringstream out(std::ios::binary);
  if (auto st = write_blocks(trace, comments, options, out); !st) return st.error();
  const std::string s = out.str();
  return wire::Bytes(s.begin(), s.end());
}

Status write_pcapng(const sim::Trace& trace, const std::string& path, std::span<const FrameComment> comments,
                    const PcapWriteOptions& options) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return make_error("pcapng", 0, path + ": " + std::strerror(errno));
  if (auto st = write_blocks(trace, comments, options, out); !st) return st;
  out.close();
  if (!out) return make_error("pcapng", 0, path + ": writing failed");
  return Ok{};
}

}  // namespace pxelab::captures
