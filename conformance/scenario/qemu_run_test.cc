// The reference server's configuration for one firmware profile (qemu_server_config):
// what the profile's [server] asks is what the server hands out.
#include "conformance/scenario/qemu_run.h"

#include <gtest/gtest.h>

#include "server/config.h"

namespace pxelab::conformance {
namespace {

server::ServerConfig config_for(const std::string& id) {
  auto profile = client::qemu::find_firmware_profile(std::string(PXELAB_SOURCE_DIR) + "/client/qemu/firmware", id);
  EXPECT_TRUE(profile) << (profile ? "" : profile.error().to_string());
  if (!profile) return {};
  auto config = server::parse_server_config(qemu_server_config(*profile, QemuRunOptions{}, "/tmp/tftp"), id + ".toml");
  EXPECT_TRUE(config) << (config ? "" : config.error().to_string());
  return config ? *config : server::ServerConfig{};
}

TEST(QemuServerConfig, NothingToBootNamesNoBootFileAtAll) {
  // ovmf-x64-noboot (issue 15): an address and nothing to boot.
  const auto c = config_for("ovmf-x64-noboot");
  EXPECT_TRUE(c.boot.any_arch_file.empty());
  EXPECT_TRUE(c.boot.file_by_arch.empty());
  EXPECT_TRUE(c.boot.default_file.empty());
  ASSERT_EQ(c.hosts.size(), 1u);
  EXPECT_EQ(c.hosts[0].ip, wire::Ipv4Address::parse("192.0.2.10"));
}

TEST(QemuServerConfig, NextServerBecomesSiaddrAndTheFileStays) {
  // ovmf-x64-icmp: siaddr names the namespace's kernel address, not the server.
  const auto c = config_for("ovmf-x64-icmp");
  EXPECT_EQ(c.boot.next_server, wire::Ipv4Address::parse("192.0.2.2"));
  EXPECT_EQ(c.boot.any_arch_file, "ipxe.efi");
  EXPECT_EQ(c.address, *wire::Ipv4Address::parse("192.0.2.1"));
  const auto plain = config_for("ovmf-x64");
  EXPECT_FALSE(plain.boot.next_server);
  EXPECT_EQ(plain.boot.any_arch_file, "ipxe.efi");
}

}  // namespace
}  // namespace pxelab::conformance
