#include "conformance/sut/template.h"

#include <algorithm>

namespace pxelab::sut {

TemplateValue TemplateValue::list(std::vector<TemplateScope> items) {
  TemplateValue v;
  v.items = std::move(items);
  v.is_list = true;
  return v;
}

namespace {

struct Renderer {
  std::string_view text;
  const std::string& source;
  std::vector<const TemplateScope*> scopes;

  int line_of(std::size_t pos) const { return 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n')); }
  Error error(std::size_t pos, const std::string& what) const {
    return Error{"", 0, what, source + ":" + std::to_string(line_of(pos))};
  }
  const TemplateValue* find(const std::string& name) const {
    for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
      auto f = (*it)->values.find(name);
      if (f != (*it)->values.end()) return &f->second;
    }
    return nullptr;
  }
  // A tag alone on its line (spaces around) takes the whole line with it.
  static bool standalone(std::string_view t, std::size_t open, std::size_t close, std::size_t& from, std::size_t& to) {
    std::size_t ls = open;
    while (ls > 0 && t[ls - 1] != '\n') --ls;
    if (t.substr(ls, open - ls).find_first_not_of(" \t") != std::string_view::npos) return false;
    std::size_t le = t.find('\n', close);
    std::size_t end = le == std::string_view::npos ? t.size() : le;
    if (t.substr(close, end - close).find_first_not_of(" \t\r") != std::string_view::npos) return false;
    from = ls;
    to = le == std::string_view::npos ? t.size() : le + 1;
    return true;
  }

  // Renders text[begin, end) into out.
  Status render(std::size_t begin, std::size_t end, std::string& out) {
    std::size_t pos = begin;
    while (pos < end) {
      std::size_t open = text.find("{{", pos);
      if (open == std::string_view::npos || open >= end) {
        out.append(text.substr(pos, end - pos));
        return Ok{};
      }
      std::size_t close = text.find("}}", open + 2);
      if (close == std::string_view::npos || close + 2 > end) return error(open, "'{{' without '}}'");
      std::string tag(text.substr(open + 2, close - open - 2));
      tag.erase(0, tag.find_first_not_of(' '));
      tag.erase(tag.find_last_not_of(' ') + 1);
      if (tag.empty()) return error(open, "empty tag {{}}");
      const char kind = tag[0];
      if (kind != '#' && kind != '^') {
        if (kind == '/') return error(open, "{{" + tag + "}} closes no open section");
        const TemplateValue* v = find(tag);
        if (!v) return error(open, "unknown name '" + tag + "'");
        if (v->is_list) return error(open, "'" + tag + "' is a list: use {{#" + tag + "}}...{{/" + tag + "}}");
        out.append(text.substr(pos, open - pos));
        out += v->text;
        pos = close + 2;
        continue;
      }
      const std::string name = tag.substr(1);
      std::size_t body_from = close + 2, lead_to = open;
      if (std::size_t f, t; standalone(text, open, close + 2, f, t)) {
        lead_to = std::max(f, pos);
        body_from = t;
      }
      out.append(text.substr(pos, lead_to - pos));
      // The matching close tag, nested sections of the same name counted.
      const std::string open_a = "{{#" + name + "}}", open_b = "{{^" + name + "}}", end_tag = "{{/" + name + "}}";
      std::size_t scan = body_from, depth = 1, match = std::string_view::npos;
      while (depth > 0) {
        std::size_t e = text.find(end_tag, scan);
        if (e == std::string_view::npos || e >= end) return error(open, "{{" + tag + "}} is never closed");
        std::size_t n1 = text.find(open_a, scan), n2 = text.find(open_b, scan);
        std::size_t n = std::min(n1, n2);
        if (n < e) {
          ++depth;
          scan = n + 3;
        } else {
          if (--depth == 0) match = e;
          scan = e + end_tag.size();
        }
      }
      std::size_t body_to = match, after = match + end_tag.size();
      if (std::size_t f, t; standalone(text, match, after, f, t)) {
        body_to = std::max(f, body_from);
        after = t;
      }
      const TemplateValue* v = find(name);
      if (!v) return error(open, "unknown name '" + name + "'");
      if (kind == '^') {
        if (v->empty()) {
          if (auto st = render(body_from, body_to, out); !st) return st;
        }
      } else if (v->is_list) {
        for (const auto& item : v->items) {
          scopes.push_back(&item);
          auto st = render(body_from, body_to, out);
          scopes.pop_back();
          if (!st) return st;
        }
      } else if (!v->empty()) {
        if (auto st = render(body_from, body_to, out); !st) return st;
      }
      pos = after;
    }
    return Ok{};
  }
};

}  // namespace

Result<std::string> render_template(std::string_view text, const TemplateScope& scope, const std::string& source) {
  Renderer r{text, source, {&scope}};
  std::string out;
  if (auto st = r.render(0, text.size(), out); !st) return st.error();
  return out;
}

}  // namespace pxelab::sut
