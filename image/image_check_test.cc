#include "image/image_check.h"

#include <gtest/gtest.h>

#include "image/image_testlib.h"

namespace pxelab::image {
namespace {

using testing::empty_image;
using testing::text_bytes;

std::string all(const std::vector<Defect>& d) {
  std::string s;
  for (const auto& x : d) s += x.to_string() + "\n";
  return s;
}

FatImage sample() {
  FatImage img = empty_image(1440);
  EXPECT_TRUE(img.make_dir("DIR").ok());
  EXPECT_TRUE(img.write_file("A.TXT", wire::Bytes(1200, 'a'), WriteMode::Create).ok());  // clusters 3,4,5
  EXPECT_TRUE(img.write_file("DIR/B.TXT", wire::Bytes(600, 'b'), WriteMode::Create).ok());  // 6,7
  return img;
}

// FAT12 entry `n` := v in every copy of a 1440 image (FATs at sectors 1 and 10).
void set_fat(wire::Bytes& b, unsigned n, unsigned v, bool both = true) {
  for (unsigned copy = 0; copy < (both ? 2u : 1u); ++copy) {
    std::uint8_t* fat = b.data() + 512 + copy * 9 * 512;
    const unsigned off = n + n / 2;
    if (n & 1) {
      fat[off] = static_cast<std::uint8_t>((fat[off] & 0x0F) | ((v << 4) & 0xF0));
      fat[off + 1] = static_cast<std::uint8_t>(v >> 4);
    } else {
      fat[off] = static_cast<std::uint8_t>(v);
      fat[off + 1] = static_cast<std::uint8_t>((fat[off + 1] & 0xF0) | ((v >> 8) & 0x0F));
    }
  }
}

TEST(ImageCheck, CleanImageHasNoDefect) { EXPECT_EQ(all(check_image(sample().bytes())), ""); }

TEST(ImageCheck, EachDefectIsOneLine) {
  struct Case {
    const char* name;
    void (*damage)(wire::Bytes&);
    const char* expected;
  };
  const Case cases[] = {
      {"signature", [](wire::Bytes& b) { b[510] = 0; }, "boot_sector: no 0x55AA signature"},
      {"media", [](wire::Bytes& b) { b[21] = 0xF9; }, "bpb.media: 0xF9; a 1440 KiB floppy has 0xF0"},
      {"geometry", [](wire::Bytes& b) { b[24] = 9; }, "bpb.geometry: 2 heads x 9 sectors per track"},
      {"ext signature", [](wire::Bytes& b) { b[38] = 0; }, "bpb.ext_signature: 0x00, not 0x29"},
      {"fs type", [](wire::Bytes& b) { b[58] = '6'; }, "bpb.fs_type: 'FAT16   '"},
      {"copies", [](wire::Bytes& b) { set_fat(b, 200, 0xFFF, false); }, "fat: copy 2 differs from copy 1 in 1 entries (first: cluster 200)"},
      {"lost", [](wire::Bytes& b) { set_fat(b, 300, 0xFFF); }, "fat: 1 lost clusters"},
      {"cross-link", [](wire::Bytes& b) { set_fat(b, 4, 6); }, "cross-linked: cluster 6 also belongs to"},
      {"out of range", [](wire::Bytes& b) { set_fat(b, 4, 4000); }, "/A.TXT: cluster chain from 3 reaches cluster 4000, outside 2..2848"},
      {"free in chain", [](wire::Bytes& b) { set_fat(b, 4, 0); }, "/A.TXT: cluster chain from 3: cluster 4 is marked free"},
      {"loop", [](wire::Bytes& b) { set_fat(b, 5, 3); }, "/A.TXT: cluster chain from 3 loops"},
      {"size", [](wire::Bytes& b) { b[19 * 512 + 32 + 28] = 0x10; b[19 * 512 + 32 + 29] = 0x10; }, "/A.TXT: 4112 bytes need 9 clusters, its chain has 3"},
      {"bad char", [](wire::Bytes& b) { b[19 * 512 + 32 + 1] = '*'; }, "the short name holds a character DOS does not allow (0x2A)"},
      {"size mismatch", [](wire::Bytes& b) { b.resize(b.size() + 512); }, "image: 1475072 bytes, but the BPB says 2880 sectors"},
  };
  for (const auto& c : cases) {
    wire::Bytes b = sample().bytes();
    c.damage(b);
    const auto defects = check_image(b);
    EXPECT_NE(all(defects).find(c.expected), std::string::npos) << c.name << ":\n" << all(defects);
  }
}

TEST(ImageCheck, UnreadableImageIsOneDefect) {
  auto d = check_image(wire::Bytes(10));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].message.find("truncated"), std::string::npos);
}

}  // namespace
}  // namespace pxelab::image
