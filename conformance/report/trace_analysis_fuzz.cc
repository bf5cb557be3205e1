// Fuzz target: the trace decoder, the grouping, every check, the fingerprint and the
// reports over arbitrary frames. Input: frames as [2-octet big-endian length][bytes]...;
// each frame is 1 ms after the previous. Malformed frames must become decode errors or
// findings, never a crash, a hang or an out-of-bounds read; every report is written
// (an empty one aborts: libFuzzer and cmake/fuzz_replay_main.cc ignore the return value).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "conformance/checks/catalogue.h"
#include "conformance/report/report_json.h"
#include "conformance/report/report_junit.h"
#include "conformance/report/summary.h"
#include "sim/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pxelab;
  sim::Trace trace;
  std::size_t i = 0;
  sim::Time t = 0;
  while (i + 2 <= size) {
    std::size_t n = (std::size_t{data[i]} << 8) | data[i + 1];
    i += 2;
    if (n > size - i) n = size - i;
    trace.add_frame(t, sim::kNoPort, wire::ByteView(data + i, n));
    t += 1'000'000;
    i += n;
  }
  conformance::Run run;
  run.trace = &trace;
  run.from_capture = true;
  conformance::AnalyzedRun analyzed(run);
  auto selected = conformance::select_checks("");
  auto results = conformance::run_checks(analyzed.analysis(), *selected);
  auto clients = conformance::client_facts(analyzed, conformance::builtin_references());
  conformance::RunMeta meta;
  auto json = conformance::report_json_text(run, analyzed, results, clients, meta);
  auto junit = conformance::report_junit(results, meta);
  auto text = conformance::text_summary(run, analyzed, results, clients, meta, true);
  if (json.empty() || junit.empty() || text.empty()) std::abort();
  return 0;
}
