#include "image/floppy_format.h"

#include <array>

namespace pxelab::image {

namespace {

// Values as DOS FORMAT and mkfs.fat write them (one reserved sector, two FATs).
// Each keeps FAT12's cluster count under 4085 and its FAT large enough for it.
constexpr std::array<FloppyFormat, 5> kFormats{{
    {360, 720, 9, 2, 0xFD, 2, 112, 2},     // 5.25" DD: 40 cylinders
    {720, 1440, 9, 2, 0xF9, 2, 112, 3},    // 3.5" DD: 80 cylinders
    {1200, 2400, 15, 2, 0xF9, 1, 224, 7},  // 5.25" HD
    {1440, 2880, 18, 2, 0xF0, 1, 224, 9},  // 3.5" HD
    {2880, 5760, 36, 2, 0xF0, 2, 240, 9},  // 3.5" ED
}};

}  // namespace

std::span<const FloppyFormat> floppy_formats() { return kFormats; }

std::optional<FloppyFormat> floppy_format_by_kib(std::uint32_t kib) {
  for (const auto& f : kFormats) {
    if (f.kib == kib) return f;
  }
  return std::nullopt;
}

std::string_view floppy_sizes_text() { return "360, 720, 1200, 1440, 2880"; }

}  // namespace pxelab::image
