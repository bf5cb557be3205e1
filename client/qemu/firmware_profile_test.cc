#include "client/qemu/firmware_profile.h"

#include <gtest/gtest.h>

#include <regex>

#include "client/qemu/launcher.h"
#include "client/qemu/uboot_script.h"

namespace pxelab::client::qemu {
namespace {

constexpr const char* kMinimal = R"(
id = "x"
arch = 7
qemu = { path = "qemu-system-x86_64", package = "qemu-system-x86" }
args = ["-netdev", "${netdev}"]
marker = 'pxelab: ${hostname}'
[server]
boot_file = "ipxe.efi"
)";

TEST(FirmwareProfile, EveryProfileInTheRepoParsesAndIsConsistent) {
  std::string dir = std::string(PXELAB_SOURCE_DIR) + "/client/qemu/firmware";
  auto ids = list_firmware_profiles(dir);
  for (const char* want : {"seabios-ipxe", "seabios-ipxe-virtio", "ovmf-x64", "ovmf-x64-ipxe", "uboot"}) {
    EXPECT_NE(std::find(ids.begin(), ids.end(), want), ids.end()) << want;
  }
  for (const auto& id : ids) {
    auto p = find_firmware_profile(dir, id);
    ASSERT_TRUE(p) << p.error().to_string();
    EXPECT_EQ(p->id, id);
    EXPECT_EQ(p->boot_file.empty(), p->nothing_to_boot) << id;
    EXPECT_LE(p->expected_seconds, p->deadline_seconds) << id;
    bool netdev = false, serial = false;
    for (const auto& a : p->args) {
      netdev |= a.find("${netdev}") != std::string::npos;
      serial |= a.find("${serial}") != std::string::npos;
    }
    EXPECT_TRUE(netdev && serial) << id << ": the template must use ${netdev} and ${serial}";
    EXPECT_NO_THROW(std::regex(fill_placeholders(p->marker, "lab01", wire::MacAddress{}, true))) << id;
    for (const auto& f : p->failures) EXPECT_NO_THROW(std::regex(f.pattern)) << id;
    if (p->vars_template) {
      bool vars = false;
      for (const auto& a : p->args) vars |= a.find("${vars}") != std::string::npos;
      EXPECT_TRUE(vars) << id;
    }
  }
}

TEST(FirmwareProfile, MinimalProfileHasDefaults) {
  auto p = parse_firmware_profile(kMinimal, "m.toml");
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ(p->arch, 7);
  EXPECT_EQ(p->qemu.package, "qemu-system-x86");
  EXPECT_EQ(p->deadline_seconds, 120);
  EXPECT_TRUE(p->failures.empty());
}

TEST(FirmwareProfile, AMarkerCanMeanLocalBootAndMatchAPartialLine) {
  // The boot-mode QEMU test (ci/e2e/test_local_boot_qemu.py): the marker is the local
  // disk's own line, or OVMF's next boot option, a prompt without a newline.
  auto with = [](const std::string& keys) {
    std::string text = kMinimal;
    text.insert(text.find("[server]"), keys);
    return parse_firmware_profile(text, "l.toml");
  };
  auto plain = with("");
  ASSERT_TRUE(plain) << plain.error().to_string();
  EXPECT_FALSE(plain->marker_local_boot);
  EXPECT_FALSE(plain->marker_partial_line);
  auto local = with("marker_status = \"local-boot\"\nmarker_partial_line = true\n");
  ASSERT_TRUE(local) << local.error().to_string();
  EXPECT_TRUE(local->marker_local_boot);
  EXPECT_TRUE(local->marker_partial_line);
  auto booted = with("marker_status = \"booted\"\n");
  ASSERT_TRUE(booted) << booted.error().to_string();
  EXPECT_FALSE(booted->marker_local_boot);
  auto bad = with("marker_status = \"maybe\"\n");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().to_string(), "l.toml:7:17: marker_status: 'maybe' is not one of: booted, local-boot");
  auto bad_flag = with("marker_partial_line = \"yes\"\n");
  ASSERT_FALSE(bad_flag);
  EXPECT_NE(bad_flag.error().to_string().find("marker_partial_line: must be true or false"), std::string::npos);
}

TEST(FirmwareProfile, ServerCanNameItsTftpHostOnlyInOption66) {
  // FW-37 under real firmware (ovmf-x64-66only): 66 set, siaddr 0.
  auto p = parse_firmware_profile(std::string(kMinimal) + "tftp_server_name = \"192.0.2.1\"\nno_siaddr = true\n", "f.toml");
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ(p->tftp_server_name, "192.0.2.1");
  EXPECT_TRUE(p->no_siaddr);
  auto plain = parse_firmware_profile(kMinimal, "m.toml");
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->tftp_server_name.empty());
  EXPECT_FALSE(plain->no_siaddr);
  auto bad = parse_firmware_profile(std::string(kMinimal) + "no_siaddr = \"yes\"\n", "b.toml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "server.no_siaddr");
}

TEST(FirmwareProfile, ServerCanPointSiaddrAtAnotherHost) {
  // ovmf-x64-icmp: siaddr names a segment host with no TFTP listener (ICMP, FW-37).
  auto p = parse_firmware_profile(std::string(kMinimal) + "next_server = \"192.0.2.2\"\n", "n.toml");
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ(p->next_server, "192.0.2.2");
  auto bad = parse_firmware_profile(std::string(kMinimal) + "next_server = \"tftp\"\n", "b.toml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "server.next_server");
}

TEST(FirmwareProfile, ServerCanGiveNothingToBoot) {
  // ovmf-x64-noboot / seabios-ipxe-noboot: an address, no boot file (issue 15).
  std::string text(kMinimal);
  text.replace(text.find("boot_file = \"ipxe.efi\""), 22, "nothing_to_boot = true");
  auto p = parse_firmware_profile(text, "n.toml");
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_TRUE(p->nothing_to_boot);
  EXPECT_TRUE(p->boot_file.empty());
  auto both = parse_firmware_profile(std::string(kMinimal) + "nothing_to_boot = true\n", "b.toml");
  ASSERT_FALSE(both) << "a boot file with nothing_to_boot";
  EXPECT_EQ(both.error().field, "server.boot_file");
  std::string none(kMinimal);
  none.replace(none.find("boot_file = \"ipxe.efi\""), 22, "");
  auto missing = parse_firmware_profile(none, "m.toml");
  ASSERT_FALSE(missing) << "neither a boot file nor nothing_to_boot";
  EXPECT_EQ(missing.error().field, "server.boot_file");
}

TEST(FirmwareProfile, ErrorsNameFileLineAndKey) {
  auto typo = parse_firmware_profile("markr = 'x'\n" + std::string(kMinimal), "t.toml");
  ASSERT_FALSE(typo);
  EXPECT_EQ(typo.error().field, "markr");
  EXPECT_EQ(typo.error().location.rfind("t.toml:", 0), 0u) << typo.error().to_string();

  auto syntax = parse_firmware_profile("id = \n", "s.toml");
  ASSERT_FALSE(syntax);
  EXPECT_EQ(syntax.error().location.rfind("s.toml:1:", 0), 0u) << syntax.error().to_string();

  auto escape = parse_firmware_profile(std::string(kMinimal) + "[[tftp]]\nname = '../etc/passwd'\ntext = 'x'\n", "e.toml");
  ASSERT_FALSE(escape);
  EXPECT_EQ(escape.error().field, "tftp[0].name");

  auto both = parse_firmware_profile(std::string(kMinimal) + "[[tftp]]\nname = 'a'\ntext = 'x'\npath = '/bin/sh'\npackage = 'dash'\n", "b.toml");
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().message.find("exactly one"), std::string::npos);

  auto arch = parse_firmware_profile(std::string(kMinimal).replace(std::string(kMinimal).find("arch = 7"), 8, "arch = -1"), "a.toml");
  ASSERT_FALSE(arch);
  EXPECT_EQ(arch.error().field, "arch");

  // Found by fuzz_firmware_profile: an empty id (marker, boot file) was accepted.
  std::string empty_id(kMinimal);
  empty_id.replace(empty_id.find("id = \"x\""), 8, "id = \"\"");
  auto empty = parse_firmware_profile(empty_id, "i.toml");
  ASSERT_FALSE(empty) << "an empty id";
  EXPECT_EQ(empty.error().field, "id");
  EXPECT_NE(empty.error().message.find("must not be empty"), std::string::npos) << empty.error().to_string();
}

TEST(FirmwareProfile, UnknownIdListsTheKnownOnes) {
  auto p = find_firmware_profile(std::string(PXELAB_SOURCE_DIR) + "/client/qemu/firmware", "nope");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("known: "), std::string::npos);
  EXPECT_NE(p.error().message.find("seabios-ipxe"), std::string::npos);
}

TEST(UbootScript, Crc32MatchesZlib) {
  const std::string s = "123456789";
  EXPECT_EQ(crc32(wire::ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())), 0xcbf43926u);
}

TEST(UbootScript, ImageHeaderIsWhatMkimageWrites) {
  auto img = uboot_script_image("echo hi\n", "pxelab");
  ASSERT_EQ(img.size(), 64u + 8 + 8);
  EXPECT_EQ(wire::load_be32(&img[0]), 0x27051956u);
  EXPECT_EQ(wire::load_be32(&img[12]), 16u);                    // data: sizes list + text
  EXPECT_EQ(wire::load_be32(&img[64]), 8u);                     // one part of 8 octets
  EXPECT_EQ(wire::load_be32(&img[68]), 0u);                     // end of list
  EXPECT_EQ(img[30], 6);                                        // IH_TYPE_SCRIPT
  EXPECT_EQ(wire::load_be32(&img[24]), crc32(wire::ByteView(&img[64], 16)));
  wire::Bytes header(img.begin(), img.begin() + 64);
  wire::store_be32(&header[4], 0);
  EXPECT_EQ(wire::load_be32(&img[4]), crc32(header));
  EXPECT_EQ(std::string(img.begin() + 72, img.end()), "echo hi\n");
}

}  // namespace
}  // namespace pxelab::client::qemu
