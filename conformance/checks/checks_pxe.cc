// PXE checks: proxyDHCP offers, the port 4011 boot server, option 43, and what real
// firmware needs from servers (FW-nn in shared/FIRMWARE.md).
#include <algorithm>
#include <array>
#include <string_view>

#include "conformance/checks/check_util.h"
#include "conformance/checks/checks.h"
#include "wire/dhcp_options.h"
#include "wire/pxe_options.h"
#include "wire/text.h"

namespace pxelab::conformance::checks {

namespace code = wire::dhcp::code;
using namespace util;

namespace {

bool proxy_offer_msg(const Analysis& a, const DhcpMsg& r) {
  return r.type == msgtype::kOffer && r.yiaddr.is_any() && server_reply(a, r) && !boot_server_exchange(a, r);
}

// 0: unknown, 1: BIOS NBP, 2: EFI binary (by the conventional names).
int file_kind(std::string_view f) {
  if (wire::iends_with(f, ".efi")) return 2;
  for (std::string_view s : {".0", ".kpxe", ".kkpxe", ".pxe", ".com", ".lkrn", ".n12", ".pxe0"}) {
    if (wire::iends_with(f, s)) return 1;
  }
  return 0;
}

bool ipxe_binary(std::string_view f) {
  std::string_view base = f.substr(f.find_last_of('/') == std::string_view::npos ? 0 : f.find_last_of('/') + 1);
  for (std::string_view s : {"undionly.kpxe", "undionly.kkpxe", "undionly.pxe", "ipxe.pxe", "ipxe.kpxe", "ipxe.efi",
                             "snp.efi", "snponly.efi", "ipxe.lkrn"}) {
    if (base.size() == s.size() && wire::iends_with(base, s)) return true;
  }
  return false;
}

std::optional<wire::dhcp::PxeVendorOptions> pxe43(const Analysis& a, const DhcpMsg& m) {
  auto v = a.d().option(m, code::kVendorSpecific);
  if (!v) return std::nullopt;
  auto r = wire::dhcp::decode_pxe_vendor_options(*v);
  if (!r) return std::nullopt;
  return *r;
}

}  // namespace

void proxy_offer(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg*) {
    if (!proxy_offer_msg(a, r)) return;
    j.judge();
    if (!pxe_client(a, r)) {
      auto v = str(a, r, code::kVendorClassId);
      fail(j, a, r, {}, "an OFFER with yiaddr 0 is a proxyDHCP offer and needs option 60 \"PXEClient\"; seen " +
                            (v ? "\"" + *v + "\"" : std::string("no option 60")));
    }
  });
}

void arch_file(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg* q) {
    if (q == nullptr || (r.type != msgtype::kOffer && r.type != msgtype::kAck && r.type != 0)) return;
    auto arch = u16(a, *q, code::kClientArch);
    if (!arch) return;
    const std::string file = boot_file(a, r);
    const int kind = file_kind(file);
    if (file.empty() || kind == 0) return;
    j.judge();
    const bool efi_client = *arch != wire::dhcp::arch::kX86Bios;
    if (efi_client && kind == 1) {
      fail(j, a, r, {q->frame}, "client architecture " + std::to_string(*arch) + " (EFI) was handed the BIOS NBP '" + file + "'");
    } else if (!efi_client && kind == 2) {
      fail(j, a, r, {q->frame}, "a BIOS client (93 = 0) was handed the EFI binary '" + file + "'");
    }
  });
}

void boot_server_ack(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg* q) {
    if (q == nullptr || a.frame(r).src_port != wire::kPxeBootServerPort) return;
    j.judge();
    if (r.type != msgtype::kAck) {
      fail(j, a, r, {q->frame}, "a boot server REQUEST on 4011 expected a DHCPACK, got " + std::string(type_name(r.type)));
      return;
    }
    if (boot_file(a, r).empty()) fail(j, a, r, {q->frame}, "the 4011 ACK names no boot file (neither 67 nor the file field)");
    auto want = pxe43(a, *q);
    if (want && want->boot_item) {
      auto got = pxe43(a, r);
      if (!got || !got->boot_item) {
        fail(j, a, r, {q->frame}, "the request asked boot item type " + std::to_string(want->boot_item->type) +
                                      " (43.71); the ACK does not echo 43.71");
      } else if (got->boot_item->type != want->boot_item->type ||
                 (got->boot_item->layer & 0x7fff) != (want->boot_item->layer & 0x7fff)) {
        fail(j, a, r, {q->frame}, "43.71 echoed type " + std::to_string(got->boot_item->type) + " layer " +
                                      std::to_string(got->boot_item->layer) + "; asked type " +
                                      std::to_string(want->boot_item->type) + " layer " +
                                      std::to_string(want->boot_item->layer));
      }
    }
  });
}

void boot_server_port(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg* q) {
    if (q == nullptr || a.frame(r).src_port != wire::kPxeBootServerPort) return;
    j.judge();
    const FrameInfo& rf = a.frame(r);
    const FrameInfo& qf = a.frame(*q);
    if (rf.dst_ip != qf.src_ip || rf.dst_port != qf.src_port) {
      fail(j, a, r, {q->frame}, "expected the reply at the request's source " + ip(qf.src_ip) + ":" +
                                    std::to_string(qf.src_port) + ", sent to " + ip(rf.dst_ip) + ":" +
                                    std::to_string(rf.dst_port));
    }
  });
}

void pxe43_consistent(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg*) {
    if (!pxe_client(a, r)) return;
    auto v = a.d().option(r, code::kVendorSpecific);
    if (!v) return;
    j.judge();
    auto dec = wire::dhcp::decode_pxe_vendor_options(*v);
    if (!dec) {
      fail(j, a, r, {}, "option 43 does not decode as PXE vendor options: " + dec.error().to_string());
      return;
    }
    const auto& o = *dec;
    const std::uint8_t ctl = o.discovery_control.value_or(0);
    const bool use_file = (ctl & wire::dhcp::discovery::kUseBootfile) != 0 && !boot_file(a, r).empty();
    std::string bad;
    if (o.boot_menu && !o.menu_prompt) bad += " 43.9 (menu) without 43.10 (prompt);";
    if (o.menu_prompt && !o.boot_menu) bad += " 43.10 (prompt) without 43.9 (menu);";
    // Discovery happens only for an item with a boot server type: a menu of local-boot
    // items alone (type 0, PXE 2.1 §2.2.6; the server's boot mode "local") needs none.
    const bool server_item = o.boot_menu && std::any_of(o.boot_menu->begin(), o.boot_menu->end(),
                                                        [](const auto& e) { return e.type != 0; });
    const bool discovery = server_item && !use_file;
    if (discovery && !(ctl & wire::dhcp::discovery::kNoMulticast) && !o.discovery_mcast_addr) {
      bad += " multicast discovery enabled (43.6 bit 1 clear) without 43.7;";
    }
    if (discovery && (ctl & wire::dhcp::discovery::kNoMulticast) && (ctl & wire::dhcp::discovery::kNoBroadcast) &&
        !o.boot_servers) {
      bad += " multicast and broadcast discovery disabled and no 43.8 list;";
    }
    if ((ctl & wire::dhcp::discovery::kOnlyListed) && !o.boot_servers) bad += " 43.6 bit 2 (only listed) without 43.8;";
    if (!bad.empty()) fail(j, a, r, {}, "option 43 is inconsistent:" + bad);
  });
}

void proxy_window(const Analysis& a, Judge& j) {
  const auto& dhcp = a.d().dhcp;
  for (const auto& tx : a.g().transactions) {
    auto msgs = a.g().messages(tx);
    const DhcpMsg* first = nullptr;
    for (std::uint32_t i : msgs) {
      const DhcpMsg& m = dhcp[i];
      if (first == nullptr && m.type == msgtype::kDiscover && client_request(a, m)) first = &m;
      if (first == nullptr || !proxy_offer_msg(a, m)) continue;
      j.judge();
      const bool ipxe = ipxe_client(a, *first);
      const sim::Time window = (ipxe ? 2 : 4) * sim::Time{1'000'000'000};
      const sim::Time late = a.frame(m).time - a.frame(*first).time;
      if (late > window) {
        fail(j, a, m, {first->frame},
             "proxy offer " + std::to_string(late / 1'000'000) + " ms after the first DISCOVER; " +
                 (ipxe ? "iPXE waits 2 s (FW-13)" : "PXE 2.1/EDK2 select at 4 s (FW-08)"));
      }
    }
  }
}

void server_id_proxy(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg* q) {
    if (r.type != msgtype::kOffer || q == nullptr || !pxe_client(a, *q)) return;
    j.judge();
    if (!a.d().has(r, code::kServerId)) {
      fail(j, a, r, {}, std::string(r.yiaddr.is_any() ? "proxy " : "") +
                            "OFFER to a PXE client without option 54: EDK2 drops it (FW-09)");
    }
  });
}

void proxy_delivery(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg*) {
    if (!proxy_offer_msg(a, r)) return;
    j.judge();
    const FrameInfo& f = a.frame(r);
    if (!r.giaddr.is_any()) {
      if (f.dst_ip != r.giaddr || f.dst_port != wire::kDhcpServerPort) {
        fail(j, a, r, {}, "relayed proxy offer expected to giaddr " + ip(r.giaddr) + ":67, sent to " + ip(f.dst_ip) +
                              ":" + std::to_string(f.dst_port));
      }
    } else if (!f.dst_ip.is_broadcast()) {
      fail(j, a, r, {}, "proxy offer (yiaddr 0) expected broadcast, sent to " + ip(f.dst_ip));
    }
  });
}

void siaddr(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg* q) {
    if (q == nullptr || !pxe_client(a, *q) || (r.type != msgtype::kOffer && r.type != msgtype::kAck)) return;
    if (boot_file(a, r).empty()) return;
    j.judge();
    if (r.siaddr.is_any()) {
      // FW-37: no ROM reads 66; EDK2 alone falls back to option 54 (PxeBcDhcp4BootInfo:
      // boot-server list, siaddr, 54), so it boots when 54 names the TFTP host.
      auto tftp = str(a, r, code::kTftpServerName);
      const std::string id = server_identity(a, r).to_string();
      const std::string edk2 = tftp && *tftp == id ? "the same host, so EDK2 boots" : "a different host, which EDK2 asks instead";
      fail(j, a, r, {}, "a boot file without siaddr" +
                            (tftp ? " (only option 66 \"" + *tftp + "\", which iPXE, U-Boot and Intel PXE 2.1 ignore; EDK2 falls back to "
                                    "option 54 " + id + ", " + edk2 + ": FW-37)"
                                  : std::string(": clients fall back to option 54 or nothing (FW-12)")));
    }
  });
}

void bootfile_nul(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg*) {
    if (r.op == 0) return;
    if (auto v = a.d().option(r, code::kBootfileName)) {
      j.judge();
      if (v->empty() || v->back() != 0) {
        fail(j, a, r, {}, "option 67 '" + std::string(v->begin(), v->end()) +
                              "' has no terminating NUL; old PXE 2.1 ROMs read past it (FW-38)");
      }
      return;
    }
    if (r.overload & 1) return;
    auto b = a.d().bytes(r);
    auto f = b.subspan(wire::dhcp::kFileOffset, wire::dhcp::kFileSize);
    if (f[0] == 0) return;
    j.judge();
    if (std::find(f.begin(), f.end(), std::uint8_t{0}) == f.end()) {
      fail(j, a, r, {}, "the file field fills all 128 octets with no NUL (FW-38)");
    }
  });
}

void no_false_pxeclient(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg* q) {
    if (q == nullptr || !pxe_client(a, *q) || r.yiaddr.is_any() || boot_server_exchange(a, r)) return;
    if (r.type != msgtype::kOffer && r.type != msgtype::kAck) return;
    j.judge();
    if (pxe_client(a, r) && !a.d().has(r, code::kVendorSpecific) && boot_file(a, r).empty()) {
      fail(j, a, r, {}, "echoes 60 \"PXEClient\" with neither option 43 nor a boot file: the client will try port 4011 "
                        "and fail (FW-39)");
    }
  });
}

void chainload_loop(const Analysis& a, Judge& j) {
  const auto& dhcp = a.d().dhcp;
  for (std::uint32_t i = 0; i < dhcp.size(); ++i) {
    const DhcpMsg& r = dhcp[i];
    if (!r.is_reply() || !server_reply(a, r) || (r.type != msgtype::kOffer && r.type != msgtype::kAck)) continue;
    const DhcpMsg* q = request_for(a, i);
    if (q == nullptr || !ipxe_client(a, *q)) continue;
    const std::string file = boot_file(a, r);
    if (file.empty()) continue;
    j.judge();
    std::string earlier;
    for (std::uint32_t k = 0; k < i; ++k) {
      const DhcpMsg& p = dhcp[k];
      if (p.mac != r.mac || !p.is_reply() || !server_reply(a, p) || p.type != msgtype::kAck) continue;
      const DhcpMsg* pq = request_for(a, k);
      if (pq != nullptr && !ipxe_client(a, *pq) && boot_file(a, p) == file) earlier = frame_ref(p.frame);
    }
    if (ipxe_binary(file) || !earlier.empty()) {
      fail(j, a, r, {q->frame}, "an iPXE client (77 iPXE or 175) is handed '" + file + "' again" +
                                    (earlier.empty() ? std::string(" (an iPXE binary)") : " (as the ROM was, " + earlier + ")") +
                                    ": chainload loop (FW-44)");
    }
  }
}

void menu_local(const Analysis& a, Judge& j) {
  for_each_server_reply(a, [&](const DhcpMsg& r, const DhcpMsg* q) {
    auto o = pxe43(a, r);
    if (o && o->boot_servers) {
      j.judge();
      for (const auto& s : *o->boot_servers) {
        if (s.type == 0) fail(j, a, r, {}, "43.8 lists a boot server for type 0, which means local boot (PXE 2.1 §2.4)");
      }
    }
    if (q == nullptr || a.frame(r).src_port != wire::kPxeBootServerPort) return;
    auto want = pxe43(a, *q);
    if (!want || !want->boot_item || want->boot_item->type != 0) return;
    j.judge();
    if (!boot_file(a, r).empty()) {
      fail(j, a, r, {q->frame}, "a request for boot item type 0 (local boot) was answered with boot file '" +
                                    boot_file(a, r) + "'");
    }
  });
}

}  // namespace pxelab::conformance::checks
