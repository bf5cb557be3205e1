#include "captures/pcap_reader.h"

#include <pcap/pcap.h>

#include <cstdio>
#include <cstring>

#include "wire/bytes.h"

namespace pxelab::captures {

namespace {

constexpr std::size_t kSllHeader = 16;
constexpr std::size_t kSll2Header = 20;

// Linux packet types (linux/if_packet.h).
constexpr unsigned kPacketBroadcast = 1;
constexpr unsigned kPacketMulticast = 2;

// Rebuilds an Ethernet header from a cooked one; false if the frame is too short.
bool cooked_to_ethernet(int link_type, wire::ByteView in, wire::Bytes& out) {
  std::size_t header;
  unsigned packet_type;
  std::size_t address_length;
  const std::uint8_t* address;
  std::uint16_t protocol;
  if (link_type == DLT_LINUX_SLL) {
    if (in.size() < kSllHeader) return false;
    header = kSllHeader;
    packet_type = wire::load_be16(in.data());
    address_length = wire::load_be16(in.data() + 4);
    address = in.data() + 6;
    protocol = wire::load_be16(in.data() + 14);
  } else {
    if (in.size() < kSll2Header) return false;
    header = kSll2Header;
    protocol = wire::load_be16(in.data());
    packet_type = in[10];
    address_length = in[11];
    address = in.data() + 12;
  }
  out.assign(14, 0);
  if (packet_type == kPacketBroadcast) {
    std::memset(out.data(), 0xff, 6);
  } else if (packet_type == kPacketMulticast) {
    out[0] = 0x01;
    out[2] = 0x5e;
  }
  if (address_length == 6) std::memcpy(out.data() + 6, address, 6);
  wire::store_be16(out.data() + 12, protocol);
  out.insert(out.end(), in.begin() + static_cast<std::ptrdiff_t>(header), in.end());
  return true;
}

Result<Capture> read_all(pcap_t* p) {
  Capture capture;
  capture.link_type = pcap_datalink(p);
  const bool cooked = capture.link_type == DLT_LINUX_SLL || capture.link_type == DLT_LINUX_SLL2;
  if (capture.link_type != DLT_EN10MB && !cooked) {
    const char* name = pcap_datalink_val_to_name(capture.link_type);
    pcap_close(p);
    return make_error("capture.link_type", 0,
                      "unsupported link type " + std::to_string(capture.link_type) + " (" +
                          (name != nullptr ? name : "unknown") + "); pxelab reads Ethernet and Linux cooked");
  }
  wire::Bytes converted;
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int rc;
  while ((rc = pcap_next_ex(p, &header, &data)) == 1) {
    // Nanosecond precision was asked for at open: tv_usec holds nanoseconds.
    sim::Time t = static_cast<sim::Time>(header->ts.tv_sec) * 1'000'000'000 + static_cast<sim::Time>(header->ts.tv_usec);
    wire::ByteView bytes(data, header->caplen);
    if (header->caplen < header->len) ++capture.truncated_frames;
    if (cooked) {
      if (!cooked_to_ethernet(capture.link_type, bytes, converted)) {
        ++capture.skipped_frames;
        continue;
      }
      bytes = converted;
    }
    capture.trace.add_frame(t, sim::kNoPort, bytes);
  }
  std::string error = rc == PCAP_ERROR ? pcap_geterr(p) : "";
  if (!error.empty()) {
    FILE* f = pcap_file(p);
    capture.read_error_offset = f != nullptr ? std::ftell(f) : -1;
  }
  pcap_close(p);
  // A file cut in the middle of a record (a capture still being written, a crash) is
  // an error for libpcap; the frames before the cut are still worth having, but the
  // caller must know: an error if nothing was read, else Capture::read_error.
  if (!error.empty() && capture.trace.frame_count() == 0) return make_error("capture", 0, error);
  capture.read_error = error;
  return capture;
}

}  // namespace

Result<Capture> read_capture(const std::string& path) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (p == nullptr) return make_error("capture", 0, errbuf);
  return read_all(p);
}

Result<Capture> read_capture(wire::ByteView file_bytes) {
  if (file_bytes.empty()) return make_error("capture", 0, "empty file");
  // fmemopen does not write through a read-only stream; the cast is for its signature.
  FILE* f = fmemopen(const_cast<std::uint8_t*>(file_bytes.data()), file_bytes.size(), "rb");
  if (f == nullptr) return make_error("capture", 0, "fmemopen failed");
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (p == nullptr) {
    std::fclose(f);
    return make_error("capture", 0, errbuf);
  }
  return read_all(p);  // pcap_close() closes `f`
}

}  // namespace pxelab::captures
