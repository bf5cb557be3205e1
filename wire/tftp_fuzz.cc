// libFuzzer target for TFTP: an accepted packet re-encodes to exactly the input
// bytes and parses back to the same value (abort otherwise).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "wire/tftp.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pxelab::wire;
  const ByteView in(data, size);
  auto p = parse_tftp(in);
  if (!p) {
    if (p.error().offset > size) std::abort();
    return 0;
  }
  const Bytes out = encode_tftp(*p);
  if (out.size() != size || tftp_size(*p) != size) std::abort();
  for (std::size_t i = 0; i < size; ++i) {
    if (out[i] != data[i]) std::abort();
  }
  auto again = parse_tftp(out);
  if (!again || !(*again == *p)) std::abort();
  // Typed accessors never fail, whatever the option text.
  const TftpOptions* opts = nullptr;
  if (const auto* r = std::get_if<TftpRequest>(&*p)) opts = &r->options;
  if (const auto* o = std::get_if<TftpOack>(&*p)) opts = &o->options;
  if (opts) {
    (void)opts->blksize();
    (void)opts->timeout();
    (void)opts->tsize();
    (void)opts->windowsize();
  }
  return 0;
}
