// Boot modes end to end with emulated ROMs and the reference server (issue 11):
// once (network one time, then local), group modes, and local boot as each firmware
// understands it (FW-47).
#include <gtest/gtest.h>

#include "client/client_test_lab.h"
#include "server/boot_choice.h"

namespace pxelab::client::testing {
namespace {

std::string dump(const server::MemoryLog& log) {
  std::string s;
  for (const auto& l : log.lines) s += "\n  log: " + l.text;
  return s;
}

std::string hosts(const std::string& mode_line) {
  return std::string(kFullDhcp) + "[[host]]\nmac = \"" + client_mac(1).to_string() + "\"\nhostname = \"lab01\"\n" + mode_line + "\n";
}

TEST(BootModes, OnceBootsFromTheNetworkThenLocal) {
  TftpRoot root;
  Lab lab;
  server::BootServer& server = lab.add_server(server_config(root, hosts("boot = \"once\"\nfile = \"installer.0\"")));
  PxeClient& first = lab.add_client("intel-pxe21", 1);
  lab.run(sim::seconds(100));
  EXPECT_EQ(first.outcome().status, BootStatus::kBooted) << describe(first.outcome());
  EXPECT_EQ(first.outcome().boot_file, "installer.0");
  // Served, so flipped: the host entry says local, and the log says why.
  EXPECT_EQ(server.config().boot_mode_of(server.config().find_host(client_mac(1))), server::BootMode::Local);
  EXPECT_TRUE(lab.log.contains("boot mode of " + client_mac(1).to_string() + " (lab01) once -> local: installer.0 served"));

  // The machine reboots: this time the PXE menu of the local item alone.
  PxeClient& second = lab.add_client("intel-pxe21", 1, lab.clock.now() + sim::seconds(1));
  lab.run(lab.clock.now() + sim::seconds(100));
  EXPECT_EQ(second.outcome().status, BootStatus::kLocalBoot) << describe(second.outcome());
  EXPECT_TRUE(second.outcome().images.empty());
}

TEST(BootModes, OnceStaysArmedWhenTheBootFileIsNotServed) {
  // A failed network boot (the file is missing: TFTP ERROR 1) is not the one boot.
  TftpRoot root;
  Lab lab;
  server::BootServer& server = lab.add_server(server_config(root, hosts("boot = \"once\"\nfile = \"missing.0\"")));
  PxeClient& c = lab.add_client("intel-pxe21", 1);
  lab.run(sim::seconds(100));
  EXPECT_EQ(c.outcome().status, BootStatus::kFailed) << describe(c.outcome());
  EXPECT_EQ(c.outcome().code, "PXE-E3B");
  EXPECT_EQ(server.config().boot_mode_of(server.config().find_host(client_mac(1))), server::BootMode::Once);
  EXPECT_FALSE(lab.log.contains("once -> local"));
}

TEST(BootModes, OnceWaitsForTheFileItsAnswerNamedNotTheChainloadedIpxe) {
  // A BIOS ROM gets undionly.kpxe (chainload, FW-44), iPXE then gets boot.ipxe: only
  // the script's transfer is the boot the once mode grants.
  TftpRoot root;
  Lab lab;
  std::string config = hosts("boot = \"once\"") + "[boot.ipxe_binary]\nbios = \"undionly.kpxe\"\n";
  server::BootServer& server = lab.add_server(server_config(root, config));
  PxeClient& c = lab.add_client("intel-pxe21", 1);
  lab.run(sim::seconds(100));
  EXPECT_EQ(c.outcome().status, BootStatus::kBooted) << describe(c.outcome());
  EXPECT_EQ(c.outcome().images.front().name, "undionly.kpxe") << describe(c.outcome());
  EXPECT_TRUE(lab.log.contains("once -> local: boot.ipxe served")) << describe(c.outcome());
  EXPECT_FALSE(lab.log.contains("once -> local: undionly.kpxe"));
  EXPECT_EQ(server.config().boot_mode_of(server.config().find_host(client_mac(1))), server::BootMode::Local);
}

TEST(BootModes, OnceWithPxelinuxFlipsWhenItsConfigIsServed) {
  // pxelinux reads its generated configuration after pxelinux.0: the flip waits for
  // it, so this boot still finds LABEL network as the default.
  TftpRoot root;
  Lab lab;
  server::BootServer& server = lab.add_server(server_config(root, hosts("boot = \"once\"\nvars = { kernel = \"vmlinuz\" }")));
  PxeClient& first = lab.add_client("intel-pxe21", 1);
  lab.run(sim::seconds(100));
  EXPECT_EQ(first.outcome().status, BootStatus::kBooted) << describe(first.outcome());
  ASSERT_FALSE(first.outcome().images.empty());
  EXPECT_EQ(first.outcome().images.back().name, "vmlinuz") << describe(first.outcome());
  EXPECT_TRUE(lab.log.contains("once -> local: pxelinux.cfg/01-52-54-00-10-00-01 served")) << dump(lab.log);
  EXPECT_EQ(server.config().boot_mode_of(server.config().find_host(client_mac(1))), server::BootMode::Local);
  PxeClient& second = lab.add_client("intel-pxe21", 1, lab.clock.now() + sim::seconds(1));
  lab.run(lab.clock.now() + sim::seconds(100));
  EXPECT_EQ(second.outcome().status, BootStatus::kLocalBoot) << describe(second.outcome());
}

TEST(BootModes, GroupModeAndHostOverrideAndGroupOnceReArmsFlippedHosts) {
  TftpRoot root;
  Lab lab;
  std::string config = std::string(kFullDhcp) + "[[group]]\nname = \"lab\"\nmode = \"local\"\n" +
                       "[[host]]\nmac = \"" + client_mac(1).to_string() + "\"\ngroup = \"lab\"\n" +
                       "[[host]]\nmac = \"" + client_mac(2).to_string() + "\"\ngroup = \"lab\"\nboot = \"network\"\n";
  server::BootServer& server = lab.add_server(server_config(root, config));
  PxeClient& grouped = lab.add_client("edk2-x64", 1);
  PxeClient& own = lab.add_client("edk2-x64", 2);
  lab.run(sim::seconds(100));
  EXPECT_EQ(grouped.outcome().status, BootStatus::kLocalBoot) << describe(grouped.outcome());
  EXPECT_EQ(own.outcome().status, BootStatus::kBooted) << describe(own.outcome());

  // group lab once: host 1 boots the network once and flips; host 2 keeps its own mode.
  ASSERT_TRUE(server.set_group_mode("lab", server::BootMode::Once, "test"));
  EXPECT_TRUE(lab.log.contains("boot mode of group lab set to once: test"));
  PxeClient& again = lab.add_client("edk2-x64", 1, lab.clock.now() + sim::seconds(1));
  lab.run(lab.clock.now() + sim::seconds(100));
  EXPECT_EQ(again.outcome().status, BootStatus::kBooted) << describe(again.outcome());
  const server::HostEntry* h1 = server.config().find_host(client_mac(1));
  EXPECT_EQ(server.config().boot_mode_of(h1), server::BootMode::Local) << describe(again.outcome()) << dump(lab.log);
  EXPECT_TRUE(h1->boot_from_once);
  // Another `group lab once` arms the flipped host again (its flip does not outrank the group).
  ASSERT_TRUE(server.set_group_mode("lab", server::BootMode::Once));
  EXPECT_EQ(server.config().boot_mode_of(server.config().find_host(client_mac(1))), server::BootMode::Once);
  EXPECT_EQ(server.config().boot_mode_of(server.config().find_host(client_mac(2))), server::BootMode::Network);
  EXPECT_FALSE(server.set_group_mode("nope", server::BootMode::Local));
}

TEST(BootModes, IpxeRunsTheServersLocalBootScript) {
  struct Case {
    const char* personality;
    std::string_view script;
    const char* says;
  };
  for (const Case& k : {Case{"ipxe-bios", server::kLocalBootScriptBios, "iPXE script: sanboot"},
                        Case{"ipxe-efi", server::kLocalBootScriptEfi, "iPXE script: exit"}}) {
    TftpRoot root;
    Lab lab;
    lab.add_server(server_config(root, hosts("boot = \"local\"")));
    PxeClient& c = lab.add_client(k.personality, 1);
    lab.run(sim::seconds(100));
    const ClientOutcome& o = c.outcome();
    EXPECT_EQ(o.status, BootStatus::kLocalBoot) << describe(o);
    ASSERT_EQ(o.images.size(), 1u) << describe(o);
    EXPECT_EQ(o.images[0].name, k.script);
    EXPECT_NE(o.text.find(k.says), std::string::npos) << describe(o) << dump(lab.log);
    ASSERT_FALSE(o.console.empty()) << describe(o);
    EXPECT_NE(o.console.back().find("pxelab: local boot"), std::string::npos) << o.console.back();
  }
}

TEST(BootModes, ABootpPromInLocalModeHearsNothingAndFallsBackToItsDisk) {
  TftpRoot root;
  Lab lab;
  std::string config = std::string(kFullDhcp) + "[[host]]\nmac = \"" + client_mac(1).to_string() +
                       "\"\nip = \"192.0.2.20\"\nboot = \"local\"\n";
  lab.add_server(server_config(root, config));
  PxeClient& c = lab.add_client("bootp-prom", 1);
  lab.run(sim::seconds(200));
  const ClientOutcome& o = c.outcome();
  EXPECT_EQ(o.status, BootStatus::kLocalBoot) << describe(o);
  EXPECT_EQ(o.code, "BOOTP-TIMEOUT");
  EXPECT_NE(o.text.find("the BIOS boots the next device"), std::string::npos) << o.text;
  EXPECT_FALSE(o.address) << "no BOOTREPLY was accepted";
  EXPECT_TRUE(lab.log.contains("a BOOTP PROM is sent to its disk by silence"));
}

}  // namespace
}  // namespace pxelab::client::testing
