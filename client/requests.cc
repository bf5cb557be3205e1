#include "client/requests.h"

#include <algorithm>

#include "wire/dhcp_option_values.h"

namespace pxelab::client {

namespace dhcp = wire::dhcp;

namespace {

// pxelab's default order for codes a personality's option_order does not list.
constexpr std::uint8_t kDefaultOrder[] = {53, 50, 54, 56, 57, 55, 61, 60, 93, 94, 97, 77, 175, 43};

std::size_t rank(const Personality& p, std::uint8_t code) {
  const auto& order = p.identity.option_order;
  if (auto it = std::find(order.begin(), order.end(), code); it != order.end()) {
    return static_cast<std::size_t>(it - order.begin());
  }
  const auto* end = std::end(kDefaultOrder);
  const auto* it = std::find(std::begin(kDefaultOrder), end, code);
  return order.size() + static_cast<std::size_t>(it - std::begin(kDefaultOrder));
}

dhcp::Message header(const RequestFields& f) {
  dhcp::Message m;
  m.op = dhcp::kBootRequest;
  m.set_mac(f.mac);
  m.xid = f.xid;
  m.secs = f.secs;
  m.flags = f.broadcast ? dhcp::kBroadcastFlag : 0;
  m.ciaddr = f.ciaddr;
  return m;
}

// The identity options every request of this firmware carries (FW-01..03).
void add_identity(const Personality& p, const wire::MacAddress& mac, dhcp::Message& m) {
  const DhcpIdentity& id = p.identity;
  if (id.max_message_size) dhcp::set_max_message_size(m, *id.max_message_size);
  if (!id.parameter_request_list.empty()) dhcp::set_parameter_request_list(m, id.parameter_request_list);
  if (id.client_id) {
    wire::Bytes cid{1};
    cid.insert(cid.end(), mac.octets.begin(), mac.octets.end());
    dhcp::set_client_id(m, cid);
  }
  if (id.vendor_class) dhcp::set_vendor_class(m, *id.vendor_class);
  if (id.arch) m.set(dhcp::code::kClientArch, dhcp::encode_client_arch({*id.arch}));
  if (id.ndi && id.ndi->size() == 3) {
    m.set(dhcp::code::kClientNdi, dhcp::encode_client_ndi({(*id.ndi)[0], (*id.ndi)[1], (*id.ndi)[2]}));
  }
  if (auto guid = machine_guid(p, mac)) {
    dhcp::ClientMachineId cm;
    std::copy(guid->begin(), guid->end(), cm.guid.begin());
    m.set(dhcp::code::kClientMachineId, dhcp::encode_client_machine_id(cm));
  }
  if (id.user_class) {
    dhcp::UserClass uc;
    uc.form = id.user_class_raw ? dhcp::UserClass::Form::kRaw : dhcp::UserClass::Form::kRfc3004;
    uc.classes.push_back(*id.user_class);
    if (auto v = dhcp::encode_user_class(uc)) m.set(dhcp::code::kUserClass, std::move(*v));
  }
  if (!id.ipxe_features.empty()) {
    dhcp::IpxeOptions io;
    for (std::uint8_t code : id.ipxe_features) io.suboptions.push_back({code, {1}});
    if (auto v = dhcp::encode_ipxe_options(io)) m.set(dhcp::code::kIpxeEncapsulated, std::move(*v));
  }
}

}  // namespace

wire::Bytes encode_request(const Personality& p, dhcp::Message& m) {
  std::stable_sort(m.options.begin(), m.options.end(),
                   [&](const dhcp::Option& a, const dhcp::Option& b) { return rank(p, a.code) < rank(p, b.code); });
  dhcp::EmitOptions eo;
  eo.max_message_size = 1500;
  eo.allow_overload = false;
  eo.pad_to_bootp_minimum = true;  // RFC 1542 §2.1: relays may drop shorter messages
  auto bytes = dhcp::emit(m, eo);
  return bytes ? std::move(*bytes) : wire::Bytes{};
}

dhcp::Message request_message(const Personality& p, const RequestFields& f, dhcp::MessageType type) {
  dhcp::Message m = header(f);
  dhcp::set_message_type(m, type);
  add_identity(p, f.mac, m);
  return m;
}

std::optional<std::vector<std::uint8_t>> machine_guid(const Personality& p, const wire::MacAddress& mac) {
  switch (p.identity.machine_id) {
    case MachineIdPolicy::kNone: return std::nullopt;
    case MachineIdPolicy::kZeros: return std::vector<std::uint8_t>(16, 0);
    case MachineIdPolicy::kFromMac: {
      // "pxlb" + zeros + the MAC: stable per machine, recognisable in a capture.
      std::vector<std::uint8_t> g{'p', 'x', 'l', 'b', 0, 0, 0, 0, 0, 0};
      g.insert(g.end(), mac.octets.begin(), mac.octets.end());
      return g;
    }
  }
  return std::nullopt;
}

wire::Bytes build_discover(const Personality& p, const RequestFields& f) {
  dhcp::Message m = request_message(p, f, dhcp::MessageType::kDiscover);
  return encode_request(p, m);
}

wire::Bytes build_request(const Personality& p, const RequestFields& f, wire::Ipv4Address requested,
                          wire::Ipv4Address server) {
  dhcp::Message m = header(f);
  dhcp::set_message_type(m, dhcp::MessageType::kRequest);
  dhcp::set_requested_address(m, requested);
  dhcp::set_server_id(m, server);
  add_identity(p, f.mac, m);
  if (p.identity.request_max_message_size) dhcp::set_max_message_size(m, *p.identity.request_max_message_size);
  return encode_request(p, m);
}

wire::Bytes build_pxe_request(const Personality& p, const RequestFields& f, std::optional<dhcp::BootItem> item) {
  dhcp::Message m = request_message(p, f, dhcp::MessageType::kRequest);
  if (item) {
    dhcp::PxeVendorOptions pxe;
    pxe.boot_item = *item;
    if (auto v = dhcp::encode_pxe_vendor_options(pxe)) m.set(dhcp::code::kVendorSpecific, std::move(*v));
  }
  return encode_request(p, m);
}

wire::Bytes build_decline(const Personality& p, const RequestFields& f, wire::Ipv4Address address,
                          wire::Ipv4Address server, const std::string& why) {
  dhcp::Message m = header(f);
  m.flags = 0;
  m.secs = 0;  // RFC 2131 table 5: secs 0 in DECLINE
  dhcp::set_message_type(m, dhcp::MessageType::kDecline);
  dhcp::set_requested_address(m, address);
  dhcp::set_server_id(m, server);
  dhcp::set_string(m, dhcp::code::kMessage, why);
  return encode_request(p, m);
}

wire::Bytes build_bootrequest(const RequestFields& f) {
  dhcp::Message m = header(f);
  m.vendor_format = dhcp::VendorFormat::kRaw;
  m.vendor_raw.assign(64, 0);
  auto bytes = dhcp::emit(m, {});
  return bytes ? std::move(*bytes) : wire::Bytes{};
}

}  // namespace pxelab::client
