#include "server/tftp_templates.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "image/fat_image.h"
#include "image/image_testlib.h"
#include "server/tftp_files.h"

namespace pxelab::server {
namespace {

namespace fs = std::filesystem;

constexpr const char* kHostLine = "host=${hostname} ip=${ip} mac=${mac} mask=${netmask} gw=${gateway} srv=${server} role=${role}\n";

class TemplateRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "pxelab-tmpl-XXXXXX").string();
    base_ = ::mkdtemp(tmpl.data());
    fs::create_directories(base_ + "/root");
    image::FatImage img = image::testing::empty_image(1440);
    ASSERT_TRUE(img.write_file("HOST.TXT", image::testing::text_bytes(kHostLine), image::WriteMode::Create).ok());
    std::ofstream(base_ + "/root/host.img", std::ios::binary)
        .write(reinterpret_cast<const char*>(img.bytes().data()), static_cast<std::streamsize>(img.bytes().size()));
  }
  void TearDown() override { fs::remove_all(base_); }

  Result<ServerConfig> config(const std::string& hosts) {
    return parse_server_config(
        "[server]\naddress = \"192.0.2.1\"\n[[subnet]]\nnetwork = \"192.0.2.0/24\"\npool = \"192.0.2.100-192.0.2.150\"\n"
        "router = \"192.0.2.254\"\n[tftp]\nroot = \"root\"\ntemplates = [\"host.img\"]\n" + hosts,
        base_ + "/server.toml");
  }
  static std::string host_txt(const TftpFile& f) {
    auto img = image::FatImage::open(*f.content);
    EXPECT_TRUE(img.ok());
    auto text = img->read("HOST.TXT");
    return std::string(text->begin(), text->end());
  }

  std::string base_;
};

constexpr const char* kTwoHosts =
    "[[host]]\nmac = \"52:54:00:00:00:01\"\nip = \"192.0.2.10\"\nhostname = \"pc01\"\nvars = { role = \"lab\" }\n"
    "[[host]]\nmac = \"52:54:00:00:00:02\"\nhostname = \"pc02\"\nvars = { role = \"office\" }\n";

TEST_F(TemplateRoot, EachHostGetsItsOwnImageCachedPerHost) {
  auto c = config(kTwoHosts);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  auto files = TftpFileSource::create(*c);
  ASSERT_TRUE(files.ok()) << files.error().to_string();
  const auto mac1 = *wire::MacAddress::parse("52:54:00:00:00:01");
  const auto mac2 = *wire::MacAddress::parse("52:54:00:00:00:02");
  // pc01 by its fixed address (even through a relay, another MAC); pc02 by its MAC.
  auto a = files->open("host.img", nullptr, TftpRequester{*wire::Ipv4Address::parse("192.0.2.10"), mac2});
  auto b = files->open("/host.img", nullptr, TftpRequester{*wire::Ipv4Address::parse("192.0.2.120"), mac2});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(host_txt(*a), "host=pc01 ip=192.0.2.10 mac=52:54:00:00:00:01 mask=255.255.255.0 gw=192.0.2.254 srv=192.0.2.1 role=lab\n");
  EXPECT_EQ(host_txt(*b), "host=pc02 ip=192.0.2.120 mac=52:54:00:00:00:02 mask=255.255.255.0 gw=192.0.2.254 srv=192.0.2.1 role=office\n");
  EXPECT_EQ(a->content->size(), 1474560u);  // tsize is the size of what is sent
  auto again = files->open("host.img", nullptr, TftpRequester{*wire::Ipv4Address::parse("192.0.2.10"), mac1});
  EXPECT_EQ(again->content.get(), a->content.get()) << "cached per host";
  EXPECT_EQ(files->renders(), 2u);
  auto raw = files->open("host.img", nullptr);
  EXPECT_EQ(host_txt(*raw), kHostLine) << "without a requester the template itself";
  // An unknown client has no ${hostname}: ERROR 1 with the reason.
  TftpLookupFailure failure{TftpLookupError::AccessViolation, ""};
  auto unknown = files->open("host.img", &failure,
                             TftpRequester{*wire::Ipv4Address::parse("192.0.2.130"), *wire::MacAddress::parse("52:54:00:00:00:99")});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(failure.code, TftpLookupError::NotFound);
  EXPECT_NE(failure.reason.find("192.0.2.130 (no host entry)"), std::string::npos) << failure.reason;
  EXPECT_NE(failure.reason.find("${hostname}"), std::string::npos) << failure.reason;
}

TEST_F(TemplateRoot, AVariableAHostLacksIsAConfigurationError) {
  auto c = config(std::string(kTwoHosts) + "[[host]]\nmac = \"52:54:00:00:00:03\"\nhostname = \"pc03\"\n");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  auto files = TftpFileSource::create(*c);
  ASSERT_FALSE(files.ok());
  const std::string e = files.error().to_string();
  EXPECT_NE(e.find("server.toml:"), std::string::npos) << e;
  EXPECT_NE(e.find("host.img: HOST.TXT uses ${role}, which host pc03 (52:54:00:00:00:03) lacks"), std::string::npos) << e;
}

TEST_F(TemplateRoot, AMissingOrBrokenTemplateIsAConfigurationError) {
  std::ofstream(base_ + "/root/host.img") << "not an image";
  auto c = config(kTwoHosts);
  auto files = TftpFileSource::create(*c);
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.error().to_string().find("host.img: not a FAT12 floppy image"), std::string::npos);
  fs::remove(base_ + "/root/host.img");
  EXPECT_NE(TftpFileSource::create(*c).error().to_string().find("host.img: cannot read"), std::string::npos);
}

}  // namespace
}  // namespace pxelab::server
