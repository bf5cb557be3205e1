#include "server/boot_control.h"

#include <fstream>
#include <sstream>

#include <cerrno>
#include <cstring>

namespace pxelab::server {

namespace {

std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

ControlParse parse_control(std::string_view text, const std::string& source) {
  ControlParse out;
  int number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    const auto words = words_of(line);
    if (words.empty()) continue;
    auto bad = [&](const std::string& what) { out.errors.push_back(source + ":" + std::to_string(number) + ": " + what); };
    if (words.size() != 3 || (words[0] != "host" && words[0] != "group")) {
      std::string seen;
      for (auto w : words) {
        if (!seen.empty()) seen += ' ';
        seen.append(w);
      }
      bad("expected 'host MAC|HOSTNAME MODE' or 'group NAME MODE', not '" + seen + "'");
      continue;
    }
    auto mode = parse_boot_mode(words[2]);
    if (!mode) {
      std::string what = "'";
      what.append(words[2]);
      bad(what + "' is not one of: network, local, menu, once");
      continue;
    }
    out.lines.push_back({number, words[0] == "group", std::string(words[1]), *mode});
  }
  return out;
}

std::size_t ControlFile::apply(std::string_view text, BootServer& server, LogSink& log, sim::Time now) {
  ControlParse parsed = parse_control(text, path_);
  for (const auto& e : parsed.errors) log.line(now, "control " + e + " (ignored)");
  std::size_t changes = 0;
  for (const ControlLine& l : parsed.lines) {
    const std::string where = path_ + ":" + std::to_string(l.line);
    std::string key;
    Status st = Ok{};
    if (l.group) {
      key = "group " + l.name;
      if (auto it = applied_.find(key); it != applied_.end() && it->second == l.mode) continue;
      st = server.set_group_mode(l.name, l.mode, "control " + where);
    } else {
      const HostEntry* h = server.find_host(l.name);
      if (h == nullptr) {
        log.line(now, "control " + where + ": no host entry with MAC or hostname '" + l.name + "' (ignored)");
        continue;
      }
      key = "host " + h->mac.to_string();
      if (auto it = applied_.find(key); it != applied_.end() && it->second == l.mode) continue;
      st = server.set_boot_mode(h->mac, l.mode, "control " + where);
    }
    if (!st) {
      log.line(now, "control " + where + ": " + st.error().message + " (ignored)");
      continue;
    }
    applied_[key] = l.mode;
    ++changes;
  }
  return changes;
}

Result<std::size_t> ControlFile::reload(BootServer& server, LogSink& log, sim::Time now) {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return Error{"control", 0, "cannot read the control file: " + std::string(std::strerror(errno)), path_};
  std::stringstream ss;
  ss << in.rdbuf();
  return apply(ss.str(), server, log, now);
}

}  // namespace pxelab::server
