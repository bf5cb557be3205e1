#include "image/dir_entry.h"

#include <cctype>

namespace pxelab::image {

namespace {

std::uint16_t le16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}

constexpr std::string_view kRule =
    "names are stored as 8.3 short names, upper-cased: a base of 1-8 and an optional extension of 1-3 "
    "characters from A-Z 0-9 !#$%&'()-@^_`{}~ (pxelab writes no long names)";

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

}  // namespace

bool short_name_char_ok(std::uint8_t c) {
  if (c >= 0x80) return true;
  if (std::isupper(c) || std::isdigit(c)) return true;
  return std::string_view("!#$%&'()-@^_`{}~").find(static_cast<char>(c)) != std::string_view::npos;
}

Result<ShortName> to_short_name(std::string_view name) {
  auto refuse = [&](const std::string& why) {
    return make_error("", 0, "'" + std::string(name) + "' " + why + ": " + std::string(kRule));
  };
  if (name.empty()) return refuse("is empty");
  if (name == "." || name == "..") return refuse("is reserved");
  const auto dot = name.find('.');
  const std::string_view base = name.substr(0, dot);
  const std::string_view ext = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  if (base.empty() || base.size() > 8) return refuse("has a base of " + std::to_string(base.size()) + " characters");
  if (dot != std::string_view::npos && (ext.empty() || ext.size() > 3)) {
    return refuse(ext.find('.') != std::string_view::npos ? "has more than one dot"
                                                           : "has an extension of " + std::to_string(ext.size()) + " characters");
  }
  ShortName out;
  out.fill(' ');
  auto put = [&](std::string_view part, std::size_t at) -> bool {
    for (std::size_t i = 0; i < part.size(); ++i) {
      const auto c = static_cast<std::uint8_t>(std::toupper(static_cast<unsigned char>(part[i])));
      if (c >= 0x80 || !short_name_char_ok(c)) return false;
      out[at + i] = c;
    }
    return true;
  };
  if (!put(base, 0) || !put(ext, 8)) return refuse("holds a character outside the 8.3 set");
  if (out[0] == 0xE5) out[0] = 0x05;
  return out;
}

std::string short_name_text(const ShortName& n) {
  std::string base, ext;
  for (std::size_t i = 0; i < 8; ++i) base += static_cast<char>(i == 0 && n[0] == 0x05 ? 0xE5 : n[i]);
  for (std::size_t i = 8; i < 11; ++i) ext += static_cast<char>(n[i]);
  while (!base.empty() && base.back() == ' ') base.pop_back();
  while (!ext.empty() && ext.back() == ' ') ext.pop_back();
  return ext.empty() ? base : base + "." + ext;
}

std::uint8_t short_name_checksum(const ShortName& n) {
  std::uint8_t sum = 0;
  for (std::uint8_t c : n) sum = static_cast<std::uint8_t>(((sum & 1) ? 0x80 : 0) + (sum >> 1) + c);
  return sum;
}

ShortEntry decode_short_entry(const std::uint8_t* p) {
  ShortEntry e;
  for (std::size_t i = 0; i < 11; ++i) e.name[i] = p[i];
  e.attr = p[11];
  e.time = le16(p + 22);
  e.date = le16(p + 24);
  e.first_cluster = le16(p + 26);
  e.size = le16(p + 28) | (std::uint32_t{le16(p + 30)} << 16);
  return e;
}

void encode_short_entry(const ShortEntry& e, std::uint8_t* p) {
  for (std::size_t i = 0; i < 32; ++i) p[i] = 0;
  for (std::size_t i = 0; i < 11; ++i) p[i] = e.name[i];
  p[11] = e.attr;
  put16(p + 14, e.time);  // creation time and date as the modification ones
  put16(p + 16, e.date);
  put16(p + 18, e.date);  // last access date
  put16(p + 22, e.time);
  put16(p + 24, e.date);
  put16(p + 26, e.first_cluster);
  put16(p + 28, static_cast<std::uint16_t>(e.size));
  put16(p + 30, static_cast<std::uint16_t>(e.size >> 16));
}

bool LongNameCollector::add(const std::uint8_t* p) {
  const std::uint8_t ord = p[0] & 0x3F;
  const bool last = p[0] & 0x40;
  if (ord == 0 || ord > parts_.size()) {
    reset();
    return false;
  }
  if (last) {
    reset();
    count_ = ord;
    checksum_ = p[13];
    have_ = true;
  } else if (!have_ || ord != expected_ || p[13] != checksum_) {
    reset();
    return false;
  }
  std::u16string part;
  const int offsets[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
  for (int off : offsets) {
    const char16_t c = static_cast<char16_t>(le16(p + off));
    if (c == 0 || c == 0xFFFF) break;
    part += c;
  }
  parts_[ord - 1] = std::move(part);
  expected_ = static_cast<std::uint8_t>(ord - 1);
  return true;
}

std::string LongNameCollector::take(const ShortName& short_name) {
  const bool complete = have_ && expected_ == 0 && checksum_ == short_name_checksum(short_name);
  std::string out;
  if (complete) {
    for (std::size_t i = 0; i < count_; ++i) {
      const std::u16string& s = parts_[i];
      for (std::size_t k = 0; k < s.size(); ++k) {
        char32_t c = s[k];
        if (c >= 0xD800 && c < 0xDC00 && k + 1 < s.size() && s[k + 1] >= 0xDC00 && s[k + 1] < 0xE000) {
          c = 0x10000 + ((c - 0xD800) << 10) + (s[k + 1] - 0xDC00);
          ++k;
          out += static_cast<char>(0xF0 | (c >> 18));
          out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
          out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (c & 0x3F));
          continue;
        }
        append_utf8(out, c);
      }
    }
  }
  reset();
  return out;
}

}  // namespace pxelab::image
