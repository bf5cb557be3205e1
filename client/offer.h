// A DHCP offer (or BOOTREPLY, proxy offer, 4011 ACK) as a client sees it, and the
// firmware algorithms that choose among offers (shared/FIRMWARE.md part B) and read
// the boot file and server out of the chosen packets (FW-12, FW-14, FW-15, FW-38).
// Pure functions: the state machine (pxe_client.h) decides when to call them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/personality.h"
#include "sim/agent.h"
#include "wire/dhcp_message.h"
#include "wire/pxe_options.h"

namespace pxelab::client {

struct Offer {
  wire::dhcp::Message message;
  wire::Bytes raw;  // the datagram as received (FW-38 reads past an option's end)
  sim::Time time = 0;
  std::uint64_t frame = sim::kNoFrameNumber;
  sim::Endpoint from;

  // Derived once at arrival.
  bool bootp = false;       // no option 53: a BOOTREPLY (RFC 951)
  bool pxe_client = false;  // 60 starts with "PXEClient"
  std::optional<wire::dhcp::PxeVendorOptions> pxe;  // 43, when it decodes
  std::optional<wire::Ipv4Address> server_id;       // 54
  std::int8_t priority = 0;                         // 175.1 (FW-13)
  bool no_pxedhcp = false;                          // 175.176 (FW-13)

  wire::Ipv4Address yiaddr() const { return message.yiaddr; }
  bool pxe10() const { return pxe && pxe->is_pxe10(); }
  bool wfm11a() const { return pxe && pxe->is_wfm11a(); }
};

// Parses a datagram into an Offer under the personality's reading rules: option
// lengths checked (FW-07), option 52 honoured or not (FW-14). Errors: unparsable.
Result<Offer> read_offer(const Personality& p, const sim::Datagram& d, sim::Time now);

// EDK2's offer classes (PxeBcParseDhcp4Packet, FW-10). kDiscarded: never selected.
enum class OfferClass : std::uint8_t {
  kDhcpPxe10, kDhcpWfm11a, kProxyPxe10, kProxyWfm11a, kDhcpBinl, kProxyBinl, kDhcpOnly, kBootp, kDiscarded,
};
OfferClass classify(const Offer& offer);
std::string_view to_string(OfferClass c);

// Whether an offer may be kept at all under the personality's filters (FW-09: no 54;
// FW-01: larger than 1472; WfM11a discarded and BOOTP without a file dropped, FW-10;
// iPXE: a DHCP offer needs source port 67 or a PXEClient, FW-13). Empty: keep it.
std::string offer_rejection(const Personality& p, const Offer& offer);

// Where a selection takes its boot information from.
enum class BootInfoSource : std::uint8_t {
  kSelected,      // the DHCP offer/ACK itself (PXE10 offer, DHCP with a file, BOOTP)
  kProxyOffer,    // a proxy offer beside it (ProxyPxe10; iPXE's proxy)
  kBinl,          // a port-4011 request to the selected offer's server (DhcpBinl, FW-11, FW-39)
  kProxyBinl,     // port-4011 requests to each BINL proxy in turn
};

struct Selection {
  std::size_t dhcp = 0;                // offer to REQUEST (or, BOOTP, to boot from)
  BootInfoSource source = BootInfoSource::kSelected;
  std::vector<std::size_t> proxies;    // kProxyOffer: [0]; kProxyBinl: all, in order
};

// EDK2 / PXE 2.1 priority classes (PxeBcSelectDhcp4Offer, FW-11). nullopt: nothing
// selectable yet.
std::optional<Selection> select_by_class(const std::vector<Offer>& offers);
// iPXE: the highest 175.1 priority DHCP offer (a tie goes to the later one), plus the
// first proxy offer if any (FW-13).
std::optional<Selection> select_ipxe(const std::vector<Offer>& offers);
// U-Boot and BOOTP PROMs: the first offer with yiaddr != 0 whose file matches the
// prefix (FW-04).
std::optional<Selection> select_first(const Personality& p, const std::vector<Offer>& offers);

// iPXE leaves discovery once it holds a DHCP offer and 175.176 says skip, or it holds a
// proxy offer, or proxy_wait has passed since discovery began (dhcp_discovery_rx).
bool ipxe_ready(const Personality& p, const std::vector<Offer>& offers, sim::Time discovery_start, sim::Time now);

// The boot file and TFTP server read from packets, lowest precedence first (ACK, then a
// proxy offer, then a 4011/boot-server ACK): a later packet that names one overrides
// (iPXE: "proxy outranks dhcp", FW-14; pxelinux parses cached packets 1-2-3, FW-15;
// EDK2 passes just the one packet it boots from, FW-12).
struct BootTarget {
  std::string file;                       // empty: none named (PXE-E53)
  std::optional<wire::Ipv4Address> server;
  std::optional<std::uint32_t> boot_file_size;  // option 13, in 512-octet blocks (FW-12, FW-23)
  std::optional<std::string> config_file;       // 209 (FW-30, FW-31)
  std::optional<std::string> path_prefix;       // 210 (FW-30)
  std::optional<std::string> tftp_server_name;  // 66, for the record: no client uses it (FW-37)
};
BootTarget boot_target(const Personality& p, const std::vector<const Offer*>& packets);

// The first IP of 43.8 for `type` (any type when nullopt).
std::optional<wire::Ipv4Address> boot_server_for(const wire::dhcp::PxeVendorOptions& pxe,
                                                 std::optional<std::uint16_t> type);

}  // namespace pxelab::client
