// Each personality against the reference server in the simulator, in every mode:
// full DHCP; proxyDHCP beside a separate DHCP-only server; BOOTP only; through a
// relay. Where a firmware cannot boot in a mode, the test asserts the failure its
// FW-nn entry predicts.
#include <tuple>

#include "captures/pcap_writer.h"
#include "client/client_test_lab.h"

namespace pxelab::client {
namespace {

using namespace testing;

TEST(Personalities, AllLoadAndCiteTheirSources) {
  const PersonalitySet& set = personalities();
  for (const char* id : {"edk2-x64", "edk2-aa64", "ipxe-bios", "ipxe-efi", "intel-pxe21", "uboot", "pxelinux",
                         "bootp-prom"}) {
    ASSERT_TRUE(set.contains(id)) << id;
    EXPECT_FALSE(set.at(id).firmware.empty()) << id;
    EXPECT_FALSE(set.at(id).sources.empty()) << id;
  }
}

// The host table every mode uses: one entry per client number, fixed addresses.
std::string host_table(const char* net) {
  std::string s;
  for (int n = 1; n <= 8; ++n) {
    s += "[[host]]\nmac = \"" + client_mac(static_cast<std::uint32_t>(n)).to_string() + "\"\nip = \"" + net +
         std::to_string(10 + n) + "\"\nhostname = \"node" + std::to_string(n) +
         "\"\nvars = { kernel = \"vmlinuz\", append = \"initrd=initrd.img\" }\n";
  }
  return s;
}

const char* kBootFiles = R"(
default_file = "pxelinux.0"
ipxe_script = "boot.ipxe"
[boot.file]
bios = "pxelinux.0"
x64-efi = "ipxe.efi"
9 = "ipxe.efi"
arm64-efi = "grubaa64.efi"
)";

enum class Mode { kFull, kProxy, kBootp, kRelay };
std::string to_string(Mode m) {
  switch (m) {
    case Mode::kFull: return "FullDhcp";
    case Mode::kProxy: return "ProxyBesideDhcpOnly";
    case Mode::kBootp: return "BootpOnly";
    case Mode::kRelay: return "ThroughARelay";
  }
  return "?";
}

void set_up(Mode mode, Lab& lab, const TftpRoot& root) {
  switch (mode) {
    case Mode::kFull:
      lab.add_server(server_config(root, std::string(R"(
[server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.199"
router = "192.0.2.1"
)") + host_table("192.0.2.") + "[boot]" + kBootFiles));
      return;
    case Mode::kProxy: {
      // A plain DHCP server (no boot information, no TFTP) and the reference server
      // as proxyDHCP + TFTP beside it (FW-21, FW-34).
      server::BootServerOptions dhcp_only;
      dhcp_only.tftp = false;
      lab.add_server(server_config(root, std::string(R"(
[server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.199"
router = "192.0.2.1"
)") + host_table("192.0.2.")), {}, dhcp_only);
      lab.add_server(server_config(root, std::string(R"(
[server]
mode = "proxy"
address = "192.0.2.2"
[[subnet]]
network = "192.0.2.0/24"
[boot])") + kBootFiles));
      return;
    }
    case Mode::kBootp:
      lab.add_server(server_config(root, std::string(R"(
[server]
mode = "bootp"
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
router = "192.0.2.1"
)") + host_table("192.0.2.") + "[boot]" + kBootFiles));
      return;
    case Mode::kRelay: {
      server::BootServerOptions via_router;
      via_router.gateway = wire::Ipv4Address::from_octets(192, 0, 2, 254);
      lab.add_server(server_config(root, std::string(R"(
[server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.199"
[[subnet]]
network = "198.18.0.0/24"
pool = "198.18.0.100-198.18.0.199"
router = "198.18.0.1"
)") + host_table("198.18.0.") + "[boot]" + kBootFiles), {}, via_router);
      lab.use_relay();
      return;
    }
  }
}

const char* kAllRoms[] = {"edk2-x64", "edk2-aa64", "ipxe-bios", "ipxe-efi", "intel-pxe21", "uboot", "bootp-prom"};

class EveryMode : public ::testing::TestWithParam<std::tuple<Mode, const char*>> {};

TEST_P(EveryMode, BootsOrFailsAsItsFirmwareDoes) {
  const auto [mode, personality] = GetParam();
  const std::string p = personality;
  TftpRoot root;
  Lab lab;
  set_up(mode, lab, root);
  PxeClient& c = lab.add_client(p, 1);
  lab.run(sim::seconds(200));
  const ClientOutcome& o = c.outcome();
  if (std::getenv("PXELAB_TEST_PCAP")) {
    static_cast<void>(captures::write_pcap(lab.trace, std::string(std::getenv("PXELAB_TEST_PCAP")) + "/" + p + "-" +
                                                          to_string(mode) + ".pcap"));
  }

  if (mode == Mode::kProxy && p == "uboot") {
    // FW-03, FW-22: U-Boot says 60 = "U-Boot", so a proxy keyed on PXEClient never
    // answers it; the DHCP-only server names no file and serves no TFTP.
    EXPECT_NE(o.status, BootStatus::kBooted) << describe(o);
    for (const auto& img : o.images) EXPECT_NE(img.server, wire::Ipv4Address::from_octets(192, 0, 2, 2));
    return;
  }
  if (mode == Mode::kProxy && p == "bootp-prom") {
    // A BOOTP PROM never talks to a proxy: the DHCP server's BOOTREPLY has no file.
    EXPECT_EQ(o.status, BootStatus::kFailed) << describe(o);
    EXPECT_EQ(o.code, "PXE-E53") << describe(o);
    return;
  }
  ASSERT_EQ(o.status, BootStatus::kBooted) << describe(o);
  ASSERT_FALSE(o.images.empty());
  for (const auto& img : o.images) {
    EXPECT_EQ(img.sha256.size(), 64u);
    EXPECT_GT(img.size, 0u) << img.name;
  }
  ASSERT_TRUE(o.address);
  const std::string net = mode == Mode::kRelay ? "198.18.0." : "192.0.2.";
  EXPECT_EQ(o.address->to_string().rfind(net, 0), 0u) << o.address->to_string();
  EXPECT_TRUE(o.timeline.power_on && o.timeline.first_discover && o.timeline.tftp_start && o.timeline.tftp_end);
  EXPECT_GT(o.throughput_bps, 0);
  if (mode == Mode::kProxy) {
    EXPECT_EQ(o.images.front().server, wire::Ipv4Address::from_octets(192, 0, 2, 2)) << "boot files come from the proxy";
  }
  if (mode == Mode::kRelay) {
    EXPECT_GT(lab.relay_agent->counters().requests_relayed, 0u);
    EXPECT_GT(lab.router->counters().forwarded, 0u) << "TFTP crossed the router";
  }
}

INSTANTIATE_TEST_SUITE_P(Matrix, EveryMode,
                         ::testing::Combine(::testing::Values(Mode::kFull, Mode::kProxy, Mode::kBootp, Mode::kRelay),
                                            ::testing::ValuesIn(kAllRoms)),
                         [](const auto& param_info) {
                           std::string name = to_string(std::get<0>(param_info.param)) + "_" + std::get<1>(param_info.param);
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace pxelab::client
