#include "wire/pxe_options.h"

#include <gtest/gtest.h>

#include "wire/dhcp_test_util.h"

namespace pxelab::wire::dhcp {
namespace {

using testing::text;

TEST(DhcpPxe43, AllSubOptionsRoundTrip) {
  PxeVendorOptions p;
  p.mtftp_ip = Ipv4Address::from_octets(224, 1, 2, 3);
  p.mtftp_client_port = 1758;
  p.mtftp_server_port = 1759;
  p.mtftp_timeout = 1;
  p.mtftp_delay = 10;
  p.discovery_control = discovery::kUseBootfile;
  p.discovery_mcast_addr = Ipv4Address::from_octets(224, 0, 1, 2);
  p.boot_servers = std::vector<BootServer>{
      {1, {Ipv4Address::from_octets(192, 0, 2, 1), Ipv4Address::from_octets(192, 0, 2, 2)}},
      {0x8000, {}},
  };
  p.boot_menu = std::vector<BootMenuEntry>{{0, "Local boot"}, {0x8000, "Install"}};
  p.menu_prompt = MenuPrompt{255, "Press F8"};
  p.boot_item = BootItem{0x8000, 0x8001};
  p.other = {SubOption{209, text("pxelinux.cfg/x")}};
  auto bytes = encode_pxe_vendor_options(p);
  ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
  // 1..7 then 8: type 1, count 2, two addresses; type 0x8000, count 0.
  Bytes expected_head = {1, 4, 224, 1, 2, 3, 2, 2, 0x06, 0xde, 3, 2, 0x06, 0xdf, 4, 1, 1, 5, 1, 10,
                         6, 1, 8, 7, 4, 224, 0, 1, 2, 8, 14, 0, 1, 2, 192, 0, 2, 1, 192, 0, 2, 2, 0x80, 0, 0};
  ASSERT_GE(bytes->size(), expected_head.size());
  EXPECT_EQ(Bytes(bytes->begin(), bytes->begin() + static_cast<std::ptrdiff_t>(expected_head.size())),
            expected_head);
  EXPECT_EQ(bytes->back(), 0xff);
  auto back = decode_pxe_vendor_options(*bytes);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(*back, p);
  EXPECT_TRUE(back->is_wfm11a());
  EXPECT_TRUE(back->is_pxe10());
}

TEST(DhcpPxe43, DecodeToleratesPadAndMissingEnd) {
  Bytes d = {0, 0, 6, 1, 3, 0, 10, 1, 0};  // PADs, 6=3, PAD, 10 = timeout 0 "", no END
  auto p = decode_pxe_vendor_options(d);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->discovery_control, 3);
  EXPECT_EQ(p->menu_prompt, (MenuPrompt{0, ""}));
  EXPECT_FALSE(p->boot_servers.has_value());
  Bytes after_end = {6, 1, 3, 255, 6, 1, 4};  // ignored after END
  EXPECT_EQ(decode_pxe_vendor_options(after_end)->discovery_control, 3);
}

TEST(DhcpPxe43, DecodeErrorsNameSubOptionAndOffset) {
  struct Case {
    Bytes data;
    std::string field;
    std::size_t offset;
  };
  std::vector<Case> cases = {
      {{6, 2, 3, 4, 255}, "dhcp.option[43].suboption[6].length", 101},
      {{1, 3, 1, 2, 3}, "dhcp.option[43].suboption[1].length", 101},
      {{71, 2, 0, 0}, "dhcp.option[43].suboption[71].length", 101},
      {{10, 0}, "dhcp.option[43].suboption[10].length", 101},
      {{8, 5, 0, 1, 2, 192, 0}, "dhcp.option[43].suboption[8].count", 104},
      {{8, 2, 0, 1}, "dhcp.option[43].suboption[8]", 102},
      {{9, 4, 0, 1, 9, 'a'}, "dhcp.option[43].suboption[9].description_length", 104},
      {{6, 1, 3, 6, 1, 3}, "dhcp.option[43].suboption[6]", 103},
      {{6, 9, 3}, "dhcp.option[43].suboption[6].length", 101},
      {{6}, "dhcp.option[43].suboption[6].length", 101},
  };
  for (const auto& c : cases) {
    auto r = decode_pxe_vendor_options(c.data, 100);
    ASSERT_FALSE(r.ok()) << c.field;
    EXPECT_EQ(r.error().field, c.field) << r.error().to_string();
    EXPECT_EQ(r.error().offset, c.offset) << r.error().to_string();
  }
}

TEST(DhcpPxe43, EncodeRejectsWhatDoesNotFit) {
  PxeVendorOptions p;
  p.boot_menu = std::vector<BootMenuEntry>{{1, std::string(200, 'a')}, {2, std::string(60, 'b')}};
  EXPECT_FALSE(encode_pxe_vendor_options(p).ok());
  PxeVendorOptions q;
  q.other = {SubOption{255, {}}};
  EXPECT_FALSE(encode_pxe_vendor_options(q).ok());
}

TEST(DhcpPxe93_94_97, Codecs) {
  EXPECT_EQ(encode_client_arch({arch::kEfiBc, arch::kX86Bios}), (Bytes{0, 7, 0, 0}));
  EXPECT_EQ(*decode_client_arch(Bytes{0, 7, 0, 0}), (std::vector<std::uint16_t>{7, 0}));
  EXPECT_FALSE(decode_client_arch(Bytes{0, 7, 0}).ok());
  EXPECT_FALSE(decode_client_arch(Bytes{}).ok());

  EXPECT_EQ(encode_client_ndi({1, 3, 0}), (Bytes{1, 3, 0}));
  EXPECT_EQ(*decode_client_ndi(Bytes{1, 3, 0}), (ClientNdi{1, 3, 0}));
  auto bad = decode_client_ndi(Bytes{1, 3}, 300);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "dhcp.option[94].length");
  EXPECT_EQ(bad.error().offset, 300u);

  ClientMachineId id{0, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
  Bytes wire = encode_client_machine_id(id);
  ASSERT_EQ(wire.size(), 17u);
  EXPECT_EQ(wire[0], 0);
  EXPECT_EQ(*decode_client_machine_id(wire), id);
  EXPECT_FALSE(decode_client_machine_id(Bytes(16, 0)).ok());
}

TEST(DhcpPxe77, Rfc3004AndRawForms) {
  // RFC 3004: length-prefixed instances.
  Bytes rfc = {4, 'i', 'P', 'X', 'E', 3, 'l', 'a', 'b'};
  auto uc = decode_user_class(rfc);
  ASSERT_TRUE(uc.ok());
  EXPECT_EQ(uc->form, UserClass::Form::kRfc3004);
  EXPECT_EQ(uc->classes, (std::vector<std::string>{"iPXE", "lab"}));
  EXPECT_EQ(*encode_user_class(*uc), rfc);

  // iPXE's raw "iPXE" (FW-02): 'i' = 105 would overrun, so it is the raw form.
  auto raw = decode_user_class(text("iPXE"));
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->form, UserClass::Form::kRaw);
  EXPECT_EQ(raw->classes, std::vector<std::string>{"iPXE"});
  EXPECT_EQ(*encode_user_class(*raw), text("iPXE"));

  // A zero-length instance is not RFC 3004 either.
  EXPECT_EQ(decode_user_class(Bytes{0, 1, 'x'})->form, UserClass::Form::kRaw);
  EXPECT_FALSE(decode_user_class(Bytes{}).ok());
  EXPECT_FALSE(encode_user_class({UserClass::Form::kRaw, {"a", "b"}}).ok());
  EXPECT_FALSE(encode_user_class({UserClass::Form::kRfc3004, {""}}).ok());
}

TEST(DhcpPxe82, SubOptionsKeptInOrderWithUnknowns) {
  Bytes d = {1, 4, 'e', 't', 'h', '0', 9, 2, 0xaa, 0xbb, 2, 6, 0x52, 0x54, 0, 0x12, 0x34, 0x56};
  auto info = decode_relay_agent_info(d);
  ASSERT_TRUE(info.ok()) << info.error().to_string();
  ASSERT_EQ(info->suboptions.size(), 3u);
  EXPECT_EQ(info->circuit_id(), text("eth0"));
  EXPECT_EQ(info->remote_id(), (Bytes{0x52, 0x54, 0, 0x12, 0x34, 0x56}));
  EXPECT_EQ(info->suboptions[1], (SubOption{9, {0xaa, 0xbb}}));
  EXPECT_EQ(*encode_relay_agent_info(*info), d);  // echoed whole (RFC 3046 §2.2)

  // 0 and 255 are ordinary sub-option codes in 82 (no PAD/END).
  Bytes odd = {0, 1, 7, 255, 0};
  auto o = decode_relay_agent_info(odd);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->suboptions.size(), 2u);
  EXPECT_EQ(*encode_relay_agent_info(*o), odd);

  auto bad = decode_relay_agent_info(Bytes{1, 5, 'a'}, 250);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "dhcp.option[82].suboption[1].length");
  EXPECT_EQ(bad.error().offset, 251u);
}

TEST(DhcpPxe175, IpxeEncapsulatedOptions) {
  // Priority -1, no-pxedhcp 1, feature markers PXE-EXT (0x10) and HTTP (0x13).
  Bytes d = {1, 1, 0xff, 0xb0, 1, 1, 0x10, 1, 2, 0x13, 1, 1};
  auto o = decode_ipxe_options(d);
  ASSERT_TRUE(o.ok()) << o.error().to_string();
  EXPECT_EQ(o->priority(), std::int8_t{-1});
  EXPECT_TRUE(o->no_pxedhcp());
  ASSERT_NE(o->find(0x13), nullptr);
  EXPECT_EQ(*encode_ipxe_options(*o), d);  // no END written
  IpxeOptions none;
  EXPECT_FALSE(none.priority().has_value());
  EXPECT_FALSE(none.no_pxedhcp());
  EXPECT_FALSE(decode_ipxe_options(Bytes{1, 2, 0}).ok());
}

}  // namespace
}  // namespace pxelab::wire::dhcp
