// Fuzz target: the DHCP responder fed arbitrary datagrams on 67 and 4011, in every
// server mode, against a shared lease store. It must never crash or hit UB, must drop
// what it cannot parse with a counted reason, and every reply it makes must encode.
#include <cstdint>
#include <cstdlib>

#include "server/dhcp_responder.h"
#include "wire/dhcp_message.h"

namespace {

const char* const kConfigs[] = {
    R"([server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.103"
router = "192.0.2.254"
[subnet.options]
42 = "192.0.2.123"
[boot]
default_file = "pxelinux.0"
ipxe_script = "boot.ipxe"
[boot.file]
x64-efi = "ipxe.efi"
[boot.menu]
[[boot.menu.item]]
type = 0
description = "Local"
[[boot.menu.item]]
type = 32768
description = "Install"
file = "i.0"
[[host]]
mac = "52:54:00:00:00:aa"
ip = "192.0.2.10"
[[host]]
mac = "52:54:00:00:00:bb"
boot = "menu"
)",
    "[server]\nmode = \"proxy\"\naddress = \"192.0.2.2\"\n[boot]\ndefault_file = \"x\"\n",
    ("[server]\nmode = \"bootp\"\naddress = \"192.0.2.1\"\n[[subnet]]\nnetwork = \"192.0.2.0/24\"\n"
     "[[host]]\nmac = \"52:54:00:00:00:aa\"\nip = \"192.0.2.10\"\n"),
};

struct World {
  pxelab::server::ServerConfig config;
  pxelab::server::LeaseStore leases;
  pxelab::server::DhcpResponder responder;
  explicit World(const char* text)
      : config(*pxelab::server::parse_server_config(text, "fuzz.toml")),
        leases(std::move(*pxelab::server::LeaseStore::open({}))),
        responder(config, leases) {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World worlds[] = {World(kConfigs[0]), World(kConfigs[1]), World(kConfigs[2])};
  if (size < 2) return 0;
  // First byte: which server and which port; second: the time step.
  World& w = worlds[data[0] % 3];
  pxelab::server::Arrival arrival;
  arrival.local_port = (data[0] & 0x80) ? pxelab::server::kPxeServerPort : pxelab::server::kDhcpServerPort;
  arrival.source.port = (data[0] & 0x40) ? 4011 : 68;
  static std::int64_t now = 0;
  now += data[1];
  auto before = w.responder.stats().requests;
  auto ex = w.responder.handle(pxelab::wire::ByteView(data + 2, size - 2), arrival, now);
  if (w.responder.stats().requests != before + 1) std::abort();
  if (ex.reply) {
    // Every reply is encoded, and the bytes parse back.
    if (ex.reply->encoded.empty() || !pxelab::wire::dhcp::parse(ex.reply->encoded)) std::abort();
  } else if (ex.summary.empty()) {
    std::abort();  // every drop is explained
  }
  return 0;
}
