// Config templates of SUT profiles: a small, logic-less syntax (Mustache's core).
//
//   {{name}}              the value of `name` (an unknown name is an error, not "")
//   {{#name}}...{{/name}} a list: the block once per item, the item's names in scope;
//                         a text: the block once if the text is not empty
//   {{^name}}...{{/name}} the block once if `name` is empty or an empty list
//
// A line holding only a section tag is dropped whole, so templates read like the
// config they make. Errors name the template and the line.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "wire/result.h"

namespace pxelab::sut {

struct TemplateScope;

struct TemplateValue {
  std::string text;
  std::vector<TemplateScope> items;  // a list when not empty (or when is_list)
  bool is_list = false;
  // Defined below TemplateScope: a constructor body needs the vector's element type
  // complete (clang insists; GCC lets it pass).
  TemplateValue();
  TemplateValue(std::string t);  // NOLINT: implicit by design
  TemplateValue(const char* t);  // NOLINT
  static TemplateValue list(std::vector<TemplateScope> items);
  bool empty() const;
};

struct TemplateScope {
  std::map<std::string, TemplateValue> values;
  TemplateValue& operator[](const std::string& k) { return values[k]; }
};

inline TemplateValue::TemplateValue() = default;
inline TemplateValue::TemplateValue(std::string t) : text(std::move(t)) {}
inline TemplateValue::TemplateValue(const char* t) : text(t) {}
inline bool TemplateValue::empty() const { return is_list ? items.empty() : text.empty(); }

Result<std::string> render_template(std::string_view text, const TemplateScope& scope, const std::string& source);

}  // namespace pxelab::sut
