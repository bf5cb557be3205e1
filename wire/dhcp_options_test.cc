#include "wire/dhcp_options.h"

#include <gtest/gtest.h>

#include "wire/dhcp_option_values.h"

namespace pxelab::wire::dhcp {
namespace {

TEST(DhcpOptionTable, CoversTheCodesTheHarnessNeeds) {
  for (int c = 1; c <= 76; ++c) {
    EXPECT_NE(find_option_def(static_cast<std::uint8_t>(c)), nullptr) << "RFC 2132 code " << c;
  }
  for (int c : {43, 60, 77, 82, 93, 94, 97, 175, 208, 209, 210, 211}) {
    EXPECT_NE(find_option_def(static_cast<std::uint8_t>(c)), nullptr) << c;
  }
  EXPECT_EQ(find_option_def(0), nullptr);
  EXPECT_EQ(find_option_def(255), nullptr);
  EXPECT_EQ(find_option_def(224), nullptr);  // site-specific: unknown, kept unchecked
  const OptionDef* d = find_option_def(53);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->name, "dhcp-message-type");
  EXPECT_EQ(d->min_length, 1);
  EXPECT_EQ(d->max_length, 1);
  EXPECT_EQ(find_option_def(97)->format, OptionFormat::kClientMachineId);
  EXPECT_EQ(option_table().front().code, 1);
}

TEST(DhcpOptionTable, ValidatesLengthsAndUnits) {
  EXPECT_TRUE(validate_option_length(53, 1, 0).ok());
  EXPECT_FALSE(validate_option_length(53, 0, 0).ok());
  EXPECT_TRUE(validate_option_length(3, 8, 0).ok());
  auto e = validate_option_length(3, 6, 77);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().field, "dhcp.option[3].length");
  EXPECT_EQ(e.error().offset, 77u);
  EXPECT_EQ(e.error().message, "6 octets, routers needs a multiple of 4");
  EXPECT_FALSE(validate_option_length(93, 3, 0).ok());
  EXPECT_TRUE(validate_option_length(12, 600, 0).ok());  // joined (RFC 3396)
  EXPECT_TRUE(validate_option_length(224, 0, 0).ok());
  EXPECT_FALSE(validate_option_length(97, 16, 0).ok());
  EXPECT_FALSE(validate_option_length(43, 0, 0).ok());  // FW-07
}

TEST(DhcpOptionCodec, SplitsAt255) {
  Bytes out;
  append_option_instances(out, 12, Bytes{});
  EXPECT_EQ(out, (Bytes{12, 0}));
  out.clear();
  append_option_instances(out, 12, Bytes(510, 'a'));
  ASSERT_EQ(out.size(), 514u);
  EXPECT_EQ(out[0], 12);
  EXPECT_EQ(out[1], 255);
  EXPECT_EQ(out[257], 12);
  EXPECT_EQ(out[258], 255);
  EXPECT_EQ(encoded_option_size(510), 514u);
  EXPECT_EQ(encoded_option_size(511), 517u);
  EXPECT_EQ(encoded_option_size(0), 2u);
}

TEST(DhcpOptionValues, TypedGettersAndSetters) {
  Message m;
  set_message_type(m, MessageType::kRequest);
  set_server_id(m, Ipv4Address::from_octets(192, 0, 2, 1));
  set_requested_address(m, Ipv4Address::from_octets(192, 0, 2, 10));
  set_lease_time(m, 86400);
  set_renewal_time(m, 43200);
  set_rebinding_time(m, 75600);
  set_subnet_mask(m, Ipv4Address::from_octets(255, 255, 255, 0));
  set_routers(m, {Ipv4Address::from_octets(192, 0, 2, 1)});
  set_dns_servers(m, {Ipv4Address::from_octets(192, 0, 2, 53), Ipv4Address::from_octets(192, 0, 2, 54)});
  set_host_name(m, "node7");
  set_parameter_request_list(m, {1, 3, 6, 66, 67});
  set_max_message_size(m, 1472);
  set_vendor_class(m, "U-Boot.armv8");
  set_client_id(m, Bytes{1, 0x52, 0x54, 0, 0x12, 0x34, 0x56});
  set_tftp_server_name(m, "192.0.2.1");
  set_bootfile_name(m, "pxelinux.0", Nul::kAppend);
  set_pxelinux_magic(m);
  set_pxelinux_config_file(m, "pxelinux.cfg/default");
  set_pxelinux_path_prefix(m, "/tftpboot/");
  set_pxelinux_reboot_time(m, 30);

  EXPECT_EQ(message_type(m), MessageType::kRequest);
  EXPECT_EQ(to_string(*message_type(m)), "DHCPREQUEST");
  EXPECT_EQ(server_id(m)->to_string(), "192.0.2.1");
  EXPECT_EQ(requested_address(m)->to_string(), "192.0.2.10");
  EXPECT_EQ(lease_time(m), 86400u);
  EXPECT_EQ(renewal_time(m), 43200u);
  EXPECT_EQ(rebinding_time(m), 75600u);
  EXPECT_EQ(subnet_mask(m)->to_string(), "255.255.255.0");
  EXPECT_EQ(routers(m)->size(), 1u);
  EXPECT_EQ(dns_servers(m)->at(1).to_string(), "192.0.2.54");
  EXPECT_EQ(host_name(m), "node7");
  EXPECT_EQ(parameter_request_list(m)->size(), 5u);
  EXPECT_EQ(max_message_size(m), 1472);
  EXPECT_EQ(vendor_class(m), "U-Boot.armv8");
  EXPECT_FALSE(is_pxe_client(m));  // FW-03
  EXPECT_EQ(client_id(m)->size(), 7u);
  EXPECT_EQ(tftp_server_name(m), "192.0.2.1");
  EXPECT_EQ(m.find(67)->data.back(), 0);     // written with its NUL (FW-35)
  EXPECT_EQ(bootfile_name(m), "pxelinux.0");  // read without it (RFC 2132 §2)
  EXPECT_TRUE(has_pxelinux_magic(m));
  EXPECT_EQ(pxelinux_config_file(m), "pxelinux.cfg/default");
  EXPECT_EQ(pxelinux_path_prefix(m), "/tftpboot/");
  EXPECT_EQ(pxelinux_reboot_time(m), 30u);

  auto bytes = emit(m);
  ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
  EXPECT_EQ(*parse(*bytes), m);

  Message none;
  EXPECT_FALSE(message_type(none).has_value());
  EXPECT_FALSE(server_id(none).has_value());
  EXPECT_FALSE(host_name(none).has_value());
  none.set(code::kMessageType, {9});
  EXPECT_FALSE(message_type(none).has_value());
  none.set(code::kServerId, {1, 2, 3});  // built by hand with a bad length
  EXPECT_FALSE(server_id(none).has_value());
}

TEST(DhcpOptionCodec, SubOptionFraming) {
  Bytes d = {0, 1, 1, 'x', 0, 255, 9, 9};
  auto pad_end = parse_suboptions(d, SubOptionFraming::kPadAndEnd, "dhcp.option[43]");
  ASSERT_TRUE(pad_end.ok());
  ASSERT_EQ(pad_end->size(), 1u);
  EXPECT_EQ((*pad_end)[0], (SubOption{1, {'x'}}));
  EXPECT_EQ(*encode_suboptions(*pad_end, SubOptionFraming::kPadAndEnd, "x"), (Bytes{1, 1, 'x', 255}));
  EXPECT_EQ(*encode_suboptions(*pad_end, SubOptionFraming::kPadNoEnd, "x"), (Bytes{1, 1, 'x'}));
  std::vector<SubOption> big = {SubOption{1, Bytes(256, 0)}};
  EXPECT_FALSE(encode_suboptions(big, SubOptionFraming::kPlain, "x").ok());
}

}  // namespace
}  // namespace pxelab::wire::dhcp
