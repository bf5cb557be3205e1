// `pxelab image`: the boot floppy toolkit (create, import, ls, cat, extract, add,
// replace, rm, mkdir, check, render) over image/ (FAT12 in memory) and
// cli/image_files.h (atomic writes).
#pragma once

#include <CLI/CLI.hpp>

namespace pxelab::conformance {

void add_image_command(CLI::App& app, int& exit_code);

}  // namespace pxelab::conformance
