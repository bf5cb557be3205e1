// Reference BOOTP/DHCP frames for the tshark cross-check (wire/samples.h). Each field
// value below is what Wireshark's BOOTP/DHCP dissector (tshark 4.0) prints for it; the
// PXE sub-options of 43 are decoded by Wireshark only because 60 says "PXEClient".
#include <string>

#include "wire/dhcp_message.h"
#include "wire/dhcp_option_values.h"
#include "wire/frame.h"
#include "wire/ports.h"
#include "wire/pxe_options.h"
#include "wire/samples.h"

namespace pxelab::wire {
namespace {

using namespace dhcp;

const MacAddress kClientMac{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};
const MacAddress kServerMac{{0x52, 0x54, 0x00, 0x00, 0x00, 0x01}};
const MacAddress kRelayMac{{0x52, 0x54, 0x00, 0x00, 0x00, 0xfe}};
constexpr Ipv4Address kServerIp = Ipv4Address::from_octets(192, 0, 2, 1);
constexpr Ipv4Address kClientIp = Ipv4Address::from_octets(192, 0, 2, 10);
constexpr Ipv4Address kRelayIp = Ipv4Address::from_octets(192, 0, 2, 254);
const std::array<std::uint8_t, 16> kGuid = {0x4c, 0x4c, 0x45, 0x44, 0x00, 0x4d, 0x36, 0x10,
                                            0x80, 0x57, 0xb9, 0xc0, 0x4f, 0x4a, 0x4e, 0x32};

Bytes from_client(const Bytes& payload) {
  return build_udp_frame({kClientMac, Ipv4Address::any(), kDhcpClientPort}, {MacAddress::broadcast(), Ipv4Address::broadcast(), kDhcpServerPort},
                         payload);
}
Bytes from_server(const Bytes& payload) {
  return build_udp_frame({kServerMac, kServerIp, kDhcpServerPort}, {MacAddress::broadcast(), Ipv4Address::broadcast(), kDhcpClientPort},
                         payload);
}

Bytes must(Result<Bytes> r) { return r.ok() ? std::move(r.value()) : Bytes{}; }

Message client(MessageType type, std::uint32_t xid) {
  Message m;
  m.xid = xid;
  m.flags = kBroadcastFlag;
  m.set_mac(kClientMac);
  set_message_type(m, type);
  return m;
}

Message server(MessageType type, std::uint32_t xid) {
  Message m;
  m.op = kBootReply;
  m.xid = xid;
  m.flags = kBroadcastFlag;
  m.set_mac(kClientMac);
  set_message_type(m, type);
  set_server_id(m, kServerIp);
  return m;
}

Sample sample(std::string name, const Bytes& frame, std::vector<std::pair<std::string, std::string>> fields) {
  return Sample{std::move(name), frame, std::move(fields)};
}

}  // namespace

std::vector<Sample> dhcp_samples() {
  std::vector<Sample> out;

  // RFC 951 BOOTREQUEST: cookie, no options but END, padded to 300 octets.
  {
    Message m;
    m.xid = 0x00000abc;
    m.secs = 3;
    m.set_mac(kClientMac);
    EmitOptions eo;
    eo.pad_to_bootp_minimum = true;
    out.push_back(sample("bootp-request", from_client(must(emit(m, eo))),
                         {{"dhcp.type", "1"},
                          {"dhcp.id", "0x00000abc"},
                          {"dhcp.secs", "3"},
                          {"dhcp.hw.mac_addr", "52:54:00:12:34:56"},
                          {"dhcp.cookie", "99.130.83.99"}}));
  }
  // RFC 951 BOOTREPLY with no magic cookie at all: a zero 64-octet vendor area.
  {
    Message m;
    m.op = kBootReply;
    m.xid = 0x00000abc;
    m.set_mac(kClientMac);
    m.yiaddr = kClientIp;
    m.siaddr = kServerIp;
    m.sname = "bootsrv";
    m.file = "/tftpboot/vmunix";
    m.vendor_format = VendorFormat::kRaw;
    m.vendor_raw = Bytes(64, 0);
    out.push_back(sample("bootp-reply-no-cookie", from_server(must(emit(m))),
                         {{"dhcp.type", "2"},
                          {"dhcp.ip.your", "192.0.2.10"},
                          {"dhcp.ip.server", "192.0.2.1"},
                          {"dhcp.server", "bootsrv"},
                          {"dhcp.file", "/tftpboot/vmunix"},
                          {"dhcp.bootp", "1"}}));
  }
  // iPXE DISCOVER (FW-02): 57, 60, 93, 94, 97, 77 raw "iPXE", 175.
  {
    Message m = client(MessageType::kDiscover, 0x2d9a1c47);
    m.flags = 0;
    set_max_message_size(m, 1472);
    set_parameter_request_list(m, {1, 3, 6, 43, 60, 66, 67, 175});
    set_vendor_class(m, "PXEClient:Arch:00000:UNDI:002001");
    m.set(code::kClientArch, encode_client_arch({arch::kX86Bios}));
    m.set(code::kClientNdi, encode_client_ndi({1, 2, 1}));
    m.set(code::kClientMachineId, encode_client_machine_id({0, kGuid}));
    m.set(code::kUserClass, must(encode_user_class({UserClass::Form::kRaw, {"iPXE"}})));
    IpxeOptions ipxe;
    ipxe.suboptions = {{ipxe_code::kPriority, {0xff}}, {ipxe_code::kNoPxeDhcp, {1}}};
    m.set(code::kIpxeEncapsulated, must(encode_ipxe_options(ipxe)));
    out.push_back(sample("dhcp-discover-ipxe", from_client(must(emit(m))),
                         {{"dhcp.option.dhcp", "1"},
                          {"dhcp.option.dhcp_max_message_size", "1472"},
                          {"dhcp.option.vendor_class_id", "PXEClient:Arch:00000:UNDI:002001"},
                          {"dhcp.option.client_system_architecture", "0"},
                          {"dhcp.client_network_id_major", "2"},
                          {"dhcp.client_network_id_minor", "1"},
                          // Wireshark prints the GUID's first three fields little-endian
                          // (SMBIOS order); the octets on the wire are kGuid as given.
                          {"dhcp.client_id.uuid", "44454c4c-4d00-1036-8057-b9c04f4a4e32"},
                          // The raw form: Wireshark shows the text and flags it "Non
                          // standard compliant option data", as RFC 3004 would have it.
                          {"dhcp.option.user_class.text", "iPXE"},
                          // Wireshark does not decode 175's sub-options: the raw value.
                          {"dhcp.option.type", "175"},
                          {"dhcp.option.value", "01:01:ff:b0:01:01"}}));
  }
  // EDK2 DISCOVER (FW-01): arch 7, NDI 3.0.
  {
    Message m = client(MessageType::kDiscover, 0x11111111);
    m.secs = 4;
    set_max_message_size(m, 1472);
    set_vendor_class(m, "PXEClient:Arch:00007:UNDI:003000");
    m.set(code::kClientArch, encode_client_arch({arch::kEfiBc}));
    m.set(code::kClientNdi, encode_client_ndi({1, 3, 0}));
    m.set(code::kClientMachineId, encode_client_machine_id({0, kGuid}));
    out.push_back(sample("dhcp-discover-edk2", from_client(must(emit(m))),
                         {{"dhcp.option.dhcp", "1"},
                          {"dhcp.flags.bc", "1"},
                          {"dhcp.option.client_system_architecture", "7"},
                          {"dhcp.secs", "4"},
                          {"dhcp.client_network_id_major", "3"},
                          {"dhcp.client_network_id_minor", "0"}}));
  }
  // PXE OFFER with 43: discovery control, boot servers, menu, prompt (PXE 2.1 §2.2.5).
  {
    Message m = server(MessageType::kOffer, 0x2d9a1c47);
    m.yiaddr = kClientIp;
    m.siaddr = kServerIp;
    m.file = "pxelinux.0";
    set_lease_time(m, 3600);
    set_subnet_mask(m, Ipv4Address::from_octets(255, 255, 255, 0));
    set_routers(m, {kServerIp});
    set_vendor_class(m, "PXEClient");
    PxeVendorOptions p;
    p.discovery_control = discovery::kNoBroadcast | discovery::kNoMulticast;
    p.boot_servers = std::vector<BootServer>{{0x8000, {kServerIp}}};
    p.boot_menu = std::vector<BootMenuEntry>{{0x8000, "pxelab boot"}};
    p.menu_prompt = MenuPrompt{10, "Boot"};
    m.set(code::kVendorSpecific, must(encode_pxe_vendor_options(p)));
    out.push_back(sample("dhcp-offer-pxe", from_server(must(emit(m))),
                         {{"dhcp.option.dhcp", "2"},
                          {"dhcp.ip.your", "192.0.2.10"},
                          {"dhcp.file", "pxelinux.0"},
                          {"dhcp.option.dhcp_server_id", "192.0.2.1"},
                          {"dhcp.option.ip_address_lease_time", "3600"},
                          {"dhcp.option.vendor_class_id", "PXEClient"},
                          {"dhcp.option.vendor.pxeclient.suboption", "6"},
                          {"dhcp.option.vendor.pxeclient.discovery_control", "0x03"},
                          {"dhcp.option.vendor.pxeclient.discovery_control.broadcast", "1"},
                          {"dhcp.option.vendor.pxeclient.discovery_control.multicast", "1"},
                          {"dhcp.option.vendor.pxeclient.boot_servers.type", "32768"},
                          {"dhcp.option.vendor.pxeclient.boot_servers.count", "1"},
                          {"dhcp.option.vendor.pxeclient.boot_servers.ip", "192.0.2.1"},
                          {"dhcp.option.vendor.pxeclient.boot_menu.type", "32768"},
                          {"dhcp.option.vendor.pxeclient.boot_menu.length", "11"},
                          {"dhcp.option.vendor.pxeclient.boot_menu.desc", "pxelab boot"},
                          {"dhcp.option.vendor.pxeclient.menu_prompt.timeout", "10"},
                          {"dhcp.option.vendor.pxeclient.menu_prompt.prompt", "Boot"},
                          {"dhcp.option.vendor.pxeclient.end", "255"}}));
  }
  // The boot server ACK (port 4011 exchange) echoing 43.71, plus the MTFTP sub-options.
  {
    Message m = server(MessageType::kAck, 0x2d9a1c48);
    m.siaddr = kServerIp;
    m.file = "boot/x86/pxelinux.0";
    set_vendor_class(m, "PXEClient");
    PxeVendorOptions p;
    p.mtftp_ip = Ipv4Address::from_octets(224, 1, 2, 3);
    p.mtftp_client_port = 1758;
    p.mtftp_server_port = 1759;
    p.mtftp_timeout = 1;
    p.mtftp_delay = 10;
    p.discovery_mcast_addr = Ipv4Address::from_octets(224, 0, 1, 2);
    p.boot_item = BootItem{0x8000, 0};
    m.set(code::kVendorSpecific, must(encode_pxe_vendor_options(p)));
    out.push_back(sample("dhcp-pxe-boot-server-ack", from_server(must(emit(m))),
                         {{"dhcp.option.dhcp", "5"},
                          {"dhcp.option.vendor.pxeclient.mtftp_ip", "224.1.2.3"},
                          // 43.2/43.3: pxelab writes network order (1758 = 06:de);
                          // Wireshark reads these two little-endian (packet-dhcp.c
                          // val_u_le_short), so the raw octets are compared.
                          {"dhcp.option.vendor.value", "06:de"},
                          {"dhcp.option.vendor.value", "06:df"},
                          {"dhcp.option.vendor.pxeclient.mtftp_timeout", "1"},
                          {"dhcp.option.vendor.pxeclient.mtftp_delay", "10"},
                          {"dhcp.option.vendor.pxeclient.multicast_address", "224.0.1.2"},
                          {"dhcp.option.vendor.pxeclient.suboption", "71"},
                          {"dhcp.option.vendor.pxeclient.boot_item.type", "32768"},
                          {"dhcp.option.vendor.pxeclient.boot_item.layer", "00:00"}}));
  }
  // REQUEST with 50/54 and an RFC 3004 user class.
  {
    Message m = client(MessageType::kRequest, 0x2d9a1c47);
    set_requested_address(m, kClientIp);
    set_server_id(m, kServerIp);
    set_host_name(m, "node7");
    m.set(code::kUserClass, must(encode_user_class({UserClass::Form::kRfc3004, {"iPXE", "lab"}})));
    out.push_back(sample("dhcp-request", from_client(must(emit(m))),
                         {{"dhcp.option.dhcp", "3"},
                          {"dhcp.option.requested_ip_address", "192.0.2.10"},
                          {"dhcp.option.dhcp_server_id", "192.0.2.1"},
                          {"dhcp.option.hostname", "node7"},
                          {"dhcp.option.user_class.length", "4"},
                          {"dhcp.option.user_class.data", "69:50:58:45"},
                          {"dhcp.option.user_class.length", "3"},
                          {"dhcp.option.user_class.data", "6c:61:62"}}));
  }
  // ACK for pxelinux: 66, 67, T1/T2, 208–211 (FW-30).
  {
    Message m = server(MessageType::kAck, 0x2d9a1c47);
    m.yiaddr = kClientIp;
    set_lease_time(m, 86400);
    set_renewal_time(m, 43200);
    set_rebinding_time(m, 75600);
    set_subnet_mask(m, Ipv4Address::from_octets(255, 255, 255, 0));
    set_dns_servers(m, {Ipv4Address::from_octets(192, 0, 2, 53)});
    set_tftp_server_name(m, "192.0.2.1");
    set_bootfile_name(m, "pxelinux.0", Nul::kAppend);
    set_pxelinux_magic(m);
    set_pxelinux_config_file(m, "pxelinux.cfg/default");
    set_pxelinux_path_prefix(m, "/tftpboot/");
    set_pxelinux_reboot_time(m, 300);
    out.push_back(sample("dhcp-ack-pxelinux", from_server(must(emit(m))),
                         {{"dhcp.option.dhcp", "5"},
                          {"dhcp.option.renewal_time_value", "43200"},
                          {"dhcp.option.rebinding_time_value", "75600"},
                          {"dhcp.option.domain_name_server", "192.0.2.53"},
                          {"dhcp.option.tftp_server_name", "192.0.2.1"},
                          {"dhcp.option.bootfile_name", "pxelinux.0"},
                          {"dhcp.option.pxe_config_file", "pxelinux.cfg/default"},
                          {"dhcp.option.pxe_path_prefix", "/tftpboot/"},
                          // 208 and 211 are shown as raw values only.
                          {"dhcp.option.type", "208"},
                          {"dhcp.option.value", "f1:00:74:7e"},
                          {"dhcp.option.type", "211"},
                          {"dhcp.option.value", "00:00:01:2c"}}));
  }
  // Relayed DISCOVER: giaddr, hops, 82 with circuit id, remote id and an unknown one.
  {
    Message m = client(MessageType::kDiscover, 0x3c3c3c3c);
    m.hops = 1;
    m.giaddr = kRelayIp;
    RelayAgentInfo info;
    info.suboptions = {{relay_code::kCircuitId, {'e', 't', 'h', '0'}},
                       {relay_code::kRemoteId, {0x00, 0x11, 0x22, 0x33, 0x44, 0x55}}};
    m.set(code::kRelayAgentInfo, must(encode_relay_agent_info(info)));
    out.push_back(sample("dhcp-relay-82",
                         build_udp_frame({kRelayMac, kRelayIp, kDhcpServerPort}, {kServerMac, kServerIp, kDhcpServerPort}, must(emit(m))),
                         {{"dhcp.hops", "1"},
                          {"dhcp.ip.relay", "192.0.2.254"},
                          {"dhcp.option.agent_information_option.suboption", "1"},
                          {"dhcp.option.agent_information_option.agent_circuit_id", "65:74:68:30"},
                          {"dhcp.option.agent_information_option.suboption", "2"},
                          {"dhcp.option.agent_information_option.agent_remote_id", "00:11:22:33:44:55"}}));
  }
  // Overload: options spill into file then sname (52 = 3).
  {
    Message m = server(MessageType::kAck, 0x4d4d4d4d);
    m.yiaddr = kClientIp;
    set_lease_time(m, 3600);
    set_pxelinux_config_file(m, std::string(200, 'c'));
    set_pxelinux_path_prefix(m, std::string(90, 'p'));
    set_string(m, code::kDomainName, "example.com-" + std::string(40, 'd'));
    out.push_back(sample("dhcp-overload-both", from_server(must(emit(m))),
                         {{"dhcp.option.option_overload", "3"},
                          {"_ws.expert.message", "Boot file name option overloaded by DHCP"},
                          {"_ws.expert.message", "Server name option overloaded by DHCP"},
                          {"dhcp.option.pxe_config_file", std::string(200, 'c')},  // options
                          {"dhcp.option.pxe_path_prefix", std::string(90, 'p')},   // file
                          {"dhcp.option.domain_name", "example.com-" + std::string(40, 'd')}}));  // sname
  }
  // RFC 3396: a 300-octet 209 becomes two consecutive instances (255 + 45).
  {
    Message m = server(MessageType::kAck, 0x5e5e5e5e);
    set_pxelinux_config_file(m, std::string(300, 'x'));
    EmitOptions eo;
    eo.max_message_size = 1500;
    out.push_back(sample("dhcp-long-option-split", from_server(must(emit(m, eo))),
                         {{"dhcp.option.type", "209"},
                          {"dhcp.option.length", "255"},
                          {"dhcp.option.length", "45"},
                          {"dhcp.option.pxe_config_file", std::string(45, 'x')}}));
  }
  return out;
}

}  // namespace pxelab::wire
