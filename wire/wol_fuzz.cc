// libFuzzer target for Wake-on-LAN: as a bare magic packet (re-encodes to exactly
// the input) and as a whole frame in either carrier (rebuilds to the same values).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "wire/wol.h"

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pxelab::wire;
  const ByteView in(data, size);
  if (auto w = parse_wol(in)) {
    const Bytes out = w->encode();
    check(out.size() == size && std::memcmp(out.data(), data, size) == 0);
    auto again = parse_wol(out);
    check(again.ok() && *again == *w);
  }
  if (auto f = parse_wol_frame(in)) {
    FrameOptions o;
    o.vlan = f->eth.vlan;
    Bytes rebuilt;
    if (f->carrier == WolCarrier::kEthernet) {
      rebuilt = build_wol_ether_frame(f->eth.src, f->eth.dst, f->wol, o);
      check(rebuilt.size() == size && std::memcmp(rebuilt.data(), data, size) == 0);
    } else {
      check(f->udp.has_value());
      rebuilt = build_wol_udp_frame(f->udp->source(), f->udp->destination(), f->wol, o);
    }
    auto g = parse_wol_frame(rebuilt);
    check(g.ok() && g->carrier == f->carrier && g->wol == f->wol && g->eth == f->eth);
  }
  return 0;
}
