// libFuzzer target for the trace digest and fidelity: the input is a sequence of
// frames ([u16 big-endian length][bytes]...), digested for the client 52:54:00:12:34:56
// and for the MAC of the first frame's source. Never a crash; an outcome is filled;
// a digest compared with itself has no difference.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "client/qemu/fidelity.h"
#include "client/qemu/trace_digest.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pxelab;
  sim::Trace trace;
  std::size_t pos = 0;
  sim::Time t = 0;
  while (pos + 2 <= size) {
    std::size_t n = (std::size_t{data[pos]} << 8) | data[pos + 1];
    pos += 2;
    if (n > size - pos) n = size - pos;
    trace.add_frame(t, 0, wire::ByteView(data + pos, n));
    t += sim::ms(100);
    pos += n;
  }
  wire::MacAddress macs[2] = {wire::MacAddress{{0x52, 0x54, 0, 0x12, 0x34, 0x56}}, wire::MacAddress{}};
  if (trace.frame_count() > 0 && trace.frame(0).bytes.size() >= 12) {
    for (int i = 0; i < 6; ++i) macs[1].octets[static_cast<std::size_t>(i)] = trace.frame(0).bytes[6 + static_cast<std::size_t>(i)];
  }
  for (const auto& mac : macs) {
    auto d = client::qemu::digest_client(trace, mac);
    client::ClientOutcome o;
    client::qemu::fill_outcome_from_digest(o, d);
    auto self = client::qemu::compare_clients(d, d);
    if (self.differences() != 0) std::abort();
    client::qemu::FidelityOptions nbp;
    nbp.until_nbp = true;
    if (client::qemu::compare_clients(d, d, nbp).differences() != 0) std::abort();
    (void)client::qemu::render(self);
  }
  return 0;
}
