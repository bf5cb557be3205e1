#include "conformance/report/conform_summary.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "conformance/report/report_junit.h"

namespace pxelab::conformance {

using nlohmann::json;

namespace {

// Typed reads that never throw: a document of the wrong shape is an error value.
const json* member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}
std::string text(const json& j, const char* key) {
  const json* m = member(j, key);
  return m != nullptr && m->is_string() ? m->get<std::string>() : std::string();
}
Error input_error(std::size_t input, const std::string& message) {
  return Error{"", 0, message, "input " + std::to_string(input + 1)};
}

Result<unsigned> parse_unsigned(std::string_view s) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return make_error("shard", 0, "not a number");
  return v;
}

}  // namespace

Result<Shard> parse_shard(const std::string& t) {
  const auto slash = t.find('/');
  const auto bad = [&](const std::string& why) {
    return make_error("shard", 0, "'" + t + "' is not K/N (" + why + "), e.g. 2/4 for the second of four shards");
  };
  if (slash == std::string::npos) return bad("no '/'");
  auto k = parse_unsigned(std::string_view(t).substr(0, slash));
  auto n = parse_unsigned(std::string_view(t).substr(slash + 1));
  if (!k || !n) return bad("K and N are whole numbers");
  if (*n < 1 || *n > 1000) return bad("N is 1 to 1000");
  if (*k < 1 || *k > *n) return bad("K is 1 to N");
  return Shard{*k, *n};
}

bool in_shard(const Shard& shard, std::size_t position) { return position % shard.count == shard.index - 1; }

Result<json> merge_conform_summaries(const std::vector<json>& shards) {
  if (shards.empty()) return Error{"", 0, "nothing to merge", ""};
  std::string profile, suite;
  unsigned count = 0;
  std::size_t suite_scenarios = 0;
  std::set<unsigned> seen;
  std::map<std::string, json> scenarios;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const json& s = shards[i];
    if (text(s, "schema") != kConformSchema) {
      return input_error(i, "not a pxelab conform summary (schema '" + text(s, "schema") + "', want " +
                                kConformSchema + "): conform.json of pxelab conform --out DIR");
    }
    auto shard = parse_shard(text(s, "shard"));
    if (!shard) return input_error(i, shard.error().message);
    const json* size = member(s, "suite_scenarios");
    const json* list = member(s, "scenarios");
    if (size == nullptr || !size->is_number_unsigned() || list == nullptr || !list->is_array()) {
      return input_error(i, "conform.json has no suite_scenarios count or scenarios list");
    }
    if (i == 0) {
      profile = text(s, "profile");
      suite = text(s, "suite");
      count = shard->count;
      suite_scenarios = size->get<std::size_t>();
    } else if (text(s, "profile") != profile || text(s, "suite") != suite) {
      return input_error(i, "is a run of " + text(s, "profile") + " (suite " + text(s, "suite") + "), input 1 of " +
                                profile + " (suite " + suite + "): merge the shards of one run");
    } else if (shard->count != count || size->get<std::size_t>() != suite_scenarios) {
      return input_error(i, "is shard " + text(s, "shard") + " of a suite of " + std::to_string(size->get<std::size_t>()) +
                                ", input 1 a shard of " + std::to_string(count) + " of a suite of " +
                                std::to_string(suite_scenarios) + ": the shards of one run have the same N and suite");
    }
    if (!seen.insert(shard->index).second) return input_error(i, "shard " + text(s, "shard") + " is given twice");
    for (const auto& row : *list) {
      const std::string name = text(row, "scenario");
      if (name.empty()) return input_error(i, "a scenario row without a name");
      if (!scenarios.emplace(name, row).second) return input_error(i, "scenario " + name + " is in two shards");
    }
  }
  std::string missing;
  for (unsigned k = 1; k <= count; ++k) {
    if (seen.count(k) == 0) missing += (missing.empty() ? "" : ", ") + std::to_string(k) + "/" + std::to_string(count);
  }
  if (!missing.empty()) return Error{"", 0, "shard " + missing + " missing: merge every shard of the run", ""};
  if (scenarios.size() != suite_scenarios) {
    return Error{"", 0,
                 "the shards list " + std::to_string(scenarios.size()) + " scenarios, the suite has " +
                     std::to_string(suite_scenarios),
                 ""};
  }
  json out = {{"schema", kConformSchema}, {"profile", profile}, {"suite", suite}, {"shard", "1/1"},
              {"suite_scenarios", suite_scenarios}, {"merged_shards", count}, {"scenarios", json::array()}};
  for (auto& [name, row] : scenarios) out["scenarios"].push_back(row);
  return out;
}

Result<std::string> merge_junit(const std::string& name, const std::vector<std::pair<std::string, std::string>>& docs) {
  std::string body;
  for (const auto& [scenario, text] : docs) {
    const auto open = text.find("<testsuites");
    const auto open_end = open == std::string::npos ? open : text.find('>', open);
    const auto close = text.rfind("</testsuites>");
    if (open_end == std::string::npos || close == std::string::npos || close < open_end) {
      return make_error("junit", 0, scenario + "/junit.xml is not a pxelab junit.xml (no <testsuites>...</testsuites>)");
    }
    std::string inner = text.substr(open_end + 1, close - open_end - 1);
    inner.erase(0, inner.find_first_not_of('\n'));
    if (!inner.empty() && inner.back() != '\n') inner += '\n';
    body += inner;
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"" + xml_escape(name) + "\">\n" + body +
         "</testsuites>\n";
}

namespace {

struct Cell {
  std::string verdict = "not applicable";
  std::string scenario, message;
  json frames = json::array();
  std::map<std::string, std::set<std::string>> why;  // reason -> the scenarios that gave it
};

const json* first_finding(const json& report, const std::string& id) {
  const json* findings = member(report, "findings");
  if (findings == nullptr || !findings->is_array()) return nullptr;
  for (const auto& f : *findings) {
    if (text(f, "check") == id) return &f;
  }
  return nullptr;
}

}  // namespace

Result<json> conform_matrix(const std::vector<ServerRun>& runs) {
  if (runs.empty()) return Error{"", 0, "no server runs", ""};
  std::vector<std::string> order;   // check ids in the first report's (catalogue) order
  std::map<std::string, json> info;  // id -> {level, title, citation}
  std::vector<std::map<std::string, Cell>> cells(runs.size());
  json servers = json::array();
  std::set<std::string> profiles;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const ServerRun& r = runs[i];
    if (r.summary == nullptr || text(*r.summary, "schema") != kConformSchema) {
      return input_error(i, "not a pxelab conform summary (conform.json)");
    }
    const std::string profile = text(*r.summary, "profile");
    if (!profiles.insert(profile).second) return input_error(i, "profile " + profile + " is given twice");
    servers.push_back({{"profile", profile}, {"suite", text(*r.summary, "suite")},
                       {"scenarios", member(*r.summary, "scenarios") ? *member(*r.summary, "scenarios") : json::array()}});
    for (const auto& [scenario, report] : r.reports) {
      const json* checks = report != nullptr ? member(*report, "checks") : nullptr;
      if (checks == nullptr || !checks->is_array()) {
        return input_error(i, scenario + "/report.json has no checks list");
      }
      for (const auto& c : *checks) {
        if (text(c, "role") != "server") continue;
        const std::string id = text(c, "id");
        if (info.emplace(id, json{{"level", text(c, "level")}, {"title", text(c, "title")},
                                  {"citation", text(c, "citation")}})
                .second) {
          order.push_back(id);
        }
        Cell& cell = cells[i][id];
        const std::string verdict = text(c, "verdict");
        if (verdict == "fail" && cell.verdict != "fail") {
          cell.verdict = "fail";
          cell.scenario = scenario;
          cell.why.clear();
          if (const json* f = first_finding(*report, id)) {
            cell.message = text(*f, "message");
            if (const json* fr = member(*f, "frames"); fr != nullptr && fr->is_array()) cell.frames = *fr;
          }
        } else if (verdict == "pass" && cell.verdict == "not applicable") {
          cell.verdict = "pass";
          cell.why.clear();
        } else if (verdict == "not applicable" && cell.verdict == "not applicable") {
          const std::string why = text(c, "reason");
          cell.why[why.empty() ? std::string("not judged") : why].insert(scenario);
        }
      }
    }
  }
  json checks = json::array();
  for (const auto& id : order) {
    json row = info[id];
    row["id"] = id;
    json by_server = json::object();
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const std::string profile = servers[i]["profile"].get<std::string>();
      auto it = cells[i].find(id);
      Cell cell = it == cells[i].end() ? Cell{} : it->second;
      if (it == cells[i].end()) cell.why["no scenario of the suite ran for this server"];
      json out = {{"verdict", cell.verdict}};
      if (cell.verdict == "fail") {
        out["scenario"] = cell.scenario;
        out["frames"] = cell.frames;
        out["message"] = cell.message;
      }
      if (cell.verdict == "not applicable") {
        std::string why;
        for (const auto& [reason, scenarios] : cell.why) {
          std::string in;
          for (const auto& sc : scenarios) in += (in.empty() ? "" : ", ") + sc;
          why += (why.empty() ? "" : "; ") + reason + (in.empty() ? "" : " (" + in + ")");
        }
        out["why"] = why;
      }
      by_server[profile] = out;
    }
    row["cells"] = by_server;
    checks.push_back(row);
  }
  return json{{"schema", "pxelab-matrix/1"}, {"servers", servers}, {"checks", checks}};
}

std::string conform_matrix_markdown(const json& matrix) {
  std::vector<std::string> profiles;
  if (const json* s = member(matrix, "servers"); s != nullptr && s->is_array()) {
    for (const auto& sv : *s) profiles.push_back(text(sv, "profile"));
  }
  std::string head = "| check | level |", rule = "|---|---|";
  for (const auto& p : profiles) {
    head += " " + p + " |";
    rule += "---|";
  }
  std::string table = head + "\n" + rule + "\n";
  std::vector<std::string> notes;  // numbered [1], [2], ... in the order the table cites them
  std::map<std::string, std::size_t> note_number;
  const auto cite = [&](const std::string& note) {
    auto [it, fresh] = note_number.emplace(note, notes.size() + 1);
    if (fresh) notes.push_back(note);
    return "[" + std::to_string(it->second) + "]";
  };
  const json* checks = member(matrix, "checks");
  std::size_t fails = 0;
  if (checks != nullptr && checks->is_array()) {
    for (const auto& c : *checks) {
      std::string line = "| " + text(c, "id") + " | " + text(c, "level") + " |";
      const json* row = member(c, "cells");
      for (const auto& p : profiles) {
        const json* cell = row != nullptr ? member(*row, p.c_str()) : nullptr;
        const std::string verdict = cell != nullptr ? text(*cell, "verdict") : "";
        if (verdict == "fail") {
          ++fails;
          std::string frames;
          if (const json* fr = member(*cell, "frames"); fr != nullptr && fr->is_array()) {
            for (const auto& f : *fr) frames += (frames.empty() ? "" : ", ") + f.dump();
          }
          line += " **fail** " +
                  cite(p + ", " + text(c, "id") + " (" + text(c, "citation") + "): " + text(*cell, "scenario") +
                       (frames.empty() ? "" : " frames " + frames) + ": " + text(*cell, "message")) +
                  " |";
        } else if (verdict == "pass") {
          line += " pass |";
        } else {
          line += " n/a " + cite(cell != nullptr ? text(*cell, "why") : "not in this server's run") + " |";
        }
      }
      table += line + "\n";
    }
  }
  std::string page = "# Conformance matrix: server-role checks x servers under test\n\n"
                     "Generated by `ci/conform-matrix` (pxelab conform --suite core per shipped profile, then\n"
                     "`pxelab report matrix`); do not edit by hand. A check fails for a server when any scenario\n"
                     "of the suite failed it; pass when judged and never failed; n/a when nothing in the suite's\n"
                     "frames was there to judge, with the reason. " +
                     std::to_string(fails) + " failing cells.\n\n";
  page += table + "\n";
  for (std::size_t i = 0; i < notes.size(); ++i) page += std::to_string(i + 1) + ". " + notes[i] + "\n";
  return page;
}

}  // namespace pxelab::conformance
