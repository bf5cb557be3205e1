// Fuzz target: any bytes as a boot file that may be a floppy image, fed to the
// FloppyReader in blocks of a size the input picks, then padded with zeros to the size
// its BPB names (at most 2.88 MiB) so that the FAT12 read in finish() runs too. It must
// end in a value or an error: never a crash, a read past a buffer or a hang.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "client/floppy_reader.h"
#include "wire/bytes.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t block = std::size_t{data[0]} * 8 + 8;  // 8 .. 2048, as TFTP blksize may be
  pxelab::wire::ByteView in(data + 1, size - 1);
  pxelab::client::FloppyReader reader;
  for (std::size_t at = 0; at < in.size(); at += block) reader.feed(in.subspan(at, std::min(block, in.size() - at)));
  std::uint64_t total = 0;
  if (in.size() >= 32) total = std::uint64_t{static_cast<std::uint16_t>(in[19] | (in[20] << 8))} * 512;
  total = std::min<std::uint64_t>(total, 2949120);
  const pxelab::wire::Bytes zeros(block, 0);
  for (std::uint64_t have = in.size(); have < total; have += block) {
    reader.feed(pxelab::wire::ByteView(zeros).first(static_cast<std::size_t>(std::min<std::uint64_t>(block, total - have))));
  }
  auto content = reader.finish();
  return content ? static_cast<int>(content->text.size() & 0) : 0;
}
