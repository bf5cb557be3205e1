// Fuzz target: the lease journal decoder. Each input is a journal file: every line
// goes through parse_journal_line() as it is and again with its CRC made right (so
// the fields behind the CRC are reached), a parsed lease must survive
// format -> parse unchanged, and the whole input is replayed through
// LeaseJournal::open() from a scratch file, which must end in records or an error,
// never a crash. Nothing is kept between inputs (the scratch file is rewritten).
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "server/lease_journal.h"

namespace {

// CRC-32 (IEEE 802.3) as the journal computes it (lease_journal.cc keeps its own
// private; this is the reference implementation it must agree with).
std::uint32_t crc32(std::string_view s) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char ch : s) {
    c ^= ch;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

void check_line(std::string_view line) {
  using pxelab::server::format_journal_line;
  using pxelab::server::parse_journal_line;
  auto parsed = parse_journal_line(line);
  if (!parsed) {
    if (parsed.error().message.empty()) std::abort();  // every refusal says why
    return;
  }
  std::string again = format_journal_line(*parsed);
  auto back = parse_journal_line(again);
  if (!back || !(*back == *parsed)) std::abort();  // format∘parse is the identity on leases
}

const std::string& scratch_path() {
  static const std::string path =
      (std::filesystem::temp_directory_path() / ("pxelab-fuzz-journal-" + std::to_string(::getpid()))).string();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    check_line(line);
    if (line.size() > 9) {
      std::string body(line.substr(9));
      char crc[9];
      std::snprintf(crc, sizeof crc, "%08x", crc32(body));
      check_line(std::string(crc) + " " + body);
    }
    start = end + 1;
  }

  // Replay the whole input as a journal file.
  {
    std::ofstream out(scratch_path(), std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  std::vector<pxelab::server::Lease> replayed;
  pxelab::server::ReplayReport report;
  auto journal = pxelab::server::LeaseJournal::open(scratch_path(), pxelab::server::FsyncPolicy::None, replayed, report);
  if (journal) {
    if (report.records != replayed.size()) std::abort();
  } else if (journal.error().to_string().empty()) {
    std::abort();
  }
  journal = pxelab::Error{};  // close before the file is removed
  std::filesystem::remove(scratch_path());
  return 0;
}
