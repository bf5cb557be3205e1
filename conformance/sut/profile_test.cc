#include "conformance/sut/profile.h"

#include <gtest/gtest.h>

#include "conformance/sut/model.h"
#include "conformance/sut/template.h"
#include "server/config.h"

namespace pxelab::sut {
namespace {

const std::string kDir = std::string(PXELAB_SOURCE_DIR) + "/conformance/sut/profiles";

constexpr const char* kModel = R"(
[server]
address = "198.18.0.1"
[[subnet]]
network = "198.18.0.0/24"
pool = "198.18.0.100-198.18.0.199"
router = "198.18.0.1"
dns = ["198.18.0.1"]
[[host]]
mac = "02:00:00:00:00:05"
ip = "198.18.0.5"
hostname = "fixed"
file = "special.0"
[boot]
default_file = "pxelinux.0"
ipxe_script = "boot.ipxe"
[boot.file]
x64-efi = "ipxe.efi"
)";

TEST(Profile, EveryShippedProfileLoadsAndRendersTheModel) {
  auto names = shipped_profile_names(kDir);
  ASSERT_GE(names.size(), 1u);
  auto model = server::parse_server_config(kModel, "/tmp/model.toml");
  ASSERT_TRUE(model) << model.error().to_string();
  auto scope = server_model_scope(*model, {"/run/x", "/run/x/tftp", "br0", "/run/x/user.conf"});
  ASSERT_TRUE(scope) << scope.error().to_string();
  for (const auto& n : names) {
    auto p = find_profile(n, kDir);
    ASSERT_TRUE(p) << n << ": " << p.error().to_string();
    EXPECT_EQ(p->name, n);
    EXPECT_FALSE(p->processes.empty());
    TemplateScope s = *scope;
    for (const auto& c : p->configs) {
      auto text = render_template(c.text, s, n);
      ASSERT_TRUE(text) << n << ": " << text.error().to_string();
      s[c.file] = "/run/x/" + c.file;
    }
    for (const auto& proc : p->processes) {
      for (const auto& a : proc.command) EXPECT_TRUE(render_template(a, s, n)) << n << ": " << a;
    }
  }
}

TEST(Profile, DnsmasqRendersHostsArchitecturesAndIpxe) {
  auto p = find_profile("dnsmasq", kDir);
  ASSERT_TRUE(p) << p.error().to_string();
  auto model = server::parse_server_config(kModel, "/tmp/model.toml");
  ASSERT_TRUE(model);
  auto scope = server_model_scope(*model, {"/run/x", "/run/x/tftp", "br0", ""});
  ASSERT_TRUE(scope);
  auto text = render_template(p->configs[0].text, *scope, "dnsmasq");
  ASSERT_TRUE(text) << text.error().to_string();
  EXPECT_NE(text->find("dhcp-range=198.18.0.100,198.18.0.199,255.255.255.0,3600\n"), std::string::npos) << *text;
  EXPECT_NE(text->find("dhcp-host=02:00:00:00:00:05,set:h1,198.18.0.5,fixed\n"), std::string::npos) << *text;
  EXPECT_NE(text->find("dhcp-boot=tag:h1,tag:!efi64,tag:!ipxe,special.0,,198.18.0.1\n"), std::string::npos);
  EXPECT_NE(text->find("dhcp-boot=tag:efi64,tag:!ipxe,ipxe.efi,,198.18.0.1\n"), std::string::npos);
  EXPECT_NE(text->find("dhcp-boot=tag:ipxe,boot.ipxe,,198.18.0.1\n"), std::string::npos);
  EXPECT_NE(text->find("tftp-root=/run/x/tftp\n"), std::string::npos);
  EXPECT_EQ(text->find("{{"), std::string::npos);
}

TEST(Profile, BadProfilesAreNamedErrors) {
  auto unknown_key = parse_profile("[profile]\nname = \"x\"\nbogus = 1\n", "p.toml");
  ASSERT_FALSE(unknown_key);
  EXPECT_NE(unknown_key.error().to_string().find("p.toml:3"), std::string::npos) << unknown_key.error().to_string();
  auto no_process = parse_profile("[profile]\nname = \"x\"\n", "p.toml");
  ASSERT_FALSE(no_process);
  EXPECT_NE(no_process.error().to_string().find("[[process]]"), std::string::npos);
  auto no_ready = parse_profile("[profile]\nname = \"x\"\n[[process]]\nname = \"a\"\ncommand = [\"true\"]\n", "p.toml");
  ASSERT_FALSE(no_ready);
  EXPECT_NE(no_ready.error().to_string().find("readiness"), std::string::npos);
  auto bad_option = parse_profile(
      "[profile]\nname = \"x\"\n[capabilities]\ntftp_options = [\"rollover\"]\n[[process]]\nname = \"a\"\n"
      "command = [\"true\"]\nready = { udp = [67] }\n",
      "p.toml");
  ASSERT_FALSE(bad_option);
  EXPECT_NE(bad_option.error().to_string().find("rollover"), std::string::npos);
  auto missing = find_profile("no-such-server", kDir);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("dnsmasq"), std::string::npos);  // lists the shipped ones
}

TEST(Profile, CommandKindTakesNoTemplate) {
  const std::string proc = "[[process]]\nname = \"a\"\ncommand = [\"srv\", \"-C\", \"{{user_config}}\"]\nready = { udp = [67] }\n";
  auto ok = parse_profile("[profile]\nname = \"mine\"\nkind = \"command\"\n" + proc, "p.toml");
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ(ok->kind, "command");
  EXPECT_TRUE(ok->configs.empty());
  auto dflt = parse_profile("[profile]\nname = \"t\"\n" + proc, "p.toml");
  ASSERT_TRUE(dflt);
  EXPECT_EQ(dflt->kind, "template");
  auto with_config = parse_profile(
      "[profile]\nname = \"mine\"\nkind = \"command\"\n[[config]]\nfile = \"x.conf\"\ntemplate = \"\"\n" + proc, "p.toml");
  ASSERT_FALSE(with_config);
  EXPECT_NE(with_config.error().to_string().find("--config FILE"), std::string::npos) << with_config.error().to_string();
  auto bad_kind = parse_profile("[profile]\nname = \"m\"\nkind = \"script\"\n" + proc, "p.toml");
  ASSERT_FALSE(bad_kind);
  EXPECT_NE(bad_kind.error().to_string().find("not template or command"), std::string::npos);
}

TEST(Profile, ASubnetBeyondTheServersOwnIsARelayedSubnetWithOnePool) {
  auto no_pool = server::parse_server_config(std::string(kModel) + "[[subnet]]\nnetwork = \"198.19.0.0/24\"\n", "/tmp/m.toml");
  ASSERT_TRUE(no_pool) << no_pool.error().to_string();
  auto refused = server_model_scope(*no_pool, {"/run/x", "/t", "br0", ""});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("198.19.0.0/24 needs exactly one pool"), std::string::npos)
      << refused.error().message;

  auto relayed = server::parse_server_config(
      std::string(kModel) +
          "[[subnet]]\nnetwork = \"198.19.4.0/24\"\npool = \"198.19.4.100-198.19.4.199\"\nrouter = \"198.19.4.1\"\n",
      "/tmp/m.toml");
  ASSERT_TRUE(relayed) << relayed.error().to_string();
  auto scope = server_model_scope(*relayed, {"/run/x", "/t", "br0", ""});
  ASSERT_TRUE(scope) << scope.error().to_string();
  auto text = render_template("{{network}}|{{#relayed_subnets}}{{tag}} {{id}} {{network}}/{{prefix_length}} {{netmask}} "
                              "{{first}}-{{last}} via {{router}}{{sep}}{{/relayed_subnets}}",
                              *scope, "test");
  ASSERT_TRUE(text) << text.error().to_string();
  EXPECT_EQ(*text, "198.18.0.0|r1 2 198.19.4.0/24 255.255.255.0 198.19.4.100-198.19.4.199 via 198.19.4.1");
}

TEST(Profile, ClaimsNamesFlagsAndTftpOptionsAndNothingElse) {
  auto kea = find_profile("kea-tftpd-hpa", kDir);
  auto dnsmasq = find_profile("dnsmasq", kDir);
  ASSERT_TRUE(kea && dnsmasq);
  EXPECT_EQ(kea->capabilities.claims("proxy_dhcp"), false);
  EXPECT_EQ(dnsmasq->capabilities.claims("proxy_dhcp"), true);
  EXPECT_EQ(dnsmasq->capabilities.claims("windowsize"), false);
  EXPECT_EQ(dnsmasq->capabilities.claims("blksize"), true);
  EXPECT_EQ(dnsmasq->capabilities.claims("teleport"), std::nullopt);
}

}  // namespace
}  // namespace pxelab::sut
