// Each FW-nn behaviour a personality claims, shown on the wire: the stimulus the
// FIRMWARE.md entry describes, and the reaction it predicts.
#include <algorithm>

#include "client/client_test_lab.h"

namespace pxelab::client {
namespace {

using namespace testing;
namespace dhcp = wire::dhcp;
using wire::Ipv4Address;

Ipv4Address ip(const char* s) { return *Ipv4Address::parse(s); }

const char* kAllRomsForSeedTest[] = {"edk2-x64", "ipxe-bios", "intel-pxe21", "uboot", "ipxe-efi"};

std::vector<SeenDhcp> of_type(const std::vector<SeenDhcp>& seen, dhcp::MessageType t) {
  std::vector<SeenDhcp> out;
  for (const auto& s : seen) {
    if (dhcp::message_type(s.message) == t) out.push_back(s);
  }
  return out;
}

std::vector<std::uint8_t> option_codes(const dhcp::Message& m) {
  std::vector<std::uint8_t> out;
  for (const auto& o : m.options) out.push_back(o.code);
  return out;
}

// A reference server in full DHCP mode (client_test_lab.h kFullDhcp).
struct RefLab {
  TftpRoot root;
  Lab lab;
  explicit RefLab(const std::string& extra = "") { lab.add_server(server_config(root, std::string(kFullDhcp) + extra)); }
};

// ---- A. Client DHCP -----------------------------------------------------------------

TEST(FW01, Edk2FingerprintAndRequestReusesTheDiscoverSecs) {
  RefLab r;
  PxeClient& c = r.lab.add_client("edk2-x64", 1);
  r.lab.run();
  ASSERT_EQ(c.outcome().status, BootStatus::kBooted) << describe(c.outcome());
  auto seen = dhcp_sent_by(r.lab.trace, client_mac(1));
  auto discovers = of_type(seen, dhcp::MessageType::kDiscover);
  auto requests = of_type(seen, dhcp::MessageType::kRequest);
  ASSERT_FALSE(discovers.empty());
  ASSERT_FALSE(requests.empty());
  const dhcp::Message& d = discovers.front().message;
  EXPECT_EQ(d.flags, dhcp::kBroadcastFlag);
  EXPECT_EQ(dhcp::parameter_request_list(d)->size(), 35u);
  EXPECT_EQ(dhcp::max_message_size(d), 1472);
  EXPECT_EQ(dhcp::vendor_class(d), "PXEClient:Arch:00007:UNDI:003000");
  EXPECT_EQ(*dhcp::decode_client_arch(d.find(dhcp::code::kClientArch)->data), (std::vector<std::uint16_t>{7}));
  EXPECT_EQ(dhcp::decode_client_machine_id(d.find(dhcp::code::kClientMachineId)->data)->guid,
            (std::array<std::uint8_t, 16>{}));
  EXPECT_FALSE(d.has(dhcp::code::kIpxeEncapsulated));
  EXPECT_EQ(option_codes(d), (std::vector<std::uint8_t>{53, 57, 55, 97, 94, 93, 60}));
  // The DHCP REQUEST goes out ~4 s later (FW-08) with the DISCOVER's secs (FW-01).
  EXPECT_EQ(requests.front().message.secs, d.secs);
  EXPECT_EQ(requests.front().message.flags, dhcp::kBroadcastFlag);
}

TEST(FW02, IpxeFingerprint) {
  RefLab r;
  PxeClient& c = r.lab.add_client("ipxe-bios", 1);
  r.lab.run();
  ASSERT_EQ(c.outcome().status, BootStatus::kBooted) << describe(c.outcome());
  auto discovers = of_type(dhcp_sent_by(r.lab.trace, client_mac(1)), dhcp::MessageType::kDiscover);
  ASSERT_FALSE(discovers.empty());
  const dhcp::Message& d = discovers.front().message;
  EXPECT_EQ(d.flags, 0) << "0x8000 only once the NIC has IPv4 (FW-02)";
  EXPECT_EQ(dhcp::max_message_size(d), 1472);
  auto uc = dhcp::decode_user_class(d.find(dhcp::code::kUserClass)->data);
  ASSERT_TRUE(uc);
  EXPECT_EQ(uc->form, dhcp::UserClass::Form::kRaw) << "raw \"iPXE\", not RFC 3004 (ipxe#1374)";
  EXPECT_TRUE(d.has(dhcp::code::kIpxeEncapsulated));
  EXPECT_TRUE(d.has(dhcp::code::kClientId));
  // secs packs (count << 2) | offer | proxy, the packet being sent counted: 4 (seen under QEMU).
  EXPECT_EQ(d.secs, 4);
}

TEST(FW03, UbootFingerprintRetriesAndNewXids) {
  // No server: U-Boot keeps asking, 0.25 s doubling (±10 %), a new xid each time.
  Lab lab;
  PxeClient& c = lab.add_client("uboot", 1);
  lab.run(sim::seconds(5));
  EXPECT_EQ(c.outcome().status, BootStatus::kPending) << "U-Boot restarts rather than fail";
  auto discovers = of_type(dhcp_sent_by(lab.trace, client_mac(1)), dhcp::MessageType::kDiscover);
  ASSERT_GE(discovers.size(), 5u);
  const dhcp::Message& d = discovers.front().message;
  EXPECT_EQ(dhcp::vendor_class(d), "U-Boot");
  EXPECT_FALSE(d.has(dhcp::code::kClientArch));
  EXPECT_EQ(dhcp::max_message_size(d), 576);
  EXPECT_EQ(d.flags, 0);
  const double expected[] = {0.25, 0.5, 1, 2};
  for (int i = 0; i < 4; ++i) {
    const double gap = sim::to_seconds(discovers[i + 1].time - discovers[i].time);
    EXPECT_NEAR(gap, expected[i], expected[i] * 0.11) << "retry " << i;
    EXPECT_NE(discovers[i + 1].message.xid, discovers[i].message.xid);
  }
}

TEST(FW04, UbootTakesTheFirstOfferAtOnce) {
  Lab lab;
  ScriptedServer s(lab.clock, lab.segment, ip("192.0.2.9"));
  s.on_dhcp = [](const dhcp::Message& req, const sim::Datagram&) {
    std::vector<ScriptedServer::Reply> out;
    if (dhcp::message_type(req) == dhcp::MessageType::kDiscover) {
      out.push_back({reply_to(req, dhcp::MessageType::kOffer, "192.0.2.50"), sim::ms(100)});
      auto better = reply_to(req, dhcp::MessageType::kOffer, "192.0.2.60", "192.0.2.10");
      better.file = "better.0";
      out.push_back({better, sim::ms(150)});
    }
    return out;
  };
  lab.add_client("uboot", 1);
  lab.run(sim::seconds(1));
  auto requests = of_type(dhcp_sent_by(lab.trace, client_mac(1)), dhcp::MessageType::kRequest);
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(dhcp::requested_address(requests.front().message), ip("192.0.2.50"));
  EXPECT_LT(requests.front().time, sim::ms(150)) << "no collection window";
}

TEST(FW06, Edk2IgnoresAnAckFromAnotherServerAndDeclinesAnotherAddress) {
  Lab lab;
  ScriptedServer s(lab.clock, lab.segment, ip("192.0.2.9"));
  int requests = 0;
  s.on_dhcp = [&](const dhcp::Message& req, const sim::Datagram&) {
    std::vector<ScriptedServer::Reply> out;
    if (dhcp::message_type(req) == dhcp::MessageType::kDiscover) {
      auto offer = reply_to(req, dhcp::MessageType::kOffer, "192.0.2.50");
      offer.file = "boot.efi";  // selectable (FW-11 class 7)
      out.push_back({offer});
    } else if (dhcp::message_type(req) == dhcp::MessageType::kRequest && ++requests == 1) {
      out.push_back({reply_to(req, dhcp::MessageType::kAck, "192.0.2.50", "192.0.2.99")});  // another server id
      out.push_back({reply_to(req, dhcp::MessageType::kAck, "192.0.2.51"), sim::ms(10)});  // not the offered address
    }
    return out;
  };
  PxeClient& c = lab.add_client("edk2-x64", 1);
  lab.run(sim::seconds(30));
  EXPECT_EQ(c.outcome().status, BootStatus::kFailed);
  EXPECT_EQ(c.outcome().code, "DHCP-DECLINE") << describe(c.outcome());
  auto declines = of_type(dhcp_sent_by(lab.trace, client_mac(1)), dhcp::MessageType::kDecline);
  ASSERT_EQ(declines.size(), 1u) << "the foreign ACK was ignored, the wrong address declined";
  EXPECT_EQ(dhcp::requested_address(declines.front().message), ip("192.0.2.51"));
  EXPECT_NE(dhcp::get_string(declines.front().message, dhcp::code::kMessage)->find("isn't the same"), std::string::npos);
}

TEST(FW07, Edk2DropsAPacketWithABadKnownOptionLength) {
  Lab lab;
  ScriptedServer s(lab.clock, lab.segment, ip("192.0.2.9"));
  s.on_dhcp = [](const dhcp::Message& req, const sim::Datagram&) {
    std::vector<ScriptedServer::Reply> out;
    if (dhcp::message_type(req) == dhcp::MessageType::kDiscover) {
      auto offer = reply_to(req, dhcp::MessageType::kOffer, "192.0.2.50");
      offer.set(dhcp::code::kHostName, {});  // zero-length 12
      offer.file = "x.efi";
      out.push_back({offer});
    }
    return out;
  };
  PxeClient& c = lab.add_client("edk2-x64", 1);
  lab.run(sim::seconds(70));
  EXPECT_EQ(c.outcome().status, BootStatus::kFailed);
  EXPECT_EQ(c.outcome().code, "PXE-E18") << describe(c.outcome());
  EXPECT_TRUE(of_type(dhcp_sent_by(lab.trace, client_mac(1)), dhcp::MessageType::kRequest).empty());
}

// ---- B. Offer selection ------------------------------------------------------------

TEST(FW08, Edk2RequestsWhenTheTimerExpiresAndSeesALateProxyOnlyAtTheNextRound) {
  Lab lab;
  ScriptedServer s(lab.clock, lab.segment, ip("192.0.2.9"));
  int discovers = 0;
  s.on_dhcp = [&](const dhcp::Message& req, const sim::Datagram&) {
    std::vector<ScriptedServer::Reply> out;
    if (dhcp::message_type(req) == dhcp::MessageType::kDiscover) {
      ++discovers;
      out.push_back({reply_to(req, dhcp::MessageType::kOffer, "192.0.2.50"), sim::ms(10)});  // no boot file
      if (discovers == 1) {
        // A proxy answering late, at 4.5 s: after the first timer (4 s).
        auto proxy = reply_to(req, dhcp::MessageType::kOffer, "0.0.0.0", "192.0.2.9");
        dhcp::set_vendor_class(proxy, "PXEClient");
        proxy.file = "boot.efi";
        proxy.siaddr = ip("192.0.2.9");
        dhcp::PxeVendorOptions v;
        v.discovery_control = dhcp::discovery::kUseBootfile;
        proxy.set(dhcp::code::kVendorSpecific, *dhcp::encode_pxe_vendor_options(v));
        out.push_back({proxy, sim::ms(4500)});
      }
    } else if (dhcp::message_type(req) == dhcp::MessageType::kRequest) {
      out.push_back({reply_to(req, dhcp::MessageType::kAck, "192.0.2.50")});
    }
    return out;
  };
  lab.add_client("edk2-x64", 1);
  lab.run(sim::seconds(20));
  auto sent = dhcp_sent_by(lab.trace, client_mac(1));
  auto requests = of_type(sent, dhcp::MessageType::kRequest);
  ASSERT_FALSE(requests.empty());
  // At 4 s only a DHCP offer without a file is held: not selectable (FW-11 class 7
  // needs a file), so EDK2 asks again; the proxy joins at 4.5 s and the REQUEST goes
  // at the second expiry, 4 + 8 = 12 s.
  EXPECT_EQ(of_type(sent, dhcp::MessageType::kDiscover).size(), 2u);
  EXPECT_NEAR(sim::to_seconds(requests.front().time), 12.0, 0.01);
}

TEST(FW09, Edk2DropsOffersWithoutOption54) {
  Lab lab;
  ScriptedServer s(lab.clock, lab.segment, ip("192.0.2.9"));
  s.on_dhcp = [](const dhcp::Message& req, const sim::Datagram&) {
    std::vector<ScriptedServer::Reply> out;
    if (dhcp::message_type(req) == dhcp::MessageType::kDiscover) {
      auto offer = reply_to(req, dhcp::MessageType::kOffer, "192.0.2.50");
      offer.remove(dhcp::code::kServerId);
      offer.file = "boot.efi";
      out.push_back({offer});
    }
    return out;
  };
  PxeClient& edk2 = lab.add_client("edk2-x64", 1);
  PxeClient& intel = lab.add_client("intel-pxe21", 2);
  lab.run(sim::seconds(70));
  EXPECT_EQ(edk2.outcome().code, "PXE-E18") << describe(edk2.outcome());
  EXPECT_TRUE(of_type(dhcp_sent_by(lab.trace, client_mac(1)), dhcp::MessageType::kRequest).empty());
  EXPECT_FALSE(of_type(dhcp_sent_by(lab.trace, client_mac(2)), dhcp::MessageType::kRequest).empty())
      << "the Intel ROM does not need 54";
  static_cast<void>(intel);
}

TEST(FW11, PlainServerEchoingPxeClientSendsEdk2ToPort4011AndItFails) {
  // FW-39: a plain DHCP server echoing 60 "PXEClient" without 43: DhcpBinl.
  Lab lab;
  ScriptedServer s(lab.clock, lab.segment, ip("192.0.2.9"));
  s.on_dhcp = [](const dhcp::Message& req, const sim::Datagram& d) {
    std::vector<ScriptedServer::Reply> out;
    if (d.dst.port == 4011) return out;  // nobody serves 4011
    auto type = dhcp::message_type(req);
    if (type == dhcp::MessageType::kDiscover || type == dhcp::MessageType::kRequest) {
      auto m = reply_to(req, type == dhcp::MessageType::kDiscover ? dhcp::MessageType::kOffer : dhcp::MessageType::kAck,
                        "192.0.2.50");
      dhcp::set_vendor_class(m, "PXEClient");
      m.file = "boot.efi";
      m.siaddr = ip("192.0.2.9");
      out.push_back({m});
    }
    return out;
  };
  PxeClient& c = lab.add_client("edk2-x64", 1);
  lab.run(sim::seconds(60));
  EXPECT_EQ(c.outcome().status, BootStatus::kFailed);
  EXPECT_EQ(c.outcome().code, "PXE-E18") << describe(c.outcome());
  auto sent = dhcp_sent_by(lab.trace, client_mac(1));
  std::vector<SeenDhcp> to4011;
  for (const auto& x : sent) {
    if (x.udp.udp.dst_port == 4011) to4011.push_back(x);
  }
  ASSERT_EQ(to4011.size(), 4u) << "4 tries (FW-16)";
  // FW-16: unicast to siaddr, from port 4011, ciaddr set, flags 0, a new xid; 1/2/3/4 s.
  EXPECT_EQ(to4011[0].udp.ip.dst, ip("192.0.2.9"));
  EXPECT_EQ(to4011[0].udp.udp.src_port, 4011);
  EXPECT_EQ(to4011[0].message.ciaddr, ip("192.0.2.50"));
  EXPECT_EQ(to4011[0].message.flags, 0);
  EXPECT_NE(to4011[0].message.xid, sent.front().message.xid);
  const double gaps[] = {1, 2, 3};
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(sim::to_seconds(to4011[i + 1].time - to4011[i].time), gaps[i], 0.01);
  EXPECT_NEAR(sim::to_seconds(*c.outcome().timeline.done - to4011[0].time), 10.0, 0.01);
}

TEST(FW12, Edk2NeverUsesOption66AndFallsBackTo54) {
  // FW-37: a server that names its TFTP server only in 66 (siaddr 0).
  Lab lab;
  ScriptedServer s(lab.clock, lab.segment, ip("192.0.2.9"));
  s.on_dhcp = [](const dhcp::Message& req, const sim::Datagram&) {
    std::vector<ScriptedServer::Reply> out;
    auto type = dhcp::message_type(req);
    if (type == dhcp::MessageType::kDiscover || type == dhcp::MessageType::kRequest) {
      auto m = reply_to(req, type == dhcp::MessageType::kDiscover ? dhcp::MessageType::kOffer : dhcp::MessageType::kAck,
                        "192.0.2.50");
      m.file = "boot.efi";
      dhcp::set_tftp_server_name(m, "192.0.2.77");
      out.push_back({m});
    }
    return out;
  };
  PxeClient& edk2 = lab.add_client("edk2-x64", 1);
  PxeClient& intel = lab.add_client("intel-pxe21", 2);
  PxeClient& uboot = lab.add_client("uboot", 3);
  PxeClient& ipxe = lab.add_client("ipxe-efi", 4);
  lab.run(sim::seconds(120));
  auto rrqs = rrqs_of(tftp_sent_by(lab.trace, client_mac(1)));
  ASSERT_FALSE(rrqs.empty());
  EXPECT_EQ(edk2.outcome().boot_server, ip("192.0.2.9")) << "54, not 66 (FW-12): " << describe(edk2.outcome());
  // The Intel ROM reads siaddr (0) and times out asking 0.0.0.0 (FW-37).
  EXPECT_EQ(intel.outcome().code, "PXE-E32") << describe(intel.outcome());
  EXPECT_EQ(intel.outcome().boot_server, Ipv4Address::any());
  // U-Boot stops at once: serverip not set (FW-37, starfive u-boot#34).
  EXPECT_EQ(uboot.outcome().code, "UBOOT-NO-SERVERIP") << describe(uboot.outcome());
  // iPXE makes no TFTP URI without siaddr: "Nothing to boot", no RRQ at all (as real
  // iPXE 1.0.0+git-20190125 under OVMF: captures/golden/qemu/ovmf-x64-66only.pcap).
  EXPECT_EQ(ipxe.outcome().code, "IPXE-NOTHING-TO-BOOT") << describe(ipxe.outcome());
  EXPECT_TRUE(rrqs_of(tftp_sent_by(lab.trace, client_mac(4))).empty());
}

// Nothing to boot (issue 15): an address, no boot file, no PXE options, no proxy. As real
// firmware did (captures/golden/qemu/ovmf-x64-noboot.pcap, seabios-ipxe-noboot.pcap):
// EDK2 never REQUESTs and ends in PXE-E16 after its DISCOVER rounds; iPXE takes the
// lease and says "Nothing to boot"; the Intel ROM takes it too and has no file (PXE-E53).
TEST(NothingToBoot, EachFirmwareEndsInItsOwnWords) {
  Lab lab;
  ScriptedServer s(lab.clock, lab.segment, ip("192.0.2.9"));
  s.on_dhcp = [](const dhcp::Message& req, const sim::Datagram&) {
    std::vector<ScriptedServer::Reply> out;
    const auto type = dhcp::message_type(req);
    if (type == dhcp::MessageType::kDiscover) out.push_back({reply_to(req, dhcp::MessageType::kOffer, "192.0.2.50")});
    if (type == dhcp::MessageType::kRequest) out.push_back({reply_to(req, dhcp::MessageType::kAck, "192.0.2.50")});
    return out;
  };
  PxeClient& edk2 = lab.add_client("edk2-x64", 1);
  PxeClient& ipxe = lab.add_client("ipxe-bios", 2);
  PxeClient& intel = lab.add_client("intel-pxe21", 3);
  lab.run(sim::seconds(90));
  EXPECT_EQ(edk2.outcome().code, "PXE-E16") << describe(edk2.outcome());
  EXPECT_TRUE(of_type(dhcp_sent_by(lab.trace, client_mac(1)), dhcp::MessageType::kRequest).empty());
  EXPECT_EQ(of_type(dhcp_sent_by(lab.trace, client_mac(1)), dhcp::MessageType::kDiscover).size(), 4u);
  EXPECT_EQ(ipxe.outcome().code, "IPXE-NOTHING-TO-BOOT") << describe(ipxe.outcome());
  EXPECT_FALSE(of_type(dhcp_sent_by(lab.trace, client_mac(2)), dhcp::MessageType::kRequest).empty());
  EXPECT_EQ(intel.outcome().code, "PXE-E53") << describe(intel.outcome());
}

TEST(FW13, IpxeLosesAProxyOfferThatComesAfterItsTwoSecondWait) {
  // Holding a DHCP offer, iPXE moves on at the first event after 2 s: a proxy offer
  // at 1.5 s or 2.5 s (itself that event) is used; at 3.5 s the 3 s retransmit timer
  // has already sent the REQUEST and the proxy offer is lost.
  for (sim::Time proxy_at : {sim::ms(1500), sim::ms(2500), sim::ms(3500)}) {
    Lab lab;
    ScriptedServer s(lab.clock, lab.segment, ip("192.0.2.9"));
    int discovers = 0;
    s.on_dhcp = [&](const dhcp::Message& req, const sim::Datagram& d) {
      std::vector<ScriptedServer::Reply> out;
      auto type = dhcp::message_type(req);
      if (d.dst.port == 67 && type == dhcp::MessageType::kDiscover && ++discovers == 1) {
        out.push_back({reply_to(req, dhcp::MessageType::kOffer, "192.0.2.50"), sim::ms(10)});
        auto proxy = reply_to(req, dhcp::MessageType::kOffer, "0.0.0.0", "192.0.2.9");
        dhcp::set_vendor_class(proxy, "PXEClient");
        proxy.siaddr = ip("192.0.2.9");
        proxy.file = "proxy.0";
        out.push_back({proxy, proxy_at});
      } else if (type == dhcp::MessageType::kRequest && d.dst.port == 67) {
        out.push_back({reply_to(req, dhcp::MessageType::kAck, "192.0.2.50")});
      }
      return out;
    };
    PxeClient& c = lab.add_client("ipxe-bios", 1);
    lab.run(sim::seconds(10));
    if (proxy_at < sim::seconds(3)) {
      EXPECT_EQ(c.outcome().boot_file, "proxy.0") << describe(c.outcome());
    } else {
      // No boot file: iPXE's "Nothing to boot" (seabios-ipxe-noboot.pcap, real iPXE).
      EXPECT_EQ(c.outcome().code, "IPXE-NOTHING-TO-BOOT") << "the proxy offer came after the REQUEST: " << describe(c.outcome());
      auto requests = of_type(dhcp_sent_by(lab.trace, client_mac(1)), dhcp::MessageType::kRequest);
      ASSERT_FALSE(requests.empty());
      EXPECT_NEAR(sim::to_seconds(requests.front().time), 3.0, 0.01);
    }
  }
}

TEST(FW17, IpxeAsksTheProxyOnPort4011FromPort68ToOption54) {
  Lab lab;
  ScriptedServer s(lab.clock, lab.segment, ip("192.0.2.9"));
  s.on_dhcp = [](const dhcp::Message& req, const sim::Datagram& d) {
    std::vector<ScriptedServer::Reply> out;
    auto type = dhcp::message_type(req);
    if (d.dst.port == 4011) {
      auto ack = reply_to(req, dhcp::MessageType::kAck, "0.0.0.0", "192.0.2.9");
      dhcp::set_vendor_class(ack, "PXEClient");
      ack.file = "from4011.0";
      ack.siaddr = ip("192.0.2.9");
      dhcp::PxeVendorOptions v;
      v.discovery_control = dhcp::discovery::kUseBootfile;
      ack.set(dhcp::code::kVendorSpecific, *dhcp::encode_pxe_vendor_options(v));
      out.push_back({ack, 0, std::nullopt, 4011});
    } else if (type == dhcp::MessageType::kDiscover) {
      out.push_back({reply_to(req, dhcp::MessageType::kOffer, "192.0.2.50", "192.0.2.1")});
      auto proxy = reply_to(req, dhcp::MessageType::kOffer, "0.0.0.0", "192.0.2.9");
      dhcp::set_vendor_class(proxy, "PXEClient");  // no siaddr/file, no menu: ask on 4011
      out.push_back({proxy});
    } else if (type == dhcp::MessageType::kRequest) {
      out.push_back({reply_to(req, dhcp::MessageType::kAck, "192.0.2.50", "192.0.2.1")});
    }
    return out;
  };
  PxeClient& c = lab.add_client("ipxe-bios", 1);
  lab.run(sim::seconds(10));
  EXPECT_EQ(c.outcome().boot_file, "from4011.0") << describe(c.outcome());
  bool asked = false;
  for (const auto& x : dhcp_sent_by(lab.trace, client_mac(1))) {
    if (x.udp.udp.dst_port != 4011) continue;
    asked = true;
    EXPECT_EQ(x.udp.udp.src_port, 68);
    EXPECT_EQ(x.udp.ip.dst, ip("192.0.2.9"));
  }
  EXPECT_TRUE(asked);
}

TEST(FW20, Edk2TakesLocalBootFromAPxe10OfferWithoutAMenu) {
  // The reference server's "local" boot mode sends {6: 3, 9: [local], 10: timeout 0}.
  RefLab r("[[host]]\nmac = \"" + client_mac(1).to_string() + "\"\nboot = \"local\"\n");
  PxeClient& edk2 = r.lab.add_client("edk2-x64", 1);
  r.lab.run();
  EXPECT_EQ(edk2.outcome().status, BootStatus::kLocalBoot) << describe(edk2.outcome());
  EXPECT_TRUE(edk2.outcome().images.empty());
}

TEST(FW20, MenuWithATimeoutTakesTheFirstItemAndBootsFromTheBootServer) {
  TftpRoot root;
  Lab lab;
  std::string cfg = kFullDhcp;
  cfg.insert(cfg.find("[boot]\n") + 7, "default_mode = \"menu\"\n");
  lab.add_server(server_config(root, cfg + R"(
[boot.menu]
prompt = "Press F8"
timeout = 3
[[boot.menu.item]]
type = 32768
description = "Install"
file = "installer.0"
[[boot.menu.item]]
type = 0
description = "Local disk"
)"));
  PxeClient& c = lab.add_client("intel-pxe21", 1);
  lab.run();
  EXPECT_EQ(c.outcome().status, BootStatus::kBooted) << describe(c.outcome());
  EXPECT_EQ(c.outcome().boot_file, "installer.0");
  ASSERT_TRUE(c.outcome().timeline.ack && c.outcome().timeline.proxy_ack);
  EXPECT_GE(*c.outcome().timeline.proxy_ack - *c.outcome().timeline.ack, sim::seconds(3)) << "waited the 43.10 timeout";
}

// ---- D. TFTP clients ----------------------------------------------------------------

TEST(FW23, Edk2ProbesTsizeThenReadsWithoutIt) {
  RefLab r;
  PxeClient& c = r.lab.add_client("edk2-x64", 1);
  r.lab.run();
  auto sent = tftp_sent_by(r.lab.trace, client_mac(1));
  auto rrqs = rrqs_of(sent);
  ASSERT_GE(rrqs.size(), 2u);
  EXPECT_EQ(rrqs[0].filename, "ipxe.efi");
  EXPECT_TRUE(rrqs[0].options.tsize());
  EXPECT_FALSE(rrqs[1].options.tsize()) << "RRQ2 has no tsize (pin/tftp#125)";
  EXPECT_EQ(rrqs[1].options.blksize(), 1468);
  EXPECT_EQ(rrqs[1].options.windowsize(), 4);
  bool aborted = false;
  for (const auto& x : sent) {
    if (const auto* e = std::get_if<wire::TftpError>(&x.packet)) {
      aborted = e->code == 8 && e->message == "User aborted the transfer";
      break;
    }
  }
  EXPECT_TRUE(aborted) << "ERROR 8 after the first OACK";
  EXPECT_EQ(c.outcome().status, BootStatus::kBooted);
}

TEST(FW23, Edk2SkipsTheProbeWhenOption13GivesTheSize) {
  Lab lab;
  ScriptedServer s(lab.clock, lab.segment, ip("192.0.2.9"));
  s.on_dhcp = [](const dhcp::Message& req, const sim::Datagram&) {
    std::vector<ScriptedServer::Reply> out;
    auto type = dhcp::message_type(req);
    if (type == dhcp::MessageType::kDiscover || type == dhcp::MessageType::kRequest) {
      auto m = reply_to(req, type == dhcp::MessageType::kDiscover ? dhcp::MessageType::kOffer : dhcp::MessageType::kAck,
                        "192.0.2.50");
      m.file = "boot.efi";
      m.siaddr = ip("192.0.2.9");
      m.set(13, dhcp::encode_u16(2));  // 2 x 512 octets
      out.push_back({m});
    }
    return out;
  };
  const std::string image(1024, 'x');
  s.on_rrq = [&](const wire::TftpPacket&, const sim::Datagram&) {
    wire::TftpOack oack;
    oack.options.set_blksize(1468);
    return std::vector<wire::Bytes>{tftp_bytes(oack)};
  };
  s.on_tftp = [&](const wire::TftpPacket& p, const sim::Datagram&) {
    std::vector<wire::Bytes> out;
    if (const auto* a = std::get_if<wire::TftpAck>(&p); a && a->block == 0) {
      out.push_back(tftp_bytes(wire::TftpData{1, wire::ByteView(reinterpret_cast<const std::uint8_t*>(image.data()), image.size())}));
    }
    return out;
  };
  PxeClient& c = lab.add_client("edk2-x64", 1);
  lab.run(sim::seconds(30));
  EXPECT_EQ(c.outcome().status, BootStatus::kBooted) << describe(c.outcome());
  EXPECT_EQ(rrqs_of(tftp_sent_by(lab.trace, client_mac(1))).size(), 1u);
}

// A scripted DHCP server that hands out boot.efi from itself (siaddr).
void serve_boot_efi(ScriptedServer& s) {
  s.on_dhcp = [](const dhcp::Message& req, const sim::Datagram&) {
    std::vector<ScriptedServer::Reply> out;
    auto type = dhcp::message_type(req);
    if (type == dhcp::MessageType::kDiscover || type == dhcp::MessageType::kRequest) {
      auto m = reply_to(req, type == dhcp::MessageType::kDiscover ? dhcp::MessageType::kOffer : dhcp::MessageType::kAck,
                        "192.0.2.50");
      m.file = "boot.efi";
      m.siaddr = ip("192.0.2.9");
      out.push_back({m});
    }
    return out;
  };
}

TEST(FW24, Edk2FailsWhenTheOackHasNoTsize) {
  Lab lab;
  ScriptedServer s(lab.clock, lab.segment, ip("192.0.2.9"));
  serve_boot_efi(s);
  s.on_rrq = [](const wire::TftpPacket&, const sim::Datagram&) {
    wire::TftpOack oack;
    oack.options.set_blksize(1468);  // no tsize
    return std::vector<wire::Bytes>{tftp_bytes(oack)};
  };
  PxeClient& c = lab.add_client("edk2-x64", 1);
  lab.run(sim::seconds(30));
  EXPECT_EQ(c.outcome().status, BootStatus::kFailed);
  EXPECT_EQ(c.outcome().code, "PXE-E18") << describe(c.outcome());
  EXPECT_NE(c.outcome().text.find("NBP filesize is 0 Bytes"), std::string::npos);
}

TEST(FW25, Edk2RefusesAnOackWithAnOptionItDidNotAsk) {
  Lab lab;
  ScriptedServer s(lab.clock, lab.segment, ip("192.0.2.9"));
  serve_boot_efi(s);
  s.on_rrq = [](const wire::TftpPacket&, const sim::Datagram&) {
    wire::TftpOack oack;
    oack.options.set_tsize(4096);
    oack.options.set_timeout(5);  // never requested
    return std::vector<wire::Bytes>{tftp_bytes(oack)};
  };
  PxeClient& c = lab.add_client("edk2-x64", 1);
  lab.run(sim::seconds(30));
  EXPECT_EQ(c.outcome().code, "TFTP-ABORTED") << describe(c.outcome());
  bool refused = false;
  for (const auto& p : s.tftp_seen) {
    if (const auto* e = std::get_if<wire::TftpError>(&p)) refused = e->code == 4 && e->message == "Malformatted OACK packet";
  }
  EXPECT_TRUE(refused);
}

TEST(FW28, UbootRefusesAnOackThatChangesTheTimeoutAndUsesLowPorts) {
  Lab lab;
  ScriptedServer s(lab.clock, lab.segment, ip("192.0.2.9"));
  s.on_dhcp = [](const dhcp::Message& req, const sim::Datagram&) {
    std::vector<ScriptedServer::Reply> out;
    auto type = dhcp::message_type(req);
    if (type == dhcp::MessageType::kDiscover || type == dhcp::MessageType::kRequest) {
      auto m = reply_to(req, type == dhcp::MessageType::kDiscover ? dhcp::MessageType::kOffer : dhcp::MessageType::kAck,
                        "192.0.2.50");
      m.siaddr = ip("192.0.2.9");
      out.push_back({m});
    }
    return out;
  };
  s.on_rrq = [](const wire::TftpPacket&, const sim::Datagram&) {
    wire::TftpOack oack;
    oack.options.set_timeout(3);
    return std::vector<wire::Bytes>{tftp_bytes(oack)};
  };
  PxeClient& c = lab.add_client("uboot", 1);
  lab.run(sim::seconds(30));
  EXPECT_EQ(c.outcome().code, "TFTP-ABORTED") << describe(c.outcome());
  auto sent = tftp_sent_by(lab.trace, client_mac(1));
  ASSERT_FALSE(sent.empty());
  EXPECT_GE(sent.front().udp.udp.src_port, 1024);
  EXPECT_LE(sent.front().udp.udp.src_port, 4095);
  auto rrqs = rrqs_of(sent);
  ASSERT_FALSE(rrqs.empty());
  EXPECT_EQ(rrqs.front().options.timeout(), 5);
  bool refused = false;
  for (const auto& p : s.tftp_seen) {
    if (const auto* e = std::get_if<wire::TftpError>(&p)) refused = refused || e->code == 8;
  }
  EXPECT_TRUE(refused);
}

TEST(FW30, PxelinuxLooksForItsConfigInOrder) {
  TftpRoot root;
  root.remove("pxelinux.cfg/default");
  Lab lab;
  lab.add_server(server_config(root, kFullDhcp));
  PxeClient& c = lab.add_client("intel-pxe21", 1);
  lab.run();
  EXPECT_EQ(c.outcome().code, "NO-CONFIG") << describe(c.outcome());
  auto rrqs = rrqs_of(tftp_sent_by(lab.trace, client_mac(1)));
  std::vector<std::string> names;
  for (const auto& r : rrqs) {
    if (r.filename.rfind("pxelinux.cfg/", 0) == 0) names.push_back(r.filename);
  }
  ASSERT_EQ(names.size(), 10u);
  EXPECT_EQ(names[0], "pxelinux.cfg/01-52-54-00-10-00-01");
  EXPECT_EQ(names[1], "pxelinux.cfg/C0000264");  // 192.0.2.100, the first pool address
  EXPECT_EQ(names[8], "pxelinux.cfg/C");
  EXPECT_EQ(names[9], "pxelinux.cfg/default");
  // FW-29: pxelinux's own RRQ options.
  for (const auto& r : rrqs) {
    if (r.filename.rfind("pxelinux.cfg/", 0) == 0) {
      EXPECT_EQ(r.options.blksize(), 1408);
    }
  }
}

TEST(FW31, UbootTriesOnlyTheOption209File) {
  Lab lab;
  ScriptedServer s(lab.clock, lab.segment, ip("192.0.2.9"));
  s.on_dhcp = [](const dhcp::Message& req, const sim::Datagram&) {
    std::vector<ScriptedServer::Reply> out;
    auto type = dhcp::message_type(req);
    if (type == dhcp::MessageType::kDiscover || type == dhcp::MessageType::kRequest) {
      auto m = reply_to(req, type == dhcp::MessageType::kDiscover ? dhcp::MessageType::kOffer : dhcp::MessageType::kAck,
                        "192.0.2.50");
      m.siaddr = ip("192.0.2.9");
      dhcp::set_pxelinux_config_file(m, "cfg/only-this");
      out.push_back({m});
    }
    return out;
  };
  s.on_rrq = [](const wire::TftpPacket&, const sim::Datagram&) {
    return std::vector<wire::Bytes>{tftp_bytes(wire::TftpError{1, "File not found"})};
  };
  PxeClient& c = lab.add_client("uboot", 1);
  lab.run(sim::seconds(30));
  auto rrqs = rrqs_of(tftp_sent_by(lab.trace, client_mac(1)));
  ASSERT_EQ(rrqs.size(), 1u) << "no fallback after 209 (FW-31)";
  EXPECT_EQ(rrqs[0].filename, "cfg/only-this");
  EXPECT_EQ(c.outcome().code, "UBOOT-NO-CONFIG") << describe(c.outcome());
}

// ---- F. Field failures ---------------------------------------------------------------

TEST(FW38, AnOldIntelRomReadsPastAnUnterminatedBootFileName) {
  RefLab r;
  r.lab.servers.clear();
  std::string cfg = kFullDhcp;
  cfg.insert(cfg.find("[boot]\n") + 7, "nul_terminate_file = false\n");
  r.lab.add_server(server_config(r.root, cfg));
  PxeClient& intel = r.lab.add_client("intel-pxe21", 1);
  r.lab.run();
  auto rrqs = rrqs_of(tftp_sent_by(r.lab.trace, client_mac(1)));
  ASSERT_FALSE(rrqs.empty());
  // The name and one octet more: whatever follows the option in the ACK (0xFF, END,
  // when 67 comes last, as in netboot.xyz#1198; here the server's next option code).
  const std::string& name = rrqs.front().filename;
  ASSERT_EQ(name.size(), std::string("pxelinux.0").size() + 1) << name;
  EXPECT_EQ(name.substr(0, 10), "pxelinux.0");
  EXPECT_EQ(intel.outcome().code, "PXE-E3B") << describe(intel.outcome());
}

TEST(FW44, IpxeLoopsWhenTheServerIgnoresTheUserClassAndBootsWhenItKeysOnIt) {
  for (bool keyed : {false, true}) {
    TftpRoot root;
    Lab lab;
    std::string cfg = R"(
[server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.199"
[boot]
default_file = "undionly.kpxe"
)";
    if (keyed) cfg += "ipxe_script = \"boot.ipxe\"\n";
    lab.add_server(server_config(root, cfg));
    PxeClient& c = lab.add_client("intel-pxe21", 1);
    lab.run();
    if (keyed) {
      EXPECT_EQ(c.outcome().status, BootStatus::kBooted) << describe(c.outcome());
      EXPECT_EQ(c.outcome().console.front(), "pxelab script");
    } else {
      EXPECT_EQ(c.outcome().code, "CHAIN-LOOP") << describe(c.outcome());
    }
  }
}

// A loader that does its own DHCP (iPXE chainloaded by a ROM) starts without an
// address: its DISCOVERs are from 0.0.0.0, as the ROM's were (golden ovmf-x64-ipxe
// frame 740), not from the address the ROM was given.
TEST(FW44, AChainloadedIpxeDiscoversFrom0000LikeTheRom) {
  TftpRoot root;
  Lab lab;
  lab.add_server(server_config(root, R"(
[server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.199"
[boot]
default_file = "undionly.kpxe"
ipxe_script = "boot.ipxe"
)"));
  PxeClient& c = lab.add_client("intel-pxe21", 1);
  lab.run();
  ASSERT_EQ(c.outcome().status, BootStatus::kBooted) << describe(c.outcome());
  const auto discovers = of_type(dhcp_sent_by(lab.trace, client_mac(1)), dhcp::MessageType::kDiscover);
  const auto by_ipxe = std::count_if(discovers.begin(), discovers.end(), [](const SeenDhcp& d) {
    return d.message.find(dhcp::code::kUserClass) != nullptr;
  });
  ASSERT_GE(by_ipxe, 1) << "no DISCOVER from the chainloaded iPXE";
  for (const auto& d : discovers) EXPECT_EQ(d.udp.ip.src, Ipv4Address{}) << "frame " << d.frame;
}

// ---- failure paths ---------------------------------------------------------------------

TEST(Failures, NoServerEndsAfterEachFirmwaresOwnSchedule) {
  struct Case {
    const char* personality;
    const char* code;
    double seconds;  // from power-on to the failure
  };
  for (const Case& k : {Case{"intel-pxe21", "PXE-E51", 60}, Case{"edk2-x64", "PXE-E18", 60},
                        Case{"ipxe-bios", "PXE-E51", 15}, Case{"bootp-prom", "BOOTP-TIMEOUT", 124}}) {
    Lab lab;
    PxeClient& c = lab.add_client(k.personality, 1);
    lab.run(sim::seconds(200));
    // The BOOTP PROM gives up into the BIOS, which boots the local disk (its
    // personality's local_boot_after_no_offers, FW-47); the code still says why.
    const bool prom = std::string_view(k.personality) == "bootp-prom";
    EXPECT_EQ(c.outcome().status, prom ? BootStatus::kLocalBoot : BootStatus::kFailed) << k.personality;
    EXPECT_EQ(c.outcome().code, k.code) << describe(c.outcome());
    ASSERT_TRUE(c.outcome().timeline.done) << k.personality;
    EXPECT_NEAR(sim::to_seconds(*c.outcome().timeline.done), k.seconds, k.seconds * 0.11) << k.personality;
    ASSERT_TRUE(c.outcome().decided_by);
    EXPECT_TRUE(c.outcome().decided_by->sent) << "the last unanswered DISCOVER decided it";
  }
}

TEST(Failures, MissingFileIsPxeE3BCitingTheErrorFrame) {
  TftpRoot root;
  root.remove("pxelinux.0");
  Lab lab;
  lab.add_server(server_config(root, kFullDhcp));
  PxeClient& c = lab.add_client("intel-pxe21", 1);
  lab.run();
  EXPECT_EQ(c.outcome().code, "PXE-E3B") << describe(c.outcome());
  ASSERT_TRUE(c.outcome().decided_by && c.outcome().decided_by->frame);
  auto f = lab.trace.frame(*c.outcome().decided_by->frame);
  auto udp = wire::parse_udp_frame(f.bytes);
  ASSERT_TRUE(udp);
  auto p = wire::parse_tftp(udp->payload);
  ASSERT_TRUE(p);
  ASSERT_TRUE(std::holds_alternative<wire::TftpError>(*p));
  EXPECT_EQ(std::get<wire::TftpError>(*p).code, 1);
}

TEST(Failures, ArpTimeoutIsPxeE11) {
  // The DHCP server names a TFTP server that does not exist on the link.
  Lab lab;
  ScriptedServer s(lab.clock, lab.segment, ip("192.0.2.9"));
  s.on_dhcp = [](const dhcp::Message& req, const sim::Datagram&) {
    std::vector<ScriptedServer::Reply> out;
    auto type = dhcp::message_type(req);
    if (type == dhcp::MessageType::kDiscover || type == dhcp::MessageType::kRequest) {
      auto m = reply_to(req, type == dhcp::MessageType::kDiscover ? dhcp::MessageType::kOffer : dhcp::MessageType::kAck,
                        "192.0.2.50");
      m.file = "pxelinux.0";
      m.siaddr = ip("192.0.2.77");
      out.push_back({m});
    }
    return out;
  };
  PxeClient& c = lab.add_client("intel-pxe21", 1);
  lab.run(sim::seconds(60));
  EXPECT_EQ(c.outcome().code, "PXE-E11") << describe(c.outcome());
}

TEST(Outcome, BootedClientsRecordImagesTimelineAndThroughput) {
  RefLab r;
  PxeClient& c = r.lab.add_client("intel-pxe21", 1);
  r.lab.run();
  const ClientOutcome& o = c.outcome();
  ASSERT_EQ(o.status, BootStatus::kBooted) << describe(o);
  ASSERT_EQ(o.images.size(), 5u);  // pxelinux.0, ldlinux.c32, config, kernel, initrd
  EXPECT_EQ(o.images[0].name, "pxelinux.0");
  EXPECT_EQ(o.images[0].size, 30000u);
  EXPECT_EQ(o.images[0].sha256, Sha256::of(wire::ByteView(
                                    reinterpret_cast<const std::uint8_t*>(std::string(30000, 'P').data()), 30000)));
  EXPECT_EQ(o.images[0].tsize, 30000u);
  EXPECT_EQ(o.images[2].kind, "pxelinux-config");
  const Timeline& t = o.timeline;
  ASSERT_TRUE(t.power_on && t.first_discover && t.offer && t.ack && t.tftp_start && t.tftp_end && t.done);
  EXPECT_LE(*t.power_on, *t.first_discover);
  EXPECT_LE(*t.first_discover, *t.offer);
  EXPECT_LE(*t.offer, *t.ack);
  EXPECT_LE(*t.ack, *t.tftp_start);
  EXPECT_LT(*t.tftp_start, *t.tftp_end);
  EXPECT_GT(o.throughput_bps, 1e6);
}

TEST(Outcome, SameSeedSameOutcomesAndTrace) {
  auto run = [](std::uint64_t seed) {
    TftpRoot root;
    Lab lab(seed);
    lab.add_server(server_config(root, kFullDhcp));
    sim::LinkParams lossy = lan_link();
    lossy.loss = 0.05;
    for (std::uint32_t n = 1; n <= 6; ++n) lab.add_client(kAllRomsForSeedTest[n % 5], n, sim::ms(37 * n), lossy);
    lab.run();
    std::string digest;
    for (auto& cl : lab.clients) digest += describe(cl.agent->outcome()) + "\n";
    for (std::size_t i = 0; i < lab.trace.frame_count(); ++i) {
      auto f = lab.trace.frame(i);
      digest += std::to_string(f.time) + ":" + std::to_string(f.bytes.size()) + ",";
    }
    return digest;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

TEST(FloodFiltering, ChangesNothingBesidesTheWork) {
  // 30 mixed clients on ideal links (where hosts filter floods) beside the server:
  // the trace - frames, times, bytes and every outcome, skipped deliveries included -
  // and the clients' outcomes are the same with and without filtering.
  auto run = [](bool filter) {
    TftpRoot root;
    Lab lab(3);
    lab.filter_floods = filter;
    lab.add_server(server_config(root, kFullDhcp));
    for (std::uint32_t n = 1; n <= 30; ++n) lab.add_client(kAllRomsForSeedTest[n % 5], n, sim::ms(13 * n), sim::LinkParams{});
    lab.run();
    std::string digest;
    for (auto& cl : lab.clients) digest += describe(cl.agent->outcome()) + "\n";
    for (std::size_t i = 0; i < lab.trace.frame_count(); ++i) {
      auto f = lab.trace.frame(i);
      digest += std::to_string(f.time) + ":" + Sha256::of(f.bytes) + ",";
    }
    for (const auto& o : lab.trace.outcomes()) {
      digest += std::to_string(o.frame) + "<" + std::to_string(o.ingress) + ">" + std::to_string(o.egress) + "@" +
                std::to_string(o.time) + "f" + std::to_string(o.flags) + "x" + std::to_string(static_cast<int>(o.fate)) + ";";
    }
    return std::make_pair(digest, lab.trace.outcomes().size());
  };
  const auto with = run(true);
  const auto without = run(false);
  EXPECT_GT(with.second, 30u * 30u) << "broadcasts reached every port in the trace";
  EXPECT_EQ(with.first, without.first);
}

}  // namespace
}  // namespace pxelab::client
