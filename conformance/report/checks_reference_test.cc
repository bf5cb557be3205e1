// The catalogue against real traffic: every emulated ROM personality boots against the
// reference server in-process (client/client_test_lab.h), full DHCP and proxyDHCP
// beside a DHCP-only server. The reference server must fail no MUST-level server
// check (no false positives on correct traffic), and each client's DISCOVER must
// fingerprint as the personality that sent it.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "client/client_test_lab.h"
#include "conformance/checks/catalogue.h"
#include "conformance/analysis/fingerprint.h"
#include "conformance/report/summary.h"

namespace pxelab::conformance {
namespace {

using client::testing::Lab;
using client::testing::server_config;
using client::testing::TftpRoot;

constexpr const char* kBootFiles = R"(
default_file = "pxelinux.0"
ipxe_script = "boot.ipxe"
[boot.file]
bios = "pxelinux.0"
x64-efi = "ipxe.efi"
9 = "ipxe.efi"
arm64-efi = "grubaa64.efi"
)";

void full(Lab& lab, const TftpRoot& root) {
  lab.add_server(server_config(root, std::string(R"(
[server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.199"
router = "192.0.2.1"
[boot])") + kBootFiles));
}

void proxy(Lab& lab, const TftpRoot& root) {
  server::BootServerOptions dhcp_only;
  dhcp_only.tftp = false;
  lab.add_server(server_config(root, R"(
[server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.199"
router = "192.0.2.1"
)"),
                 {}, dhcp_only);
  lab.add_server(server_config(root, std::string(R"(
[server]
mode = "proxy"
address = "192.0.2.2"
[[subnet]]
network = "192.0.2.0/24"
[boot])") + kBootFiles));
}

class ReferenceServer : public ::testing::TestWithParam<std::tuple<bool, const char*>> {};

TEST_P(ReferenceServer, FailsNoMustServerCheckAndClientsFingerprintAsThemselves) {
  const auto [use_proxy, personality] = GetParam();
  TftpRoot root;
  Lab lab;
  if (use_proxy) {
    proxy(lab, root);
  } else {
    full(lab, root);
  }
  client::PxeClient& c = lab.add_client(personality, 1);
  lab.run(sim::seconds(200));

  conformance::Run run;
  run.trace = &lab.trace;
  run.outcomes = {c.outcome()};
  AnalyzedRun analyzed(run);
  auto all = select_checks("");
  ASSERT_TRUE(all.ok());
  auto results = run_checks(analyzed.analysis(), *all);
  std::size_t judged = 0;
  for (const auto& r : results) {
    judged += r.verdict != Verdict::kNotApplicable;
    if (std::getenv("PXELAB_TEST_VERBOSE") != nullptr && r.verdict == Verdict::kFail) {
      std::printf("%s %s: %s %s\n", personality, use_proxy ? "proxy" : "full", std::string(r.check->id).c_str(),
                  r.findings[0].message.c_str());
    }
    if (r.check->role != Role::kServer || r.check->level != Level::kMust || r.check->mode == Mode::kOutcome) continue;
    EXPECT_NE(r.verdict, Verdict::kFail) << personality << (use_proxy ? " proxy " : " full ") << r.check->id << ": "
                                         << (r.findings.empty() ? "" : r.findings[0].message);
  }
  EXPECT_GT(judged, 10u);

  auto facts = client_facts(analyzed, default_references());
  const wire::MacAddress mac = c.outcome().mac;
  bool found = false;
  for (const auto& f : facts) {
    if (f.mac != mac || !f.fp) continue;
    found = true;
    EXPECT_EQ(f.fp->id, personality) << "matched: " << f.fp->matched << "; differed: " << f.fp->differed;
  }
  EXPECT_TRUE(found) << personality << " sent no DISCOVER";
}

INSTANTIATE_TEST_SUITE_P(Roms, ReferenceServer,
                         ::testing::Combine(::testing::Bool(),
                                            ::testing::Values("edk2-x64", "edk2-aa64", "ipxe-bios", "ipxe-efi",
                                                              "intel-pxe21", "uboot")),
                         [](const auto& p) {
                           std::string n = std::string(std::get<0>(p.param) ? "proxy_" : "full_") +
                                           std::get<1>(p.param);
                           for (auto& ch : n) ch = (ch == '-') ? '_' : ch;
                           return n;
                         });

}  // namespace
}  // namespace pxelab::conformance
