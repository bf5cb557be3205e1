#include "server/tftp_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "server/tftp_beneath.h"

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
  // The two local-boot iPXE scripts (FW-47) are always there; then one config per name.
  EXPECT_EQ(src->virtual_names(), (std::vector<std::string>{"pxelab/local-bios.ipxe", "pxelab/local-efi.ipxe",
                                                            "pxelinux.cfg/01-52-54-00-00-00-02",
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

namespace pxelab::server {
namespace {

// Confinement by descriptor (server/tftp_beneath.h): what is read is what was checked.
TEST_F(TftpRoot, SymlinksDirectoriesAndFifosAreJudgedOnTheOpenedFile) {
  fs::create_symlink("boot/vmlinuz", root_ + "/relative-link");
  fs::create_symlink("../secret", root_ + "/relative-escape");
  fs::create_symlink("dir", root_ + "/dir-link");
  ASSERT_EQ(::mkfifo((root_ + "/fifo").c_str(), 0644), 0);
  EXPECT_FALSE(resolve_tftp_path(root_, "relative-link").failure);
  EXPECT_FALSE(resolve_tftp_path(root_, "inside-link").failure) << "absolute, naming the inside";
  for (const char* name : {"escape", "relative-escape", "dir", "dir-link", "fifo", "boot/vmlinuz/x"}) {
    auto r = resolve_tftp_path(root_, name);
    ASSERT_TRUE(r.failure) << "served " << name;
    EXPECT_EQ(r.failure->code, std::string(name) == "boot/vmlinuz/x" ? TftpLookupError::NotFound
                                                                    : TftpLookupError::AccessViolation)
        << name << ": " << r.failure->reason;
  }
  ServerConfig c;
  c.tftp.root = root_;
  auto src = TftpFileSource::create(c);
  ASSERT_TRUE(src);
  TftpLookupFailure f{};
  auto fifo = src->open("fifo", &f);  // opened O_NONBLOCK: no writer, yet no hang
  ASSERT_FALSE(fifo);
  EXPECT_EQ(f.reason, "not a regular file");
  auto rel = src->open("relative-link", &f);
  ASSERT_TRUE(rel);
  EXPECT_EQ(std::string(rel->content->begin(), rel->content->end()), "KERNEL");
}

// The walk alone (a kernel without openat2) draws the same line.
TEST_F(TftpRoot, TheWalkWithoutOpenat2AgreesWithIt) {
  fs::create_symlink("../secret", root_ + "/relative-escape");
  fs::create_symlink("boot/../../secret", root_ + "/climb");
  fs::create_symlink("boot", root_ + "/boot-link");
  const std::string root = fs::canonical(root_).string();
  auto ok = [&](const std::string& name) { return !open_beneath_by_walk(root, name, O_RDONLY | O_NONBLOCK, Symlinks::kResolveInside).failure; };
  EXPECT_TRUE(ok("pxelinux.0"));
  EXPECT_TRUE(ok("inside-link"));
  EXPECT_TRUE(ok("boot-link/vmlinuz"));
  EXPECT_FALSE(ok("escape"));
  EXPECT_FALSE(ok("relative-escape"));
  EXPECT_FALSE(ok("climb"));
  EXPECT_FALSE(ok("missing"));
  EXPECT_TRUE(open_beneath_by_walk(root, "boot-link/vmlinuz", O_RDONLY, Symlinks::kRefuse).failure)
      << "uploads follow no symlink";
}

// openat2 (where this kernel has it) and the walk draw the line in the same place, with
// the same TFTP error, for reads and for uploads' directories.
TEST_F(TftpRoot, Openat2AndTheWalkGiveTheSameAnswers) {
  SCOPED_TRACE(openat2_available() ? "openat2 in use" : "no openat2 here: both are the walk");
  fs::create_symlink("../secret", root_ + "/relative-escape");
  fs::create_symlink("boot/../../secret", root_ + "/climb");
  fs::create_symlink("boot", root_ + "/boot-link");
  fs::create_symlink("loop-b", root_ + "/loop-a");
  fs::create_symlink("loop-a", root_ + "/loop-b");
  ASSERT_EQ(::mkfifo((root_ + "/fifo").c_str(), 0644), 0);
  const std::string root = fs::canonical(root_).string();
  for (Symlinks mode : {Symlinks::kResolveInside, Symlinks::kRefuse}) {
    for (const char* name : {"pxelinux.0", "boot/vmlinuz", "inside-link", "boot-link/vmlinuz", "escape",
                             "relative-escape", "climb", "loop-a", "missing", "boot/missing", "pxelinux.0/x", "fifo"}) {
      auto kernel = open_beneath(root, name, O_RDONLY | O_NONBLOCK, mode);
      auto walk = open_beneath_by_walk(root, name, O_RDONLY | O_NONBLOCK, mode);
      ASSERT_EQ(kernel.failure.has_value(), walk.failure.has_value()) << name;
      if (kernel.failure) {
        EXPECT_EQ(kernel.failure->code, walk.failure->code)
            << name << ": " << kernel.failure->reason << " / " << walk.failure->reason;
      }
    }
  }
}

// A name swapped for a symlink that leads out, at the worst moment: after the server
// opened it (the hook) and between two requests. The first request reads the file it
// opened, never the new target; the second is refused.
TEST_F(TftpRoot, ANameSwappedForASymlinkNeverLeadsOut) {
  write(root_ + "/swap", "PUBLIC");
  ServerConfig c;
  c.tftp.root = root_;
  auto src = TftpFileSource::create(c);
  ASSERT_TRUE(src);
  src->set_after_open_for_test([&](const std::string& name) {
    ASSERT_EQ(name, "swap");
    fs::remove(root_ + "/swap");
    fs::create_symlink(base_ + "/secret", root_ + "/swap");
  });
  TftpLookupFailure f{};
  auto first = src->open("swap", &f);
  ASSERT_TRUE(first);
  EXPECT_EQ(std::string(first->content->begin(), first->content->end()), "PUBLIC");
  src->set_after_open_for_test(nullptr);
  auto second = src->open("swap", &f);
  ASSERT_FALSE(second) << std::string(second->content->begin(), second->content->end());
  EXPECT_EQ(f.code, TftpLookupError::AccessViolation);
}

TEST_F(TftpRoot, UploadsNeverFollowNorReplaceASymlink) {
  ServerConfig c;
  c.tftp.root = root_;
  auto src = TftpFileSource::create(c);
  ASSERT_TRUE(src);
  fs::create_directory_symlink("boot", root_ + "/boot-link");  // inside, still refused
  fs::create_symlink(base_ + "/planted", root_ + "/planted");   // dangling, leading out
  TftpLookupFailure f{};
  const std::uint8_t bytes[] = {9};
  EXPECT_EQ(src->writable_path("boot-link/new").failure->code, TftpLookupError::AccessViolation);
  ASSERT_FALSE(src->store("boot-link/new", bytes, &f));
  EXPECT_FALSE(fs::exists(root_ + "/boot/new"));
  EXPECT_EQ(src->writable_path("planted").failure->code, TftpLookupError::FileExists);
  ASSERT_FALSE(src->store("planted", bytes, &f));
  EXPECT_EQ(f.code, TftpLookupError::FileExists);
  EXPECT_FALSE(fs::exists(base_ + "/planted")) << "the upload went through the symlink";
  EXPECT_TRUE(fs::is_symlink(root_ + "/planted"));
}

}  // namespace
}  // namespace pxelab::server

namespace pxelab::server {
namespace {

// The content of what open() (or the walk) read for `name`, or "" when it was refused.
std::string served(const TftpFileSource& src, const std::string& name) {
  TftpLookupFailure f{};
  auto file = src.open(name, &f);
  return file ? std::string(file->content->begin(), file->content->end()) : std::string();
}

std::string walked(const std::string& root, const std::string& name) {
  auto r = open_beneath_by_walk(root, name, O_RDONLY | O_NONBLOCK, Symlinks::kResolveInside);
  if (r.failure) return "";
  char buf[64];
  const ssize_t n = ::read(r.fd.get(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

// A real race, not a hook: another thread flips a name (a file, and a directory on the
// way) between a regular entry and a symlink that leads out, by rename(2), as fast as
// it can, while this one keeps opening it. A check-then-open lookup (realpath, compare,
// open the name again) reads SECRET within a few thousand tries here; opening beneath
// the root never may, by openat2 or by the walk.
TEST_F(TftpRoot, NamesFlippedToOutsideSymlinksByAnotherThreadNeverLeadOut) {
  fs::create_directories(base_ + "/outside");
  write(base_ + "/outside/f", "SECRET");
  fs::create_directories(root_ + "/d-real");
  write(root_ + "/d-real/f", "PUBLIC");
  write(root_ + "/file-real", "PUBLIC");
  ServerConfig c;
  c.tftp.root = root_;
  c.tftp.cache_bytes = 0;  // read every time: each open is a fresh lookup
  auto src = TftpFileSource::create(c);
  ASSERT_TRUE(src);
  const std::string root = fs::canonical(root_).string();
  std::atomic<bool> stop{false};
  std::atomic<long> flips{0};
  std::thread flipper([&] {
    // Two names for each state; rename(2) swaps one over the live name atomically.
    const std::string r = root_;
    while (!stop.load()) {
      ::symlink((base_ + "/secret").c_str(), (r + "/file-evil").c_str());
      ::rename((r + "/file-evil").c_str(), (r + "/file").c_str());
      ::symlink((base_ + "/outside").c_str(), (r + "/d-evil").c_str());
      ::rename((r + "/d-evil").c_str(), (r + "/d").c_str());
      ::link((r + "/file-real").c_str(), (r + "/file-good").c_str());
      ::rename((r + "/file-good").c_str(), (r + "/file").c_str());
      ::symlink("d-real", (r + "/d-good").c_str());  // inside: may be followed
      ::rename((r + "/d-good").c_str(), (r + "/d").c_str());
      flips.fetch_add(1);
    }
  });
  int public_reads = 0;
  for (int i = 0; i < 4000; ++i) {
    for (const std::string& got : {served(*src, "file"), served(*src, "d/f"), walked(root, "file"),
                                   walked(root, "d/f")}) {
      ASSERT_NE(got, "SECRET") << "read outside the root on try " << i;
      public_reads += got == "PUBLIC";
    }
  }
  stop = true;
  flipper.join();
  EXPECT_GT(flips.load(), 100) << "the names hardly flipped: the race was not run";
  EXPECT_GT(public_reads, 100) << "nothing was served at all";
}

// A directory on the way swapped for a symlink that leads out, between two requests.
TEST_F(TftpRoot, ADirectorySwappedForAnOutsideSymlinkIsRefusedNextTime) {
  ServerConfig c;
  c.tftp.root = root_;
  auto src = TftpFileSource::create(c);
  ASSERT_TRUE(src);
  EXPECT_EQ(served(*src, "boot/vmlinuz"), "KERNEL");
  fs::create_directories(base_ + "/outside");
  write(base_ + "/outside/vmlinuz", "SECRET");
  fs::rename(root_ + "/boot", root_ + "/boot-old");
  fs::create_directory_symlink(base_ + "/outside", root_ + "/boot");
  TftpLookupFailure f{};
  auto again = src->open("boot/vmlinuz", &f);
  ASSERT_FALSE(again) << std::string(again->content->begin(), again->content->end());
  EXPECT_EQ(f.code, TftpLookupError::AccessViolation) << f.reason;
  EXPECT_EQ(walked(fs::canonical(root_).string(), "boot/vmlinuz"), "");
}

// An upload whose directory is swapped for a symlink after the WRQ was accepted
// (writable_path) and before the data is stored: store() opens the directory again,
// refusing every symlink, and writes nothing anywhere.
TEST_F(TftpRoot, AnUploadDirectorySwappedAfterTheWrqWritesNothing) {
  fs::create_directories(root_ + "/up");
  fs::create_directories(base_ + "/outside");
  ServerConfig c;
  c.tftp.root = root_;
  auto src = TftpFileSource::create(c);
  ASSERT_TRUE(src);
  ASSERT_FALSE(src->writable_path("up/new").failure);
  fs::rename(root_ + "/up", root_ + "/up-old");
  fs::create_directory_symlink(base_ + "/outside", root_ + "/up");
  TftpLookupFailure f{};
  const std::uint8_t bytes[] = {1, 2, 3};
  ASSERT_FALSE(src->store("up/new", bytes, &f));
  EXPECT_EQ(f.code, TftpLookupError::AccessViolation) << f.reason;
  EXPECT_TRUE(fs::is_empty(base_ + "/outside")) << "the upload went through the symlink";
  EXPECT_FALSE(fs::exists(root_ + "/up-old/new"));
}

}  // namespace
}  // namespace pxelab::server
