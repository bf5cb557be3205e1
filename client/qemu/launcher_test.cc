// The launcher with a stand-in for QEMU (a shell script that behaves like a firmware's
// console), so marker, failure, deadline, QEMU exit and cleanup are tested without
// QEMU; the real firmware runs in ci/e2e/test_qemu.py.
#include "client/qemu/launcher.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace pxelab::client::qemu {
namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/pxelab-qlaunch-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { static_cast<void>(std::system(("rm -rf " + path).c_str())); }
  std::string path;
};

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

// A profile whose "QEMU" is /bin/sh running `script`; $1.. are the template args.
FirmwareProfile fake_profile(const std::string& script_path) {
  FirmwareProfile p;
  p.id = "fake";
  p.source = "test";
  p.qemu = {"/bin/sh", "dash"};
  p.args = {script_path, "${netdev}", "${mac}", "${serial}", "${dir}"};
  p.marker = "pxelab: ${hostname} boot mode";
  p.failures.push_back({"PXE-E[0-9A-F]{2}", "${match}", true});
  p.failures.push_back({"soft warning", "WARN-1", false});
  p.deadline_seconds = 10;
  return p;
}

std::string write_script(const std::string& dir, const std::string& body) {
  std::string path = dir + "/fake-qemu.sh";
  std::ofstream(path) << body;
  return path;
}

struct VmRun {
  explicit VmRun(const FirmwareProfile& p, VmOptions o = {}) : segment(clock, 1) {
    if (o.hostname.empty()) o.hostname = "lab01";
    o.mac = wire::MacAddress{{0x52, 0x54, 0, 0x12, 0x34, 0x56}};
    auto v = QemuVm::start(clock, segment, p, o);
    if (!v) {
      error = v.error().to_string();
      return;
    }
    vm = std::move(*v);
    vm->set_on_done([this] { clock.stop(); });
    clock.run(sim::seconds(20));
  }
  sim::RealtimeClock clock;
  sim::Segment segment;
  std::unique_ptr<QemuVm> vm;
  std::string error;
};

TEST(QemuVm, MarkerMeansBootedAndTheVmIsKilledAndReaped) {
  TempDir t;
  // Prints its arguments, a colored marker line with \r\n, then would hang.
  auto script = write_script(t.path, "echo \"args: $*\"; printf '\\033[0mpxelab: lab01 boot mode network\\r\\n'; exec sleep 30\n");
  VmRun r(fake_profile(script));
  ASSERT_TRUE(r.vm) << r.error;
  EXPECT_TRUE(r.vm->done());
  const auto& o = r.vm->outcome();
  EXPECT_EQ(o.status, BootStatus::kBooted);
  EXPECT_EQ(o.text, "pxelab: lab01 boot mode network");
  EXPECT_EQ(o.personality, "qemu:fake");
  ASSERT_TRUE(r.vm->seconds_to_outcome());
  EXPECT_LT(*r.vm->seconds_to_outcome(), 5.0);
  // The template was filled: the netdev of a unix QemuPort, the MAC, stdio.
  EXPECT_NE(r.vm->console().find("dgram,id=n0,local.type=unix"), std::string::npos) << r.vm->console();
  EXPECT_NE(r.vm->console().find("52:54:00:12:34:56 stdio"), std::string::npos);
  EXPECT_EQ(::kill(r.vm->pid(), 0), -1);  // gone (reaped: no zombie either)
  std::string dir = r.vm->directory();
  EXPECT_TRUE(exists(dir + "/pxelab.sock"));
  r.vm.reset();
  EXPECT_FALSE(exists(dir));
}

TEST(QemuVm, AnotherHostsMarkerDoesNotCount) {
  TempDir t;
  auto script = write_script(t.path, "echo 'pxelab: lab011 boot mode'; echo 'pxelab: labX1 boot mode'; exec sleep 30\n");
  VmOptions o;
  o.hostname = "lab.1";  // the dot is literal, not a regex wildcard
  o.deadline = sim::ms(1500);
  VmRun r(fake_profile(script), o);
  ASSERT_TRUE(r.vm) << r.error;
  EXPECT_EQ(r.vm->outcome().status, BootStatus::kPending);
  EXPECT_EQ(r.vm->outcome().code, kCodeDeadline);
  EXPECT_NE(r.vm->outcome().text.find("last console line: pxelab: labX1 boot mode"), std::string::npos)
      << r.vm->outcome().text;
}

TEST(QemuVm, FatalFailureTextIsTheOutcome) {
  TempDir t;
  auto script = write_script(t.path, "echo 'soft warning'; echo '  PXE-E18: Server response timeout.'; exec sleep 30\n");
  VmRun r(fake_profile(script));
  ASSERT_TRUE(r.vm) << r.error;
  EXPECT_TRUE(r.vm->done());
  EXPECT_EQ(r.vm->outcome().status, BootStatus::kFailed);
  EXPECT_EQ(r.vm->outcome().code, "PXE-E18");
  EXPECT_EQ(r.vm->outcome().text, "  PXE-E18: Server response timeout.");
}

TEST(QemuVm, HangingVmIsKilledAtTheDeadline) {
  TempDir t;
  auto script = write_script(t.path, "echo 'soft warning'; exec sleep 30\n");
  VmOptions o;
  o.deadline = sim::seconds(1);
  VmRun r(fake_profile(script), o);
  ASSERT_TRUE(r.vm) << r.error;
  EXPECT_TRUE(r.vm->done());
  EXPECT_EQ(r.vm->outcome().status, BootStatus::kPending);
  EXPECT_EQ(r.vm->outcome().code, kCodeDeadline);
  EXPECT_GE(r.clock.now(), sim::seconds(1));
  EXPECT_LT(r.clock.now(), sim::seconds(5));
}

TEST(QemuVm, QemuExitingFirstIsAFailureWithItsStderr) {
  TempDir t;
  auto script = write_script(t.path, "echo 'qemu-system-x86_64: -bios nope: could not load' >&2; exit 1\n");
  VmRun r(fake_profile(script));
  ASSERT_TRUE(r.vm) << r.error;
  EXPECT_TRUE(r.vm->done());
  EXPECT_EQ(r.vm->outcome().status, BootStatus::kFailed);
  EXPECT_EQ(r.vm->outcome().code, kCodeQemuExit);
  EXPECT_NE(r.vm->outcome().text.find("exited with status 1: qemu-system-x86_64: -bios nope"), std::string::npos)
      << r.vm->outcome().text;
}

TEST(QemuVm, DestroyedMidBootLeavesNothingBehindAndKeepsLogs) {
  TempDir t;
  auto script = write_script(t.path, "echo booting; exec sleep 30\n");
  sim::RealtimeClock clock;
  sim::Segment segment(clock, 1);
  VmOptions o;
  o.hostname = "lab01";
  o.keep_dir = t.path + "/keep";
  auto vm = QemuVm::start(clock, segment, fake_profile(script), o);
  ASSERT_TRUE(vm) << vm.error().to_string();
  clock.run(sim::ms(500));
  pid_t pid = (*vm)->pid();
  std::string dir = (*vm)->directory();
  EXPECT_FALSE((*vm)->done());
  EXPECT_EQ(::kill(pid, 0), 0);
  vm->reset();  // what a harness that throws does: the destructor
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_FALSE(exists(dir));
  std::ifstream console(t.path + "/keep/lab01.console.log");
  std::string line;
  std::getline(console, line);
  EXPECT_EQ(line, "booting");
  EXPECT_TRUE(exists(t.path + "/keep/lab01.command"));
}

TEST(QemuVm, SeveralVmsShareOneSegmentAndEachHasItsOutcome) {
  // What a scenario harness does with kind = "qemu" clients: N VMs on one segment and
  // one RealtimeClock, the run ends when every VM is done.
  TempDir t;
  auto booting = write_script(t.path, "echo 'pxelab: lab01 boot mode network'; echo 'pxelab: lab02 boot mode network'; exec sleep 30\n");
  sim::RealtimeClock clock;
  sim::Segment segment(clock, 1);
  std::vector<std::unique_ptr<QemuVm>> vms;
  int done = 0;
  for (int i = 1; i <= 3; ++i) {
    VmOptions o;
    o.hostname = "lab0" + std::to_string(i);  // lab03 never sees its marker
    o.mac = wire::MacAddress{{0x52, 0x54, 0, 0x12, 0x34, static_cast<std::uint8_t>(i)}};
    o.deadline = sim::seconds(2);
    auto vm = QemuVm::start(clock, segment, fake_profile(booting), o);
    ASSERT_TRUE(vm) << vm.error().to_string();
    (*vm)->set_on_done([&] {
      if (++done == 3) clock.stop();
    });
    vms.push_back(std::move(*vm));
  }
  EXPECT_EQ(segment.port_count(), 3u);
  EXPECT_NE(vms[0]->directory(), vms[1]->directory());
  clock.run(sim::seconds(10));
  EXPECT_EQ(done, 3);
  EXPECT_EQ(vms[0]->outcome().status, BootStatus::kBooted);
  EXPECT_EQ(vms[0]->outcome().name, "lab01");
  EXPECT_EQ(vms[1]->outcome().status, BootStatus::kBooted);
  EXPECT_EQ(vms[2]->outcome().status, BootStatus::kPending);
  EXPECT_EQ(vms[2]->outcome().code, kCodeDeadline);
  EXPECT_EQ(vms[2]->outcome().mac.octets[5], 3);
}

TEST(QemuVm, MissingRequirementsNameThePackage) {
  FirmwareProfile p = fake_profile("/nonexistent");
  p.qemu = {"qemu-system-nonexistent-arch", "qemu-system-nothing"};
  p.requires_files.push_back({"/nonexistent/OVMF_CODE.fd", "ovmf"});
  sim::RealtimeClock clock;
  sim::Segment segment(clock, 1);
  auto vm = QemuVm::start(clock, segment, p, VmOptions{});
  ASSERT_FALSE(vm);
  EXPECT_NE(vm.error().message.find("qemu-system-nonexistent-arch (package qemu-system-nothing)"), std::string::npos)
      << vm.error().message;
  EXPECT_NE(vm.error().message.find("/nonexistent/OVMF_CODE.fd (package ovmf)"), std::string::npos);
}

TEST(QemuVm, SweepRemovesDirectoriesOfDeadHarnessesOnly) {
  TempDir t;
  // pid 2^22+1 is above the default pid_max range used here: treated as gone.
  std::string dead = t.path + "/pxelab-qemu-4194399-abcdef";
  std::string alive = t.path + "/pxelab-qemu-" + std::to_string(::getppid()) + "-abcdef";
  std::string other = t.path + "/something-else";
  for (const auto& d : {dead, alive, other}) ::mkdir(d.c_str(), 0700);
  EXPECT_EQ(sweep_stale_directories(t.path), 1);
  EXPECT_FALSE(exists(dead));
  EXPECT_TRUE(exists(alive));
  EXPECT_TRUE(exists(other));
}

TEST(Console, EscapesAndControlBytesAreRemoved) {
  EXPECT_EQ(clean_console_line("\x1b[0m\x1b[1;37miPXE\x1b[0m ok\r"), "iPXE ok");
  EXPECT_EQ(clean_console_line("a\x08 b\x1b" "7c\x1b[999;999Hd"), "a bcd");
  EXPECT_EQ(clean_console_line("\x1b["), "");
  EXPECT_EQ(fill_placeholders("pxelab: ${hostname} (${mac})", "a.b", wire::MacAddress{{1, 2, 3, 4, 5, 6}}, true),
            "pxelab: a\\.b (01:02:03:04:05:06)");
}

}  // namespace
}  // namespace pxelab::client::qemu
