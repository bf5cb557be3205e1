#include "image/fat_image.h"

#include <gtest/gtest.h>

#include "image/image_check.h"
#include "image/image_testlib.h"

namespace pxelab::image {
namespace {

using testing::empty_image;
using testing::text_bytes;

std::string text(const wire::Bytes& b) { return std::string(b.begin(), b.end()); }

TEST(FatImage, EveryFormatHasTheBpbMemdiskExpects) {
  for (const auto& f : floppy_formats()) {
    FatImage img = empty_image(f.kib, "PXELAB");
    const Bpb& b = img.bpb();
    EXPECT_EQ(img.bytes().size(), f.kib * 1024u);
    EXPECT_EQ(b.bytes_per_sector, 512);
    EXPECT_EQ(b.media, f.media);
    EXPECT_EQ(b.sectors_per_track, f.sectors_per_track);
    EXPECT_EQ(b.heads, 2);
    EXPECT_EQ(b.ext_signature, 0x29);
    EXPECT_EQ(b.fs_type, "FAT12   ");
    EXPECT_LT(b.cluster_count(), 4085u);
    EXPECT_EQ(img.bytes()[510], 0x55);
    EXPECT_EQ(img.bytes()[511], 0xAA);
    EXPECT_EQ(img.label(), "PXELAB");
    EXPECT_TRUE(check_image(img.bytes()).empty()) << f.kib;
  }
}

TEST(FatImage, WritesReadsReplacesAndRemovesAcrossClusters) {
  for (const auto& f : floppy_formats()) {
    FatImage img = empty_image(f.kib);
    const std::uint32_t free0 = img.free_clusters();
    wire::Bytes big(3000);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7);
    ASSERT_TRUE(img.make_dir("CONFIG").ok());
    ASSERT_TRUE(img.write_file("CONFIG/BIG.BIN", big, WriteMode::Create).ok());
    ASSERT_TRUE(img.write_file("host.txt", text_bytes("pc01\n"), WriteMode::Create).ok());
    ASSERT_TRUE(img.write_file("EMPTY", {}, WriteMode::Create).ok());
    EXPECT_EQ(*img.read("/config/big.bin"), big);
    EXPECT_EQ(text(*img.read("HOST.TXT")), "pc01\n");
    EXPECT_TRUE(img.read("EMPTY")->empty());
    ASSERT_TRUE(img.write_file("HOST.TXT", text_bytes(std::string(1500, 'x')), WriteMode::Replace).ok());
    EXPECT_EQ(img.read("HOST.TXT")->size(), 1500u);
    EXPECT_TRUE(check_image(img.bytes()).empty()) << f.kib << ": " << check_image(img.bytes()).front().to_string();
    EXPECT_FALSE(img.remove("CONFIG").ok());  // not empty
    ASSERT_TRUE(img.remove("CONFIG/BIG.BIN").ok());
    ASSERT_TRUE(img.remove("CONFIG").ok());
    ASSERT_TRUE(img.remove("HOST.TXT").ok());
    EXPECT_EQ(img.free_clusters(), free0);
    EXPECT_EQ(img.files()->size(), 1u);
    EXPECT_TRUE(check_image(img.bytes()).empty());
  }
}

TEST(FatImage, SubdirectoryGrowsPastOneCluster) {
  FatImage img = empty_image(1440);  // 512-byte clusters: 16 entries each
  ASSERT_TRUE(img.make_dir("D").ok());
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(img.write_file("D/F" + std::to_string(i), text_bytes(std::to_string(i)), WriteMode::Create).ok()) << i;
  }
  EXPECT_EQ(img.list("D")->size(), 42u);  // . and .. too
  EXPECT_EQ(text(*img.read("D/F39")), "39");
  EXPECT_TRUE(check_image(img.bytes()).empty());
}

TEST(FatImage, RefusalsChangeNothing) {
  FatImage img = empty_image(360);
  ASSERT_TRUE(img.write_file("A.TXT", text_bytes("a"), WriteMode::Create).ok());
  const wire::Bytes before = img.bytes();
  auto expect_refused = [&](Status s, std::string_view words) {
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().to_string().find(words), std::string::npos) << s.error().to_string();
    EXPECT_EQ(img.bytes(), before);
  };
  expect_refused(img.write_file("A.TXT", text_bytes("b"), WriteMode::Create), "exists");
  expect_refused(img.write_file("B.TXT", text_bytes("b"), WriteMode::Replace), "no such file");
  expect_refused(img.write_file("a long name.txt", {}, WriteMode::Create), "8.3");
  expect_refused(img.write_file("NAME.TOOLONG", {}, WriteMode::Create), "extension of 7");
  expect_refused(img.write_file("NOPE/X.TXT", {}, WriteMode::Create), "no 'NOPE' in the root");
  expect_refused(img.write_file("BIG.BIN", wire::Bytes(400 * 1024), WriteMode::Create), "does not fit");
  expect_refused(img.write_file("A.TXT", wire::Bytes(400 * 1024), WriteMode::Replace), "does not fit");
  expect_refused(img.remove("MISSING"), "no such file");
  expect_refused(img.make_dir("A.TXT"), "exists");
  for (int i = 0; i < 111; ++i) ASSERT_TRUE(img.write_file("F" + std::to_string(i), {}, WriteMode::Create).ok());
  const wire::Bytes full = img.bytes();
  auto s = img.write_file("ONEMORE", {}, WriteMode::Create);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("root directory is full (112 entries"), std::string::npos);
  EXPECT_EQ(img.bytes(), full);
}

TEST(FatImage, ShortNameRule) {
  EXPECT_EQ(short_name_text(*to_short_name("host.txt")), "HOST.TXT");
  EXPECT_EQ(short_name_text(*to_short_name("KERNEL")), "KERNEL");
  EXPECT_EQ(short_name_text(*to_short_name("a-b_c~1.{}")), "A-B_C~1.{}");
  for (const char* bad : {"", ".", "..", "NINECHARS.TXT", "A.B.C", "SP ACE", "A.TOOL", "X.", "caf\xc3\xa9", "A+B"}) {
    EXPECT_FALSE(to_short_name(bad).ok()) << bad;
  }
}

TEST(FatImage, OpenRefusesWhatIsNotAFloppy) {
  auto short_image = FatImage::open(wire::Bytes(100));
  ASSERT_FALSE(short_image.ok());
  EXPECT_NE(short_image.error().message.find("truncated: 100 bytes"), std::string::npos);
  wire::Bytes cut = empty_image(1440).bytes();
  cut.resize(100000);
  auto truncated = FatImage::open(cut);
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().message.find("the BPB says 2880 sectors (1474560 bytes), the image has 100000"),
            std::string::npos);
  auto zeros = FatImage::open(wire::Bytes(1474560));
  ASSERT_FALSE(zeros.ok());
  EXPECT_EQ(zeros.error().field, "bpb.bytes_per_sector");
}

TEST(FatImage, BootSectorProgramRules) {
  const FloppyFormat f = *floppy_format_by_kib(1440);
  wire::Bytes code = testing::minimal_boot_sector();
  code[511] = 0;
  EXPECT_NE(FatImage::create(f, code, "", 1).error().message.find("0x55AA"), std::string::npos);
  code = testing::minimal_boot_sector();
  code[0] = 0x90;
  EXPECT_NE(FatImage::create(f, code, "", 1).error().message.find("jump over the BPB"), std::string::npos);
  code = testing::minimal_boot_sector();
  code[1] = 0x10;  // lands inside the BPB
  EXPECT_FALSE(FatImage::create(f, code, "", 1).ok());
  code.resize(400);
  EXPECT_NE(FatImage::create(f, code, "", 1).error().message.find("400 bytes"), std::string::npos);
  EXPECT_FALSE(FatImage::create(f, testing::minimal_boot_sector(), "TWELVE CHARS", 1).ok());
  auto img = FatImage::create(f, testing::minimal_boot_sector(), "boot", 1);
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img->bytes()[62], 0xFA);  // the code after the BPB is kept
  EXPECT_EQ(img->label(), "BOOT");
}

}  // namespace
}  // namespace pxelab::image
