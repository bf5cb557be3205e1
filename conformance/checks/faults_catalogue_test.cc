// The fault switches of the reference server (server/faults.h) against the check
// catalogue: every MUST server check has a switch that breaks it (the mutation tests
// in ci/e2e/test_mutations.py run them), and every switch names a real check.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "conformance/checks/catalogue.h"
#include "server/faults.h"

namespace pxelab::conformance {
namespace {

TEST(FaultsAndCatalogue, EveryMustServerCheckHasAFaultThatBreaksIt) {
  std::set<std::string> broken;
  for (const auto& f : server::fault_table()) broken.insert(std::string(f.breaks));
  for (const auto& c : catalogue()) {
    if (c.level == Level::kMust && c.role == Role::kServer) {
      EXPECT_TRUE(broken.contains(std::string(c.id))) << c.id << " has no fault switch in server/faults.cc";
    }
  }
}

TEST(FaultsAndCatalogue, EveryFaultNamesACheckAndAUniqueKey) {
  std::set<std::string> keys;
  for (const auto& f : server::fault_table()) {
    EXPECT_TRUE(keys.insert(std::string(f.key)).second) << f.key;
    EXPECT_EQ(server::find_fault(f.key), &f);
    if (!f.breaks.empty()) {
      EXPECT_NE(find_check(f.breaks), nullptr) << f.key << " breaks unknown check " << f.breaks;
    }
  }
  EXPECT_EQ(server::find_fault("no_such_fault"), nullptr);
}

}  // namespace
}  // namespace pxelab::conformance
