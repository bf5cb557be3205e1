#include "cli/image_command.h"

#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/core.h>

#include "cli/image_files.h"
#include "image/fat_image.h"
#include "image/image_check.h"
#include "image/image_template.h"

namespace pxelab::conformance {

namespace {

constexpr const char* kImageHelp =
    "Build, inspect, change and check FAT12 boot floppy images: the virtual boot floppy\n"
    "a ROM loads over TFTP and boots (under memdisk) as if it were a real diskette.\n"
    "Sizes: 360, 720, 1200, 1440, 2880 KiB, each with the BPB and geometry DOS FORMAT,\n"
    "mkfs.fat and memdisk use. Images read by pxelab may have VFAT long names (ls shows\n"
    "them); pxelab writes 8.3 names only, upper-cased: a base of 1-8 and an extension of\n"
    "0-3 characters from A-Z 0-9 !#$%&'()-@^_`{}~ (anything else is refused, never\n"
    "shortened to NAME~1). Every change writes a temporary file and renames it: a failed\n"
    "operation leaves the image as it was.\n"
    "\n"
    "Files may be templates: ${hostname}, ${ip}, ${mac}, ${netmask}, ${gateway}, ${server}\n"
    "and any variable of a host entry are filled per host by `pxelab serve`/`pxelab run`\n"
    "when the image is listed in [tftp].templates of the server configuration.\n";

constexpr const char* kImageFooter =
    "\nExamples:\n"
    "  mkdir floppy && echo 'host=${hostname} ip=${ip}' > floppy/HOST.TXT\n"
    "  pxelab image create host.img --size 1440 --boot-sector build/ci/image/host_floppy.bin \\\n"
    "      --from floppy --label PXELAB      a bootable floppy holding floppy/\n"
    "  pxelab image ls host.img               list the root (ls host.img CONFIG: a subdirectory)\n"
    "  pxelab image cat host.img HOST.TXT     a file's bytes on stdout\n"
    "  pxelab image add host.img notes.txt DOC/NOTES.TXT\n"
    "  pxelab image replace host.img HOST.TXT floppy/HOST.TXT\n"
    "  pxelab image rm host.img DOC/NOTES.TXT; pxelab image mkdir host.img DOC\n"
    "  pxelab image extract host.img out/     every file into out/ (long names kept)\n"
    "  pxelab image check host.img            BPB, signature, FATs, chains, directories\n"
    "  pxelab image import old.img new.img    check a floppy made elsewhere, copy it in\n"
    "  pxelab image render host.img pc01.img --var hostname=pc01 --var ip=192.0.2.10\n"
    "                                         what a host would receive over TFTP\n"
    "\nExit status: 0 done (check: no defect), 1 the operation failed or check found\n"
    "defects (one line each), 2 usage error.\n";

struct ImageOptions {
  std::string image, out, path, source, boot_sector, from, label, dest;
  std::uint32_t size_kib = 1440;
  std::uint32_t volume_id = 0x50584C42;  // "PXLB": reproducible unless given
  std::vector<std::string> vars;
};

int fail(const std::string& what) {
  fmt::print(stderr, "pxelab image: {}\n", what);
  return 1;
}
int fail(const Error& e) { return fail(e.to_string()); }

Result<image::FatImage> open_image(const std::string& path) {
  auto bytes = read_whole_file(path);
  if (!bytes) return bytes.error();
  auto img = image::FatImage::open(std::move(*bytes));
  if (!img) return Error{"", 0, img.error().to_string(), path};
  return img;
}

int save(const std::string& path, const image::FatImage& img) {
  auto w = write_file_atomically(path, img.bytes());
  return w ? 0 : fail(w.error());
}

int run_create(const ImageOptions& o) {
  auto format = image::floppy_format_by_kib(o.size_kib);
  if (!format) return fail(fmt::format("--size {}: sizes are {} (KiB)", o.size_kib, image::floppy_sizes_text()));
  if (o.boot_sector.empty()) return fail("--boot-sector BIN is required (a 512-byte program, see --help)");
  auto code = read_whole_file(o.boot_sector);
  if (!code) return fail(code.error());
  auto img = image::FatImage::create(*format, *code, o.label, o.volume_id);
  if (!img) return fail((img.error().field.rfind("boot_sector", 0) == 0 ? o.boot_sector : o.out) + ": " + img.error().to_string());
  if (!o.from.empty()) {
    auto added = add_directory(*img, o.from, "");
    if (!added) return fail(added.error());
  }
  if (int rc = save(o.out, *img)) return rc;
  fmt::print("{}: {} KiB FAT12, {} clusters of {} bytes, {} free\n", o.out, format->kib, img->bpb().cluster_count(),
             img->bpb().cluster_bytes(), img->free_clusters());
  return 0;
}

int run_check(const ImageOptions& o) {
  auto bytes = read_whole_file(o.image);
  if (!bytes) return fail(bytes.error());
  const auto defects = image::check_image(*bytes);
  for (const auto& d : defects) fmt::print("{}: {}\n", o.image, d.to_string());
  if (!defects.empty()) {
    fmt::print("{}: {} defect{}\n", o.image, defects.size(), defects.size() == 1 ? "" : "s");
    return 1;
  }
  auto img = image::FatImage::open(std::move(*bytes));
  auto files = img->files();
  fmt::print("{}: ok: {} sectors, {}, {} files, {} clusters free\n", o.image, img->bpb().total_sectors,
             img->label().empty() ? "no label" : "label " + img->label(), files ? files->size() : 0,
             img->free_clusters());
  return 0;
}

int run_import(const ImageOptions& o) {
  auto bytes = read_whole_file(o.image);
  if (!bytes) return fail(bytes.error());
  const auto defects = image::check_image(*bytes);
  if (!defects.empty()) {
    for (const auto& d : defects) fmt::print(stderr, "{}: {}\n", o.image, d.to_string());
    return fail(fmt::format("{}: not imported: {} defect{} (pxelab image check names them)", o.image,
                            defects.size(), defects.size() == 1 ? "" : "s"));
  }
  auto img = image::FatImage::open(std::move(*bytes));
  if (int rc = save(o.out, *img)) return rc;
  auto files = img->files();
  fmt::print("{}: imported from {}: {} KiB, {} files\n", o.out, o.image, img->bytes().size() / 1024,
             files ? files->size() : 0);
  return 0;
}

int run_ls(const ImageOptions& o) {
  auto img = open_image(o.image);
  if (!img) return fail(img.error());
  auto listing = img->list(o.path);
  if (!listing) return fail(listing.error());
  for (const auto& it : *listing) {
    if (it.entry.is_dot()) continue;
    fmt::print("{} {:>8}  {:<12}{}\n", it.entry.is_dir() ? 'd' : '-', it.entry.is_dir() ? std::string("-") : std::to_string(it.entry.size),
               it.short_name, it.long_name.empty() ? "" : "  " + it.long_name);
  }
  return 0;
}

int run_cat(const ImageOptions& o) {
  auto img = open_image(o.image);
  if (!img) return fail(img.error());
  auto content = img->read(o.path);
  if (!content) return fail(content.error());
  std::fwrite(content->data(), 1, content->size(), stdout);
  return 0;
}

int run_extract(const ImageOptions& o) {
  auto img = open_image(o.image);
  if (!img) return fail(img.error());
  auto n = extract_all(*img, o.path, o.out);
  if (!n) return fail(n.error());
  fmt::print("{}: {} files into {}\n", o.image, *n, o.out);
  return 0;
}

int run_write(const ImageOptions& o, image::WriteMode mode) {
  auto img = open_image(o.image);
  if (!img) return fail(img.error());
  auto content = read_whole_file(o.source);
  if (!content) return fail(content.error());
  const std::string dest = o.dest.empty() ? std::filesystem::path(o.source).filename().string() : o.dest;
  auto put = img->write_file(dest, *content, mode);
  if (!put) return fail(o.image + ": " + put.error().to_string());
  return save(o.image, *img);
}

int run_rm_or_mkdir(const ImageOptions& o, bool mkdir) {
  auto img = open_image(o.image);
  if (!img) return fail(img.error());
  auto done = mkdir ? img->make_dir(o.path) : img->remove(o.path);
  if (!done) return fail(o.image + ": " + done.error().to_string());
  return save(o.image, *img);
}

int run_render(const ImageOptions& o) {
  auto img = open_image(o.image);
  if (!img) return fail(img.error());
  image::TemplateVars vars;
  for (const auto& v : o.vars) {
    const auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0) return fail("--var " + v + ": NAME=VALUE");
    vars[v.substr(0, eq)] = v.substr(eq + 1);
  }
  auto rendered = image::render_image(*img, vars);
  if (!rendered) return fail(o.image + ": " + rendered.error().to_string());
  auto w = write_file_atomically(o.out, *rendered);
  return w ? 0 : fail(w.error());
}

}  // namespace

void add_image_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("image", "Build, inspect, change and check FAT12 boot floppy images");
  cmd->description(kImageHelp);
  cmd->footer(kImageFooter);
  cmd->require_subcommand(1);
  auto o = std::make_shared<ImageOptions>();
  auto sub = [&](const char* name, const char* what, auto run) {
    auto* s = cmd->add_subcommand(name, what);
    s->footer(kImageFooter);
    s->callback([o, run, &exit_code] { exit_code = run(*o); });
    return s;
  };
  auto* create = sub("create", "A new floppy: boot sector, BPB, the files of a directory", run_create);
  create->add_option("out", o->out, "the image to write")->required();
  create->add_option("--size", o->size_kib, "KiB: 360, 720, 1200, 1440 (default) or 2880");
  create->add_option("--boot-sector", o->boot_sector,
                     "a 512-byte boot program: jump at byte 0 over bytes 3..61 (the BPB is written there), "
                     "0x55AA at 510 (image/boot/host_floppy.asm is one)")->required();
  create->add_option("--from", o->from, "a directory whose files and subdirectories go into the image");
  create->add_option("--label", o->label, "volume label (up to 11 characters)");
  create->add_option("--volume-id", o->volume_id, "the BPB's volume serial number (default 0x50584C42)");
  auto* import = sub("import", "Check an existing floppy image and copy it (refused with its defects)", run_import);
  import->add_option("source", o->image, "the image to import")->required();
  import->add_option("out", o->out, "where to write it")->required();
  auto* ls = sub("ls", "List a directory (long names beside the 8.3 ones)", run_ls);
  ls->add_option("image", o->image)->required();
  ls->add_option("path", o->path, "a directory inside the image (default: the root)");
  auto* cat = sub("cat", "Write a file's bytes to stdout", run_cat);
  cat->add_option("image", o->image)->required();
  cat->add_option("path", o->path)->required();
  auto* extract = sub("extract", "Copy every file (subdirectories included) out of the image", run_extract);
  extract->add_option("image", o->image)->required();
  extract->add_option("out", o->out, "host directory (created)")->required();
  extract->add_option("--path", o->path, "only this directory of the image");
  auto* add = sub("add", "Add a file (the name must be free)", [](const ImageOptions& x) { return run_write(x, image::WriteMode::Create); });
  add->add_option("image", o->image)->required();
  add->add_option("source", o->source, "host file")->required();
  add->add_option("dest", o->dest, "path in the image (default: the file's name, in the root)");
  auto* replace = sub("replace", "Replace an existing file", [](const ImageOptions& x) { return run_write(x, image::WriteMode::Replace); });
  replace->add_option("image", o->image)->required();
  replace->add_option("source", o->source, "host file")->required();
  replace->add_option("dest", o->dest, "path in the image (default: the file's name, in the root)");
  auto* rm = sub("rm", "Remove a file or an empty directory", [](const ImageOptions& x) { return run_rm_or_mkdir(x, false); });
  rm->add_option("image", o->image)->required();
  rm->add_option("path", o->path)->required();
  auto* mkdir = sub("mkdir", "Make a directory (its parent must exist)", [](const ImageOptions& x) { return run_rm_or_mkdir(x, true); });
  mkdir->add_option("image", o->image)->required();
  mkdir->add_option("path", o->path)->required();
  auto* check = sub("check", "Check BPB, signature, FAT copies, chains, cross-links, lost clusters, entries", run_check);
  check->add_option("image", o->image)->required();
  auto* render = sub("render", "Fill the templates for one host, as the server does over TFTP", run_render);
  render->add_option("image", o->image)->required();
  render->add_option("out", o->out)->required();
  render->add_option("--var", o->vars, "NAME=VALUE (repeat): hostname, ip, mac, netmask, gateway, server, ...");
}

}  // namespace pxelab::conformance
