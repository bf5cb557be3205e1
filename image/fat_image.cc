#include "image/fat_image.h"

#include <algorithm>
#include <cctype>

namespace pxelab::image {

namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

Error path_error(std::string_view path, const std::string& what) {
  return make_error("", 0, "'" + std::string(path) + "': " + what);
}

}  // namespace

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i <= path.size()) {
    const auto j = std::min(path.find('/', i), path.size());
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

Result<FatImage> FatImage::open(wire::Bytes bytes) {
  auto bpb = parse_bpb(bytes);
  if (!bpb) return bpb.error();
  const std::uint64_t need = std::uint64_t{bpb->total_sectors} * bpb->bytes_per_sector;
  if (bytes.size() < need) {
    return make_error("", 0,
                      "truncated: the BPB says " + std::to_string(bpb->total_sectors) + " sectors (" +
                          std::to_string(need) + " bytes), the image has " + std::to_string(bytes.size()));
  }
  return FatImage(std::move(bytes), std::move(*bpb));
}

Result<FatImage> FatImage::create(const FloppyFormat& format, wire::ByteView boot_code, const std::string& label,
                                  std::uint32_t volume_id) {
  std::string lab;
  if (!label.empty()) {
    auto l = volume_label(label);
    if (!l) return l.error();
    lab = *l;
  }
  const Bpb bpb = bpb_for(format, volume_id, lab);
  auto boot = make_boot_sector(boot_code, bpb);
  if (!boot) return boot.error();
  wire::Bytes bytes(format.bytes(), 0);
  std::copy(boot->begin(), boot->end(), bytes.begin());
  FatImage img(std::move(bytes), bpb);
  for (unsigned c = 0; c < bpb.fat_count; ++c) {
    std::uint8_t* fat = img.bytes_.data() + (bpb.fat_start() + c * bpb.sectors_per_fat) * kSectorSize;
    fat[0] = bpb.media;  // FAT[0] = 0xF00 | media, FAT[1] = end of chain
    fat[1] = 0xFF;
    fat[2] = 0xFF;
  }
  if (!lab.empty()) {
    ShortEntry e;
    std::copy(lab.begin(), lab.end(), e.name.begin());
    e.attr = kAttrVolume | kAttrArchive;
    e.date = kFixedDate;
    encode_short_entry(e, img.bytes_.data() + bpb.root_start() * kSectorSize);
  }
  return img;
}

std::string FatImage::label() const {
  std::string out = bpb_.label;
  const std::size_t root_off = bpb_.root_start() * kSectorSize;
  for (std::size_t i = 0; i < bpb_.root_entries; ++i) {
    const std::uint8_t* p = bytes_.data() + root_off + i * kDirEntrySize;
    if (p[0] == 0) break;
    if (p[0] != 0xE5 && p[11] != kAttrLongName && (p[11] & kAttrVolume)) {
      out.assign(reinterpret_cast<const char*>(p), 11);
      break;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out == "NO NAME" ? "" : out;
}

std::size_t FatImage::cluster_offset(std::uint32_t cluster) const {
  return (std::size_t{bpb_.data_start()} + std::size_t{cluster - 2} * bpb_.sectors_per_cluster) * kSectorSize;
}

std::uint16_t FatImage::fat_get(std::uint32_t n, unsigned copy) const {
  const std::uint8_t* fat = bytes_.data() + (bpb_.fat_start() + copy * bpb_.sectors_per_fat) * kSectorSize;
  const std::size_t off = n + n / 2;
  const std::uint16_t v = static_cast<std::uint16_t>(fat[off] | (fat[off + 1] << 8));
  return (n & 1) ? v >> 4 : v & 0xFFF;
}

void FatImage::fat_set(std::uint32_t n, std::uint16_t value) {
  for (unsigned c = 0; c < bpb_.fat_count; ++c) {
    std::uint8_t* fat = bytes_.data() + (bpb_.fat_start() + c * bpb_.sectors_per_fat) * kSectorSize;
    const std::size_t off = n + n / 2;
    if (n & 1) {
      fat[off] = static_cast<std::uint8_t>((fat[off] & 0x0F) | ((value << 4) & 0xF0));
      fat[off + 1] = static_cast<std::uint8_t>(value >> 4);
    } else {
      fat[off] = static_cast<std::uint8_t>(value);
      fat[off + 1] = static_cast<std::uint8_t>((fat[off + 1] & 0xF0) | ((value >> 8) & 0x0F));
    }
  }
}

Result<std::vector<std::uint16_t>> FatImage::chain(std::uint16_t first) const {
  std::vector<std::uint16_t> out;
  const std::uint32_t last = bpb_.cluster_count() + 1;
  std::uint32_t c = first;
  while (true) {
    if (c < 2 || c > last) {
      return make_error("", 0, "cluster chain from " + std::to_string(first) + " reaches cluster " +
                                      std::to_string(c) + ", outside 2.." + std::to_string(last));
    }
    if (out.size() > bpb_.cluster_count()) {
      return make_error("", 0, "cluster chain from " + std::to_string(first) + " loops");
    }
    out.push_back(static_cast<std::uint16_t>(c));
    const std::uint16_t next = fat_get(c);
    if (fat_is_end(next)) return out;
    if (next == kFatFree || next == kFatBad || next >= 0xFF0) {
      return make_error("", 0, "cluster chain from " + std::to_string(first) + ": cluster " + std::to_string(c) +
                                      (next == kFatFree  ? " is marked free"
                                       : next == kFatBad ? " is marked bad"
                                                         : " has a reserved value"));
    }
    c = next;
  }
}

Result<std::vector<std::size_t>> FatImage::dir_slots(std::uint16_t dir) const {
  std::vector<std::size_t> out;
  if (dir == 0) {
    const std::size_t off = bpb_.root_start() * kSectorSize;
    for (std::size_t i = 0; i < bpb_.root_entries; ++i) out.push_back(off + i * kDirEntrySize);
    return out;
  }
  auto clusters = chain(dir);
  if (!clusters) return clusters.error();
  for (auto c : *clusters) {
    for (std::size_t i = 0; i < bpb_.cluster_bytes() / kDirEntrySize; ++i) out.push_back(cluster_offset(c) + i * kDirEntrySize);
  }
  return out;
}

Result<std::vector<DirItem>> FatImage::items(std::uint16_t dir) const {
  auto slots = dir_slots(dir);
  if (!slots) return slots.error();
  std::vector<DirItem> out;
  LongNameCollector lfn;
  std::vector<std::size_t> lfn_offsets;
  for (std::size_t off : *slots) {
    const std::uint8_t* p = bytes_.data() + off;
    if (p[0] == 0x00) break;
    if (p[0] == 0xE5) {
      lfn.reset();
      lfn_offsets.clear();
      continue;
    }
    if (p[11] == kAttrLongName) {
      if ((p[0] & 0x40) || !lfn_offsets.empty()) {
        if (p[0] & 0x40) lfn_offsets.clear();
        if (lfn.add(p)) lfn_offsets.push_back(off);
        else lfn_offsets.clear();
      }
      continue;
    }
    DirItem item;
    item.entry = decode_short_entry(p);
    item.offset = off;
    item.short_name = short_name_text(item.entry.name);
    item.long_name = lfn.take(item.entry.name);
    if (!item.long_name.empty()) item.long_offsets = lfn_offsets;
    lfn_offsets.clear();
    item.name = item.long_name.empty() ? item.short_name : item.long_name;
    if (item.entry.is_volume()) continue;
    out.push_back(std::move(item));
  }
  return out;
}

std::optional<DirItem> FatImage::find(std::uint16_t dir, std::string_view name) const {
  auto all = items(dir);
  if (!all) return std::nullopt;
  for (auto& it : *all) {
    if (same_name(it.short_name, name) || (!it.long_name.empty() && same_name(it.long_name, name))) return it;
  }
  return std::nullopt;
}

Result<std::uint16_t> FatImage::resolve_dir(std::string_view path) const {
  std::uint16_t dir = 0;
  for (auto part : split_path(path)) {
    auto it = find(dir, part);
    if (!it) return make_error("", 0, "no '" + std::string(part) + "' in " + (dir ? "its directory" : "the root"));
    if (!it->entry.is_dir()) return make_error("", 0, "'" + std::string(part) + "' is a file, not a directory");
    dir = it->entry.first_cluster;  // ".." of a first-level directory is 0: the root
    if (dir == 0 && !it->entry.is_dot()) return make_error("", 0, "'" + std::string(part) + "' has no cluster");
  }
  return dir;
}

Result<FatImage::Place> FatImage::parent_of(std::string_view path) const {
  auto parts = split_path(path);
  if (parts.empty()) return path_error(path, "names the root directory");
  const std::string_view leaf = parts.back();
  const auto cut = path.rfind(leaf);
  auto dir = resolve_dir(path.substr(0, cut));
  if (!dir) return path_error(path, dir.error().message);
  return Place{*dir, std::string(leaf)};
}

Result<std::vector<DirItem>> FatImage::list(std::string_view dir_path) const {
  auto dir = resolve_dir(dir_path);
  if (!dir) return path_error(dir_path, dir.error().message);
  return items(*dir);
}

Result<DirItem> FatImage::stat(std::string_view path) const {
  auto place = parent_of(path);
  if (!place) return place.error();
  auto it = find(place->dir, place->leaf);
  if (!it) return path_error(path, "no such file or directory");
  return *it;
}

Result<wire::Bytes> FatImage::read(std::string_view path) const {
  auto it = stat(path);
  if (!it) return it.error();
  if (it->entry.is_dir()) return path_error(path, "is a directory");
  wire::Bytes out;
  if (it->entry.size == 0) return out;
  auto clusters = chain(it->entry.first_cluster);
  if (!clusters) return path_error(path, clusters.error().message);
  if (std::uint64_t{clusters->size()} * bpb_.cluster_bytes() < it->entry.size) {
    return path_error(path, "its size is " + std::to_string(it->entry.size) + " bytes but its chain holds " +
                                std::to_string(clusters->size()) + " clusters");
  }
  out.reserve(it->entry.size);
  for (auto c : *clusters) {
    const std::size_t take = std::min<std::size_t>(bpb_.cluster_bytes(), it->entry.size - out.size());
    const auto* p = bytes_.data() + cluster_offset(c);
    out.insert(out.end(), p, p + take);
    if (out.size() == it->entry.size) break;
  }
  return out;
}

Result<std::vector<std::string>> FatImage::files() const {
  std::vector<std::string> out;
  struct Todo {
    std::uint16_t dir;
    std::string prefix;
    int depth;
  };
  std::vector<Todo> stack{{0, "", 0}};
  std::vector<std::uint16_t> seen;  // a directory reached twice is a loop (or a cross-link)
  while (!stack.empty()) {
    Todo t = stack.back();
    stack.pop_back();
    auto all = items(t.dir);
    if (!all) return all.error();
    std::vector<Todo> subdirs;
    for (const auto& it : *all) {
      if (it.entry.is_dot()) continue;
      if (it.entry.is_dir()) {
        if (t.depth >= 32) return make_error("", 0, "directories nested deeper than 32 (a loop?)");
        if (std::find(seen.begin(), seen.end(), it.entry.first_cluster) != seen.end()) {
          return make_error("", 0, t.prefix + it.name + " is a directory reached twice (a loop)");
        }
        seen.push_back(it.entry.first_cluster);
        subdirs.push_back({it.entry.first_cluster, t.prefix + it.name + "/", t.depth + 1});
      } else {
        out.push_back(t.prefix + it.name);
      }
    }
    for (auto i = subdirs.rbegin(); i != subdirs.rend(); ++i) stack.push_back(*i);
  }
  return out;
}

std::uint32_t FatImage::free_clusters() const {
  std::uint32_t n = 0;
  for (std::uint32_t c = 2; c < bpb_.cluster_count() + 2; ++c) n += fat_get(c) == kFatFree;
  return n;
}

std::vector<std::uint16_t> FatImage::free_list(std::uint32_t n) const {
  std::vector<std::uint16_t> out;
  for (std::uint32_t c = 2; c < bpb_.cluster_count() + 2 && out.size() < n; ++c) {
    if (fat_get(c) == kFatFree) out.push_back(static_cast<std::uint16_t>(c));
  }
  return out;
}

Status FatImage::check_room(std::uint32_t needed) const {
  const std::uint32_t have = free_clusters();
  if (needed <= have) return Ok{};
  return make_error("", 0,
                    "does not fit: needs " + std::to_string(needed) + " clusters of " +
                        std::to_string(bpb_.cluster_bytes()) + " bytes, " + std::to_string(have) + " are free (" +
                        std::to_string(std::uint64_t{have} * bpb_.cluster_bytes()) + " bytes)");
}

Result<std::optional<std::size_t>> FatImage::free_slot(std::uint16_t dir) const {
  auto slots = dir_slots(dir);
  if (!slots) return slots.error();
  for (std::size_t off : *slots) {
    if (bytes_[off] == 0x00 || bytes_[off] == 0xE5) return std::optional<std::size_t>(off);
  }
  if (dir == 0) {
    return make_error("", 0, "the root directory is full (" + std::to_string(bpb_.root_entries) +
                                          " entries; FAT12's root cannot grow: use a subdirectory)");
  }
  return std::optional<std::size_t>();
}

void FatImage::write_chain(const std::vector<std::uint16_t>& clusters, wire::ByteView content) {
  for (std::size_t i = 0; i < clusters.size(); ++i) {
    fat_set(clusters[i], i + 1 < clusters.size() ? clusters[i + 1] : kFatEndOfChain);
    std::uint8_t* p = bytes_.data() + cluster_offset(clusters[i]);
    const std::size_t from = i * bpb_.cluster_bytes();
    const std::size_t n = std::min<std::size_t>(bpb_.cluster_bytes(), content.size() > from ? content.size() - from : 0);
    std::fill(p, p + bpb_.cluster_bytes(), 0);
    if (n) std::copy(content.begin() + static_cast<std::ptrdiff_t>(from), content.begin() + static_cast<std::ptrdiff_t>(from + n), p);
  }
}

std::size_t FatImage::grow_dir(std::uint16_t dir, std::uint16_t cluster) {
  auto clusters = chain(dir);  // valid: free_slot() walked it
  fat_set(clusters->back(), cluster);
  write_chain({cluster}, {});
  return cluster_offset(cluster);
}

Status FatImage::write_file(std::string_view path, wire::ByteView content, WriteMode mode) {
  auto place = parent_of(path);
  if (!place) return place.error();
  auto existing = find(place->dir, place->leaf);
  if (existing && existing->entry.is_dir()) return path_error(path, "is a directory");
  if (existing && mode == WriteMode::Create) return path_error(path, "exists (replace it with `replace`)");
  if (!existing && mode == WriteMode::Replace) return path_error(path, "no such file (add it with `add`)");
  ShortName name{};
  if (!existing) {
    auto n = to_short_name(place->leaf);
    if (!n) return path_error(path, n.error().message);
    name = *n;
  }
  const std::uint32_t cb = bpb_.cluster_bytes();
  const auto needed = static_cast<std::uint32_t>((content.size() + cb - 1) / cb);
  std::uint32_t freed = 0;
  std::vector<std::uint16_t> old;
  if (existing && existing->entry.first_cluster) {
    auto c = chain(existing->entry.first_cluster);
    if (!c) return path_error(path, "cannot replace: " + c.error().message);
    old = *c;
    freed = static_cast<std::uint32_t>(old.size());
  }
  std::optional<std::size_t> slot;
  bool grow = false;
  if (existing) {
    slot = existing->offset;
  } else {
    auto s = free_slot(place->dir);
    if (!s) return path_error(path, s.error().message);
    slot = *s;
    grow = !slot.has_value();
  }
  if (content.size() > 0xFFFFFFFFull) return path_error(path, "larger than 4 GiB");
  if (needed + (grow ? 1 : 0) > freed) {
    auto room = check_room(needed + (grow ? 1 : 0) - freed);
    if (!room) return path_error(path, room.error().message);
  }
  // Nothing can fail from here on.
  for (auto c : old) fat_set(c, kFatFree);
  if (grow) slot = grow_dir(place->dir, free_list(1).front());
  const auto clusters = free_list(needed);
  write_chain(clusters, content);
  ShortEntry e = existing ? existing->entry : ShortEntry{};
  if (!existing) {
    e.name = name;
    e.attr = kAttrArchive;
    e.date = kFixedDate;
  }
  e.first_cluster = clusters.empty() ? 0 : clusters.front();
  e.size = static_cast<std::uint32_t>(content.size());
  if (existing) {
    std::uint8_t* p = bytes_.data() + *slot;
    p[26] = static_cast<std::uint8_t>(e.first_cluster);
    p[27] = static_cast<std::uint8_t>(e.first_cluster >> 8);
    for (int i = 0; i < 4; ++i) p[28 + i] = static_cast<std::uint8_t>(e.size >> (8 * i));
  } else {
    encode_short_entry(e, bytes_.data() + *slot);
  }
  return Ok{};
}

Status FatImage::make_dir(std::string_view path) {
  auto place = parent_of(path);
  if (!place) return place.error();
  if (find(place->dir, place->leaf)) return path_error(path, "exists");
  auto n = to_short_name(place->leaf);
  if (!n) return path_error(path, n.error().message);
  auto s = free_slot(place->dir);
  if (!s) return path_error(path, s.error().message);
  std::optional<std::size_t> slot = *s;
  const bool grow = !slot.has_value();
  auto room = check_room(grow ? 2 : 1);
  if (!room) return path_error(path, room.error().message);
  if (grow) slot = grow_dir(place->dir, free_list(1).front());
  const std::uint16_t cluster = free_list(1).front();
  write_chain({cluster}, {});
  ShortEntry dir;
  dir.name = *n;
  dir.attr = kAttrDirectory;
  dir.date = kFixedDate;
  dir.first_cluster = cluster;
  encode_short_entry(dir, bytes_.data() + *slot);
  ShortEntry dot = dir;
  dot.name.fill(' ');
  dot.name[0] = '.';
  encode_short_entry(dot, bytes_.data() + cluster_offset(cluster));
  dot.name[1] = '.';
  dot.first_cluster = place->dir;  // 0 when the parent is the root (fatgen103)
  encode_short_entry(dot, bytes_.data() + cluster_offset(cluster) + kDirEntrySize);
  return Ok{};
}

Status FatImage::remove(std::string_view path) {
  auto it = stat(path);
  if (!it) return it.error();
  if (it->entry.is_dot()) return path_error(path, "'.' and '..' cannot be removed");
  std::vector<std::uint16_t> clusters;
  if (it->entry.first_cluster) {
    auto c = chain(it->entry.first_cluster);
    if (!c) return path_error(path, "cannot remove: " + c.error().message);
    clusters = *c;
  }
  if (it->entry.is_dir()) {
    auto inside = items(it->entry.first_cluster);
    if (!inside) return path_error(path, inside.error().message);
    for (const auto& child : *inside) {
      if (!child.entry.is_dot()) return path_error(path, "directory not empty (holds '" + child.name + "')");
    }
  }
  for (auto c : clusters) fat_set(c, kFatFree);
  bytes_[it->offset] = 0xE5;
  for (auto off : it->long_offsets) bytes_[off] = 0xE5;
  return Ok{};
}

}  // namespace pxelab::image
