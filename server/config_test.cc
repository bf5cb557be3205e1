#include "server/config.h"

#include <gtest/gtest.h>

#include "server/boot_server.h"
#include "server/config_testlib.h"
#include "server/tftp_files.h"
#include "sim/clock.h"

namespace pxelab::server {
namespace {

using wire::Ipv4Address;

constexpr const char* kMinimal = R"(
[server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.110"
)";

Result<ServerConfig> parse(const std::string& text) { return testing::parse_config(text); }
std::string error_of(const std::string& text) { return testing::config_error_of(text); }

TEST(ServerConfig, TheCommentedExampleLoads) {
  auto c = load_server_config(std::string(PXELAB_SOURCE_DIR) + "/server/example.toml");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->mode, ServerMode::Dhcp);
  EXPECT_EQ(c->address, *Ipv4Address::parse("192.0.2.1"));
  EXPECT_EQ(c->fsync, FsyncPolicy::Group);
  ASSERT_EQ(c->subnets.size(), 1u);
  EXPECT_EQ(c->subnets[0].pools[0].size(), 100u);
  EXPECT_EQ(c->subnets[0].options[0].code, 42);
  EXPECT_EQ(c->boot.file_by_arch.at(0), "pxelinux.0");
  EXPECT_EQ(c->boot.file_by_arch.at(7), "ipxe.efi");
  EXPECT_EQ(c->boot.file_by_arch.at(11), "grubaa64.efi");
  ASSERT_EQ(c->boot.menu.items.size(), 2u);
  EXPECT_EQ(c->boot.menu.items[1].type, 0x8000);
  ASSERT_EQ(c->hosts.size(), 2u);
  EXPECT_EQ(c->hosts[0].vars.at("rack"), "3");
  EXPECT_FALSE(c->hosts[1].boot);
  EXPECT_EQ(c->hosts[1].group, "lab");
  EXPECT_EQ(c->boot_mode_of(&c->hosts[1]), BootMode::Local);  // its group's mode
  EXPECT_EQ(c->hosts[1].file_by_arch.at(7), "ipxe.efi");
  EXPECT_EQ(c->find_host(c->hosts[1].mac), &c->hosts[1]);
  EXPECT_EQ(c->tftp.root, std::string(PXELAB_SOURCE_DIR) + "/server/tftp") << "relative to the file";
}

TEST(ServerConfig, DefaultsFromAMinimalFile) {
  auto c = parse(kMinimal);
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->lease_time, 3600u);
  EXPECT_FALSE(c->t1);
  EXPECT_TRUE(c->lease_file.empty());
  EXPECT_TRUE(c->boot.nul_terminate_file);
  EXPECT_FALSE(c->boot.next_server);  // siaddr: server.address
  EXPECT_EQ(c->tftp.max_blksize, 1468);
  EXPECT_FALSE(c->tftp.allow_write);
}

TEST(ServerConfig, SyntaxErrorNamesFileLineAndColumn) {
  auto e = error_of("[server]\naddress = \"192.0.2.1\nx = 1\n");
  EXPECT_EQ(e.rfind("/etc/lab/server.toml:2:", 0), 0u) << e;
}

TEST(ServerConfig, UnknownKeysAreErrorsWithTheirLine) {
  auto e = error_of(std::string(kMinimal) + "[tftp]\nroot = \"x\"\nblksize = 512\n");
  EXPECT_NE(e.find("server.toml:9:"), std::string::npos) << e;
  EXPECT_NE(e.find("tftp.blksize: unknown key"), std::string::npos) << e;
  EXPECT_NE(e.find("max_blksize"), std::string::npos) << "lists what is allowed: " << e;

  e = error_of(std::string(kMinimal) + "[bogus]\n");
  EXPECT_NE(e.find("bogus: unknown key"), std::string::npos) << e;
}

TEST(ServerConfig, FaultsAreNamedSwitchesAndUnknownOnesAreErrors) {
  auto c = parse(std::string(kMinimal) + "[faults]\nmissing_end = true\ntftp_sorcerer = true\nwrong_xid = false\noffer_delay_ms = 3000\n");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_TRUE(c->faults.has(Fault::kMissingEnd));
  EXPECT_TRUE(c->faults.has(Fault::kTftpSorcerer));
  EXPECT_TRUE(c->faults.has(Fault::kTftpSorcerer)) << "TFTP switches are in the same table (BootServer hands it to the TFTP agent)";
  EXPECT_FALSE(c->faults.has(Fault::kWrongXid));
  EXPECT_EQ(c->faults.offer_delay_ms, 3000u);
  EXPECT_FALSE(parse(std::string(kMinimal))->faults.any()) << "a correct server by default";

  auto e = error_of(std::string(kMinimal) + "[faults]\nbreak_everything = true\n");
  EXPECT_NE(e.find("faults.break_everything: unknown fault"), std::string::npos) << e;
  EXPECT_NE(e.find("tftp_sorcerer"), std::string::npos) << "lists the switches: " << e;
  e = error_of(std::string(kMinimal) + "[faults]\nmissing_end = 1\n");
  EXPECT_NE(e.find("faults.missing_end: must be true or false"), std::string::npos) << e;
}

TEST(ServerConfig, WrongTypesAndValuesNameTheKey) {
  struct Case {
    std::string text;
    std::string expect;
  } cases[] = {
      {"[server]\naddress = 5\n", "server.address: must be an IPv4 address"},
      {"[server]\naddress = \"192.0.2.300\"\n", "server.address: '192.0.2.300' is not an IPv4 address"},
      {"[server]\n", "server.address: missing"},
      {"[server]\naddress = \"192.0.2.1\"\nmode = \"relay\"\n", "server.mode: 'relay' is not one of"},
      {"[server]\naddress = \"192.0.2.1\"\n", "mode \"dhcp\" needs at least one [[subnet]]"},
      {"[server]\naddress = \"192.0.2.1\"\nlease_time = 10\n", "server.lease_time: 10 is out of range"},
      {"[server]\naddress = \"192.0.2.1\"\nt1 = 3000\nt2 = 2000\n", "T1 (3000) < T2 (2000)"},
      {"[server]\naddress = \"192.0.2.1\"\nfsync = \"sometimes\"\n", "server.fsync"},
      {"[server]\naddress = \"192.0.2.1\"\n[[subnet]]\nnetwork = \"192.0.2.0\"\n", "subnet[0].network: '192.0.2.0' is not a network"},
      {"[server]\naddress = \"192.0.2.1\"\n[[subnet]]\nnetwork = \"192.0.2.1/24\"\n", "has host bits set"},
      {"[server]\naddress = \"192.0.2.1\"\n[[subnet]]\nnetwork = \"192.0.2.0/24\"\npool = [\"192.0.3.1-192.0.3.5\"]\n",
       "subnet[0].pool[0]: '192.0.3.1-192.0.3.5' is not inside 192.0.2.0/24"},
      {"[server]\naddress = \"192.0.2.1\"\n[[subnet]]\nnetwork = \"192.0.2.0/24\"\npool = \"192.0.2.9-192.0.2.5\"\n", "first <= last"},
      {std::string(kMinimal) + "[subnet.options]\n300 = 1\n", "option keys are codes 1..254"},
      {std::string(kMinimal) + "[subnet.options]\n150 = \"hex:zz\"\n", "subnet[0].options.150"},
      {std::string(kMinimal) + "[[host]]\nip = \"192.0.2.5\"\n", "host[0].mac: missing"},
      {std::string(kMinimal) + "[[host]]\nmac = \"52:54:00:zz:00:01\"\n", "is not a MAC address"},
      {std::string(kMinimal) + "[[host]]\nmac = \"52:54:00:00:00:01\"\nboot = \"pxe\"\n", "host[0].boot: 'pxe' is not one of"},
      {std::string(kMinimal) + "[[host]]\nmac = \"52:54:00:00:00:01\"\n[[host]]\nmac = \"52:54:00:00:00:01\"\n", "host[1].mac: 52:54:00:00:00:01 appears twice"},
      {std::string(kMinimal) + "[[host]]\nmac = \"52:54:00:00:00:01\"\nip = \"198.18.0.1\"\n", "host[0].ip: 198.18.0.1 is in no [[subnet]]"},
      {std::string(kMinimal) + "[boot.file]\nsparc = \"x\"\n", "boot.file.sparc: unknown architecture"},
      {std::string(kMinimal) + "[boot.menu]\n[[boot.menu.item]]\ntype = 5\ndescription = \"x\"\n", "boot.menu.item[0].file: items other than type 0"},
      {std::string(kMinimal) + "[tftp]\nmax_blksize = 70000\n", "tftp.max_blksize: 70000 is out of range 8..65464"},
      {std::string(kMinimal) + "[boot]\nnext_server = \"tftp.example\"\n", "boot.next_server: 'tftp.example' is not an IPv4 address"},
      {std::string(kMinimal) + "[boot]\nnext_server = \"255.255.255.255\"\n", "boot.next_server"},
  };
  for (const auto& c : cases) {
    auto e = error_of(c.text);
    EXPECT_NE(e.find(c.expect), std::string::npos) << "got: " << e << "\nwanted: " << c.expect;
    EXPECT_EQ(e.rfind("/etc/lab/server.toml:", 0), 0u) << e;
  }
}

// Values that would make bad replies are refused, and every error names the file, the
// line of the offending key and the key (item by item: RFC 2131 §4.4.5 T1/T2 per
// subnet, FW-38 file names, FW-07 zero-length options, server-owned codes, unusable
// addresses, overlapping subnets).
TEST(ServerConfig, ValuesThatWouldMakeBadRepliesAreRefusedAtTheirLine) {
  const std::string name128(128, 'a');
  struct Case {
    std::string text;
    std::string expect;  // "LINE:COL: KEY: ..." or a part of it
  } cases[] = {
      {"[server]\naddress = \"192.0.2.1\"\nt1 = 1000\nt2 = 2000\n[[subnet]]\nnetwork = \"192.0.2.0/24\"\nlease_time = 1500\n",
       "server.toml:7:14: subnet[0].lease_time: T1 (1000) < T2 (2000) < lease_time (1500)"},
      {"[server]\naddress = \"192.0.2.1\"\nt1 = 3000\nt2 = 2000\n", "server.toml:3:6: server.t1: T1 (3000) < T2 (2000)"},
      {"[server]\naddress = \"192.0.2.1\"\nt2 = 4000\n", "server.toml:3:6: server.t2: T1 (1800) < T2 (4000) < lease_time (3600)"},
      {std::string(kMinimal) + "[boot]\ndefault_file = \"" + name128 + "\"\n", "server.toml:8:16: boot.default_file: a boot file name needs 1..127 octets"},
      {std::string(kMinimal) + "[boot]\ndefault_file = \"a\\u0000b\"\n", "server.toml:8:16: boot.default_file: a boot file name needs 1..127 octets and no NUL"},
      {std::string(kMinimal) + "[boot]\ndefault_file = \"\"\n", "boot.default_file: a boot file name"},
      {std::string(kMinimal) + "[boot.file]\nx64-efi = \"" + name128 + "\"\n", "server.toml:8:11: boot.file.x64-efi: a boot file name"},
      {std::string(kMinimal) + "[[host]]\nmac = \"52:54:00:00:00:01\"\nfile = \"" + name128 + "\"\n", "server.toml:9:8: host[0].file: a boot file name"},
      {std::string(kMinimal) + "[subnet.options]\n12 = \"\"\n", "server.toml:8:6: subnet[0].options.12: 0 octets do not fit option 12"},
      {std::string(kMinimal) + "[subnet.options]\n42 = \"hex:0102\"\n", "subnet[0].options.42: 2 octets do not fit option 42"},
      {std::string(kMinimal) + "[subnet.options]\n51 = 100\n", "server.toml:8:1: subnet[0].options.51: option 51 is set by the server"},
      {std::string(kMinimal) + "[subnet.force_options]\n54 = \"192.0.2.9\"\n", "subnet[0].force_options.54: option 54 is set by the server"},
      {std::string(kMinimal) + "[subnet.options]\n209 = \"a\"\n[subnet.force_options]\n209 = \"b\"\n", "subnet[0].force_options.209: also in subnet[0].options"},
      {"[server]\naddress = \"0.0.0.0\"\n", "server.toml:2:11: server.address: 0.0.0.0 is not a usable unicast address"},
      {"[server]\naddress = \"255.255.255.255\"\n", "server.address: 255.255.255.255 is not a usable"},
      {std::string(kMinimal) + "router = \"255.255.255.255\"\n", "server.toml:7:10: subnet[0].router: 255.255.255.255"},
      {std::string(kMinimal) + "dns = [\"192.0.2.53\", \"0.0.0.0\"]\n", "subnet[0].dns: 0.0.0.0 is not a usable"},
      {std::string(kMinimal) + "[[host]]\nmac = \"52:54:00:00:00:01\"\nip = \"0.0.0.0\"\n", "server.toml:9:6: host[0].ip: 0.0.0.0 is not"},
      {std::string(kMinimal) + "[[subnet]]\nnetwork = \"192.0.0.0/16\"\n", "server.toml:8:11: subnet[1].network: 192.0.0.0/16 overlaps subnet[0] 192.0.2.0/24"},
      {std::string(kMinimal) + "[[subnet]]\nnetwork = \"192.0.2.128/25\"\n", "subnet[1].network: 192.0.2.128/25 overlaps subnet[0]"},
  };
  for (const auto& c : cases) {
    auto e = error_of(c.text);
    EXPECT_NE(e.find(c.expect), std::string::npos) << "got: " << e << "\nwanted: " << c.expect;
    EXPECT_EQ(e.rfind("/etc/lab/server.toml:", 0), 0u) << e;
  }
  // Every server-owned code is refused.
  for (int code : {50, 51, 52, 53, 54, 55, 57, 58, 59, 61, 82}) {
    auto e = error_of(std::string(kMinimal) + "[subnet.options]\n" + std::to_string(code) + " = \"hex:01020304\"\n");
    EXPECT_NE(e.find("is set by the server"), std::string::npos) << code << ": " << e;
  }
  // The limits themselves are fine: 127 octets, distinct subnets, a subnet lease that
  // keeps T1 < T2, forced 208-211.
  auto ok = parse(std::string(kMinimal) + "lease_time = 600\n[subnet.force_options]\n208 = \"hex:f100747e\"\n209 = \"pxelinux.cfg/lab\"\n"
                  "[[subnet]]\nnetwork = \"192.0.3.0/24\"\n[boot]\ndefault_file = \"" + std::string(127, 'a') + "\"\n");
  ASSERT_TRUE(ok) << ok.error().to_string();
  ASSERT_EQ(ok->subnets[0].force_options.size(), 2u);
  EXPECT_EQ(ok->subnets[0].force_options[1].code, 209);
}

TEST(ServerConfig, ErrorsFoundAfterLoadingNameTheFileLineAndKey) {
  auto c = parse("[server]\naddress = \"192.0.2.1\"\nlease_file = \"/nonexistent/dir/leases\"\n[[subnet]]\nnetwork = \"192.0.2.0/24\"\n"
            "[tftp]\nroot = \"/nonexistent/tftp\"\n");
  ASSERT_TRUE(c) << c.error().to_string();
  auto files = TftpFileSource::create(*c);
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error().to_string().rfind("/etc/lab/server.toml:7:8: tftp.root: /nonexistent/tftp is not a directory", 0), 0u)
      << files.error().to_string();

  // The TFTP root is checked first (a failed configuration creates no journal), so the
  // journal's error is seen with a configuration whose TFTP root is fine.
  auto no_tftp = parse("[server]\naddress = \"192.0.2.1\"\nlease_file = \"/nonexistent/dir/leases\"\n[[subnet]]\nnetwork = \"192.0.2.0/24\"\n");
  ASSERT_TRUE(no_tftp) << no_tftp.error().to_string();
  sim::VirtualClock clock;
  MemoryLog log;
  auto srv = BootServer::create(clock, *no_tftp, log, {});
  ASSERT_FALSE(srv);
  EXPECT_EQ(srv.error().to_string().rfind("/etc/lab/server.toml:3:14: server.lease_file: ", 0), 0u) << srv.error().to_string();
  EXPECT_NE(srv.error().to_string().find("/nonexistent/dir/leases"), std::string::npos) << srv.error().to_string();
}

TEST(ServerConfig, ProxyModeNeedsNoSubnet) {
  auto c = parse("[server]\nmode = \"proxy\"\naddress = \"192.0.2.2\"\n");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->mode, ServerMode::Proxy);
}

TEST(ServerConfig, MissingFileIsAClearError) {
  auto c = load_server_config("/nonexistent/pxelab.toml");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().to_string().find("/nonexistent/pxelab.toml: cannot open"), std::string::npos) << c.error().to_string();
}

TEST(ServerConfig, ArchitectureNamesAndNumbers) {
  EXPECT_EQ(parse_arch("bios"), 0);
  EXPECT_EQ(parse_arch("x64-efi"), 7);
  EXPECT_EQ(parse_arch("16"), 16);
  EXPECT_EQ(parse_arch("65535"), 65535);
  EXPECT_FALSE(parse_arch("65536"));
  EXPECT_FALSE(parse_arch("-1"));
  EXPECT_FALSE(parse_arch(""));
}

}  // namespace
}  // namespace pxelab::server
