// The fault switches of the reference server (server/faults.h) against the check
// catalogue, as tables: every MUST server check is named by some switch (every MUST
// relay check by a relay switch), and every switch names a real check. That a switch really makes its check fail (and that the
// same set-up without it passes) is shown only by running it: the mutation tests in
// ci/e2e/test_mutations.py.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "conformance/checks/catalogue.h"
#include "server/faults.h"

namespace pxelab::conformance {
namespace {

TEST(FaultsAndCatalogue, EveryMustServerCheckIsNamedByAFault) {
  std::set<std::string> broken;
  for (const auto& f : server::fault_table()) broken.insert(std::string(f.breaks));
  for (const auto& c : catalogue()) {
    if (c.level == Level::kMust && c.role == Role::kServer) {
      EXPECT_TRUE(broken.contains(std::string(c.id))) << c.id << " is named by no fault switch in server/faults.cc";
    }
  }
}

TEST(FaultsAndCatalogue, EveryMustRelayCheckIsNamedByARelayFault) {
  std::set<std::string> broken;
  for (const auto& f : server::relay_fault_table()) broken.insert(std::string(f.breaks));
  std::size_t relay_checks = 0;
  for (const auto& c : catalogue()) {
    if (c.level == Level::kMust && c.role == Role::kRelay) {
      ++relay_checks;
      EXPECT_TRUE(broken.contains(std::string(c.id))) << c.id << " is named by no relay fault in server/faults.cc";
    }
  }
  EXPECT_GE(relay_checks, 2u);
  std::set<std::string> keys;
  for (const auto& f : server::relay_fault_table()) {
    EXPECT_TRUE(keys.insert(std::string(f.key)).second) << f.key;
    EXPECT_EQ(server::find_relay_fault(f.key), &f);
    EXPECT_EQ(server::find_fault(f.key), nullptr) << f.key << ": a relay fault and a server fault share a key";
    const Check* c = find_check(f.breaks);
    ASSERT_NE(c, nullptr) << f.key << " breaks unknown check " << f.breaks;
    EXPECT_EQ(c->role, Role::kRelay) << f.key;
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
