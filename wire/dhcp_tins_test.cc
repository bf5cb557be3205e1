// libtins as an independent decoder and encoder of BOOTP/DHCP: it parses what pxelab
// emits and agrees field by field, and pxelab parses what libtins builds.
// (libtins keeps option instances as found and knows nothing of option overload, so
// the messages here fit the options field.)
#include <gtest/gtest.h>
#include <tins/tins.h>

#include <string>
#include <vector>

#include "wire/dhcp_message.h"
#include "wire/dhcp_option_values.h"
#include "wire/pxe_options.h"

namespace pxelab::wire::dhcp {
namespace {

const MacAddress kMac{{0x52, 0x54, 0x00, 0xab, 0xcd, 0xef}};

Message pxe_offer() {
  Message m;
  m.op = kBootReply;
  m.xid = 0xdeadbeef;
  m.secs = 4;
  m.flags = kBroadcastFlag;
  m.hops = 1;
  m.yiaddr = Ipv4Address::from_octets(198, 18, 0, 50);
  m.siaddr = Ipv4Address::from_octets(198, 18, 0, 1);
  m.giaddr = Ipv4Address::from_octets(198, 18, 1, 1);
  m.set_mac(kMac);
  m.sname = "bootsrv";
  m.file = "undionly.kpxe";
  set_message_type(m, MessageType::kOffer);
  set_server_id(m, Ipv4Address::from_octets(198, 18, 0, 1));
  set_lease_time(m, 7200);
  set_subnet_mask(m, Ipv4Address::from_octets(255, 254, 0, 0));
  set_routers(m, {Ipv4Address::from_octets(198, 18, 0, 1)});
  set_dns_servers(m, {Ipv4Address::from_octets(198, 18, 0, 53)});
  set_vendor_class(m, "PXEClient");
  PxeVendorOptions p;
  p.discovery_control = discovery::kUseBootfile;
  p.boot_menu = std::vector<BootMenuEntry>{{0, "local"}};
  p.menu_prompt = MenuPrompt{0, "PXE"};
  m.set(code::kVendorSpecific, *encode_pxe_vendor_options(p));
  RelayAgentInfo info;
  info.suboptions = {{relay_code::kCircuitId, {'p', '1'}}, {relay_code::kRemoteId, {1, 2, 3}}};
  m.set(code::kRelayAgentInfo, *encode_relay_agent_info(info));
  return m;
}

Message ipxe_request() {
  Message m;
  m.xid = 0x01020304;
  m.ciaddr = Ipv4Address::from_octets(192, 0, 2, 77);
  m.set_mac(kMac);
  set_message_type(m, MessageType::kRequest);
  set_requested_address(m, Ipv4Address::from_octets(192, 0, 2, 77));
  set_max_message_size(m, 1472);
  set_parameter_request_list(m, {1, 3, 6, 12, 15, 17, 43, 60, 66, 67, 175, 203});
  set_vendor_class(m, "PXEClient:Arch:00007:UNDI:003016");
  m.set(code::kClientArch, encode_client_arch({arch::kEfiBc}));
  m.set(code::kClientNdi, encode_client_ndi({1, 3, 16}));
  m.set(code::kClientMachineId, encode_client_machine_id({}));
  m.set(code::kUserClass, *encode_user_class({UserClass::Form::kRaw, {"iPXE"}}));
  IpxeOptions ipxe;
  ipxe.suboptions = {{ipxe_code::kFeatureFirst, {1}}, {0x13, {1}}};
  m.set(code::kIpxeEncapsulated, *encode_ipxe_options(ipxe));
  return m;
}

std::string ip(Ipv4Address a) { return a.to_string(); }

// Options as libtins sees them, PAD and END left out.
std::vector<std::pair<int, Bytes>> tins_options(const Tins::DHCP& d) {
  std::vector<std::pair<int, Bytes>> out;
  for (const auto& o : d.options()) {
    if (o.option() == 0 || o.option() == 255) continue;
    out.emplace_back(o.option(), Bytes(o.data_ptr(), o.data_ptr() + o.data_size()));
  }
  return out;
}

void expect_tins_agrees(const Message& m, const Bytes& bytes) {
  Tins::DHCP d(bytes.data(), static_cast<std::uint32_t>(bytes.size()));
  EXPECT_EQ(d.opcode(), m.op);
  EXPECT_EQ(d.htype(), m.htype);
  EXPECT_EQ(d.hlen(), m.hlen);
  EXPECT_EQ(d.hops(), m.hops);
  EXPECT_EQ(d.xid(), m.xid);
  EXPECT_EQ(d.secs(), m.secs);
  EXPECT_EQ(d.padding(), m.flags);  // libtins calls the flags field "padding"
  EXPECT_EQ(d.ciaddr().to_string(), ip(m.ciaddr));
  EXPECT_EQ(d.yiaddr().to_string(), ip(m.yiaddr));
  EXPECT_EQ(d.siaddr().to_string(), ip(m.siaddr));
  EXPECT_EQ(d.giaddr().to_string(), ip(m.giaddr));
  EXPECT_EQ(Tins::HWAddress<6>(d.chaddr().begin()).to_string(), m.mac().to_string());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(d.sname())), m.sname);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(d.file())), m.file);
  EXPECT_EQ(d.type(), static_cast<std::uint8_t>(*message_type(m)));
  auto opts = tins_options(d);
  ASSERT_EQ(opts.size(), m.options.size());
  for (std::size_t i = 0; i < opts.size(); ++i) {
    EXPECT_EQ(opts[i].first, m.options[i].code) << "option #" << i;
    EXPECT_EQ(opts[i].second, m.options[i].data) << "option " << opts[i].first;
  }
}

TEST(DhcpTins, ParsesWhatPxelabEmits) {
  for (const Message& m : {pxe_offer(), ipxe_request()}) {
    auto bytes = emit(m);
    ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
    expect_tins_agrees(m, *bytes);
    EmitOptions padded;
    padded.pad_to_bootp_minimum = true;
    expect_tins_agrees(m, *emit(m, padded));
  }
}

TEST(DhcpTins, SeesLongOptionsAsConsecutiveInstances) {
  Message m = ipxe_request();
  Bytes cfg(300, 'c');
  m.set(code::kPxelinuxConfigFile, cfg);
  EmitOptions eo;
  eo.max_message_size = 1500;
  auto bytes = emit(m, eo);
  ASSERT_TRUE(bytes.ok());
  Tins::DHCP d(bytes->data(), static_cast<std::uint32_t>(bytes->size()));
  Bytes joined;
  int instances = 0;
  for (const auto& [code, data] : tins_options(d)) {
    if (code != code::kPxelinuxConfigFile) continue;
    ++instances;
    append(joined, data);
  }
  EXPECT_EQ(instances, 2);
  EXPECT_EQ(joined, cfg);
}

TEST(DhcpTins, PxelabParsesWhatTinsBuilds) {
  Tins::DHCP d;
  d.opcode(Tins::BootP::BOOTREPLY);
  d.xid(0x11223344);
  d.secs(9);
  d.padding(0x8000);
  d.yiaddr(Tins::IPv4Address("192.0.2.20"));
  d.siaddr(Tins::IPv4Address("192.0.2.1"));
  d.giaddr(Tins::IPv4Address("192.0.2.254"));
  d.chaddr(Tins::HWAddress<6>("52:54:00:ab:cd:ef"));
  std::uint8_t file[128] = {};
  std::string name = "ipxe.efi";
  std::copy(name.begin(), name.end(), file);
  d.file(file);
  d.type(Tins::DHCP::ACK);
  d.server_identifier(Tins::IPv4Address("192.0.2.1"));
  d.lease_time(600);
  d.renewal_time(300);
  d.rebind_time(525);
  d.subnet_mask(Tins::IPv4Address("255.255.255.0"));
  d.routers({Tins::IPv4Address("192.0.2.1"), Tins::IPv4Address("192.0.2.2")});
  d.domain_name_servers({Tins::IPv4Address("192.0.2.53")});
  d.hostname("node1");
  const std::uint8_t pxeclient[] = {'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't'};
  d.add_option(Tins::DHCP::option(60, sizeof pxeclient, pxeclient));
  const std::uint8_t v43[] = {6, 1, 8, 10, 4, 5, 'P', 'X', 'E', 255};
  d.add_option(Tins::DHCP::option(43, sizeof v43, v43));
  const std::uint8_t user_class[] = {4, 'i', 'P', 'X', 'E'};
  d.add_option(Tins::DHCP::option(77, sizeof user_class, user_class));
  const std::uint8_t v82[] = {1, 2, 'p', '3', 2, 1, 9, 150, 1, 0};
  d.add_option(Tins::DHCP::option(82, sizeof v82, v82));
  d.end();
  Tins::PDU::serialization_type bytes = d.serialize();

  auto m = parse(Bytes(bytes.begin(), bytes.end()));
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ(m->op, kBootReply);
  EXPECT_EQ(m->xid, 0x11223344u);
  EXPECT_EQ(m->secs, 9);
  EXPECT_EQ(m->flags, kBroadcastFlag);
  EXPECT_EQ(ip(m->yiaddr), "192.0.2.20");
  EXPECT_EQ(ip(m->siaddr), "192.0.2.1");
  EXPECT_EQ(ip(m->giaddr), "192.0.2.254");
  EXPECT_EQ(m->mac(), kMac);
  EXPECT_EQ(m->file, "ipxe.efi");
  EXPECT_EQ(message_type(*m), MessageType::kAck);
  EXPECT_EQ(ip(*server_id(*m)), "192.0.2.1");
  EXPECT_EQ(lease_time(*m), 600u);
  EXPECT_EQ(renewal_time(*m), 300u);
  EXPECT_EQ(rebinding_time(*m), 525u);
  EXPECT_EQ(ip(*subnet_mask(*m)), "255.255.255.0");
  ASSERT_EQ(routers(*m)->size(), 2u);
  EXPECT_EQ(ip(routers(*m)->at(1)), "192.0.2.2");
  EXPECT_EQ(ip(dns_servers(*m)->at(0)), "192.0.2.53");
  EXPECT_EQ(host_name(*m), "node1");
  EXPECT_TRUE(is_pxe_client(*m));
  auto p = decode_pxe_vendor_options(m->find(43)->data);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->discovery_control, discovery::kUseBootfile);
  EXPECT_EQ(p->menu_prompt, (MenuPrompt{5, "PXE"}));
  auto uc = decode_user_class(m->find(77)->data);
  EXPECT_EQ(uc->form, UserClass::Form::kRfc3004);
  EXPECT_EQ(uc->classes, std::vector<std::string>{"iPXE"});
  auto info = decode_relay_agent_info(m->find(82)->data);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->circuit_id(), (Bytes{'p', '3'}));
  EXPECT_EQ(info->remote_id(), (Bytes{9}));
  EXPECT_EQ(info->suboptions.back(), (SubOption{150, {0}}));  // unknown, kept

  // Every option libtins wrote, in its order, is what pxelab read.
  auto tins_view = tins_options(d);
  ASSERT_EQ(tins_view.size(), m->options.size());
  for (std::size_t i = 0; i < tins_view.size(); ++i) {
    EXPECT_EQ(tins_view[i].first, m->options[i].code);
    EXPECT_EQ(tins_view[i].second, m->options[i].data);
  }
}

}  // namespace
}  // namespace pxelab::wire::dhcp
