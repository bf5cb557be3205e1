// [server.files] of a scenario: text, pseudo-random octets, a copy, or a FAT12 floppy.
#include "conformance/scenario/scenario_toml_files.h"

#include <string>

#include "image/floppy_format.h"

namespace pxelab::conformance {

namespace {

// A floppy: { floppy = 1440, label = "LAB", files = { "HOST.TXT" = "..." } }.
void read_floppy(sim::TomlReader& r, const toml::table& ft, const std::string& key, FileSpec& fs) {
  if (auto x = r.integer(ft, "floppy", key, 0, 1 << 20)) {
    if (!image::floppy_format_by_kib(static_cast<std::uint32_t>(*x))) {
      r.fail(*ft.get("floppy"), key + ".floppy",
             "is " + std::to_string(*x) + ": a floppy is " + std::string(image::floppy_sizes_text()) + " KiB");
    }
    fs.floppy_kib = static_cast<std::uint32_t>(*x);
  }
  if (auto x = r.string(ft, "label", key)) fs.floppy_label = *x;
  if (const toml::table* files = r.table(ft, "files", key)) {
    for (auto&& [name, text] : *files) {
      if (!text.is_string()) {
        r.fail(text, key + ".files." + std::string(name.str()), "must be the file's text");
        continue;
      }
      fs.floppy_files.emplace_back(std::string(name.str()), *text.value<std::string>());
    }
  }
}

}  // namespace

void read_server_files(sim::TomlReader& r, const toml::table& f, const std::string& path, std::vector<FileSpec>& out) {
  for (auto&& [k, v] : f) {
    FileSpec fs;
    fs.name = std::string(k.str());
    const std::string key = path + "." + fs.name;
    if (v.is_string()) {
      fs.text = *v.value<std::string>();
    } else if (const toml::table* ft = v.as_table()) {
      r.only_keys(*ft, key, {"size", "text", "from", "boot_sector", "floppy", "label", "files"});
      if (auto x = r.integer(*ft, "size", key, 0, 1ll << 32)) fs.size = static_cast<std::uint64_t>(*x);
      if (auto x = r.string(*ft, "text", key)) fs.text = *x;
      if (auto x = r.string(*ft, "from", key)) fs.from = *x;
      if (auto x = r.boolean(*ft, "boot_sector", key)) fs.boot_sector = *x;
      read_floppy(r, *ft, key, fs);
      const bool from = ft->get("from") != nullptr;
      const bool floppy = ft->get("floppy") != nullptr;
      if (int(fs.size.has_value()) + int(fs.text.has_value()) + int(from) + int(floppy) != 1 && !r.failed()) {
        r.fail(v, key, "needs exactly one of size (octets), text, from (a file to copy) or floppy (KiB)");
      }
      if (!floppy && (ft->get("label") || ft->get("files")) && !r.failed()) r.fail(v, key, "label and files belong to a floppy");
      if (from && fs.from.empty() && !r.failed()) r.fail(v, key + ".from", "must name a file");
      if (fs.boot_sector && (!fs.size || *fs.size < 512)) r.fail(v, key, "boot_sector needs a size of 512 or more");
    } else {
      r.fail(v, key, "must be text, or { size = N } / { text = \"...\" } / { from = \"path\" } / { floppy = KiB, files = {...} }");
    }
    out.push_back(std::move(fs));
  }
}

}  // namespace pxelab::conformance
