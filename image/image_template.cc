#include "image/image_template.h"

#include <cctype>

namespace pxelab::image {

namespace {

bool name_start(std::uint8_t c) { return std::isalpha(c) || c == '_'; }
bool name_char(std::uint8_t c) { return std::isalnum(c) || c == '_' || c == '.' || c == '-'; }

// Calls on_text(begin, end) for literal runs and on_var(name) for each variable.
template <class Text, class Var>
void scan(wire::ByteView t, Text on_text, Var on_var) {
  std::size_t lit = 0, i = 0;
  while (i < t.size()) {
    if (t[i] == '$' && i + 2 < t.size() && t[i + 1] == '{' && name_start(t[i + 2])) {
      std::size_t j = i + 3;
      while (j < t.size() && name_char(t[j])) ++j;
      if (j < t.size() && t[j] == '}') {
        on_text(lit, i);
        on_var(std::string(reinterpret_cast<const char*>(t.data()) + i + 2, j - i - 2));
        i = lit = j + 1;
        continue;
      }
    }
    ++i;
  }
  on_text(lit, t.size());
}

}  // namespace

std::set<std::string> template_variables(wire::ByteView text) {
  std::set<std::string> out;
  scan(text, [](std::size_t, std::size_t) {}, [&](std::string name) { out.insert(std::move(name)); });
  return out;
}

Result<wire::Bytes> render_template(wire::ByteView text, const TemplateVars& vars) {
  wire::Bytes out;
  out.reserve(text.size());
  std::string missing;
  scan(
      text, [&](std::size_t a, std::size_t b) { out.insert(out.end(), text.begin() + a, text.begin() + b); },
      [&](const std::string& name) {
        auto it = vars.find(name);
        if (it == vars.end()) {
          if (missing.empty()) missing = name;
          return;
        }
        out.insert(out.end(), it->second.begin(), it->second.end());
      });
  if (!missing.empty()) return make_error("", 0, "no value for ${" + missing + "}");
  return out;
}

Result<std::map<std::string, std::set<std::string>>> image_template_variables(const FatImage& image) {
  std::map<std::string, std::set<std::string>> out;
  auto files = image.files();
  if (!files) return files.error();
  for (const auto& f : *files) {
    auto content = image.read(f);
    if (!content) return content.error();
    auto vars = template_variables(*content);
    if (!vars.empty()) out[f] = std::move(vars);
  }
  return out;
}

Result<wire::Bytes> render_image(const FatImage& image, const TemplateVars& vars) {
  auto templated = image_template_variables(image);
  if (!templated) return templated.error();
  FatImage copy = image;
  for (const auto& [path, names] : *templated) {
    auto content = image.read(path);
    if (!content) return content.error();
    auto rendered = render_template(*content, vars);
    if (!rendered) return make_error("", 0, path + ": " + rendered.error().message);
    auto put = copy.write_file(path, *rendered, WriteMode::Replace);
    if (!put) return make_error("", 0, path + " rendered: " + put.error().message);
  }
  return copy.bytes();
}

}  // namespace pxelab::image
