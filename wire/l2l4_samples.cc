// Reference frames for Ethernet, 802.1Q, ARP, IPv4, UDP, TFTP and Wake-on-LAN, each
// with the values Wireshark's dissectors (tshark 4.0) must show for it. Field names
// are those `tshark -T json` prints. TFTP samples come in conversation order:
// tshark only decodes OACK/DATA/ACK/ERROR as TFTP after the RRQ/WRQ to port 69
// that opened the conversation.
#include <cstdio>
#include <string>
#include <vector>

#include "wire/frame.h"
#include "wire/samples.h"
#include "wire/tftp.h"
#include "wire/wol.h"

namespace pxelab::wire {

namespace {

const MacAddress kClientMac{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};
const MacAddress kServerMac{{0x52, 0x54, 0x00, 0x00, 0x00, 0x01}};
const Ipv4Address kClientIp = Ipv4Address::from_octets(192, 0, 2, 10);
const Ipv4Address kServerIp = Ipv4Address::from_octets(192, 0, 2, 1);

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

// The 16-bit field at `offset` as tshark prints it ("0x1a2b"). Used for checksums,
// whose correctness the unit tests and the libtins cross-check establish: here
// tshark only confirms it reads the same field.
std::string hex16(const Bytes& frame, std::size_t offset) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x%02x", frame[offset], frame[offset + 1]);
  return buf;
}

// tshark 4.0 quirk: in -T json, wol.passwd holds the hex of the first `n` characters
// of the password as displayed (a MAC-style "01:02:03:04:05:06" for 6 bytes, a dotted
// quad for 4), not the password bytes; the text view shows the display form.
std::string tshark_wol_passwd(const std::string& display, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n && i < display.size(); ++i) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%s%02x", i ? ":" : "", static_cast<unsigned char>(display[i]));
    out += buf;
  }
  return out;
}

void add_l2_l4(std::vector<Sample>& out) {
  const UdpEndpoint client{kClientMac, kClientIp, 40000};
  const UdpEndpoint server{kServerMac, kServerIp, 40001};
  const Bytes hello = text("pxelab says hello");

  FrameOptions plain;
  plain.ip_id = 0x1234;
  out.push_back({"eth-ipv4-udp",
                 build_udp_frame(client, server, hello, plain),
                 {{"eth.src", "52:54:00:12:34:56"}, {"eth.dst", "52:54:00:00:00:01"}, {"eth.type", "0x0800"}}});

  out.push_back({"eth-broadcast",
                 build_udp_frame(client, {MacAddress::broadcast(), Ipv4Address::broadcast(), 40001}, hello),
                 {{"eth.dst", "ff:ff:ff:ff:ff:ff"}, {"eth.dst.ig", "1"}, {"ip.dst", "255.255.255.255"}}});

  FrameOptions tagged;
  tagged.vlan = VlanTag{5, false, 42};
  out.push_back({"vlan-tagged-udp",
                 build_udp_frame(client, server, hello, tagged),
                 {{"vlan.id", "42"}, {"vlan.priority", "5"}, {"vlan.etype", "0x0800"}, {"udp.srcport", "40000"}}});

  FrameOptions dei;
  dei.vlan = VlanTag{0, true, 4094};
  out.push_back({"vlan-dei-max-vid",
                 build_udp_frame(client, server, hello, dei),
                 {{"vlan.id", "4094"}, {"vlan.dei", "1"}, {"vlan.priority", "0"}}});

  const ArpRepr request = ArpRepr::request(kClientMac, kClientIp, kServerIp);
  out.push_back({"arp-request",
                 build_arp_frame(MacAddress::broadcast(), request),
                 {{"arp.opcode", "1"},
                  {"arp.src.hw_mac", "52:54:00:12:34:56"},
                  {"arp.src.proto_ipv4", "192.0.2.10"},
                  {"arp.dst.hw_mac", "00:00:00:00:00:00"},
                  {"arp.dst.proto_ipv4", "192.0.2.1"}}});
  out.push_back({"arp-reply",
                 build_arp_frame(kClientMac, ArpRepr::reply_to(request, kServerMac)),
                 {{"arp.opcode", "2"},
                  {"arp.src.hw_mac", "52:54:00:00:00:01"},
                  {"arp.src.proto_ipv4", "192.0.2.1"},
                  {"arp.dst.hw_mac", "52:54:00:12:34:56"},
                  {"arp.dst.proto_ipv4", "192.0.2.10"}}});

  FrameOptions ip_opts;
  ip_opts.ttl = 1;
  ip_opts.tos = 0xb8;
  ip_opts.ip_id = 0xbeef;
  ip_opts.dont_fragment = true;
  const Bytes ipv4_frame = build_udp_frame(client, server, hello, ip_opts);
  out.push_back({"ipv4-header-fields",
                 ipv4_frame,
                 {{"ip.version", "4"},
                  {"ip.hdr_len", "20"},
                  {"ip.dsfield", "0xb8"},
                  {"ip.len", "45"},
                  {"ip.id", "0xbeef"},
                  {"ip.flags.df", "1"},
                  {"ip.flags.mf", "0"},
                  {"ip.ttl", "1"},
                  {"ip.proto", "17"},
                  {"ip.src", "192.0.2.10"},
                  {"ip.dst", "192.0.2.1"}}});

  // A first fragment (MF set): recognised and flagged by pxelab, never reassembled.
  Bytes fragment = build_udp_frame(client, server, hello, plain);
  {
    Ipv4Repr ip = Ipv4View::parse(ByteView(fragment).subspan(14))->repr();
    ip.more_fragments = true;
    ip.emit(MutableByteView(fragment).subspan(14));
  }
  out.push_back({"ipv4-fragment-mf", fragment, {{"ip.flags.mf", "1"}, {"ip.frag_offset", "0"}}});

  FrameOptions bad_ip;
  bad_ip.faults.bad_ip_checksum = true;
  const Bytes bad_ip_frame = build_udp_frame(client, server, hello, bad_ip);
  out.push_back({"ipv4-bad-header-checksum", bad_ip_frame, {{"ip.checksum", hex16(bad_ip_frame, 24)}}});

  const Bytes udp_frame = build_udp_frame(client, server, hello, plain);
  out.push_back({"udp-checksum",
                 udp_frame,
                 {{"udp.srcport", "40000"}, {"udp.dstport", "40001"}, {"udp.length", "25"}, {"udp.checksum", hex16(udp_frame, 40)}}});

  FrameOptions no_sum = plain;
  no_sum.udp_checksum = false;
  out.push_back({"udp-no-checksum", build_udp_frame(client, server, hello, no_sum), {{"udp.checksum", "0x0000"}}});

  FrameOptions short_payload = plain;
  out.push_back({"udp-short-padded",
                 build_udp_frame(client, server, text("x"), short_payload),
                 {{"udp.length", "9"}, {"eth.padding", "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00"}}});
}

// TFTP: one read conversation (RRQ, OACK, ACK 0, DATA 1, ACK 1, ERROR) and one write
// conversation (WRQ, ACK 0, DATA 1, ERROR).
void add_tftp(std::vector<Sample>& out) {
  const UdpEndpoint client{kClientMac, kClientIp, 2070};
  const UdpEndpoint server69{kServerMac, kServerIp, kTftpServerPort};
  const UdpEndpoint server{kServerMac, kServerIp, 3001};  // the server's transfer port (TID)

  TftpRequest rrq{TftpOpcode::kRrq, "pxelinux.0", "octet", {}};
  rrq.options.set_blksize(1468);
  rrq.options.set_tsize(0);
  rrq.options.set_timeout(5);
  rrq.options.set_windowsize(4);
  out.push_back({"tftp-rrq-options",
                 build_udp_frame(client, server69, encode_tftp(rrq)),
                 {{"tftp.opcode", "1"},
                  {"tftp.source_file", "pxelinux.0"},
                  {"tftp.type", "octet"},
                  {"tftp.option.name", "blksize"},
                  {"tftp.option.value", "1468"},
                  {"tftp.option.name", "tsize"},
                  {"tftp.option.name", "timeout"},
                  {"tftp.option.name", "windowsize"},
                  {"tftp.option.value", "4"}}});

  TftpOack oack;
  oack.options.set_blksize(1468);
  oack.options.set_tsize(26140);
  oack.options.set_windowsize(4);
  out.push_back({"tftp-oack",
                 build_udp_frame(server, client, encode_tftp(oack)),
                 {{"tftp.opcode", "6"},
                  {"tftp.option.name", "tsize"},
                  {"tftp.option.value", "26140"},
                  {"tftp.option.value", "1468"}}});

  out.push_back({"tftp-ack-0", build_udp_frame(client, server, encode_tftp(TftpAck{0})),
                 {{"tftp.opcode", "4"}, {"tftp.block", "0"}}});

  Bytes block(64);
  for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<std::uint8_t>(i);
  out.push_back({"tftp-data-1", build_udp_frame(server, client, encode_tftp(TftpData{1, block})),
                 {{"tftp.opcode", "3"}, {"tftp.block", "1"}}});
  out.push_back({"tftp-ack-1", build_udp_frame(client, server, encode_tftp(TftpAck{1})),
                 {{"tftp.opcode", "4"}, {"tftp.block", "1"}}});
  out.push_back({"tftp-error-file-not-found",
                 build_udp_frame(server, client, encode_tftp(TftpError{1, "File not found"})),
                 {{"tftp.opcode", "5"}, {"tftp.error.code", "1"}, {"tftp.error.message", "File not found"}}});

  const UdpEndpoint writer{kClientMac, kClientIp, 2071};
  const UdpEndpoint wserver{kServerMac, kServerIp, 3002};
  out.push_back({"tftp-wrq",
                 build_udp_frame(writer, server69,
                                 encode_tftp(TftpRequest{TftpOpcode::kWrq, "upload/log.txt", "netascii", {}})),
                 {{"tftp.opcode", "2"}, {"tftp.destination_file", "upload/log.txt"}, {"tftp.type", "netascii"}}});
  out.push_back({"tftp-ack-wrq", build_udp_frame(wserver, writer, encode_tftp(TftpAck{0})),
                 {{"tftp.opcode", "4"}, {"tftp.block", "0"}}});
  out.push_back({"tftp-data-wrq-last", build_udp_frame(writer, wserver, encode_tftp(TftpData{1, text("log\r\n")})),
                 {{"tftp.opcode", "3"}, {"tftp.block", "1"}}});
  out.push_back({"tftp-error-option-negotiation",
                 build_udp_frame(wserver, writer, encode_tftp(TftpError{8, "blksize refused"})),
                 {{"tftp.opcode", "5"}, {"tftp.error.code", "8"}, {"tftp.error.message", "blksize refused"}}});
}

void add_wol(std::vector<Sample>& out) {
  const MacAddress target{{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}};
  const UdpEndpoint sender{kServerMac, kServerIp, 40000};
  const UdpEndpoint bcast9{MacAddress::broadcast(), Ipv4Address::broadcast(), kWolPortDiscard};
  const WolRepr plain{target, {}};
  const WolRepr pw4{target, WolPassword::from(std::vector<std::uint8_t>{0xc0, 0x00, 0x02, 0x01})};
  const WolRepr pw6{target, WolPassword::from(std::vector<std::uint8_t>{0x01, 0x02, 0x03, 0x04, 0x05, 0x06})};
  out.push_back({"wol-udp", build_wol_udp_frame(sender, bcast9, plain),
                 {{"wol.mac", "00:11:22:33:44:55"}, {"udp.dstport", "9"}}});
  out.push_back({"wol-udp-password6", build_wol_udp_frame(sender, bcast9, pw6),
                 {{"wol.mac", "00:11:22:33:44:55"}, {"wol.passwd", tshark_wol_passwd("01:02:03:04:05:06", 6)}}});
  out.push_back({"wol-ether", build_wol_ether_frame(kServerMac, MacAddress::broadcast(), plain),
                 {{"eth.type", "0x0842"}, {"wol.mac", "00:11:22:33:44:55"}}});
  out.push_back({"wol-ether-password4", build_wol_ether_frame(kServerMac, MacAddress::broadcast(), pw4),
                 {{"wol.mac", "00:11:22:33:44:55"}, {"wol.passwd", tshark_wol_passwd("192.0.2.1", 4)}}});
}

}  // namespace

std::vector<Sample> l2l4_samples() {
  std::vector<Sample> out;
  add_l2_l4(out);
  add_tftp(out);
  add_wol(out);
  return out;
}

}  // namespace pxelab::wire
