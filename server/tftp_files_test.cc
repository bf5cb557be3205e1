#include "server/tftp_files.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace pxelab::server {
namespace {

namespace fs = std::filesystem;

class TftpRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "pxelab-tftp-XXXXXX").string();
    base_ = ::mkdtemp(tmpl.data());
    root_ = base_ + "/root";
    fs::create_directories(root_ + "/boot");
    write(root_ + "/pxelinux.0", "NBP");
    write(root_ + "/boot/vmlinuz", "KERNEL");
    write(base_ + "/secret", "SECRET");
    fs::create_symlink(base_ + "/secret", root_ + "/escape");
    fs::create_symlink(root_ + "/boot/vmlinuz", root_ + "/inside-link");
    fs::create_directories(root_ + "/dir");
  }
  void TearDown() override { fs::remove_all(base_); }
  static void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

  std::string base_, root_;
};

TEST_F(TftpRoot, ServesFilesInsideTheRoot) {
  auto r = resolve_tftp_path(root_, "pxelinux.0");
  ASSERT_FALSE(r.failure) << r.failure->reason;
  EXPECT_EQ(r.path, fs::canonical(root_ + "/pxelinux.0").string());
  EXPECT_FALSE(resolve_tftp_path(root_, "boot/vmlinuz").failure);
  EXPECT_FALSE(resolve_tftp_path(root_, "inside-link").failure) << "a symlink that stays inside is fine";
}

TEST_F(TftpRoot, LeadingSlashAndBackslashesStayInsideTheRoot) {
  auto r = resolve_tftp_path(root_, "/boot/vmlinuz");
  ASSERT_FALSE(r.failure);
  EXPECT_EQ(r.path, fs::canonical(root_ + "/boot/vmlinuz").string());
  EXPECT_FALSE(resolve_tftp_path(root_, "\\boot\\vmlinuz").failure);
  // An absolute name is never read as absolute: /etc/passwd means ROOT/etc/passwd.
  auto abs = resolve_tftp_path(root_, "/etc/passwd");
  ASSERT_TRUE(abs.failure);
  EXPECT_EQ(abs.failure->code, TftpLookupError::NotFound);
}

TEST_F(TftpRoot, RefusesEverythingThatLeavesTheRoot) {
  struct Case {
    std::string name;
    TftpLookupError code;
  } cases[] = {
      {"../secret", TftpLookupError::AccessViolation},
      {"boot/../../secret", TftpLookupError::AccessViolation},
      {"boot/..", TftpLookupError::AccessViolation},
      {"..\\secret", TftpLookupError::AccessViolation},
      {"escape", TftpLookupError::AccessViolation},
      {std::string("pxelinux.0\0../secret", 20), TftpLookupError::AccessViolation},
      {"dir", TftpLookupError::AccessViolation},
      {"", TftpLookupError::NotFound},
      {"///", TftpLookupError::NotFound},
      {"missing", TftpLookupError::NotFound},
  };
  for (const auto& c : cases) {
    auto r = resolve_tftp_path(root_, c.name);
    ASSERT_TRUE(r.failure) << "served " << c.name;
    EXPECT_EQ(r.failure->code, c.code) << c.name << ": " << r.failure->reason;
  }
  // Names with ".." inside a component are ordinary names.
  write(root_ + "/a..b", "x");
  EXPECT_FALSE(resolve_tftp_path(root_, "a..b").failure);
}

TEST_F(TftpRoot, GeneratesPerHostPxelinuxConfigs) {
  ServerConfig c;
  c.tftp.root = root_;
  HostEntry h;
  h.mac = *wire::MacAddress::parse("52:54:00:AB:CD:EF");
  h.ip = wire::Ipv4Address::from_octets(192, 0, 2, 10);
  h.hostname = "lab01";
  h.boot = BootMode::Network;
  h.vars["kernel"] = "boot/vmlinuz";
  c.hosts.push_back(h);
  HostEntry local = h;
  local.mac = *wire::MacAddress::parse("52:54:00:00:00:02");
  local.ip.reset();
  local.hostname = "lab02";
  local.boot = BootMode::Local;
  c.hosts.push_back(local);

  auto src = TftpFileSource::create(c);
  ASSERT_TRUE(src) << src.error().to_string();
  EXPECT_EQ(src->virtual_names(), (std::vector<std::string>{"pxelinux.cfg/01-52-54-00-00-00-02",
                                                            "pxelinux.cfg/01-52-54-00-ab-cd-ef", "pxelinux.cfg/C000020A"}));
  TftpLookupFailure f{};
  auto by_mac = src->open("pxelinux.cfg/01-52-54-00-ab-cd-ef", &f);
  ASSERT_TRUE(by_mac);
  std::string text(by_mac->content->begin(), by_mac->content->end());
  EXPECT_NE(text.find("SAY pxelab: lab01"), std::string::npos) << text;
  EXPECT_NE(text.find("DEFAULT network"), std::string::npos) << text;
  EXPECT_NE(text.find("KERNEL boot/vmlinuz"), std::string::npos) << text;
  auto windows_style = src->open("\\pxelinux.cfg\\01-52-54-00-ab-cd-ef", &f);
  ASSERT_TRUE(windows_style) << "generated files follow the same name rules as the root";
  EXPECT_EQ(windows_style->content, by_mac->content);
  auto by_ip = src->open("/pxelinux.cfg/C000020A", &f);
  ASSERT_TRUE(by_ip);
  EXPECT_EQ(*by_ip->content, *by_mac->content);

  auto l = src->open("pxelinux.cfg/01-52-54-00-00-00-02", &f);
  ASSERT_TRUE(l);
  std::string ltext(l->content->begin(), l->content->end());
  EXPECT_NE(ltext.find("DEFAULT local"), std::string::npos) << ltext;
  EXPECT_EQ(ltext.find("LABEL network"), std::string::npos) << ltext;

  auto real = src->open("pxelinux.0", &f);
  ASSERT_TRUE(real);
  EXPECT_EQ(std::string(real->content->begin(), real->content->end()), "NBP");
  EXPECT_EQ(src->open("/pxelinux.0", &f)->content, real->content) << "cached: the same bytes are shared";
  write(root_ + "/pxelinux.0", "NBP v2, longer");
  EXPECT_EQ(*src->open("pxelinux.0", &f)->content, (wire::Bytes{'N', 'B', 'P', ' ', 'v', '2', ',', ' ', 'l', 'o', 'n', 'g', 'e', 'r'}))
      << "a changed file is read again";
  auto denied = src->open("../secret", &f);
  ASSERT_FALSE(denied);
  EXPECT_EQ(f.code, TftpLookupError::AccessViolation);
}

TEST_F(TftpRoot, AHostModeChangedAtRunTimeRewritesItsPxelinuxConfig) {
  ServerConfig c;
  c.tftp.root = root_;
  HostEntry h;
  h.mac = *wire::MacAddress::parse("52:54:00:AB:CD:EF");
  h.ip = wire::Ipv4Address::from_octets(192, 0, 2, 10);
  h.hostname = "lab01";
  h.boot = BootMode::Local;
  h.vars["kernel"] = "boot/vmlinuz";
  c.hosts.push_back(h);
  auto src = TftpFileSource::create(c);
  ASSERT_TRUE(src) << src.error().to_string();
  TftpLookupFailure f{};
  auto text = [&](const char* name) {
    auto file = src->open(name, &f);
    return file ? std::string(file->content->begin(), file->content->end()) : std::string("(none)");
  };
  EXPECT_NE(text("pxelinux.cfg/01-52-54-00-ab-cd-ef").find("DEFAULT local"), std::string::npos);
  src->set_host_mode(h, BootMode::Network);
  EXPECT_NE(text("pxelinux.cfg/01-52-54-00-ab-cd-ef").find("DEFAULT network"), std::string::npos);
  EXPECT_NE(text("pxelinux.cfg/C000020A").find("boot mode network"), std::string::npos) << "the IP name too";
}

// The cache is bounded (tftp.cache_bytes, least recently opened out first), yet files
// held by transfers stay shared: a storm fetching one image holds one copy.
TEST_F(TftpRoot, CacheIsBoundedByBytesAndStillSharesFilesInUse) {
  for (const char* name : {"a", "b", "c"}) write(root_ + "/" + name, std::string(1 << 20, name[0]));
  ServerConfig config;
  config.tftp.root = root_;
  config.tftp.cache_bytes = (5u << 20) / 2;  // room for two of the three
  auto src = TftpFileSource::create(config);
  ASSERT_TRUE(src) << src.error().to_string();
  TftpLookupFailure f{};
  ASSERT_TRUE(src->open("a", &f));  // nobody holds a afterwards
  ASSERT_TRUE(src->open("b", &f));
  ASSERT_TRUE(src->open("c", &f));
  EXPECT_EQ(src->cached_files(), 2u);
  EXPECT_EQ(src->cached_bytes(), 2u << 20) << "a, the least recently used, left";
  EXPECT_LE(src->cached_bytes(), config.tftp.cache_bytes);

  // Serving many distinct large images never grows past the budget.
  for (int i = 0; i < 20; ++i) {
    std::string name = "img" + std::to_string(i);
    write(root_ + "/" + name, std::string(1 << 20, 'x'));
    ASSERT_TRUE(src->open(name, &f));
    EXPECT_LE(src->cached_bytes(), config.tftp.cache_bytes) << i;
  }

  // A storm: 10,000 transfers of one image, cached or not, share its bytes.
  config.tftp.cache_bytes = 0;  // nothing kept between transfers
  auto nocache = TftpFileSource::create(config);
  ASSERT_TRUE(nocache);
  std::vector<TftpFile> storm;
  for (int i = 0; i < 10'000; ++i) {
    auto file = nocache->open("b", &f);
    ASSERT_TRUE(file);
    storm.push_back(*file);
  }
  EXPECT_EQ(nocache->cached_bytes(), 0u);
  for (const auto& file : storm) ASSERT_EQ(file.content.get(), storm.front().content.get());
  EXPECT_EQ(storm.front().content.use_count(), 10'000) << "one copy, held by the transfers only";
  storm.clear();
  auto later = nocache->open("b", &f);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->content->size(), 1u << 20) << "read again once nobody held it";
}

TEST_F(TftpRoot, HostTemplateInTheRootIsExpanded) {
  fs::create_directories(root_ + "/pxelinux.cfg");
  write(root_ + "/pxelinux.cfg/host.template", "SAY ${hostname} ${mac} ${ip} ${mode} ${var.role} ${var.none} ${oops");
  ServerConfig c;
  c.tftp.root = root_;
  HostEntry h;
  h.mac = *wire::MacAddress::parse("52:54:00:00:00:09");
  h.hostname = "n9";
  h.vars["role"] = "worker";
  c.hosts.push_back(h);
  auto src = TftpFileSource::create(c);
  ASSERT_TRUE(src);
  TftpLookupFailure f{};
  auto file = src->open(pxelinux_mac_name(h.mac), &f);
  ASSERT_TRUE(file);
  EXPECT_EQ(std::string(file->content->begin(), file->content->end()),
            "SAY n9 52:54:00:00:00:09  network worker ${var.none} ${oops");
}

TEST(TftpFileSource, MissingRootIsAnError) {
  ServerConfig c;
  c.source = "lab.toml";
  c.tftp.root = "/nonexistent/tftp";
  auto src = TftpFileSource::create(c);
  ASSERT_FALSE(src);
  EXPECT_NE(src.error().to_string().find("lab.toml: tftp.root: /nonexistent/tftp is not a directory"), std::string::npos)
      << src.error().to_string();
}

}  // namespace
}  // namespace pxelab::server

namespace pxelab::server {
namespace {

TEST_F(TftpRoot, UploadsAreConfinedAndNeverOverwrite) {
  ServerConfig c;
  c.tftp.root = root_;
  auto src = TftpFileSource::create(c);
  ASSERT_TRUE(src);
  TftpLookupFailure f{};
  const std::uint8_t bytes[] = {1, 2, 3};
  ASSERT_TRUE(src->store("boot/new.img", bytes, &f));
  EXPECT_EQ(fs::file_size(root_ + "/boot/new.img"), 3u);
  auto again = src->store("boot/new.img", bytes, &f);
  ASSERT_FALSE(again);
  EXPECT_EQ(f.code, TftpLookupError::FileExists);
  EXPECT_EQ(src->writable_path("pxelinux.0").failure->code, TftpLookupError::FileExists);
  EXPECT_EQ(src->writable_path("../x").failure->code, TftpLookupError::AccessViolation);
  EXPECT_EQ(src->writable_path("nodir/x").failure->code, TftpLookupError::AccessViolation);
  fs::create_directory_symlink(base_, root_ + "/out");
  EXPECT_EQ(src->writable_path("out/x").failure->code, TftpLookupError::AccessViolation) << "a symlinked dir leading out";
  EXPECT_FALSE(fs::exists(base_ + "/x"));
  EXPECT_EQ(src->writable_path("/top.img").path, fs::canonical(root_).string() + "/top.img");
  for (const auto& entry : fs::directory_iterator(root_ + "/boot")) {
    EXPECT_EQ(entry.path().filename().string().find(".pxelab-upload-"), std::string::npos) << "temporary left behind";
  }
}

}  // namespace
}  // namespace pxelab::server
