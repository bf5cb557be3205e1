#include "client/floppy_reader.h"

#include <gtest/gtest.h>

#include "image/image_testlib.h"

namespace pxelab::client {
namespace {

using image::testing::empty_image;
using image::testing::text_bytes;

// Feeds `bytes` in blocks of `block` octets, as TFTP DATA arrives.
Result<FloppyContent> read_in_blocks(const wire::Bytes& bytes, std::size_t block) {
  FloppyReader r;
  for (std::size_t at = 0; at < bytes.size(); at += block) {
    r.feed(wire::ByteView(bytes).subspan(at, std::min(block, bytes.size() - at)));
  }
  return r.finish();
}

image::FatImage personalized(std::uint32_t kib) {
  image::FatImage fs = empty_image(kib, "LAB FLOPPY");
  EXPECT_TRUE(fs.write_file("HOST.TXT", text_bytes("pxelab floppy host lab-a ip 192.0.2.10\n"), image::WriteMode::Create));
  EXPECT_TRUE(fs.make_dir("CONFIG"));
  EXPECT_TRUE(fs.write_file("CONFIG/NET.CFG", text_bytes("ip=192.0.2.10\n"), image::WriteMode::Create));
  EXPECT_TRUE(fs.write_file("KERNEL.BIN", wire::Bytes(40000, 0xC3), image::WriteMode::Create));
  EXPECT_TRUE(fs.write_file("BINARY.DAT", wire::Bytes{0x00, 0x01, 0xff}, image::WriteMode::Create));
  EXPECT_TRUE(fs.write_file("NOTE.TXT", text_bytes("long\n"), image::WriteMode::Create));
  return fs;
}

TEST(FloppyReader, ReadsThePersonalizedRootFilesOfEverySizeAsTheyStreamBy) {
  for (std::uint32_t kib : {360u, 720u, 1200u, 1440u, 2880u}) {
    image::FatImage fs = personalized(kib);
    for (std::size_t block : {512u, 1468u, 8u}) {
      auto c = read_in_blocks(fs.bytes(), block);
      ASSERT_TRUE(c) << kib << "/" << block << ": " << c.error().to_string();
      EXPECT_EQ(c->label, "LAB FLOPPY");
      EXPECT_EQ(c->fs_type, "FAT12");
      EXPECT_EQ(c->kib, kib);
      EXPECT_EQ(c->root, (std::vector<std::string>{"HOST.TXT", "CONFIG/", "KERNEL.BIN", "BINARY.DAT", "NOTE.TXT"}));
      ASSERT_EQ(c->text.size(), 2u) << kib;  // the binary and the large file are not text
      EXPECT_EQ(c->text[0].name, "HOST.TXT");
      EXPECT_EQ(c->text[0].content, "pxelab floppy host lab-a ip 192.0.2.10\n");
      EXPECT_EQ(c->text[1].name, "NOTE.TXT");
      EXPECT_EQ(c->text[1].content, "long\n");
    }
  }
}

TEST(FloppyReader, SomethingElseIsNoFloppyAndSaysWhy) {
  // An NBP: no boot signature.
  EXPECT_NE(read_in_blocks(wire::Bytes(1474560, 0x90), 1468).error().message.find("no 0x55AA boot signature"),
            std::string::npos);
  // A signature but no BPB (today's generated "floppy" blobs).
  wire::Bytes blob(1474560, 0);
  blob[510] = 0x55;
  blob[511] = 0xAA;
  auto e = read_in_blocks(blob, 512);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message.rfind("no FAT12 file system: ", 0), 0u) << e.error().message;
  // Truncated: the BPB names more sectors than arrived.
  wire::Bytes cut = personalized(1440).bytes();
  cut.resize(cut.size() - 512 * 10);
  e = read_in_blocks(cut, 512);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("truncated: the BPB says 1474560 octets, 1469440 arrived"), std::string::npos)
      << e.error().message;
  // Less than the metadata, and nothing at all.
  EXPECT_EQ(read_in_blocks(wire::Bytes(cut.begin(), cut.begin() + 4096), 512).error().message.rfind("truncated: 4096", 0), 0u);
  EXPECT_FALSE(FloppyReader{}.finish());
}

TEST(FloppyReader, AChainThatLeavesTheDiskIsAnError) {
  image::FatImage fs = personalized(1440);
  wire::Bytes b = fs.bytes();
  // HOST.TXT is the first file: its first cluster (root entry offset 26) made 4000.
  const std::size_t root = 19 * 512;
  std::size_t slot = 0;
  while (std::string(b.begin() + static_cast<std::ptrdiff_t>(root + slot * 32),
                     b.begin() + static_cast<std::ptrdiff_t>(root + slot * 32 + 8)) != "HOST    ") {
    ++slot;
  }
  b[root + slot * 32 + 26] = 0xA0;
  b[root + slot * 32 + 27] = 0x0F;
  auto e = read_in_blocks(b, 512);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("the FAT chain of HOST.TXT leaves the disk at cluster 4000"), std::string::npos)
      << e.error().message;
}

}  // namespace
}  // namespace pxelab::client
