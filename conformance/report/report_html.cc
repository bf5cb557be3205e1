#include "conformance/report/report_html.h"

#include <string_view>

#include <nlohmann/json.hpp>

namespace pxelab::conformance {

namespace {

constexpr unsigned char kPage[] = {
#include "report_template.html.inc"
    0};
constexpr unsigned char kScript[] = {
#include "report_template.js.inc"
    0};
constexpr unsigned char kReplayScript[] = {
#include "report_replay.js.inc"
    0};

constexpr std::string_view kJsonSlot = "/*PXELAB_REPORT_JSON*/";
constexpr std::string_view kScriptSlot = "/*PXELAB_REPORT_SCRIPT*/";
constexpr std::string_view kReplaySlot = "/*PXELAB_REPLAY_SCRIPT*/";  // inside kScript

// JSON inside <script type="application/json">: the only sequence that could end the
// element early is "</script"; '<' occurs in JSON only inside strings, where \u003c
// means the same character, so every '<' is written that way.
std::string script_safe_json(const nlohmann::json& report) {
  const std::string text = report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + 64);
  for (char ch : text) {
    if (ch == '<') out += "\\u003c";
    else out += ch;
  }
  return out;
}

void replace_once(std::string& s, std::string_view slot, const std::string& with) {
  const auto at = s.find(slot);
  if (at != std::string::npos) s.replace(at, slot.size(), with);
}

}  // namespace

std::string report_html(const nlohmann::json& report) {
  std::string page(reinterpret_cast<const char*>(kPage), sizeof kPage - 1);
  // The script first: the JSON may itself contain the script slot's text.
  replace_once(page, kScriptSlot, std::string(reinterpret_cast<const char*>(kScript), sizeof kScript - 1));
  replace_once(page, kReplaySlot, std::string(reinterpret_cast<const char*>(kReplayScript), sizeof kReplayScript - 1));
  replace_once(page, kJsonSlot, script_safe_json(report));
  return page;
}

}  // namespace pxelab::conformance
