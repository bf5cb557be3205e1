// The BOOTP/DHCP requests an emulated client sends, built from its personality:
// DISCOVER, REQUEST (selecting and to a proxy / boot server), DECLINE and the RFC 951
// BOOTREQUEST of a BOOTP-only PROM. What is sent - options, their order, flags, secs -
// is the firmware's fingerprint (CONFORMANCE.md "fingerprint"), so it all comes from
// the personality; the state machine supplies xid, secs and addresses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "client/personality.h"
#include "wire/address.h"
#include "wire/bytes.h"
#include "wire/dhcp_message.h"
#include "wire/dhcp_option_values.h"
#include "wire/pxe_options.h"

namespace pxelab::client {

struct RequestFields {
  wire::MacAddress mac;
  std::uint32_t xid = 0;
  std::uint16_t secs = 0;
  bool broadcast = false;
  wire::Ipv4Address ciaddr;
};

wire::Bytes build_discover(const Personality& p, const RequestFields& f);
// SELECTING: 50 and 54 name the offer taken (RFC 2131 §4.3.2).
wire::Bytes build_request(const Personality& p, const RequestFields& f, wire::Ipv4Address requested,
                          wire::Ipv4Address server);
// To port 4011 or a boot server (PXE 2.1 §2.2.6; FW-16): ciaddr set, no 50/54;
// `item` adds 43.71 (boot server type and layer).
wire::Bytes build_pxe_request(const Personality& p, const RequestFields& f,
                              std::optional<wire::dhcp::BootItem> item);
wire::Bytes build_decline(const Personality& p, const RequestFields& f, wire::Ipv4Address address,
                          wire::Ipv4Address server, const std::string& why);
// The base every builder above starts from: header, message type and the firmware's
// identity options (55, 57, 60, 61, 93, 94, 97, 77, 175 as the personality has them).
// For clients that send what the builders do not (the conformance probe), with
// encode_request() to put the options in the personality's order and encode.
wire::dhcp::Message request_message(const Personality& p, const RequestFields& f, wire::dhcp::MessageType type);
wire::Bytes encode_request(const Personality& p, wire::dhcp::Message& m);
// RFC 951: no option 53, a 64-octet vendor area of zeros: a 300-octet message.
wire::Bytes build_bootrequest(const RequestFields& f);

// The GUID option 97 carries under the personality's policy (FW-01): zeros, or one
// made from the MAC (a machine with an SMBIOS UUID). nullopt: no option 97.
std::optional<std::vector<std::uint8_t>> machine_guid(const Personality& p, const wire::MacAddress& mac);

}  // namespace pxelab::client
