#include "conformance/checks/check_util.h"

#include <algorithm>
#include <cstdio>

#include "wire/dhcp_options.h"
#include "wire/pxe_options.h"

namespace pxelab::conformance {

std::string_view to_string(Level level) {
  switch (level) {
    case Level::kMust: return "MUST";
    case Level::kShould: return "SHOULD";
    case Level::kInterop: return "INTEROP";
  }
  return "?";
}
std::string_view to_string(Role role) {
  switch (role) {
    case Role::kServer: return "server";
    case Role::kClient: return "client";
    case Role::kRelay: return "relay";
  }
  return "?";
}
std::string_view to_string(Mode mode) {
  switch (mode) {
    case Mode::kPassive: return "passive";
    case Mode::kActive: return "active";
    case Mode::kOutcome: return "outcome";
  }
  return "?";
}
std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "pass";
    case Verdict::kFail: return "fail";
    case Verdict::kNotApplicable: return "not applicable";
  }
  return "?";
}

void Judge::fail(const wire::MacAddress& client, std::string transaction, std::vector<std::uint64_t> frames,
                 std::string message) {
  ++total_;
  if (saturated()) return;
  std::sort(frames.begin(), frames.end());
  frames.erase(std::unique(frames.begin(), frames.end()), frames.end());
  findings_.push_back(Finding{std::string(check_), level_, client, std::move(transaction), std::move(frames),
                              std::move(message)});
}

std::string xid_label(const DhcpMsg& m, bool boot_server) {
  return "xid " + util::hex32(m.xid) + (boot_server ? " port 4011" : "");
}

std::string transfer_label(const DecodedTrace& d, const TftpTransfer& t) {
  const auto& raw = d.transfers[t.raw];
  return std::string("TFTP ") + (t.write ? "WRQ " : "RRQ ") + raw.key.client_ip.to_string() + ":" +
         std::to_string(raw.key.client_port) + " -> " + raw.key.server_ip.to_string() + " '" + t.filename + "'";
}

namespace util {

namespace code = wire::dhcp::code;

std::string_view type_name(std::uint8_t type) {
  static constexpr std::string_view kNames[] = {"BOOTP",    "DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST",
                                                "DHCPDECLINE", "DHCPACK",   "DHCPNAK",   "DHCPRELEASE",
                                                "DHCPINFORM"};
  return type < 9 ? kNames[type] : "DHCP(?)";
}

std::string ip(wire::Ipv4Address a) { return a.to_string(); }


std::string frame_ref(std::uint32_t frame) { return "frame " + std::to_string(frame + 1u); }

const DhcpMsg* request_for(const Analysis& a, std::uint32_t reply_index) {
  const DhcpMsg& r = a.d().dhcp[reply_index];
  return r.request == kNone ? nullptr : &a.d().dhcp[static_cast<std::size_t>(r.request)];
}

std::optional<std::uint8_t> u8(const Analysis& a, const DhcpMsg& m, std::uint8_t c) {
  auto v = a.d().option(m, c);
  if (!v || v->size() != 1) return std::nullopt;
  return (*v)[0];
}
std::optional<std::uint16_t> u16(const Analysis& a, const DhcpMsg& m, std::uint8_t c) {
  auto v = a.d().option(m, c);
  if (!v || v->size() != 2) return std::nullopt;
  return wire::load_be16(v->data());
}
std::optional<std::uint32_t> u32(const Analysis& a, const DhcpMsg& m, std::uint8_t c) {
  auto v = a.d().option(m, c);
  if (!v || v->size() != 4) return std::nullopt;
  return wire::load_be32(v->data());
}
std::optional<wire::Ipv4Address> ipv4(const Analysis& a, const DhcpMsg& m, std::uint8_t c) {
  auto v = u32(a, m, c);
  if (!v) return std::nullopt;
  return wire::Ipv4Address{*v};
}
std::optional<std::string> str(const Analysis& a, const DhcpMsg& m, std::uint8_t c) {
  auto v = a.d().option(m, c);
  if (!v) return std::nullopt;
  std::string s(v->begin(), v->end());
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

bool pxe_client(const Analysis& a, const DhcpMsg& m) {
  auto v = a.d().option(m, code::kVendorClassId);
  static constexpr std::string_view kPxe = "PXEClient";
  return v && v->size() >= kPxe.size() && std::equal(kPxe.begin(), kPxe.end(), v->begin());
}

bool ipxe_client(const Analysis& a, const DhcpMsg& m) {
  if (a.d().has(m, code::kIpxeEncapsulated)) return true;
  auto v = a.d().option(m, code::kUserClass);
  if (!v) return false;
  std::string_view s(reinterpret_cast<const char*>(v->data()), v->size());
  return s.find("iPXE") != std::string_view::npos;
}

std::string boot_file(const Analysis& a, const DhcpMsg& m) {
  if (auto s = str(a, m, code::kBootfileName); s && !s->empty()) return *s;
  if (m.overload & 1) return "";
  auto b = a.d().bytes(m);
  if (b.size() < wire::dhcp::kFixedHeaderSize) return "";
  auto f = b.subspan(wire::dhcp::kFileOffset, wire::dhcp::kFileSize);
  auto nul = std::find(f.begin(), f.end(), std::uint8_t{0});
  return std::string(f.begin(), nul);
}

wire::Ipv4Address server_identity(const Analysis& a, const DhcpMsg& m) {
  if (auto s = ipv4(a, m, code::kServerId)) return *s;
  return a.frame(m).src_ip;
}

void fail(Judge& j, const Analysis& a, const DhcpMsg& m, std::vector<std::uint64_t> frames, std::string message) {
  frames.push_back(m.frame);
  j.fail(m.mac, xid_label(m, boot_server_exchange(a, m)), std::move(frames), std::move(message));
}

void fail(Judge& j, const Analysis& a, const TftpTransfer& t, std::vector<std::uint64_t> frames,
          std::string message) {
  const auto& raw = a.d().transfers[t.raw];
  j.fail(raw.client_mac, transfer_label(a.d(), t), std::move(frames), std::move(message));
}

}  // namespace util
}  // namespace pxelab::conformance
