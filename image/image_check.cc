#include "image/image_check.h"

#include <map>
#include <set>

#include "image/fat_image.h"

namespace pxelab::image {

namespace {

std::string fmt_hex(unsigned v) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string s;
  do {
    s.insert(s.begin(), kDigits[v & 0xF]);
    v >>= 4;
  } while (v);
  if (s.size() < 2) s.insert(s.begin(), '0');
  return s;
}

void check_bpb(const wire::ByteView image, const Bpb& b, std::vector<Defect>& out) {
  auto add = [&](std::string where, std::string what) { out.push_back({std::move(where), std::move(what)}); };
  if (image[510] != 0x55 || image[511] != 0xAA) add("boot_sector", "no 0x55AA signature at byte 510 (not bootable)");
  if (!(image[0] == 0xEB && image[2] == 0x90) && image[0] != 0xE9) {
    add("boot_sector", "does not start with a jump (EB xx 90 or E9 xx xx)");
  }
  if (b.media != 0xF0 && b.media < 0xF8) add("bpb.media", "0x" + fmt_hex(b.media) + " is not a media descriptor (F0, F8-FF)");
  if (b.ext_signature != 0x29) {
    add("bpb.ext_signature", "0x" + fmt_hex(b.ext_signature) + ", not 0x29: no volume label or file system type");
  } else if (b.fs_type != "FAT12   ") {
    add("bpb.fs_type", "'" + b.fs_type + "', not 'FAT12   '");
  }
  if (b.root_entries * 32 % kSectorSize) {
    add("bpb.root_entries", std::to_string(b.root_entries) + " does not fill whole sectors (a multiple of 16)");
  }
  const std::uint64_t bytes = std::uint64_t{b.total_sectors} * kSectorSize;
  if (image.size() != bytes) {
    add("image", std::to_string(image.size()) + " bytes, but the BPB says " + std::to_string(b.total_sectors) +
                     " sectors (" + std::to_string(bytes) + " bytes)");
  }
  std::optional<FloppyFormat> format;
  for (const auto& f : floppy_formats()) {
    if (f.total_sectors == b.total_sectors) format = f;
  }
  if (!format) {
    add("bpb.total_sectors", std::to_string(b.total_sectors) + " sectors is no standard floppy size (" +
                                 std::string(floppy_sizes_text()) + " KiB); memdisk would guess its geometry");
  } else {
    if (b.sectors_per_track != format->sectors_per_track || b.heads != format->heads) {
      add("bpb.geometry", std::to_string(b.heads) + " heads x " + std::to_string(b.sectors_per_track) +
                              " sectors per track; a " + std::to_string(format->kib) + " KiB floppy has " +
                              std::to_string(format->heads) + " x " + std::to_string(format->sectors_per_track));
    }
    if (b.media != format->media) {
      add("bpb.media", "0x" + fmt_hex(b.media) + "; a " + std::to_string(format->kib) + " KiB floppy has 0x" +
                           fmt_hex(format->media));
    }
  }
}

void check_fats(const FatImage& img, std::vector<Defect>& out) {
  const Bpb& b = img.bpb();
  const std::uint32_t last = b.cluster_count() + 1;
  if ((img.fat_get(0) & 0xFF) != b.media) {
    out.push_back({"fat", "entry 0 is 0x" + fmt_hex(img.fat_get(0)) + ", its low byte should be the media byte 0x" +
                              fmt_hex(b.media)});
  }
  for (unsigned copy = 1; copy < b.fat_count; ++copy) {
    std::uint32_t differ = 0, first = 0;
    for (std::uint32_t c = 0; c <= last; ++c) {
      if (img.fat_get(c, 0) != img.fat_get(c, copy)) {
        if (!differ++) first = c;
      }
    }
    if (differ) {
      out.push_back({"fat", "copy " + std::to_string(copy + 1) + " differs from copy 1 in " + std::to_string(differ) +
                                " entries (first: cluster " + std::to_string(first) + ")"});
    }
  }
}

struct Walker {
  const FatImage& img;
  std::vector<Defect>& out;
  std::map<std::uint16_t, std::string> owner;  // cluster -> the path whose chain holds it

  // Claims the chain of `path`; returns its clusters (empty when broken).
  std::vector<std::uint16_t> claim(const std::string& path, std::uint16_t first) {
    auto c = img.chain(first);
    if (!c) {
      out.push_back({path, c.error().message});
      return {};
    }
    for (auto cl : *c) {
      auto [it, fresh] = owner.emplace(cl, path);
      if (!fresh) {
        out.push_back({path, "cross-linked: cluster " + std::to_string(cl) + " also belongs to " + it->second});
        return {};
      }
    }
    return *c;
  }

  void dir(std::uint16_t cluster, const std::string& path, int depth) {
    if (depth > 32) {
      out.push_back({path, "directories nested deeper than 32"});
      return;
    }
    auto listing = img.list(path);
    if (!listing) {
      out.push_back({path, listing.error().message});
      return;
    }
    std::set<std::string> names;
    for (const auto& it : *listing) {
      const std::string p = (path == "/" ? "/" : path + "/") + it.name;
      if (it.entry.is_dot()) {
        const std::string& n = it.short_name;
        if (cluster == 0) out.push_back({p, "a '.' entry in the root directory"});
        else if (n == "." && it.entry.first_cluster != cluster) out.push_back({p, "'.' does not point at its directory"});
        continue;
      }
      for (std::uint8_t ch : it.entry.name) {
        if (ch != ' ' && ch != 0x05 && !short_name_char_ok(ch)) {
          out.push_back({p, "the short name holds a character DOS does not allow (0x" + fmt_hex(ch) + ")"});
          break;
        }
      }
      if (!names.insert(it.short_name).second) out.push_back({p, "a second entry with the short name " + it.short_name});
      check_entry(it, p, depth);
    }
  }

  void check_entry(const DirItem& it, const std::string& p, int depth) {
    const Bpb& b = img.bpb();
    if (it.entry.is_dir()) {
      if (it.entry.first_cluster == 0) {
        out.push_back({p, "a directory with no cluster"});
        return;
      }
      if (claim(p, it.entry.first_cluster).empty()) return;
      dir(it.entry.first_cluster, p, depth + 1);
      return;
    }
    if (it.entry.size == 0) {
      if (it.entry.first_cluster != 0) out.push_back({p, "empty, yet starts at cluster " + std::to_string(it.entry.first_cluster)});
      return;
    }
    if (it.entry.first_cluster == 0) {
      out.push_back({p, std::to_string(it.entry.size) + " bytes but no cluster"});
      return;
    }
    auto chain = claim(p, it.entry.first_cluster);
    if (chain.empty()) return;
    const std::uint64_t want = (it.entry.size + b.cluster_bytes() - 1) / b.cluster_bytes();
    if (chain.size() != want) {
      out.push_back({p, std::to_string(it.entry.size) + " bytes need " + std::to_string(want) + " clusters, its chain has " +
                            std::to_string(chain.size())});
    }
  }
};

}  // namespace

std::vector<Defect> check_image(wire::ByteView image) {
  std::vector<Defect> out;
  auto opened = FatImage::open(wire::Bytes(image.begin(), image.end()));
  if (!opened) {
    out.push_back({opened.error().field, opened.error().message});
    return out;
  }
  const FatImage& img = *opened;
  check_bpb(image, img.bpb(), out);
  check_fats(img, out);
  Walker w{img, out, {}};
  w.dir(0, "/", 0);
  std::uint32_t lost = 0, first_lost = 0;
  for (std::uint32_t c = 2; c <= img.bpb().cluster_count() + 1; ++c) {
    const auto v = img.fat_get(c);
    if (v != kFatFree && v != kFatBad && !w.owner.count(static_cast<std::uint16_t>(c))) {
      if (!lost++) first_lost = c;
    }
  }
  if (lost) {
    out.push_back({"fat", std::to_string(lost) + " lost clusters: in use in the FAT, in no file (first: cluster " +
                              std::to_string(first_lost) + ")"});
  }
  return out;
}

}  // namespace pxelab::image
