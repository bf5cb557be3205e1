#include "server/faults.h"

#include <algorithm>

#include "wire/dhcp_option_values.h"
#include "wire/dhcp_options.h"
#include "wire/ports.h"
#include "wire/pxe_options.h"
#include "wire/text.h"

namespace pxelab::server {

namespace {

namespace dhcp = wire::dhcp;
namespace code = wire::dhcp::code;

constexpr FaultInfo kFaults[] = {
    {Fault::kWrongXid, "wrong_xid", "OUTCOME-BOOTED", "replies carry xid + 1: no client recognises them"},
    {Fault::kReplyHops, "reply_hops", "DHCP-HDR-ECHO", "replies carry hops 1"},
    {Fault::kOfferCiaddr, "offer_ciaddr", "DHCP-OFFER-CIADDR", "OFFERs carry ciaddr = yiaddr"},
    {Fault::kNakYiaddr, "nak_yiaddr", "DHCP-NAK-FIELDS", "NAKs carry yiaddr = the requested address"},
    {Fault::kNoServerId, "no_server_id", "DHCP-SERVER-ID", "no option 54 in any reply"},
    {Fault::kInformLeaseTime, "inform_lease_time", "DHCP-INFORM-ACK", "the ACK to an INFORM carries 51 and a yiaddr"},
    {Fault::kEchoClientOptions, "echo_client_options", "DHCP-NO-CLIENT-OPTS", "55 and 57 copied into replies"},
    {Fault::kAlterClientId, "alter_client_id", "DHCP-CLIENT-ID-ECHO", "option 61 echoed with its last octet changed"},
    {Fault::kIgnoreBroadcastFlag, "ignore_broadcast_flag", "DHCP-DEST",
     "unicast to yiaddr at chaddr although the client set the broadcast flag"},
    {Fault::kUnicastNak, "unicast_nak", "DHCP-NAK-BCAST", "NAKs unicast to the client"},
    {Fault::kInitRebootAckAny, "init_reboot_ack_any", "DHCP-INIT-REBOOT", "an INIT-REBOOT REQUEST for any address is ACKed"},
    {Fault::kAnswerOtherServer, "answer_other_server", "DHCP-SELECT-OTHER",
     "a REQUEST that selected another server is ACKed"},
    {Fault::kRenewBroadcast, "renew_broadcast", "DHCP-RENEW", "the ACK to a RENEWING REQUEST is broadcast"},
    {Fault::kMissingEnd, "missing_end", "DHCP-OPT-FORMAT", "no END option"},
    {Fault::kOverloadMissingEnd, "overload_missing_end", "DHCP-OVERLOAD-END", "overloaded file/sname fields without END"},
    {Fault::kIgnoreMaxSize, "ignore_max_size", "DHCP-MAX-SIZE",
     "replies ignore the client's 57 (and 576): no overload, nothing shed"},
    {Fault::kBootpShort, "bootp_short", "BOOTP-REPLY", "BOOTREPLYs without the 64-octet vendor area (236 octets)"},
    {Fault::kRelay82First, "relay82_first", "RELAY-82-ECHO", "option 82 echoed first instead of last"},
    {Fault::kProxyNoPxeClient, "proxy_no_pxeclient", "PXE-PROXY-OFFER", "proxy offers without 60 \"PXEClient\""},
    {Fault::kWrongArchFile, "wrong_arch_file", "PXE-ARCH-FILE",
     "EFI clients are handed a BIOS NBP name, BIOS clients an .efi name"},
    {Fault::kBootServerNoFile, "boot_server_no_file", "PXE-4011-ACK", "port 4011 ACKs without a boot file"},
    {Fault::kPxe43OnlyListed, "pxe43_only_listed", "PXE-43-CONSISTENT", "43.6 bit 2 (only listed servers) without 43.8"},
    {Fault::kMenuLocalServer, "menu_local_server", "PXE-MENU-LOCAL", "43.8 lists a boot server for type 0 (local boot)"},
    {Fault::kDuplicateOffer, "duplicate_offer", "DHCP-DUP-OFFER", "every OFFER is sent twice"},
    {Fault::kNoSiaddr, "no_siaddr", "PXE-SIADDR", "siaddr 0; the TFTP server only in option 66 (FW-37)"},
    {Fault::kEchoPxeClient, "echo_pxeclient", "PXE-NO-FALSE-PXECLIENT",
     "60 \"PXEClient\" in every reply to a PXE client, with or without boot information (FW-39)"},
    {Fault::kBootServerReplyBroadcast, "boot_server_reply_broadcast", "PXE-4011-PORT",
     "port 4011 ACKs broadcast to 255.255.255.255:68 instead of the request's source address and port (FW-18; "
     "FW-46: dnsmasq 2.92, fixed in 2.93)"},
    {Fault::kTftpReplyFrom69, "tftp_reply_from_69", "TFTP-NEW-TID", "transfers answer from port 69"},
    {Fault::kTftpNoFinalEmptyBlock, "tftp_no_final_empty_block", "TFTP-LAST-BLOCK",
     "a file that is a multiple of blksize ends without a 0-octet DATA"},
    {Fault::kTftpSorcerer, "tftp_sorcerer", "TFTP-NO-SORCERER", "a duplicate ACK resends the window"},
    {Fault::kTftpOackExtraOption, "tftp_oack_extra_option", "TFTP-OACK-ONLY-ASKED",
     "OACKs add tsize when it was not asked (FW-25)"},
    {Fault::kTftpOackBlksizeLarger, "tftp_oack_blksize_larger", "TFTP-BLKSIZE", "OACK blksize = requested + 8"},
    {Fault::kTftpWrongTsize, "tftp_wrong_tsize", "TFTP-TSIZE", "OACK tsize = size + 1"},
    {Fault::kTftpChangeTimeout, "tftp_change_timeout", "TFTP-TIMEOUT", "OACK timeout = requested + 1"},
    {Fault::kTftpWindowLarger, "tftp_window_larger", "TFTP-WINDOW", "OACK windowsize = requested + 1"},
    {Fault::kTftpOackPadding, "tftp_oack_padding", "TFTP-OACK-FORMAT", "OACKs end with two extra zero octets"},
    {Fault::kTftpErrorRepeat, "tftp_error_repeat", "TFTP-ERROR-FINAL", "every ERROR is sent twice"},
    {Fault::kTftpServeDotDot, "tftp_serve_dotdot", "TFTP-PATH", "'..' components are dropped and the file served"},
    {Fault::kTftpOversizeData, "tftp_oversize_data", "TFTP-BLKSIZE-HONOURED",
     "the OACK offers half the blksize; DATA keeps the full size"},
    {Fault::kTftpNoTsize, "tftp_no_tsize", "", "OACKs never carry tsize (EDK2 then fails, FW-24)"},
};
static_assert(std::size(kFaults) == static_cast<std::size_t>(Fault::kCount), "one row per fault");

constexpr RelayFaultInfo kRelayFaults[] = {
    {RelayFault::kDecrementHops, "relay_decrement_hops", "RELAY-HOPS",
     "hops decremented like an IP TTL instead of incremented (0 becomes 255)"},
    {RelayFault::kUnicastFlagged, "relay_unicast_flagged", "RELAY-DELIVERY",
     "replies unicast to yiaddr at chaddr although the client set the broadcast flag"},
};
static_assert(std::size(kRelayFaults) == static_cast<std::size_t>(RelayFault::kCount), "one row per relay fault");

bool is_efi_name(const std::string& f) { return wire::iends_with(f, ".efi"); }

// Decodes 43, lets `edit` change it, encodes it back (unchanged when it does not decode).
template <typename Edit>
void edit_pxe43(dhcp::Message& m, Edit&& edit) {
  const auto* v = m.find(code::kVendorSpecific);
  if (v == nullptr) return;
  auto pxe = dhcp::decode_pxe_vendor_options(v->data);
  if (!pxe) return;
  edit(*pxe);
  if (auto bytes = dhcp::encode_pxe_vendor_options(*pxe)) m.set(code::kVendorSpecific, std::move(*bytes));
}

}  // namespace

std::span<const FaultInfo> fault_table() { return kFaults; }

const FaultInfo* find_fault(std::string_view key) {
  for (const auto& f : kFaults) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

std::span<const RelayFaultInfo> relay_fault_table() { return kRelayFaults; }

const RelayFaultInfo* find_relay_fault(std::string_view key) {
  for (const auto& f : kRelayFaults) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

void apply_dhcp_faults(const Faults& faults, const DhcpFaultView& view, dhcp::Message& reply, dhcp::EmitOptions& emit,
                       wire::UdpEndpoint& destination) {
  if (faults.on == 0) return;
  const dhcp::Message& q = view.request;
  const auto type = dhcp::message_type(reply);
  const bool offer = type == dhcp::MessageType::kOffer;
  const wire::UdpEndpoint broadcast{wire::MacAddress::broadcast(), wire::Ipv4Address::broadcast(), wire::kDhcpClientPort};

  if (faults.has(Fault::kWrongXid)) reply.xid = q.xid + 1;
  if (faults.has(Fault::kReplyHops)) reply.hops = 1;
  if (faults.has(Fault::kOfferCiaddr) && offer) reply.ciaddr = reply.yiaddr;
  if (faults.has(Fault::kNakYiaddr) && view.is_nak) {
    if (auto want = dhcp::requested_address(q)) reply.yiaddr = *want;
  }
  if (faults.has(Fault::kNoServerId)) reply.remove(code::kServerId);
  if (faults.has(Fault::kInformLeaseTime) && view.is_inform) {
    reply.yiaddr = q.ciaddr;
    dhcp::set_lease_time(reply, 3600);
  }
  if (faults.has(Fault::kEchoClientOptions)) {
    for (std::uint8_t c : {code::kParameterRequestList, code::kMaxMessageSize}) {
      if (const auto* o = q.find(c)) reply.set(c, o->data);
    }
  }
  if (faults.has(Fault::kAlterClientId)) {
    if (const auto* id = reply.find(code::kClientId); id && !id->data.empty()) {
      wire::Bytes changed = id->data;
      changed.back() ^= 0x01;
      reply.set(code::kClientId, std::move(changed));
    }
  }
  if (faults.has(Fault::kIgnoreBroadcastFlag) && q.giaddr.is_any() && q.ciaddr.is_any() && !view.is_nak &&
      !reply.yiaddr.is_any() && (q.flags & dhcp::kBroadcastFlag) != 0 && q.htype == 1 && q.hlen == 6) {
    destination = {q.mac(), reply.yiaddr, wire::kDhcpClientPort};
  }
  if (faults.has(Fault::kUnicastNak) && view.is_nak && q.giaddr.is_any()) {
    auto want = dhcp::requested_address(q);
    destination = {q.mac(), want ? *want : q.ciaddr, wire::kDhcpClientPort};
  }
  if (faults.has(Fault::kRenewBroadcast) && view.is_renew) destination = broadcast;
  if (faults.has(Fault::kMissingEnd)) emit.malformations = emit.malformations | dhcp::Malformation::kMissingEnd;
  if (faults.has(Fault::kOverloadMissingEnd)) {
    emit.malformations = emit.malformations | dhcp::Malformation::kOverloadMissingEnd;
  }
  if (faults.has(Fault::kIgnoreMaxSize)) {
    emit.max_message_size = 1500;
    emit.allow_overload = false;
  }
  if (faults.has(Fault::kBootpShort) && reply.is_bootp()) {
    emit.pad_to_bootp_minimum = false;
    reply.vendor_format = dhcp::VendorFormat::kRaw;
    reply.options.clear();
    reply.vendor_raw.clear();
  }
  if (faults.has(Fault::kRelay82First)) {
    auto it = std::find_if(reply.options.begin(), reply.options.end(),
                           [](const dhcp::Option& o) { return o.code == code::kRelayAgentInfo; });
    if (it != reply.options.end()) std::rotate(reply.options.begin(), it, std::next(it));
  }
  if (faults.has(Fault::kProxyNoPxeClient) && offer && reply.yiaddr.is_any()) reply.remove(code::kVendorClassId);
  if (faults.has(Fault::kWrongArchFile) && !reply.file.empty()) {
    reply.file = is_efi_name(reply.file) ? "pxelinux.0" : "bootx64.efi";
    if (reply.has(code::kBootfileName)) dhcp::set_string(reply, code::kBootfileName, reply.file);
  }
  if (faults.has(Fault::kBootServerReplyBroadcast) && view.is_boot_server) {
    destination = {wire::MacAddress::broadcast(), wire::Ipv4Address::broadcast(), wire::kDhcpClientPort};
  }
  if (faults.has(Fault::kBootServerNoFile) && view.is_boot_server) {
    reply.file.clear();
    reply.remove(code::kBootfileName);
  }
  if (faults.has(Fault::kPxe43OnlyListed)) {
    edit_pxe43(reply, [](dhcp::PxeVendorOptions& v) {
      v.discovery_control = static_cast<std::uint8_t>(v.discovery_control.value_or(0) | dhcp::discovery::kOnlyListed);
      v.boot_servers.reset();
    });
  }
  if (faults.has(Fault::kMenuLocalServer)) {
    const wire::Ipv4Address self = reply.siaddr;
    edit_pxe43(reply, [&](dhcp::PxeVendorOptions& v) {
      if (!v.boot_servers) v.boot_servers.emplace();
      v.boot_servers->push_back(dhcp::BootServer{0, {self}});
    });
  }
  if (faults.has(Fault::kNoSiaddr) && !reply.siaddr.is_any()) {
    // The configured 66 (tftp_server_name) stays; without one, 66 names siaddr.
    if (!reply.has(code::kTftpServerName)) dhcp::set_string(reply, code::kTftpServerName, reply.siaddr.to_string());
    reply.siaddr = {};
  }
  if (faults.has(Fault::kEchoPxeClient) && !view.is_nak) {
    if (auto vc = dhcp::vendor_class(q); vc && vc->rfind("PXEClient", 0) == 0) {
      dhcp::set_string(reply, code::kVendorClassId, "PXEClient");
    }
  }
}

}  // namespace pxelab::server
