#include "server/config.h"

#include <gtest/gtest.h>

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

Result<ServerConfig> parse(const std::string& text) { return parse_server_config(text, "/etc/lab/server.toml"); }

std::string error_of(const std::string& text) {
  auto c = parse(text);
  EXPECT_FALSE(c) << "expected an error for:\n" << text;
  return c ? "" : c.error().to_string();
}

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
  EXPECT_EQ(c->hosts[1].boot, BootMode::Local);
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
  };
  for (const auto& c : cases) {
    auto e = error_of(c.text);
    EXPECT_NE(e.find(c.expect), std::string::npos) << "got: " << e << "\nwanted: " << c.expect;
    EXPECT_EQ(e.rfind("/etc/lab/server.toml:", 0), 0u) << e;
  }
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
