// Fuzz target: any bytes as a floppy image. open(), check_image(), a listing of every
// file and the template scan must end in values or errors: never a crash, a read past
// the buffer or a hang (chains and directory nesting are bounded).
#include <cstddef>
#include <cstdint>

#include "image/fat_image.h"
#include "image/image_check.h"
#include "image/image_template.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pxelab::wire::ByteView in(data, size);
  auto defects = pxelab::image::check_image(in);
  auto img = pxelab::image::FatImage::open(pxelab::wire::Bytes(in.begin(), in.end()));
  if (!img) return 0;
  (void)img->label();
  if (auto files = img->files()) {
    for (const auto& f : *files) (void)img->read(f);
  }
  (void)pxelab::image::image_template_variables(*img);
  auto copy = *img;
  (void)copy.make_dir("NEW");
  (void)copy.write_file("NEW/A.TXT", in.subspan(0, size < 600 ? size : 600), pxelab::image::WriteMode::Create);
  (void)copy.remove("NEW/A.TXT");
  return static_cast<int>(defects.size() & 0);
}
