// Boot modes beyond network/local/menu (issue 11): once, [[group]] modes and their
// precedence, and local boot the way each firmware understands it (FW-47).
#include <gtest/gtest.h>

#include "server/boot_choice.h"
#include "server/config.h"
#include "server/config_testlib.h"
#include "server/dhcp_responder.h"
#include "wire/dhcp_option_values.h"

namespace pxelab::server {
namespace {

constexpr const char* kBase = R"(
[server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.110"
[boot]
default_file = "pxelinux.0"
)";

Result<ServerConfig> parse(const std::string& text) { return testing::parse_config(text); }
std::string error_of(const std::string& text) { return testing::config_error_of(text); }

TEST(BootModes, GroupsAndTheirPrecedence) {
  auto c = parse(std::string(kBase) + R"(default_mode = "network"
[[group]]
name = "lab"
mode = "local"
[[group]]
name = "plain"
[[host]]
mac = "52:54:00:00:00:01"
group = "lab"
[[host]]
mac = "52:54:00:00:00:02"
group = "lab"
boot = "menu"
[[host]]
mac = "52:54:00:00:00:03"
group = "plain"
[[host]]
mac = "52:54:00:00:00:04"
boot = "once"
)");
  ASSERT_TRUE(c) << c.error().to_string();
  ASSERT_EQ(c->groups.size(), 2u);
  EXPECT_EQ(c->hosts[0].group, "lab");
  // host.boot > group mode > [boot].default_mode
  EXPECT_EQ(c->boot_mode_of(&c->hosts[0]), BootMode::Local);
  EXPECT_EQ(c->boot_mode_of(&c->hosts[1]), BootMode::Menu);
  EXPECT_EQ(c->boot_mode_of(&c->hosts[2]), BootMode::Network);  // a group without a mode
  EXPECT_EQ(c->boot_mode_of(&c->hosts[3]), BootMode::Once);
  EXPECT_EQ(c->boot_mode_of(nullptr), BootMode::Network);
}

TEST(BootModes, ConfigErrorsNameFileLineColumnAndKey) {
  // The unknown group points at the host's group key: line 11 of the text (kBase is 9 lines).
  std::string e = error_of(std::string(kBase) + "[[group]]\nname = \"lab\"\n[[host]]\nmac = \"52:54:00:00:00:01\"\ngroup = \"lba\"\n");
  EXPECT_EQ(e, "/etc/lab/server.toml:13:9: host[0].group: no [[group]] named 'lba'");
  e = error_of(std::string(kBase) + "[[group]]\nname = \"lab\"\n[[group]]\nname = \"lab\"\n");
  EXPECT_NE(e.find("group[1].name: group 'lab' is declared twice"), std::string::npos) << e;
  e = error_of(std::string(kBase) + "[[group]]\nmode = \"local\"\n");
  EXPECT_NE(e.find("group[0].name: missing"), std::string::npos) << e;
  e = error_of(std::string(kBase) + "[[group]]\nname = \"lab\"\nmode = \"sometimes\"\n");
  EXPECT_NE(e.find("group[0].mode: 'sometimes' is not one of: network, local, menu, once"), std::string::npos) << e;
  // once needs a host entry to flip: not a default for clients the table does not know.
  e = error_of(std::string(kBase) + "default_mode = \"once\"\n");
  EXPECT_NE(e.find(":9:16: boot.default_mode: 'once' needs a host entry"), std::string::npos) << e;
}

ClientIdentity pxe_client(std::optional<std::uint16_t> arch, bool ipxe) {
  ClientIdentity id;
  id.pxe = true;
  id.arch = arch;
  id.ipxe = ipxe;
  return id;
}

TEST(BootModes, OnceAnswersAsNetwork) {
  auto c = parse(std::string(kBase) + "[[host]]\nmac = \"52:54:00:00:00:01\"\nboot = \"once\"\n");
  ASSERT_TRUE(c) << c.error().to_string();
  BootDecision d = choose_boot(*c, &c->hosts[0], pxe_client(0, false));
  EXPECT_EQ(d.mode, BootMode::Network);
  EXPECT_TRUE(d.once);
  EXPECT_EQ(d.file, "pxelinux.0");
  ASSERT_TRUE(d.vendor);
  EXPECT_EQ(d.vendor->discovery_control, wire::dhcp::discovery::kUseBootfile);
  EXPECT_FALSE(choose_boot(*c, nullptr, pxe_client(0, false)).once);
}

TEST(BootModes, LocalBootPerFirmware) {
  auto c = parse(std::string(kBase) + "ipxe_script = \"boot.ipxe\"\n[[host]]\nmac = \"52:54:00:00:00:01\"\nboot = \"local\"\n");
  ASSERT_TRUE(c) << c.error().to_string();
  const HostEntry* h = &c->hosts[0];
  // A PXE ROM: the menu of the local item alone, no file (FW-20).
  BootDecision rom = choose_boot(*c, h, pxe_client(7, false));
  EXPECT_TRUE(rom.file.empty());
  ASSERT_TRUE(rom.vendor && rom.vendor->boot_menu);
  EXPECT_EQ(rom.vendor->boot_menu->front().type, 0);
  // iPXE, BIOS: the sanboot script; EFI (7, 9, 11...): the exit script (FW-47), even
  // with an ipxe_script configured (that is the network boot).
  EXPECT_EQ(choose_boot(*c, h, pxe_client(0, true)).file, kLocalBootScriptBios);
  EXPECT_EQ(choose_boot(*c, h, pxe_client(std::nullopt, true)).file, kLocalBootScriptBios);
  for (std::uint16_t arch : {7, 9, 11}) EXPECT_EQ(choose_boot(*c, h, pxe_client(arch, true)).file, kLocalBootScriptEfi) << arch;
  EXPECT_NE(local_boot_ipxe_script(false).find("\nsanboot --no-describe --drive 0x80\n"), std::string::npos);
  EXPECT_NE(local_boot_ipxe_script(true).find("\nexit\n"), std::string::npos);
  EXPECT_EQ(local_boot_ipxe_script(true).rfind("#!ipxe\n", 0), 0u);
}

TEST(BootModes, ABootpPromInLocalModeGetsNoAnswer) {
  auto c = parse(std::string(kBase) + "[[host]]\nmac = \"08:00:20:00:00:01\"\nip = \"192.0.2.20\"\nboot = \"local\"\n"
                                      "[[host]]\nmac = \"08:00:20:00:00:02\"\nip = \"192.0.2.21\"\n");
  ASSERT_TRUE(c) << c.error().to_string();
  auto leases = LeaseStore::open({});
  ASSERT_TRUE(leases);
  DhcpResponder responder(*c, *leases);
  auto bootrequest = [](std::uint8_t last) {
    wire::dhcp::Message m;
    m.op = 1;
    m.xid = 0x1234;
    m.set_mac(wire::MacAddress{{0x08, 0x00, 0x20, 0x00, 0x00, last}});
    m.vendor_format = wire::dhcp::VendorFormat::kRaw;
    m.vendor_raw.assign(64, 0);
    return m;
  };
  Exchange local = responder.handle(bootrequest(1), Arrival{{{}, wire::Ipv4Address::any(), 68}, 67}, 100);
  EXPECT_FALSE(local.reply);
  EXPECT_EQ(local.dropped, DropReason::kLocalBoot) << local.summary;
  // The same PROM in network mode is answered: silence is the mode's doing.
  Exchange network = responder.handle(bootrequest(2), Arrival{{{}, wire::Ipv4Address::any(), 68}, 67}, 100);
  ASSERT_TRUE(network.reply) << network.summary;
  EXPECT_EQ(network.reply->message.file, "pxelinux.0");
}

}  // namespace
}  // namespace pxelab::server
