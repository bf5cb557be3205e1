// Fuzz target: the DHCP responder fed sequences of arbitrary datagrams on 67 and
// 4011, in every server mode. It must never crash or hit UB, must drop
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

// Parsed once: a configuration is immutable input, not state.
const pxelab::server::ServerConfig& config(std::size_t i) {
  static const pxelab::server::ServerConfig configs[] = {
      *pxelab::server::parse_server_config(kConfigs[0], "fuzz.toml"),
      *pxelab::server::parse_server_config(kConfigs[1], "fuzz.toml"),
      *pxelab::server::parse_server_config(kConfigs[2], "fuzz.toml"),
  };
  return configs[i % 3];
}

}  // namespace

// Input: [server byte] then records [port byte][time step][length: 2 octets, big
// endian][datagram] ... (a short last record takes what is left). Each input starts
// from an empty lease store and a fresh responder at time 0, so a sequence
// (DISCOVER, REQUEST, RELEASE...) is one input and nothing carries over to the next.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  auto leases = std::move(*pxelab::server::LeaseStore::open({}));
  pxelab::server::DhcpResponder responder(config(data[0]), leases);
  std::int64_t now = 0;
  std::size_t i = 1;
  while (i + 2 <= size) {
    const std::uint8_t choice = data[i];
    now += data[i + 1];
    std::size_t len = i + 4 <= size ? (std::size_t{data[i + 2]} << 8 | data[i + 3]) : 0;
    std::size_t start = std::min(size, i + 4);
    len = std::min(len, size - start);
    i = start + len;
    pxelab::server::Arrival arrival;
    arrival.local_port = (choice & 0x80) ? pxelab::wire::kPxeBootServerPort : pxelab::wire::kDhcpServerPort;
    arrival.source.port = (choice & 0x40) ? 4011 : 68;
    auto before = responder.stats().requests;
    auto ex = responder.handle(pxelab::wire::ByteView(data + start, len), arrival, now);
    if (responder.stats().requests != before + 1) std::abort();
    if (ex.reply) {
      // Every reply is encoded, at least 300 octets (RFC 1542 §2.1), and parses back.
      if (ex.reply->encoded.size() < 300 || !pxelab::wire::dhcp::parse(ex.reply->encoded)) std::abort();
    } else if (ex.summary.empty()) {
      std::abort();  // every drop is explained
    }
  }
  return 0;
}
