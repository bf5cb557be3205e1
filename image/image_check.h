// `pxelab image check`: everything that can be wrong with a FAT12 floppy image, one
// defect per line, as fsck.fat would find it (without repairing anything) plus what
// memdisk and a BIOS need: BPB sanity and a standard floppy geometry, the 0x55AA
// signature, FAT copies that agree, cluster chains valid and in range, no cross-links,
// no lost clusters, directory entries that make sense.
#pragma once

#include <string>
#include <vector>

#include "wire/bytes.h"

namespace pxelab::image {

struct Defect {
  std::string where;    // "bpb.media", "fat", "/CONFIG/NET.CFG", ...
  std::string message;  // what is wrong, with the numbers
  std::string to_string() const { return where + ": " + message; }
};

// Never fails: an image that cannot even be read is one defect saying why.
std::vector<Defect> check_image(wire::ByteView image);

}  // namespace pxelab::image
