#include "conformance/replay/replay_report.h"

#include <algorithm>
#include <set>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "conformance/report/report_json.h"
#include "conformance/report/report_junit.h"

namespace pxelab::conformance::replay {

namespace {

std::string frame_text(const std::optional<std::uint32_t>& f) { return f ? std::to_string(*f + 1) : "-"; }

nlohmann::json frame_json(const std::optional<std::uint32_t>& f) {
  return f ? nlohmann::json(*f + 1) : nlohmann::json(nullptr);
}

nlohmann::json diff_json(const FieldDiff& d) {
  return {{"field", d.field}, {"field_value", d.field_value}, {"new_value", d.new_value},
          {"rule", std::string(to_string(d.rule))}, {"why", d.why}};
}

std::set<std::string> failing(const Side& s) {
  std::set<std::string> out;
  for (const auto& cr : s.results) {
    if (cr.verdict == Verdict::kFail) out.insert(std::string(cr.check->id));
  }
  return out;
}

// The <testsuite> elements of a junit document.
std::string suites_of(const std::string& doc, const std::string& rename) {
  const auto b = doc.find("  <testsuite ");
  const auto e = doc.rfind("  </testsuite>");
  if (b == std::string::npos || e == std::string::npos) return "";
  std::string s = doc.substr(b, e + 15 - b);
  const auto n1 = s.find("name=\"");
  const auto n2 = s.find('"', n1 + 6);
  return s.replace(n1 + 6, n2 - n1 - 6, xml_escape(rename));
}

RunMeta side_meta(const ReplayMeta& m, bool field) {
  RunMeta meta;
  meta.kind = field ? "capture" : "replay";
  meta.source = field ? m.capture : m.capture + " replayed against " + m.server;
  meta.tool = m.tool;
  if (field) meta.read_error = m.read_error;
  return meta;
}

}  // namespace

std::pair<std::vector<std::string>, std::vector<std::string>> failing_difference(const ReplayResult& r) {
  const auto f = failing(*r.field), n = failing(*r.now);
  std::vector<std::string> only_field, only_new;
  std::set_difference(f.begin(), f.end(), n.begin(), n.end(), std::back_inserter(only_field));
  std::set_difference(n.begin(), n.end(), f.begin(), f.end(), std::back_inserter(only_new));
  return {only_field, only_new};
}

nlohmann::json replay_json(const ReplayResult& r, const ReplayMeta& meta) {
  nlohmann::json j;
  j["schema"] = kReplaySchema;
  j["capture"] = meta.capture;
  j["server"] = meta.server;
  j["timing"] = meta.timing;
  j["tool"] = meta.tool;
  if (!meta.read_error.empty()) j["read_error"] = meta.read_error;
  j["tftp_root"] = r.tftp_root;
  j["simulated_seconds"] = r.simulated_seconds;
  j["wall_seconds"] = r.wall_seconds;
  j["requests_with_forbidden_differences"] = r.forbidden;
  // The decisive difference of the run first (null: none).
  if (const RequestReport* top = decisive_request(r)) {
    j["decisive"] = diff_json(*top->decisive());
    j["decisive"]["client"] = r.scripts[top->client].mac.to_string();
    j["decisive"]["request"] = top->what;
    j["decisive"]["request_field_frame"] = top->field_frame + 1;
  } else {
    j["decisive"] = nullptr;
  }
  nlohmann::json clients = nlohmann::json::array();
  for (std::size_t ci = 0; ci < r.scripts.size(); ++ci) {
    const ClientScript& c = r.scripts[ci];
    nlohmann::json cj;
    cj["mac"] = c.mac.to_string();
    cj["arp_frames"] = c.arp_frames;
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& id : c.identities) {
      ids.push_back({{"frame", id.frame + 1}, {"fingerprint", id.fp.id}, {"distance", id.fp.distance},
                     {"identity", describe(id.identity)}});
    }
    cj["identities"] = std::move(ids);
    nlohmann::json reqs = nlohmann::json::array();
    for (const auto& rr : r.requests) {
      if (rr.client != ci) continue;
      nlohmann::json q{{"request", rr.what}, {"field_frame", rr.field_frame + 1}, {"replay_frame", frame_json(rr.new_frame)},
                       {"sent", rr.sent}, {"rewritten", rr.rewritten}};
      if (const FieldDiff* d = rr.decisive()) q["decisive"] = diff_json(*d);
      nlohmann::json answers = nlohmann::json::array();
      for (const auto& a : rr.answers) {
        nlohmann::json aj{{"answer", a.what}, {"field_frame", frame_json(a.field_frame)}, {"replay_frame", frame_json(a.new_frame)}};
        nlohmann::json diffs = nlohmann::json::array();
        for (const auto& d : a.diff.differences) diffs.push_back(diff_json(d));
        aj["differences"] = std::move(diffs);
        answers.push_back(std::move(aj));
      }
      q["answers"] = std::move(answers);
      reqs.push_back(std::move(q));
    }
    cj["requests"] = std::move(reqs);
    clients.push_back(std::move(cj));
  }
  j["clients"] = std::move(clients);
  const auto [only_field, only_new] = failing_difference(r);
  j["checks_failing_only_in_field"] = only_field;
  j["checks_failing_only_in_replay"] = only_new;
  const std::vector<ClientFacts> none;
  j["field"] = report_json(r.field->run, *r.field->analyzed, r.field->results, none, side_meta(meta, true));
  j["replay"] = report_json(r.now->run, *r.now->analyzed, r.now->results, none, side_meta(meta, false));
  return j;
}

std::string replay_json_text(const ReplayResult& r, const ReplayMeta& meta) { return replay_json_text(replay_json(r, meta)); }

std::string replay_json_text(const nlohmann::json& report) {
  return report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string replay_junit(const ReplayResult& r, const ReplayMeta& meta) {
  std::string cases;
  for (const auto& rr : r.requests) {
    const ClientScript& c = r.scripts[rr.client];
    cases += "    <testcase classname=\"pxelab.replay." + xml_escape(c.mac.to_string()) + "\" name=\"" +
             xml_escape(fmt::format("{} (field frame {})", rr.what, rr.field_frame + 1)) + "\"";
    const FieldDiff* d = rr.decisive();
    if (!d) {
      cases += "/>\n";
      continue;
    }
    std::string body;
    for (const auto& a : rr.answers) {
      for (const auto& x : a.diff.differences) {
        if (x.rule != Rule::kMustMatch) continue;
        body += fmt::format("{} (field {} / replay {}): {}: field {} / replay {}\n", a.what, frame_text(a.field_frame),
                            frame_text(a.new_frame), x.field, x.field_value, x.new_value);
      }
    }
    cases += ">\n      <failure type=\"answer differs\" message=\"" +
             xml_escape(d->field + ": field " + d->field_value + ", replay " + d->new_value) + "\">" + xml_escape(body) +
             "</failure>\n    </testcase>\n";
  }
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"pxelab replay " +
                  xml_escape(meta.capture) + "\">\n";
  x += "  <testsuite name=\"replay diff\" tests=\"" + std::to_string(r.requests.size()) + "\" failures=\"" +
       std::to_string(r.forbidden) + "\" errors=\"0\">\n" + cases + "  </testsuite>\n";
  x += suites_of(report_junit(r.field->results, side_meta(meta, true)), "checks on the field capture");
  x += suites_of(report_junit(r.now->results, side_meta(meta, false)), "checks on the replay");
  x += "</testsuites>\n";
  return x;
}

std::string replay_text(const ReplayResult& r, const ReplayMeta& meta, bool verbose) {
  std::string t = fmt::format("pxelab replay {} against {} ({} timing)\n", meta.capture, meta.server, meta.timing);
  if (!meta.read_error.empty()) t += "  capture damaged " + meta.read_error + "\n";
  t += fmt::format("{} clients, {} requests replayed, {} with a forbidden difference; {:.2f} s simulated, {:.2f} s wall\n",
                   r.scripts.size(), r.requests.size(), r.forbidden, r.simulated_seconds, r.wall_seconds);
  if (const RequestReport* top = decisive_request(r)) {
    const FieldDiff& d = *top->decisive();
    t += fmt::format("DECISIVE {}: field {} / replay {}  (client {}, {}, field frame {}: {})\n", d.field, d.field_value,
                     d.new_value, r.scripts[top->client].mac.to_string(), top->what, top->field_frame + 1, d.why);
  }
  for (std::size_t ci = 0; ci < r.scripts.size(); ++ci) {
    const ClientScript& c = r.scripts[ci];
    std::string ids;
    for (const auto& id : c.identities) ids += (ids.empty() ? "" : " then ") + id.fp.id;
    t += fmt::format("\nclient {} ({}; {} requests, {} ARP frames in the field)\n", c.mac.to_string(),
                     ids.empty() ? "no DISCOVER" : ids, c.steps.size(), c.arp_frames);
    for (const auto& rr : r.requests) {
      if (rr.client != ci) continue;
      const FieldDiff* d = rr.decisive();
      if (!d && !verbose) continue;
      t += fmt::format("  {:<44} field frame {:>5}, replay frame {:>5}  {}\n", rr.what, rr.field_frame + 1,
                       frame_text(rr.new_frame), d ? "DIFFERS" : "same");
      if (!rr.rewritten.empty() && verbose) t += "      rewritten: " + rr.rewritten + "\n";
      for (const auto& a : rr.answers) {
        bool header = false;
        for (const auto& x : a.diff.differences) {
          if (x.rule != Rule::kMustMatch && !verbose) continue;
          if (!header) {
            t += fmt::format("    {} (field frame {}, replay frame {})\n", a.what, frame_text(a.field_frame),
                             frame_text(a.new_frame));
            header = true;
          }
          t += fmt::format("      {} {}: field {} / replay {}{}\n", &x == d ? "DECISIVE" : (x.rule == Rule::kMustMatch ? "differs " : "may     "),
                           x.field, x.field_value, x.new_value, x.rule == Rule::kMustMatch ? "  (" + x.why + ")" : "");
        }
      }
    }
  }
  const auto [only_field, only_new] = failing_difference(r);
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s.empty() ? std::string("none") : s;
  };
  t += fmt::format("\nchecks failing on the field capture: {} ({} MUST)\n", failing(*r.field).size(), must_failures(r.field->results));
  t += fmt::format("checks failing on the replay:        {} ({} MUST)\n", failing(*r.now).size(), must_failures(r.now->results));
  t += "  only in the field:  " + list(only_field) + "\n";
  t += "  only in the replay: " + list(only_new) + "\n";
  return t;
}

}  // namespace pxelab::conformance::replay
