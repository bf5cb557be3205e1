// The scenario loader: what a TOML scenario becomes, and that every error names the
// file, line and key (conformance/scenarios/README.md documents the format).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "conformance/scenario/scenario.h"
#include "conformance/scenario/scenario_runner.h"

namespace pxelab::conformance {
namespace {

constexpr const char* kScenario = R"([scenario]
name = "unit"
description = "two groups, a relay, an event"
seed = 42
deadline = 90

[[segment]]
name = "servers"
[[segment]]
name = "lab"
link = { latency_ms = 0.5, loss = 0.01, mtu = 1400 }

[[server]]
name = "boot"
segment = "servers"
gateway = "192.0.2.254"
config = """
[server]
address = "192.0.2.1"
"""
[server.files]
"pxelinux.0" = { size = 1000 }
"boot.ipxe" = "#!ipxe\n"

[[relay]]
name = "r"
servers = ["192.0.2.1"]
[[relay.interface]]
segment = "servers"
address = "192.0.2.254/24"
[[relay.interface]]
segment = "lab"
address = "198.18.0.1/24"

[[client]]
name = "uefi"
personality = "edk2-x64"
segment = "lab"
count = 3
mac = "52:54:00:aa:00:01"
spread = 1.5
host = { server = "boot", ip = "198.18.0.10", hostname = "node-{n}" }

[[client]]
name = "probe"
kind = "probe"
segment = "lab"
probe_steps = ["dora", "inform"]
broadcast_flag = false

[[event]]
at = 5
action = "loss"
target = "boot"
loss = 0.5
duration = 2

[expect]
all_booted_within = 60
checks_pass = ["DHCP-DEST"]
[[expect.outcome]]
clients = "uefi"
status = "booted"
)";

TEST(Scenario, LoadsEveryPart) {
  auto s = parse_scenario(kScenario, "unit.toml");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->name, "unit");
  EXPECT_EQ(s->seed, 42u);
  EXPECT_EQ(s->deadline, 90);
  ASSERT_EQ(s->segments.size(), 2u);
  EXPECT_EQ(s->segments[1].link.mtu, 1400u);
  EXPECT_DOUBLE_EQ(*s->segments[1].link.loss, 0.01);
  ASSERT_EQ(s->servers.size(), 1u);
  EXPECT_EQ(s->servers[0].files.size(), 2u);
  EXPECT_NE(s->servers[0].config_text.find("192.0.2.1"), std::string::npos);
  ASSERT_EQ(s->relays.size(), 1u);
  EXPECT_EQ(s->relays[0].interfaces.size(), 2u);
  ASSERT_EQ(s->clients.size(), 2u);
  EXPECT_EQ(s->clients[0].count, 3u);
  EXPECT_EQ(s->clients[0].host->hostname, "node-{n}");
  EXPECT_EQ(s->clients[1].kind, ClientKind::kProbe);
  EXPECT_EQ(s->clients[1].probe_steps, (std::vector<std::string>{"dora", "inform"}));
  EXPECT_FALSE(s->clients[1].broadcast_flag);
  EXPECT_EQ(s->client_count(), 4u);
  EXPECT_FALSE(s->uses_qemu());
  ASSERT_EQ(s->events.size(), 1u);
  EXPECT_EQ(s->events[0].action, EventAction::kLoss);
  EXPECT_TRUE(s->expect.declared);
  EXPECT_EQ(s->expect.checks_pass, std::vector<std::string>{"DHCP-DEST"});
  ASSERT_EQ(s->expect.outcomes.size(), 1u);
  EXPECT_EQ(s->expect.outcomes[0].status, client::BootStatus::kBooted);
}

std::string error_of(const std::string& text) {
  auto s = parse_scenario(text, "bad.toml");
  EXPECT_FALSE(s.ok()) << "expected an error for:\n" << text;
  return s.ok() ? std::string() : s.error().to_string();
}

TEST(Scenario, ErrorsNameFileLineAndKey) {
  std::string base(kScenario);
  auto e = error_of(base + "bogus = 1\n");
  EXPECT_NE(e.find("bad.toml:"), std::string::npos) << e;
  EXPECT_NE(e.find("bogus"), std::string::npos) << e;

  e = error_of(std::string("[scenario]\nname = \"x\"\n[[client]]\nname = \"c\"\npersonality = \"edk2-x64\"\ncount = 0\n"));
  EXPECT_NE(e.find("bad.toml:6"), std::string::npos) << "the line of the key: " << e;
  EXPECT_NE(e.find("count"), std::string::npos) << e;

  e = error_of(std::string("[scenario]\nname = \"x\"\n[[client]]\nname = \"c\"\n"));
  EXPECT_NE(e.find("personality"), std::string::npos) << e;

  e = error_of(std::string("[scenario]\nname = \"x\"\n[[client]]\nname = \"c\"\nkind = \"vm\"\n"));
  EXPECT_NE(e.find("kind"), std::string::npos) << e;
  EXPECT_NE(e.find("probe"), std::string::npos) << "lists the kinds: " << e;

  e = error_of(std::string("[scenario]\nname = \"x\"\n[[client]]\nname = \"c\"\nkind = \"probe\"\nprobe_steps = [\"fly\"]\n"));
  EXPECT_NE(e.find("unknown step 'fly'"), std::string::npos) << e;

  e = error_of(std::string("[scenario]\nname = \"x\"\n[[client]]\nname = \"c\"\npersonality = \"ipxe-bios\"\nbroadcast_flag = true\n"));
  EXPECT_NE(e.find("kind = \"probe\""), std::string::npos) << e;

  const std::string relay = "[scenario]\nname = \"x\"\n[[relay]]\nname = \"r\"\nservers = [\"192.0.2.1\"]\n"
                            "[[relay.interface]]\nsegment = \"a\"\n";
  e = error_of(relay);
  EXPECT_NE(e.find("relay[0].interface[0].address: missing"), std::string::npos) << e;
  e = error_of(relay + "address = \"198.18.0.1/24abc\"\n");
  EXPECT_NE(e.find("is not ADDRESS/PREFIX"), std::string::npos) << e;

  e = error_of("[scenario\n");
  EXPECT_NE(e.find("bad.toml:1"), std::string::npos) << e;
}

TEST(Scenario, AFileCopiedFromAPathIsFoundBesideTheScenario) {
  const std::string head = "[scenario]\nname = \"x\"\n[[server]]\nname = \"boot\"\nconfig = \"[server]\"\n[server.files]\n";
  auto s = parse_scenario(head + "\"host.img\" = { from = \"floppies/host.img\" }\n\"abs.img\" = { from = \"/srv/a.img\" }\n"
                              "[[client]]\nname = \"c\"\npersonality = \"bootp-prom\"\n",
                          "lab/unit.toml");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  ASSERT_EQ(s->servers[0].files.size(), 2u);
  std::map<std::string, FileSpec> by_name;
  for (const auto& f : s->servers[0].files) by_name[f.name] = f;
  EXPECT_EQ(by_name["host.img"].from, "lab/floppies/host.img");  // relative: the scenario's directory
  EXPECT_EQ(by_name["abs.img"].from, "/srv/a.img");
  EXPECT_FALSE(by_name["host.img"].text.has_value());

  auto e = error_of(head + "\"host.img\" = { from = \"a.img\", text = \"x\" }\n");
  EXPECT_NE(e.find("exactly one of size (octets), text, from (a file to copy) or floppy (KiB)"), std::string::npos) << e;
  e = error_of(head + "\"host.img\" = { from = \"\" }\n");
  EXPECT_NE(e.find("files.host.img.from: must name a file"), std::string::npos) << e;

  // A floppy made at the run's start: its size, label and text files.
  auto f = parse_scenario(head + "\"host.img\" = { floppy = 720, label = \"LAB\", files = { \"HOST.TXT\" = \"${hostname}\", \"NET/A.CFG\" = \"x\" } }\n"
                                 "\"sig.img\" = { size = 1024, boot_sector = true }\n"
                                 "[[client]]\nname = \"c\"\npersonality = \"bootp-prom\"\n",
                          "lab/unit.toml");
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  by_name.clear();
  for (const auto& fs : f->servers[0].files) by_name[fs.name] = fs;
  EXPECT_EQ(by_name["host.img"].floppy_kib, 720u);
  EXPECT_EQ(by_name["host.img"].floppy_label, "LAB");
  ASSERT_EQ(by_name["host.img"].floppy_files.size(), 2u);
  EXPECT_EQ(by_name["host.img"].floppy_files[0], (std::pair<std::string, std::string>{"HOST.TXT", "${hostname}"}));
  EXPECT_TRUE(by_name["sig.img"].boot_sector);  // was accepted and then ignored
  e = error_of(head + "\"host.img\" = { floppy = 1000 }\n");
  EXPECT_NE(e.find("files.host.img.floppy: is 1000: a floppy is 360, 720, 1200, 1440, 2880 KiB"), std::string::npos) << e;
  e = error_of(head + "\"host.img\" = { size = 10, label = \"L\" }\n");
  EXPECT_NE(e.find("label and files belong to a floppy"), std::string::npos) << e;
  e = error_of(head + "\"host.img\" = { floppy = 1440, files = { \"A.TXT\" = 1 } }\n");
  EXPECT_NE(e.find("files.host.img.files.A.TXT: must be the file's text"), std::string::npos) << e;
}

TEST(Scenario, ABootModeEventNeedsAModeAndAGroupWithHostEntries) {
  const std::string head = "[scenario]\nname = \"x\"\n[[server]]\nname = \"boot\"\nconfig = \"[server]\"\n"
                           "[[client]]\nname = \"maint\"\npersonality = \"intel-pxe21\"\nhost = { server = \"boot\" }\n"
                           "[[client]]\nname = \"anon\"\npersonality = \"intel-pxe21\"\n";
  auto s = parse_scenario(head + "[[event]]\nat = 10\naction = \"boot-mode\"\ntarget = \"maint\"\nmode = \"local\"\n", "u.toml");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  ASSERT_EQ(s->events.size(), 1u);
  EXPECT_EQ(s->events[0].action, EventAction::kBootMode);
  EXPECT_EQ(s->events[0].mode, server::BootMode::Local);
  EXPECT_EQ(to_string(EventAction::kBootMode), "boot-mode");

  auto e = error_of(head + "[[event]]\nat = 10\naction = \"boot-mode\"\ntarget = \"maint\"\n");
  EXPECT_NE(e.find("event[0].mode: missing"), std::string::npos) << e;
  e = error_of(head + "[[event]]\nat = 10\naction = \"boot-mode\"\ntarget = \"anon\"\nmode = \"network\"\n");
  EXPECT_NE(e.find("boot-mode needs a client group with host entries"), std::string::npos) << e;
  e = error_of(head + "[[event]]\nat = 10\naction = \"link-down\"\ntarget = \"maint\"\nmode = \"network\"\n");
  EXPECT_NE(e.find("only a boot-mode or wake event has a mode"), std::string::npos) << e;
  e = error_of(head + "[[event]]\nat = 10\naction = \"boot-mode\"\ntarget = \"maint\"\nmode = \"sometimes\"\n");
  EXPECT_NE(e.find("mode"), std::string::npos) << e;
}

TEST(Scenario, PoweredOffClientsAndWakeEvents) {
  const std::string head = "[scenario]\nname = \"x\"\n"
                           "[[client]]\nname = \"maint\"\npersonality = \"intel-pxe21\"\npowered_off = true\n"
                           "wake_password = \"1.2.3.4\"\n";
  auto s = parse_scenario(head + "[[event]]\nat = 30\naction = \"wake\"\ntarget = \"maint\"\npassword = \"1.2.3.4\"\n", "u.toml");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_TRUE(s->clients[0].powered_off);
  EXPECT_EQ(s->clients[0].wake_password.size, 4);
  ASSERT_EQ(s->events.size(), 1u);
  EXPECT_EQ(s->events[0].action, EventAction::kWake);
  EXPECT_EQ(s->events[0].password, s->clients[0].wake_password);

  auto e = error_of(head + "[[event]]\nat = 1\naction = \"wake\"\ntarget = \"maint\"\npassword = \"hunter2\"\n");
  EXPECT_NE(e.find("event[0].password: 'hunter2' is not a SecureOn password"), std::string::npos) << e;
  e = error_of(head + "[[event]]\nat = 1\naction = \"link-down\"\ntarget = \"maint\"\npassword = \"1.2.3.4\"\n");
  EXPECT_NE(e.find("only a wake event has a password"), std::string::npos) << e;
  e = error_of("[scenario]\nname = \"x\"\n[[server]]\nname = \"boot\"\nconfig = \"[server]\"\n"
               "[[client]]\nname = \"c\"\npersonality = \"intel-pxe21\"\n"
               "[[event]]\nat = 1\naction = \"wake\"\ntarget = \"boot\"\n");
  EXPECT_NE(e.find("wake needs a client group, not 'boot'"), std::string::npos) << e;
  e = error_of("[scenario]\nname = \"x\"\n[[client]]\nname = \"p\"\nkind = \"probe\"\npowered_off = true\n");
  EXPECT_NE(e.find("powered_off and wake_password belong to emulated clients"), std::string::npos) << e;
}

TEST(Scenario, MissingFileIsAnError) {
  auto s = load_scenario("/nonexistent/pxelab/scenario.toml");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().to_string().find("scenario.toml"), std::string::npos);
}

}  // namespace
}  // namespace pxelab::conformance

namespace pxelab::conformance {
namespace {

TEST(Scenario, RebootEventsServerGroupsAndBootExpectations) {
  const std::string head = "[scenario]\nname = \"x\"\n[[server]]\nname = \"boot\"\nconfig = \"[server]\"\n"
                           "[[client]]\nname = \"lab\"\npersonality = \"intel-pxe21\"\n"
                           "host = { server = \"boot\", group = \"g\", boot = \"once\" }\n"
                           "[[client]]\nname = \"vm\"\nkind = \"qemu\"\nfirmware = \"seabios-ipxe\"\n";
  auto s = parse_scenario(head + "[[event]]\nat = 10\naction = \"reboot\"\ntarget = \"lab\"\n"
                                 "[[event]]\nat = 5\naction = \"boot-mode\"\ntarget = \"boot\"\ngroup = \"g\"\nmode = \"once\"\n"
                                 "[[expect.outcome]]\nclients = \"lab\"\nboot = 1\nstatus = \"booted\"\n",
                          "u.toml");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->clients[0].host->group, "g");
  EXPECT_EQ(s->clients[0].host->boot, server::BootMode::Once);
  ASSERT_EQ(s->events.size(), 2u);
  EXPECT_EQ(s->events[0].action, EventAction::kReboot);
  EXPECT_EQ(to_string(EventAction::kReboot), "reboot");
  EXPECT_EQ(s->events[1].group, "g");
  EXPECT_EQ(s->events[1].mode, server::BootMode::Once);
  EXPECT_EQ(s->expect.outcomes[0].boot, 1u);

  auto error_of = [](const std::string& text) {
    auto r = parse_scenario(text, "u.toml");
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.error().to_string();
  };
  auto e = error_of(head + "[[event]]\nat = 1\naction = \"reboot\"\ntarget = \"vm\"\n");
  EXPECT_NE(e.find("reboot needs a group of emulated clients, not 'vm'"), std::string::npos) << e;
  e = error_of(head + "[[event]]\nat = 1\naction = \"boot-mode\"\ntarget = \"lab\"\ngroup = \"g\"\nmode = \"local\"\n");
  EXPECT_NE(e.find("boot-mode with a group needs a server as target"), std::string::npos) << e;
  e = error_of(head + "[[event]]\nat = 1\naction = \"reboot\"\ntarget = \"lab\"\ngroup = \"g\"\n");
  EXPECT_NE(e.find("event[0].group: only a boot-mode event has a group"), std::string::npos) << e;
}

TEST(Scenario, TheShippedOnceScenarioBootsNetworkThenLocal) {
  auto s = load_scenario(std::string(PXELAB_SOURCE_DIR) + "/conformance/scenarios/once-then-local.toml");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  auto r = run_scenario(*s, {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->all_met);
  ASSERT_EQ(r->outcomes.size(), 4u);
  for (const auto& o : r->outcomes) {
    ASSERT_EQ(o.earlier_boots.size(), 1u) << o.name << ": one reboot each";
    const bool rebuild = o.name.rfind("rebuild", 0) == 0;
    // rebuild: installer, then local; office (group lab, local, then once): the reverse.
    const auto& first = o.earlier_boots[0];
    EXPECT_EQ(first.status, rebuild ? client::BootStatus::kBooted : client::BootStatus::kLocalBoot) << o.name;
    EXPECT_EQ(o.status, rebuild ? client::BootStatus::kLocalBoot : client::BootStatus::kBooted) << o.name;
    EXPECT_EQ((rebuild ? first : o).boot_file, "installer.0") << o.name;
    EXPECT_TRUE(o.earlier_boots[0].earlier_boots.empty());
  }
}

}  // namespace
}  // namespace pxelab::conformance
