#include "server/dhcp_relay.h"

#include <gtest/gtest.h>

#include "wire/dhcp_message.h"
#include "wire/dhcp_option_values.h"
#include "wire/pxe_options.h"

namespace pxelab::server {
namespace {

namespace dhcp = wire::dhcp;

wire::Bytes discover() {
  dhcp::Message m;
  m.xid = 7;
  m.set_mac(wire::MacAddress{{0x52, 0x54, 0, 0, 0, 1}});
  dhcp::set_message_type(m, dhcp::MessageType::kDiscover);
  dhcp::set_vendor_class(m, "PXEClient:Arch:00000:UNDI:002001");
  return *dhcp::emit(m);
}

TEST(DhcpRelay, Option82GoesLastBeforeEndAndComesOffWhole) {
  const wire::Bytes in = discover();
  const wire::Bytes value{1, 3, 'l', 'a', 'b'};
  wire::Bytes with = insert_option_before_end(in, dhcp::code::kRelayAgentInfo, value);
  ASSERT_EQ(with.size(), in.size() + 2 + value.size());
  auto parsed = dhcp::parse(with);
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  ASSERT_FALSE(parsed->options.empty());
  EXPECT_EQ(parsed->options.back().code, dhcp::code::kRelayAgentInfo) << "RFC 3046 §2.1: last";
  EXPECT_EQ(parsed->options.back().data, value);
  EXPECT_EQ(dhcp::vendor_class(*parsed), "PXEClient:Arch:00000:UNDI:002001") << "the rest untouched";

  wire::Bytes without = remove_option(with, dhcp::code::kRelayAgentInfo);
  EXPECT_EQ(without, in);
}

TEST(DhcpRelay, MissingEndGetsOneAndNonDhcpIsLeftAlone) {
  dhcp::Message m;
  dhcp::set_message_type(m, dhcp::MessageType::kDiscover);
  dhcp::EmitOptions eo;
  eo.malformations = dhcp::Malformation::kMissingEnd;
  wire::Bytes in = *dhcp::emit(m, eo);
  wire::Bytes with = insert_option_before_end(in, dhcp::code::kRelayAgentInfo, wire::Bytes{1, 1, 'x'});
  auto parsed = dhcp::parse(with);
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_TRUE(parsed->has(dhcp::code::kRelayAgentInfo));
  const std::uint8_t junk[] = {1, 2, 3};
  EXPECT_TRUE(insert_option_before_end(junk, 82, wire::Bytes{}).empty());
  EXPECT_EQ(remove_option(junk, 82), (wire::Bytes{1, 2, 3}));
}

}  // namespace
}  // namespace pxelab::server
