// Each PXE / proxyDHCP / boot server check: a trace where it passes, one where it fails.
#include "conformance/checks/checks_testlib.h"

namespace pxelab::conformance::testing {
namespace {

namespace code = dhcp::code;

// A PXE client beside a DHCP-only server and a proxyDHCP server (PXE 2.1 §2.2).
struct ProxyHooks {
  std::function<void(Message&)> proxy_offer;
  UdpEndpoint proxy_dst = bcast(68);
  double proxy_delay = 0;
  bool ipxe = false;
};
Lab proxy(const ProxyHooks& h) {
  Lab lab;
  Message d = pxe_discover(0);
  if (h.ipxe) d.set(code::kUserClass, Bytes{'i', 'P', 'X', 'E'});
  lab.dhcp(client68(), bcast(67), d);
  lab.dhcp(server67(), bcast(68), reply_msg(d, MessageType::kOffer, kYiaddr));
  lab.wait(h.proxy_delay);
  Message p = reply_msg(d, MessageType::kOffer, Ipv4Address::any(), kProxyIp);
  p.siaddr = kProxyIp;
  dhcp::set_vendor_class(p, "PXEClient");
  dhcp::PxeVendorOptions pv;
  pv.discovery_control = dhcp::discovery::kUseBootfile;
  p.set(code::kVendorSpecific, *dhcp::encode_pxe_vendor_options(pv));
  p.file = "pxelinux.0";
  if (h.proxy_offer) h.proxy_offer(p);
  lab.dhcp(proxy67(), h.proxy_dst, p);
  return lab;
}

TEST(PxeChecks, ProxyOffer) {
  expect_pass(proxy({}), "PXE-PROXY-OFFER");
  expect_fail(proxy({.proxy_offer = [](Message& m) { m.remove(code::kVendorClassId); }}), "PXE-PROXY-OFFER");
}

TEST(PxeChecks, ArchFile) {
  expect_pass(dora({.pxe = true}), "PXE-ARCH-FILE");
  expect_pass(dora({.pxe = true, .arch = 7}), "PXE-ARCH-FILE");
  expect_fail(dora({.ack = [](Message& m) { dhcp::set_bootfile_name(m, "pxelinux.0", dhcp::Nul::kAppend); },
                    .pxe = true,
                    .arch = 7}),
              "PXE-ARCH-FILE");
  expect_fail(dora({.ack = [](Message& m) { dhcp::set_bootfile_name(m, "ipxe.efi", dhcp::Nul::kAppend); }, .pxe = true}),
              "PXE-ARCH-FILE");
}

// Port 4011: the client asks the boot server for item type 1, layer 0 (PXE 2.1 §2.2 step 5).
struct BootHooks {
  std::function<void(Message&)> ack;
  std::uint16_t item_type = 1;
  UdpEndpoint ack_dst = {kClientMac, kYiaddr, 68};
};
Lab boot_server(const BootHooks& h) {
  Lab lab;
  Message q = pxe_discover(0, 0x4011);
  dhcp::set_message_type(q, MessageType::kRequest);
  q.ciaddr = kYiaddr;
  q.flags = 0;
  dhcp::PxeVendorOptions item;
  item.boot_item = dhcp::BootItem{h.item_type, 0};
  q.set(code::kVendorSpecific, *dhcp::encode_pxe_vendor_options(item));
  lab.dhcp({kClientMac, kYiaddr, 68}, {kProxyMac, kProxyIp, 4011}, q);
  Message a = reply_msg(q, MessageType::kAck, Ipv4Address::any(), kProxyIp);
  a.ciaddr = kYiaddr;
  a.siaddr = kProxyIp;
  dhcp::set_vendor_class(a, "PXEClient");
  a.set(code::kVendorSpecific, *dhcp::encode_pxe_vendor_options(item));
  dhcp::set_bootfile_name(a, "pxelinux.0", dhcp::Nul::kAppend);
  if (h.ack) h.ack(a);
  lab.dhcp({kProxyMac, kProxyIp, 4011}, h.ack_dst, a);
  return lab;
}

TEST(PxeChecks, BootServerAck) {
  expect_pass(boot_server({}), "PXE-4011-ACK");
  expect_fail(boot_server({.ack = [](Message& m) { m.remove(code::kVendorSpecific); }}), "PXE-4011-ACK");
  expect_fail(boot_server({.ack = [](Message& m) { m.remove(code::kBootfileName); }}), "PXE-4011-ACK");
}

TEST(PxeChecks, BootServerPort) {
  expect_pass(boot_server({}), "PXE-4011-PORT");
  expect_fail(boot_server({.ack_dst = {kClientMac, kYiaddr, 4011}}), "PXE-4011-PORT");
}

TEST(PxeChecks, Option43Consistent) {
  expect_pass(dora({.pxe = true}), "PXE-43-CONSISTENT");
  expect_fail(dora({.offer =
                        [](Message& m) {
                          dhcp::PxeVendorOptions pv;
                          pv.discovery_control = 0;
                          pv.boot_menu = std::vector<dhcp::BootMenuEntry>{{1, "Linux"}};
                          m.set(code::kVendorSpecific, *dhcp::encode_pxe_vendor_options(pv));
                        },
                    .pxe = true}),
              "PXE-43-CONSISTENT");
}

TEST(PxeChecks, ProxyWindow) {
  expect_pass(proxy({.proxy_delay = 3.0}), "PXE-PROXY-WINDOW");
  expect_fail(proxy({.proxy_delay = 4.5}), "PXE-PROXY-WINDOW");
  expect_fail(proxy({.proxy_delay = 2.5, .ipxe = true}), "PXE-PROXY-WINDOW");
}

TEST(PxeChecks, ServerIdOnProxyOffers) {
  expect_pass(proxy({}), "PXE-SERVER-ID-PROXY");
  expect_fail(proxy({.proxy_offer = [](Message& m) { m.remove(code::kServerId); }}), "PXE-SERVER-ID-PROXY");
}

TEST(PxeChecks, ProxyDelivery) {
  expect_pass(proxy({}), "PXE-PROXY-DELIVERY");
  expect_fail(proxy({.proxy_dst = {kClientMac, kYiaddr, 68}}), "PXE-PROXY-DELIVERY");
}

TEST(PxeChecks, Siaddr) {
  expect_pass(dora({.pxe = true}), "PXE-SIADDR");
  expect_fail(dora({.ack =
                        [](Message& m) {
                          m.siaddr = Ipv4Address::any();
                          dhcp::set_tftp_server_name(m, "192.0.2.1");
                        },
                    .pxe = true}),
              "PXE-SIADDR");
  // FW-37: the finding says what EDK2 does instead, by whether 54 names the 66 host.
  for (std::string tftp : {"192.0.2.1", "192.0.2.2"}) {
    const Lab lab = dora({.ack = [&](Message& m) { m.siaddr = Ipv4Address::any(); dhcp::set_tftp_server_name(m, tftp); },
                          .pxe = true});
    const std::string d = describe(judge(lab, "PXE-SIADDR"));
    EXPECT_NE(d.find("only option 66 \"" + tftp + "\", which iPXE, U-Boot and Intel PXE 2.1 ignore; EDK2 falls back to "
                     "option 54 192.0.2.1, " + (tftp == "192.0.2.1" ? "the same host, so EDK2 boots" : "a different host, which EDK2 asks instead")),
              std::string::npos) << d;
  }
}

TEST(PxeChecks, BootfileNul) {
  expect_pass(dora({.pxe = true}), "PXE-BOOTFILE-NUL");
  expect_fail(dora({.ack = [](Message& m) { dhcp::set_bootfile_name(m, "pxelinux.0", dhcp::Nul::kOmit); }, .pxe = true}),
              "PXE-BOOTFILE-NUL");
}

TEST(PxeChecks, NoFalsePxeClient) {
  expect_pass(dora({.pxe = true}), "PXE-NO-FALSE-PXECLIENT");
  expect_fail(dora({.offer =
                        [](Message& m) {
                          m.remove(code::kVendorSpecific);
                          m.remove(code::kBootfileName);
                        },
                    .pxe = true}),
              "PXE-NO-FALSE-PXECLIENT");
}

TEST(PxeChecks, ChainloadLoop) {
  auto ipxe = [](Message& m) { m.set(code::kUserClass, Bytes{'i', 'P', 'X', 'E'}); };
  expect_pass(dora({.discover = ipxe,
                    .request = ipxe,
                    .ack = [](Message& m) { dhcp::set_bootfile_name(m, "boot.ipxe", dhcp::Nul::kAppend); },
                    .pxe = true}),
              "PXE-CHAINLOAD-LOOP");
  expect_fail(dora({.discover = ipxe,
                    .request = ipxe,
                    .ack = [](Message& m) { dhcp::set_bootfile_name(m, "undionly.kpxe", dhcp::Nul::kAppend); },
                    .pxe = true}),
              "PXE-CHAINLOAD-LOOP");
}

TEST(PxeChecks, MenuLocal) {
  auto servers = [](std::uint16_t type) {
    return [type](Message& m) {
      dhcp::PxeVendorOptions pv;
      pv.discovery_control = dhcp::discovery::kUseBootfile;
      pv.boot_servers = std::vector<dhcp::BootServer>{{type, {kServerIp}}};
      m.set(code::kVendorSpecific, *dhcp::encode_pxe_vendor_options(pv));
    };
  };
  expect_pass(dora({.offer = servers(1), .pxe = true}), "PXE-MENU-LOCAL");
  expect_fail(dora({.offer = servers(0), .pxe = true}), "PXE-MENU-LOCAL");
  expect_fail(boot_server({.item_type = 0}), "PXE-MENU-LOCAL");
}

}  // namespace
}  // namespace pxelab::conformance::testing
