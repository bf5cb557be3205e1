// Each personality against the reference server in the simulator, all modes.
#include "client/client_test_lab.h"

namespace pxelab::client {
namespace {

using namespace testing;

TEST(Personalities, AllLoadAndCiteTheirSources) {
  const PersonalitySet& set = personalities();
  for (const char* id : {"edk2-x64", "edk2-aa64", "ipxe-bios", "ipxe-efi", "intel-pxe21", "uboot", "pxelinux",
                         "bootp-prom"}) {
    ASSERT_TRUE(set.contains(id)) << id;
    EXPECT_FALSE(set.at(id).firmware.empty()) << id;
    EXPECT_FALSE(set.at(id).sources.empty()) << id;
  }
}

TEST(FullDhcp, Edk2X64BootsIpxeEfiAndItsScript) {
  TftpRoot root;
  Lab lab;
  lab.add_server(server_config(root, kFullDhcp));
  PxeClient& c = lab.add_client("edk2-x64", 1);
  lab.run();
  const ClientOutcome& o = c.outcome();
  EXPECT_EQ(o.status, BootStatus::kBooted) << describe(o);
}

}  // namespace
}  // namespace pxelab::client
