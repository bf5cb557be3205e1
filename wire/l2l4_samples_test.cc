// pxelab's own decoders accept every L2-L4 reference frame (tshark's view of them is
// checked by ci/e2e/test_tshark_agrees.py).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "wire/frame.h"
#include "wire/samples.h"
#include "wire/tftp.h"
#include "wire/wol.h"

namespace pxelab::wire {
namespace {

TEST(L2L4Samples, NamesAreUniqueAndEveryFrameDecodes) {
  std::set<std::string> names;
  for (const Sample& s : l2l4_samples()) {
    SCOPED_TRACE(s.name);
    EXPECT_TRUE(names.insert(s.name).second);
    EXPECT_FALSE(s.fields.empty());
    auto eth = EthernetView::parse(s.frame);
    ASSERT_TRUE(eth);
    if (s.name.rfind("arp-", 0) == 0) {
      EXPECT_TRUE(parse_arp_frame(s.frame));
    } else if (s.name.rfind("wol-", 0) == 0) {
      EXPECT_TRUE(parse_wol_frame(s.frame));
    } else if (s.name.rfind("ipv4-fragment", 0) == 0) {
      auto v = parse_udp_frame(s.frame);
      ASSERT_FALSE(v);
      EXPECT_EQ(v.error().field, "ipv4.fragment_offset");
    } else {
      auto v = parse_udp_frame(s.frame);
      ASSERT_TRUE(v) << v.error().to_string();
      EXPECT_EQ(v->ip_checksum_ok, s.name != "ipv4-bad-header-checksum");
      EXPECT_NE(v->udp_checksum_status, ChecksumStatus::kInvalid);
      if (s.name.rfind("tftp-", 0) == 0) {
        auto t = parse_tftp(v->payload);
        EXPECT_TRUE(t) << t.error().to_string();
      }
    }
  }
}

}  // namespace
}  // namespace pxelab::wire
