#include "client/floppy_reader.h"

#include <algorithm>

#include "image/boot_sector.h"
#include "image/dir_entry.h"
#include "image/fat_image.h"

namespace pxelab::client {
namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

bool printable_text(const wire::Bytes& b) {
  return std::all_of(b.begin(), b.end(), [](std::uint8_t c) { return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\r' || c == '\n'; });
}

}  // namespace

void FloppyReader::feed(wire::ByteView data) {
  offset_ += data.size();
  if (!error_.empty()) return;
  if (!selected_) take_metadata(data);  // consumes what belongs to the metadata
  if (selected_ && error_.empty() && !data.empty()) keep_clusters(data);
}

// Collects the boot sector, then (its BPB says how much) the FATs and root directory.
void FloppyReader::take_metadata(wire::ByteView& data) {
  while (!data.empty() && !selected_ && error_.empty()) {
    const std::size_t take = std::min(metadata_end_ - metadata_.size(), data.size());
    metadata_.insert(metadata_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
    data = data.subspan(take);
    if (metadata_.size() < metadata_end_) return;
    if (!have_bpb_) {
      if (metadata_[510] != 0x55 || metadata_[511] != 0xAA) {
        error_ = "no 0x55AA boot signature at offset 510";
        return;
      }
      auto bpb = image::parse_bpb(metadata_);
      if (!bpb) {
        error_ = "no FAT12 file system: " + bpb.error().message;
        return;
      }
      if (bpb->cluster_count() == 0 || bpb->cluster_count() >= 4085) {  // fatgen103: FAT12 below 4085 clusters
        error_ = "no FAT12 file system: " + std::to_string(bpb->cluster_count()) + " clusters";
        return;
      }
      have_bpb_ = true;
      data_start_ = std::uint64_t{bpb->data_start()} * bpb->bytes_per_sector;
      cluster_bytes_ = bpb->cluster_bytes();
      image_bytes_ = std::uint64_t{bpb->total_sectors} * bpb->bytes_per_sector;
      if (data_start_ > kMaxMetadata) {
        error_ = "no floppy: boot sector, FATs and root directory take " + std::to_string(data_start_) + " octets";
        return;
      }
      metadata_end_ = static_cast<std::size_t>(data_start_);
      fat_offset_ = std::size_t{bpb->fat_start()} * bpb->bytes_per_sector;
      root_offset_ = std::size_t{bpb->root_start()} * bpb->bytes_per_sector;
      root_entries_ = bpb->root_entries;
      cluster_count_ = bpb->cluster_count();
      continue;
    }
    select_files();
  }
}

std::uint16_t FloppyReader::fat_entry(std::uint32_t cluster) const {
  // FAT12: 12 bits per entry, two entries in three octets (fatgen103 §4).
  const std::size_t at = fat_offset_ + cluster + cluster / 2;
  if (at + 1 >= metadata_.size()) return image::kFatBad;
  const std::uint16_t pair = static_cast<std::uint16_t>(metadata_[at] | (metadata_[at + 1] << 8));
  return cluster & 1 ? static_cast<std::uint16_t>(pair >> 4) : static_cast<std::uint16_t>(pair & 0x0FFF);
}

// The small files of the root directory, and the clusters their chains name.
void FloppyReader::select_files() {
  selected_ = true;
  std::size_t files = 0;
  for (std::size_t slot = 0; slot < root_entries_ && files < kMaxTextFiles; ++slot) {
    const std::uint8_t* p = metadata_.data() + root_offset_ + slot * 32;
    if (p[0] == 0x00) break;  // no entries after this one (fatgen103 §6)
    if (p[0] == 0xE5) continue;
    const image::ShortEntry e = image::decode_short_entry(p);
    if (e.attr == image::kAttrLongName || e.is_volume() || e.is_dir() || e.size == 0 || e.size > kMaxTextFile) continue;
    ++files;
    std::uint32_t cluster = e.first_cluster;
    for (std::uint64_t have = 0; have < e.size; have += cluster_bytes_) {
      if (cluster < 2 || cluster >= cluster_count_ + 2) {
        error_ = "the FAT chain of " + image::short_name_text(e.name) + " leaves the disk at cluster " + std::to_string(cluster);
        return;
      }
      kept_.push_back(Kept{data_start_ + std::uint64_t{cluster - 2} * cluster_bytes_, {}});
      cluster = fat_entry(cluster);
    }
  }
  std::sort(kept_.begin(), kept_.end(), [](const Kept& a, const Kept& b) { return a.offset < b.offset; });
}

void FloppyReader::keep_clusters(wire::ByteView data) {
  const std::uint64_t start = offset_ - data.size();
  for (Kept& k : kept_) {
    const std::uint64_t lo = std::max(start, k.offset + k.bytes.size());
    const std::uint64_t hi = std::min(offset_, k.offset + cluster_bytes_);
    if (lo >= hi || lo != k.offset + k.bytes.size()) continue;
    k.bytes.insert(k.bytes.end(), data.begin() + static_cast<std::ptrdiff_t>(lo - start),
                   data.begin() + static_cast<std::ptrdiff_t>(hi - start));
  }
}

Result<FloppyContent> FloppyReader::finish() const {
  if (!error_.empty()) return make_error("", 0, error_);
  if (!selected_) {
    return make_error("", 0, "truncated: " + std::to_string(offset_) + " octets, less than its boot sector, FATs and root directory");
  }
  if (offset_ < image_bytes_) {
    return make_error("", 0, "truncated: the BPB says " + std::to_string(image_bytes_) + " octets, " + std::to_string(offset_) + " arrived");
  }
  // The image as far as it was kept; the rest reads as zeros, which nothing below reads.
  wire::Bytes sparse(static_cast<std::size_t>(image_bytes_), 0);
  std::copy(metadata_.begin(), metadata_.end(), sparse.begin());
  for (const Kept& k : kept_) std::copy(k.bytes.begin(), k.bytes.end(), sparse.begin() + static_cast<std::ptrdiff_t>(k.offset));
  auto fs = image::FatImage::open(std::move(sparse));
  if (!fs) return make_error("", 0, "no FAT12 file system: " + fs.error().message);
  auto items = fs->list("");
  if (!items) return make_error("", 0, "the root directory: " + items.error().message);
  FloppyContent c;
  c.label = fs->label().empty() ? "NO NAME" : fs->label();
  c.fs_type = trimmed(fs->bpb().fs_type);
  c.kib = static_cast<std::uint32_t>(image_bytes_ / 1024);
  std::size_t small = 0;  // the files select_files() kept, in the same order
  for (const image::DirItem& it : *items) {
    if (it.entry.is_volume() || it.entry.is_dot()) continue;
    c.root.push_back(it.name + (it.entry.is_dir() ? "/" : ""));
    if (it.entry.is_dir() || it.entry.size == 0 || it.entry.size > kMaxTextFile || ++small > kMaxTextFiles) continue;
    auto bytes = fs->read(it.name);
    if (!bytes) return make_error("", 0, it.name + ": " + bytes.error().message);
    if (printable_text(*bytes)) c.text.push_back({it.name, std::string(bytes->begin(), bytes->end())});
  }
  return c;
}

}  // namespace pxelab::client
