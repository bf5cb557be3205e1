// File-system side of `pxelab image`: whole-file reads, atomic writes (a temporary
// file beside the target, fsync, rename: a failed operation leaves the original
// untouched), and copying a host directory into an image and back.
#pragma once

#include <string>

#include "image/fat_image.h"
#include "wire/bytes.h"
#include "wire/result.h"

namespace pxelab::conformance {

Result<wire::Bytes> read_whole_file(const std::string& path);
Status write_file_atomically(const std::string& path, wire::ByteView content);

// Every file and subdirectory of `dir` (sorted by name, so images are reproducible)
// into `image` under `image_dir`. Errors name the host path and what the image refused.
Status add_directory(image::FatImage& image, const std::string& dir, const std::string& image_dir);

// Every file of `image` under `image_dir` into host directory `out` (created), by the
// names `ls` shows. A name that could leave `out` ('/', '\', "..") is an error.
// Returns the number of files written.
Result<std::size_t> extract_all(const image::FatImage& image, const std::string& image_dir, const std::string& out);

}  // namespace pxelab::conformance
