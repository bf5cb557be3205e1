// Templates inside a boot floppy: files may hold ${hostname}, ${ip}, ${mac},
// ${netmask}, ${gateway}, ${server} and any variable of the host's entry, filled per
// host when the server hands the image out (server/tftp_files.h), so one image serves
// every machine and each gets its own identity.
//
// Syntax: "${" NAME "}" where NAME is a letter or '_' followed by letters, digits,
// '_', '.' or '-'. Anything else (a lone '$', "${" without a valid name and '}') is
// copied as it is, so binary files (boot code, .COM programs) pass through unless they
// happen to contain that exact pattern. There is no escape: a file that must keep a
// literal ${name} does not belong in a template image.
#pragma once

#include <map>
#include <set>
#include <string>

#include "image/fat_image.h"
#include "wire/bytes.h"
#include "wire/result.h"

namespace pxelab::image {

using TemplateVars = std::map<std::string, std::string>;

// The variables `text` names.
std::set<std::string> template_variables(wire::ByteView text);
// `text` with every ${NAME} replaced; an error names the first variable `vars` lacks.
Result<wire::Bytes> render_template(wire::ByteView text, const TemplateVars& vars);

// File path -> the variables it names, for every file of `image` that names any.
Result<std::map<std::string, std::set<std::string>>> image_template_variables(const FatImage& image);

// A copy of `image` with every templated file rendered for `vars` (the file system
// re-laid out as `replace` does). Errors name the file and the missing variable, or a
// rendered file that no longer fits.
Result<wire::Bytes> render_image(const FatImage& image, const TemplateVars& vars);

}  // namespace pxelab::image
