// The seed corpora of the L2-L4 fuzz targets (wire/fuzz_corpus/{ethernet,tftp,wol})
// are written by this test when PXELAB_WRITE_FUZZ_SEEDS=1:
//   PXELAB_WRITE_FUZZ_SEEDS=1 build/<dir>/wire/pxelab_wire_test --gtest_filter='FuzzSeeds.*'
// Otherwise it checks that each file holds exactly what the generator makes now, so a
// corpus gone stale (an encoder changed, the seeds not rewritten) fails.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "wire/frame.h"
#include "wire/tftp.h"
#include "wire/wol.h"

namespace pxelab::wire {
namespace {

namespace fs = std::filesystem;

using Seeds = std::vector<std::pair<std::string, Bytes>>;

const UdpEndpoint kClient{{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}}, Ipv4Address::from_octets(192, 0, 2, 10), 2070};
const UdpEndpoint kServer{{{0x52, 0x54, 0x00, 0x00, 0x00, 0x01}}, Ipv4Address::from_octets(192, 0, 2, 1), 69};

Seeds tftp_seeds() {
  TftpRequest rrq{TftpOpcode::kRrq, "pxelinux.0", "octet", {}};
  rrq.options.set_blksize(1468);
  rrq.options.set_tsize(0);
  rrq.options.set_timeout(5);
  rrq.options.set_windowsize(8);
  TftpOack oack;
  oack.options = rrq.options;
  oack.options.set_tsize(26140);
  const std::uint8_t data[] = {0x7f, 'E', 'L', 'F', 1, 2, 3};
  return {{"rrq", encode_tftp(rrq)},
          {"wrq", encode_tftp(TftpRequest{TftpOpcode::kWrq, "upload.bin", "netascii", {}})},
          {"data", encode_tftp(TftpData{1, data})},
          {"ack", encode_tftp(TftpAck{65535})},
          {"error", encode_tftp(TftpError{1, "File not found"})},
          {"oack", encode_tftp(oack)},
          {"rrq-unterminated", encode_tftp(rrq, TftpFaults{.unterminated_last_string = true})}};
}

Seeds ethernet_seeds() {
  const std::uint8_t hello[] = {'h', 'e', 'l', 'l', 'o'};
  FrameOptions tagged;
  tagged.vlan = VlanTag{3, false, 10};
  FrameOptions bad;
  bad.faults.bad_ip_checksum = true;
  bad.faults.bad_udp_checksum = true;
  const ArpRepr req = ArpRepr::request(kClient.mac, kClient.ip, kServer.ip);
  Bytes frag = build_udp_frame(kClient, kServer, hello);
  frag[20] = 0x20;
  return {{"udp", build_udp_frame(kClient, kServer, hello)},
          {"udp-vlan", build_udp_frame(kClient, kServer, hello, tagged)},
          {"udp-bad-checksums", build_udp_frame(kClient, kServer, hello, bad)},
          {"udp-fragment", frag},
          {"arp-request", build_arp_frame(MacAddress::broadcast(), req)},
          {"arp-reply-vlan", build_arp_frame(kClient.mac, ArpRepr::reply_to(req, kServer.mac), tagged)}};
}

Seeds wol_seeds() {
  const WolRepr plain{{{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}}, {}};
  const WolRepr pw{{{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}}, WolPassword::from(std::vector<std::uint8_t>{1, 2, 3, 4})};
  const UdpEndpoint bcast{MacAddress::broadcast(), Ipv4Address::broadcast(), kWolPortDiscard};
  return {{"magic", plain.encode()},
          {"ether", build_wol_ether_frame(kClient.mac, MacAddress::broadcast(), plain)},
          {"ether-password", build_wol_ether_frame(kClient.mac, MacAddress::broadcast(), pw)},
          {"udp", build_wol_udp_frame(kClient, bcast, plain)},
          {"udp-password6",
           build_wol_udp_frame(kClient, bcast,
                               WolRepr{plain.target, WolPassword::from(std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6})})}};
}

void write_or_check(const std::string& target, const Seeds& seeds) {
  const fs::path dir = fs::path(PXELAB_SOURCE_DIR) / "wire" / "fuzz_corpus" / target;
  const char* write = std::getenv("PXELAB_WRITE_FUZZ_SEEDS");
  if (write && std::string(write) == "1") {
    fs::create_directories(dir);
    for (const auto& [name, bytes] : seeds) {
      std::ofstream out(dir / name, std::ios::binary);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      ASSERT_TRUE(out.good()) << name;
    }
  }
  for (const auto& [name, bytes] : seeds) {
    EXPECT_LT(bytes.size(), 2048u);
    std::ifstream in(dir / name, std::ios::binary);
    ASSERT_TRUE(in.good()) << (dir / name) << " missing: regenerate with PXELAB_WRITE_FUZZ_SEEDS=1";
    const Bytes on_disk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(on_disk, bytes) << (dir / name) << " differs from what the generator makes: regenerate with "
                              << "PXELAB_WRITE_FUZZ_SEEDS=1";
  }
}

TEST(FuzzSeeds, Tftp) { write_or_check("tftp", tftp_seeds()); }
TEST(FuzzSeeds, Ethernet) { write_or_check("ethernet", ethernet_seeds()); }
TEST(FuzzSeeds, Wol) { write_or_check("wol", wol_seeds()); }

}  // namespace
}  // namespace pxelab::wire
