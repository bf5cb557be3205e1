// BootServer::set_boot_mode: a boot mode changed while the server runs is what its next
// DHCP answer and its generated pxelinux.cfg follow (a scenario's boot-mode event).
#include "server/boot_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "server/boot_choice.h"
#include "sim/clock.h"

namespace pxelab::server {
namespace {

// Issue 10: `pxelab serve` with a missing TFTP root refused to start but left a fresh
// leases.journal beside its config. A configuration that fails validation creates nothing.
TEST(BootServer, MissingTftpRootIsRefusedBeforeTheJournalIsCreated) {
  const auto dir = std::filesystem::temp_directory_path() / ("pxelab-bs-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  ServerConfig c;
  c.address = wire::Ipv4Address::from_octets(192, 0, 2, 1);
  c.lease_file = (dir / "leases.journal").string();
  c.tftp.root = (dir / "tftp").string();  // does not exist
  sim::VirtualClock clock;
  MemoryLog log;
  auto srv = BootServer::create(clock, c, log, BootServerOptions{});
  ASSERT_FALSE(srv);
  EXPECT_NE(srv.error().to_string().find("is not a directory"), std::string::npos) << srv.error().to_string();
  EXPECT_FALSE(std::filesystem::exists(dir / "leases.journal"));
  std::filesystem::remove_all(dir);
}

TEST(BootServer, SetBootModeChangesTheNextAnswerAndOnlyForAKnownHost) {
  ServerConfig c;
  c.address = wire::Ipv4Address::from_octets(192, 0, 2, 1);
  c.boot.default_file = "pxelinux.0";
  c.boot.default_mode = BootMode::Local;
  HostEntry h;
  h.mac = *wire::MacAddress::parse("52:54:00:00:00:01");
  h.hostname = "maint-1";
  c.hosts.push_back(h);
  sim::VirtualClock clock;
  MemoryLog log;
  BootServerOptions o;
  o.tftp = false;
  auto srv = BootServer::create(clock, c, log, o);
  ASSERT_TRUE(srv) << srv.error().to_string();
  ClientIdentity pxe{true, 0, false, "PXEClient:Arch:00000"};

  BootDecision before = choose_boot((*srv)->config(), (*srv)->config().find_host(h.mac), pxe);
  EXPECT_EQ(before.mode, BootMode::Local);
  EXPECT_TRUE(before.file.empty());

  ASSERT_TRUE((*srv)->set_boot_mode(h.mac, BootMode::Network));
  BootDecision after = choose_boot((*srv)->config(), (*srv)->config().find_host(h.mac), pxe);
  EXPECT_EQ(after.mode, BootMode::Network);
  EXPECT_EQ(after.file, "pxelinux.0");

  auto unknown = (*srv)->set_boot_mode(*wire::MacAddress::parse("52:54:00:00:00:99"), BootMode::Network);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().to_string().find("no host entry for 52:54:00:00:00:99"), std::string::npos)
      << unknown.error().to_string();
}

}  // namespace
}  // namespace pxelab::server
