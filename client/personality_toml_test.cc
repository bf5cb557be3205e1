// The shipped personalities' `behaviours` (the FW-nn ids of shared/FIRMWARE.md each
// claims to encode) against what the rest of the file and the personalities README
// say: every claimed id is cited beside a key of the file (where it says which key
// encodes it), every id the file cites is claimed, and the README's table lists the
// same ids for the file. (FIRMWARE.md itself lives outside the repository, so a clean
// clone cannot check against it; these three places inside it must agree.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "client/personality.h"

namespace pxelab::client {
namespace {

namespace fs = std::filesystem;

const fs::path kDir = fs::path(PXELAB_SOURCE_DIR) / "client" / "personalities";

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every FW-nn in `text`; "FW-06..FW-12" stands for the ids between them too.
std::set<std::string> fw_ids(const std::string& text) {
  std::set<std::string> ids;
  static const std::regex kId(R"(FW-(\d\d)(?:\.\.FW-(\d\d))?)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kId); it != std::sregex_iterator(); ++it) {
    const int first = std::stoi((*it)[1]);
    const int last = (*it)[2].matched ? std::stoi((*it)[2]) : first;
    for (int n = first; n <= last; ++n) ids.insert((n < 10 ? "FW-0" : "FW-") + std::to_string(n));
  }
  return ids;
}

// The file without its `behaviours = [...]` value: what the rest of it cites.
std::string without_behaviours(std::string text) {
  const auto start = text.find("\nbehaviours = [");
  if (start == std::string::npos) return text;
  const auto end = text.find(']', start);
  return text.erase(start, end == std::string::npos ? std::string::npos : end + 1 - start);
}

// The last cell of the README table row for `file`.
std::string readme_cell(const std::string& readme, const std::string& file) {
  std::istringstream lines(readme);
  const std::string head = "| `" + file + "` |";
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(head, 0) != 0) continue;
    const auto bar = line.rfind('|', line.size() - 2);
    return line.substr(bar + 1);
  }
  return "";
}

TEST(ShippedPersonalities, BehavioursAreTheIdsTheFileCitesAndTheReadmeLists) {
  auto set = load_personalities(kDir.string());
  ASSERT_TRUE(set.ok()) << set.error().message;
  ASSERT_GE(set->size(), 8u);
  const std::string readme = read_text(kDir / "README.md");
  static const std::regex kWellFormed(R"(FW-\d\d)");
  for (const auto& [id, p] : *set) {
    const std::string file = id + ".toml";
    const std::set<std::string> claimed(p.behaviours.begin(), p.behaviours.end());
    EXPECT_EQ(claimed.size(), p.behaviours.size()) << file << ": an id claimed twice";
    for (const auto& b : p.behaviours) EXPECT_TRUE(std::regex_match(b, kWellFormed)) << file << ": " << b;
    EXPECT_EQ(fw_ids(without_behaviours(read_text(kDir / file))), claimed)
        << file << ": `behaviours` and the FW-nn cited beside its keys differ";
    const std::string cell = readme_cell(readme, file);
    ASSERT_FALSE(cell.empty()) << file << " has no row in client/personalities/README.md";
    EXPECT_EQ(fw_ids(cell), claimed) << file << ": the README row says" << cell;
  }
}

// FIRMWARE.md lives outside the repository; firmware_ids.txt is its index of ids,
// written from it by client/personalities/firmware-ids.
TEST(ShippedPersonalities, EveryClaimedBehaviourIsAnIdOfFirmwareMd) {
  std::set<std::string> known;
  std::istringstream index(read_text(kDir / "firmware_ids.txt"));
  for (std::string line; std::getline(index, line);) {
    if (line.rfind("FW-", 0) == 0) known.insert(line.substr(0, 5));
  }
  ASSERT_GE(known.size(), 45u) << "client/personalities/firmware_ids.txt: run client/personalities/firmware-ids";
  auto set = load_personalities(kDir.string());
  ASSERT_TRUE(set.ok()) << set.error().message;
  for (const auto& [id, p] : *set) {
    for (const auto& b : p.behaviours) {
      EXPECT_TRUE(known.contains(b)) << id << ".toml claims " << b << ", which FIRMWARE.md does not describe";
    }
  }
  EXPECT_FALSE(known.contains("FW-99"));  // the index is not everything
}

TEST(ShippedPersonalities, TheIdReaderSeesRangesAndSkipsPlaceholders) {
  EXPECT_EQ(fw_ids("FW-01, FW-06..FW-08 and FW-nn"), (std::set<std::string>{"FW-01", "FW-06", "FW-07", "FW-08"}));
  EXPECT_EQ(without_behaviours("a\nbehaviours = [\"FW-01\",\n \"FW-02\"]\nb # FW-03"), "a\nb # FW-03");
}

}  // namespace
}  // namespace pxelab::client
