// Vixie-cron-style five-field parser (see cron.h for the grammar).
#include "sim/cron.h"

#include <array>
#include <charconv>
#include <vector>

namespace pxelab::sim {
namespace {

struct FieldRule {
  const char* name;
  int lo;
  int hi;
  const std::array<const char*, 12>* names;  // name i means lo + i; may be null
};

constexpr std::array<const char*, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                     "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<const char*, 12> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri",
                                                   "sat", nullptr, nullptr, nullptr, nullptr, nullptr};

// The five fields in order; day-of-week accepts 7 (Sunday) as Vixie cron does.
constexpr std::array<FieldRule, 5> kRules = {{{"cron.minute", 0, 59, nullptr},
                                              {"cron.hour", 0, 23, nullptr},
                                              {"cron.day_of_month", 1, 31, nullptr},
                                              {"cron.month", 1, 12, &kMonthNames},
                                              {"cron.day_of_week", 0, 7, &kDayNames}}};

// crontab(5) nicknames and what they stand for.
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kNicknames = {{
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},  {"@midnight", "0 0 * * *"}, {"@hourly", "0 * * * *"},
}};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// "'TOKEN' WHAT" (built by appends: GCC 12 warns -Wrestrict on some operator+ chains).
std::string quoted(std::string_view token, std::string_view what) {
  std::string m = "'";
  m += token;
  m += "' ";
  m += what;
  return m;
}

Result<int> parse_value(std::string_view tok, std::size_t at, const FieldRule& rule) {
  if (tok.empty()) return make_error(rule.name, at, "empty value");
  if (rule.names != nullptr && tok.size() == 3) {
    for (std::size_t i = 0; i < rule.names->size(); ++i) {
      const char* n = (*rule.names)[i];
      if (n == nullptr) continue;
      if (lower(tok[0]) == n[0] && lower(tok[1]) == n[1] && lower(tok[2]) == n[2]) return rule.lo + static_cast<int>(i);
    }
  }
  int v = 0;
  auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
  if (ec != std::errc() || p != tok.data() + tok.size()) {
    return make_error(rule.name, at, quoted(tok, rule.names ? "is neither a number nor a name" : "is not a number"));
  }
  if (v < rule.lo || v > rule.hi) {
    return make_error(rule.name, at, quoted(tok, "is outside " + std::to_string(rule.lo) + "-" + std::to_string(rule.hi)));
  }
  return v;
}

// One comma-separated item: "*", "*/n", "a", "a/n", "a-b", "a-b/n". Sets bits in `out`.
Status parse_item(std::string_view item, std::size_t at, const FieldRule& rule, std::vector<bool>& out) {
  int step = 1;
  std::string_view range = item;
  if (auto slash = item.find('/'); slash != std::string_view::npos) {
    std::string_view s = item.substr(slash + 1);
    int n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || n < 1 || n > rule.hi - rule.lo + 1) {
      return make_error(rule.name, at + slash + 1,
                        quoted(item, "has step '" + std::string(s) + "', not a number from 1 to " +
                                         std::to_string(rule.hi - rule.lo + 1)));
    }
    step = n;
    range = item.substr(0, slash);
  }
  int a = rule.lo, b = rule.hi;
  if (range == "*") {
  } else if (auto dash = range.find('-'); dash != std::string_view::npos) {
    auto ra = parse_value(range.substr(0, dash), at, rule);
    if (!ra) return ra.error();
    auto rb = parse_value(range.substr(dash + 1), at + dash + 1, rule);
    if (!rb) return rb.error();
    a = *ra;
    b = *rb;
    if (a > b) return make_error(rule.name, at, quoted(range, "is a reversed range"));
  } else {
    auto rv = parse_value(range, at, rule);
    if (!rv) return rv.error();
    a = *rv;
    b = (step > 1) ? rule.hi : a;  // "a/n" is a-hi/n
  }
  for (int v = a; v <= b; v += step) out[static_cast<std::size_t>(v)] = true;
  return Ok{};
}

template <std::size_t N>
void copy_bits(const std::vector<bool>& in, std::bitset<N>& out) {
  for (std::size_t i = 0; i < N && i < in.size(); ++i) out[i] = in[i];
}

Status parse_field(std::size_t f, std::string_view tok, std::size_t at, CronSpec& spec) {
  const FieldRule& rule = kRules[f];
  std::vector<bool> bits(static_cast<std::size_t>(rule.hi) + 1, false);
  std::size_t pos = 0;
  while (true) {
    const std::size_t comma = tok.find(',', pos);
    const std::string_view item = tok.substr(pos, comma == std::string_view::npos ? tok.npos : comma - pos);
    if (item.empty()) return make_error(rule.name, at + pos, quoted(tok, "has an empty list item"));
    if (auto st = parse_item(item, at + pos, rule, bits); !st) return st.error();
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  const bool restricted = tok[0] != '*';
  switch (f) {
    case 0: copy_bits(bits, spec.minutes); break;
    case 1: copy_bits(bits, spec.hours); break;
    case 2:
      copy_bits(bits, spec.days_of_month);
      spec.dom_restricted = restricted;
      break;
    case 3: copy_bits(bits, spec.months); break;
    default:
      if (bits[7]) bits[0] = true;  // 7 is Sunday too
      copy_bits(bits, spec.days_of_week);
      spec.dow_restricted = restricted;
      break;
  }
  return Ok{};
}

}  // namespace

bool CronSpec::matches_day(int dom, int month, int dow) const {
  if (dom < 1 || dom > 31 || month < 1 || month > 12 || dow < 0 || dow > 6) return false;
  if (!months[static_cast<std::size_t>(month)]) return false;
  const bool d = days_of_month[static_cast<std::size_t>(dom)], w = days_of_week[static_cast<std::size_t>(dow)];
  // crontab(5): if both day fields are restricted, either may match.
  if (dom_restricted && dow_restricted) return d || w;
  return d && w;
}

bool CronSpec::matches(int minute, int hour, int dom, int month, int dow) const {
  if (minute < 0 || minute > 59 || hour < 0 || hour > 23) return false;
  return minutes[static_cast<std::size_t>(minute)] && hours[static_cast<std::size_t>(hour)] && matches_day(dom, month, dow);
}

Result<CronSpec> parse_cron(std::string_view text) {
  for (const auto& [nick, expansion] : kNicknames) {
    if (text == nick) return parse_cron(expansion);
  }
  if (!text.empty() && text.front() == '@') {
    return make_error("cron", 0, quoted(text, "is not a nickname (@yearly, @monthly, @weekly, @daily, @hourly)"));
  }
  std::array<std::pair<std::string_view, std::size_t>, 5> fields;
  std::size_t n = 0, i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i >= text.size()) break;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (n == 5) {
      return make_error("cron", start, quoted(text.substr(start, i - start), "is a sixth field (minute hour day month weekday)"));
    }
    fields[n++] = {text.substr(start, i - start), start};
  }
  if (n != 5) {
    return make_error("cron", text.size(),
                      "expected five fields (minute hour day month weekday), got " + std::to_string(n));
  }
  CronSpec spec;
  for (std::size_t f = 0; f < 5; ++f) {
    if (auto st = parse_field(f, fields[f].first, fields[f].second, spec); !st) return st.error();
  }
  return spec;
}

}  // namespace pxelab::sim
