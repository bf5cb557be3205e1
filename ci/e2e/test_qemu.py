"""Real firmware under QEMU (TCG, no KVM) through the virtual wire (issue 5).

Each firmware profile boots to its marker against the reference server in the
simulator (`pxelab qemu`); bad paths: no server (OVMF's own PXE-E18), a VM killed at
its deadline, an interrupted and a SIGKILLed harness; real firmware against dnsmasq
through a TAP in a namespace bridge (root). Nothing may be left behind: no QEMU
process, socket, vars copy or temporary directory.

The VMs run two at a time (2 cores), longest first; together about 2-3 minutes.
Outside CI a missing QEMU or firmware package skips with the reason; with CI=true
nothing skips (ci/setup installs them)."""
import concurrent.futures
import glob
import os
import pathlib
import shutil
import signal
import subprocess
import time

import pytest

from conftest import REPO, run
from netlab import namespaces, sh

CI = os.environ.get("CI") == "true"
PROFILES = ["seabios-ipxe", "seabios-ipxe-virtio", "ovmf-x64", "ovmf-x64-ipxe", "uboot"]
PACKAGES = {
    "/usr/bin/qemu-system-x86_64": "qemu-system-x86",
    "/usr/lib/ipxe/qemu/pxe-e1000.rom": "ipxe-qemu",
    "/usr/lib/ipxe/ipxe.efi": "ipxe",
    "/usr/share/OVMF/OVMF_CODE_4M.fd": "ovmf",
    "/usr/lib/u-boot/qemu-x86_64/u-boot.rom": "u-boot-qemu",
    "/usr/lib/PXELINUX/pxelinux.0": "pxelinux",
    "/usr/lib/syslinux/modules/bios/ldlinux.c32": "syslinux-common",
}
MAC = "52:54:00:12:34:56"


def need_firmware():
    missing = [f"{path} ({pkg})" for path, pkg in PACKAGES.items() if not os.path.exists(path)]
    if not missing:
        return
    if CI:
        pytest.fail("CI must have QEMU and the firmware packages (ci/setup): missing " + ", ".join(missing))
    pytest.skip("QEMU or firmware packages not installed (run ci/setup): missing " + ", ".join(missing))


def parse(stdout: str) -> dict:
    out = {}
    for line in stdout.splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            out[key] = value
    return out


def leftovers(pid: int):
    """Temporary directories and QEMU processes of the pxelab process `pid`."""
    dirs = glob.glob(f"/tmp/pxelab-qemu-{pid}-*")
    procs = []
    for p in pathlib.Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            cmd = (p / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "qemu-system" in cmd and f"pxelab-qemu-{pid}-" in cmd:
            procs.append((int(p.name), cmd))
    return dirs, procs


class Boot:
    def __init__(self, name, args, tmp):
        self.name, self.args = name, args
        self.keep = tmp / name
        self.pcap = tmp / f"{name}.pcap"

    def run(self, pxelab):
        cmd = [str(pxelab), "qemu"] + self.args + ["--keep", str(self.keep), "--pcap", str(self.pcap), "--trim"]
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL)
        self.pid = proc.pid
        try:
            self.stdout, self.stderr = proc.communicate(timeout=400)
        except subprocess.TimeoutExpired:
            proc.kill()
            self.stdout, self.stderr = proc.communicate()
        self.rc = proc.returncode
        self.elapsed = time.monotonic() - start
        self.out = parse(self.stdout)
        self.left = leftovers(self.pid)
        return self

    def console(self) -> str:
        path = self.keep / "lab01.console.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __repr__(self):
        return f"{self.name}: rc={self.rc} {self.elapsed:.1f}s\n{self.stdout}\n{self.stderr}\n{self.console()[-3000:]}"


@pytest.fixture(scope="module")
def boots(pxelab_bin, tmp_path_factory):
    """Every boot of this file, two VMs at a time, the longest first."""
    need_firmware()
    tmp = tmp_path_factory.mktemp("qemu")
    jobs = [Boot("ovmf-no-server", ["ovmf-x64", "--no-server"], tmp)]
    jobs += [Boot(p, [p], tmp) for p in ["ovmf-x64-ipxe", "seabios-ipxe", "seabios-ipxe-virtio", "ovmf-x64", "uboot"]]
    jobs.append(Boot("uboot-udp", ["uboot", "--udp"], tmp))
    jobs.append(Boot("hang", ["seabios-ipxe", "--no-server", "--deadline", "4"], tmp))
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda b: b.run(pxelab_bin), jobs))
    return {b.name: b for b in done}


@pytest.mark.parametrize("profile", PROFILES)
def test_firmware_boots_to_its_marker(boots, profile):
    b = boots[profile]
    assert b.rc == 0, b
    assert b.out["status"] == "booted", b
    assert "lab01" in b.out["text"] or profile == "ovmf-x64", b
    assert b.out["address"] == "192.0.2.10", b  # the host table's fixed address
    seconds = float(b.out["seconds"])
    assert 0 < seconds < b.elapsed, b
    images = b.out["images"]
    expected = {
        "seabios-ipxe": ["pxelinux.0", "ldlinux.c32", "pxelinux.cfg/01-52-54-00-12-34-56"],
        "seabios-ipxe-virtio": ["pxelinux.0", "ldlinux.c32", "pxelinux.cfg/01-52-54-00-12-34-56"],
        "ovmf-x64": ["ipxe.efi"],
        "ovmf-x64-ipxe": ["ipxe.efi", "boot.ipxe"],
        "uboot": ["boot.scr.uimg", "pxelinux.cfg/01-52-54-00-12-34-56"],
    }[profile]
    for name in expected:
        assert name + "(" in images, b
    # The pcap (trimmed at the marker) holds the boot: at least DORA and the TFTP reads.
    assert b.pcap.stat().st_size > 24 + 4 * 300, b
    assert int(b.out["frames"]) >= 8, b
    assert b.left == ([], []), b


def test_loopback_udp_transport_boots_too(boots):
    """QemuPort over loopback UDP (QEMU binds an ephemeral port; the port latches it)."""
    b = boots["uboot-udp"]
    assert b.rc == 0 and b.out["status"] == "booted", b
    assert "local.type=inet" in (b.keep / "lab01.command").read_text(), b
    assert b.left == ([], []), b


def test_ovmf_ipxe_chainload_asks_again_as_ipxe(boots):
    """FW-44: OVMF's PXE gets ipxe.efi; iPXE asks again (user class iPXE) and gets the
    script, not ipxe.efi again."""
    b = boots["ovmf-x64-ipxe"]
    assert int(b.out["discovers"]) >= 2, b
    log = (b.keep / "server.log").read_text()
    assert "boot.ipxe" in log and "ipxe.efi" in log, log
    assert "booted by iPXE (52:54:00:12:34:56 192.0.2.10 from 192.0.2.1)" in b.out["text"], b


def test_pxelinux_says_the_host_name_from_the_host_table(boots):
    b = boots["seabios-ipxe"]
    assert b.out["text"] == "pxelab: lab01 boot mode network", b
    generated = (b.keep / "server.log").read_text()
    assert "pxelinux.cfg/01-52-54-00-12-34-56" in generated, generated


def test_no_server_is_the_firmwares_own_failure(boots):
    b = boots["ovmf-no-server"]
    assert b.rc == 1, b
    assert b.out["status"] == "failed", b
    assert b.out["code"] == "PXE-E18", b
    assert "Server response timeout" in b.out["text"], b
    # EDK2 gives up about 60 s after its first DISCOVER (FW-08), well before the deadline.
    assert float(b.out["seconds"]) < 150, b
    assert int(b.out["discovers"]) == 4, b  # 0, 4, 12, 28 s (FW-08)
    assert b.left == ([], []), b


def test_hanging_vm_is_killed_at_the_deadline(boots):
    b = boots["hang"]
    assert b.rc == 1, b
    assert b.out["status"] == "pending", b
    assert b.out["code"] == "DEADLINE", b
    assert 4 <= float(b.out["seconds"]) < 10, b
    assert b.left == ([], []), b


def start_vm(pxelab_bin, *args):
    proc = subprocess.Popen([str(pxelab_bin), "qemu", "seabios-ipxe", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        dirs, procs = leftovers(proc.pid)
        if dirs and procs:
            return proc, procs[0][0]
        time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"QEMU never started: {proc.communicate()}")


def test_interrupted_harness_cleans_up(pxelab_bin):
    need_firmware()
    proc, qemu_pid = start_vm(pxelab_bin)
    time.sleep(1)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 1, (stdout, stderr)
    out = parse(stdout)
    assert out.get("interrupted") == "yes", stdout
    assert out["code"] == "DEADLINE" and "interrupted by signal 15" in out["text"], stdout
    assert leftovers(proc.pid) == ([], [])
    assert not os.path.exists(f"/proc/{qemu_pid}")


def test_killed_harness_takes_qemu_along_and_the_next_run_sweeps(pxelab_bin):
    need_firmware()
    proc, qemu_pid = start_vm(pxelab_bin)
    proc.kill()  # SIGKILL: no cleanup code runs in pxelab
    proc.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while os.path.exists(f"/proc/{qemu_pid}") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not os.path.exists(f"/proc/{qemu_pid}"), "QEMU outlived its harness (PR_SET_PDEATHSIG)"
    stale, _ = leftovers(proc.pid)
    assert stale, "expected the killed harness's directory to remain until swept"
    r = run([pxelab_bin, "qemu", "seabios-ipxe", "--no-server", "--deadline", "1"], timeout=60)
    assert r.returncode == 1, r
    assert leftovers(proc.pid) == ([], []), "the next run did not sweep the stale directory"


def test_missing_qemu_or_firmware_is_exit_2_naming_the_package(pxelab_bin, tmp_path):
    (tmp_path / "fw.toml").write_text((REPO / "client/qemu/firmware/ovmf-x64.toml").read_text()
                                      .replace('id = "ovmf-x64"', 'id = "fw"')
                                      .replace("qemu-system-x86_64", "qemu-system-nonexistent")
                                      .replace("/usr/share/OVMF/OVMF_CODE_4M.fd", "/nonexistent/OVMF_CODE_4M.fd"))
    r = run([pxelab_bin, "qemu", "fw", "--firmware-dir", tmp_path], timeout=30)
    assert r.returncode == 2, r
    assert "qemu-system-nonexistent (package qemu-system-x86)" in r.stderr, r.stderr
    assert "/nonexistent/OVMF_CODE_4M.fd (package ovmf)" in r.stderr, r.stderr
    r = run([pxelab_bin, "qemu", "no-such-firmware"], timeout=30)
    assert r.returncode == 2 and "known: " in r.stderr and "seabios-ipxe" in r.stderr, r


DNSMASQ_PXELINUX_CFG = """SERIAL 0
SAY pxelab: lab01 boot mode network, from dnsmasq
DEFAULT local
LABEL local
  LOCALBOOT 0
"""


@pytest.mark.skipif(os.geteuid() != 0 and not CI, reason="needs root for the namespace, bridge and TAP")
def test_real_firmware_against_dnsmasq_through_a_tap(pxelab_bin, tmp_path):
    """SeaBIOS+iPXE -> QemuPort -> segment -> TapPort -> bridge in a namespace -> dnsmasq
    (DHCP + TFTP) -> pxelinux -> SAY: a real firmware against a real server."""
    need_firmware()
    if shutil.which("dnsmasq") is None:
        if CI:
            pytest.fail("dnsmasq missing in CI (ci/setup installs dnsmasq-base)")
        pytest.skip("dnsmasq not installed (dnsmasq-base)")
    tftp = tmp_path / "tftp"
    (tftp / "pxelinux.cfg").mkdir(parents=True)
    shutil.copy("/usr/lib/PXELINUX/pxelinux.0", tftp)
    shutil.copy("/usr/lib/syslinux/modules/bios/ldlinux.c32", tftp)
    (tftp / "pxelinux.cfg" / "01-52-54-00-12-34-56").write_text(DNSMASQ_PXELINUX_CFG)
    with namespaces("pxqd") as (ns,):
        sh("ip", "link", "add", "br0", "type", "bridge", ns=ns)
        sh("ip", "addr", "add", "192.0.2.1/24", "dev", "br0", ns=ns)
        sh("ip", "link", "set", "br0", "up", ns=ns)
        sh("ip", "tuntap", "add", "dev", "tap0", "mode", "tap", ns=ns)
        sh("ip", "link", "set", "tap0", "master", "br0", ns=ns)
        sh("ip", "link", "set", "tap0", "up", ns=ns)
        dnsmasq = subprocess.Popen(
            ["ip", "netns", "exec", ns, "dnsmasq", "--keep-in-foreground", "--log-facility=-", "--port=0",
             "--interface=br0", "--bind-interfaces", "--dhcp-range=192.0.2.100,192.0.2.150,1h",
             f"--dhcp-leasefile={tmp_path}/leases", "--enable-tftp", f"--tftp-root={tftp}",
             "--dhcp-boot=pxelinux.0", "--pid-file=", "--user=root", "--no-resolv", "--no-hosts", "--no-ping", "--log-dhcp"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(0.5)
        if dnsmasq.poll() is not None:
            raise AssertionError("dnsmasq did not start: " + dnsmasq.communicate()[0])
        try:
            r = run(["ip", "netns", "exec", ns, pxelab_bin, "qemu", "seabios-ipxe", "--no-server", "--tap", "tap0",
                     "--pcap", tmp_path / "dnsmasq.pcap", "--keep", tmp_path / "keep"], timeout=300)
        finally:
            dnsmasq.terminate()
            log = dnsmasq.communicate(timeout=10)[0]
    out = parse(r.stdout)
    assert r.returncode == 0, (r.stdout, r.stderr, log)
    assert out["text"] == "pxelab: lab01 boot mode network, from dnsmasq", r.stdout
    assert out["address"].startswith("192.0.2.1"), r.stdout  # from dnsmasq's range
    assert "pxelinux.0(" in out["images"] and "ldlinux.c32(" in out["images"], r.stdout
    assert "DHCPACK(br0)" in log, log
    assert "sent " in log and "pxelinux.0" in log, log  # dnsmasq's TFTP log line


@pytest.mark.parametrize("profile", PROFILES)
def test_fidelity_against_the_golden_capture(boots, pxelab_bin, profile):
    """The same firmware, today and when captures/golden/qemu/ was made (ci/qemu-golden):
    the same options, order, flags, xid policy, RRQ options, tsize probe and files.
    Timing tolerance is wide (2 s or 50 %): TCG on a shared machine stretches timers.
    (The emulated personality against the same capture is the next test.)"""
    b = boots[profile]
    assert b.rc == 0, b
    golden = REPO / "captures" / "golden" / "qemu" / f"{profile}.pcap"
    r = run([pxelab_bin, "fidelity", golden, b.pcap, "--tolerance", "2", "--relative", "0.5"], timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 differences not known" in r.stdout, r.stdout
    assert "same   TFTP RRQ 1 options" in r.stdout, r.stdout


@pytest.mark.parametrize("profile", PROFILES + ["ovmf-x64-66only", "ovmf-x64-noboot", "seabios-ipxe-noboot", "ovmf-x64-icmp"])
def test_fidelity_of_the_personality_against_the_real_firmware(pxelab_bin, profile, tmp_path):
    """The emulated personality (client/personalities) in the same scenario as the real
    firmware's golden capture: every difference is either gone or listed in the
    profile's [[known]] with its reason, and no listed one is stale. Needs no QEMU (the
    real side is the committed capture), so it runs everywhere."""
    golden = REPO / "captures" / "golden" / "qemu" / f"{profile}.pcap"
    r = run([pxelab_bin, "fidelity", profile, "--real", golden, "--emulated-pcap", tmp_path / "emulated.pcap"],
            timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 differences not known, 0 stale known" in r.stdout, r.stdout
    # The comparison really looked at both sides: the real DISCOVER's vendor class.
    expected_60 = {"seabios-ipxe": "PXEClient:Arch:00000:UNDI:002001", "seabios-ipxe-virtio": "PXEClient:Arch:00000:UNDI:002001",
                   "ovmf-x64": "PXEClient:Arch:00007:UNDI:003000", "ovmf-x64-ipxe": "PXEClient:Arch:00007:UNDI:003000",
                   "ovmf-x64-66only": "PXEClient:Arch:00007:UNDI:003000",
                   "ovmf-x64-noboot": "PXEClient:Arch:00007:UNDI:003000", "ovmf-x64-icmp": "PXEClient:Arch:00007:UNDI:003000",
                   "seabios-ipxe-noboot": "PXEClient:Arch:00000:UNDI:002001",
                   "uboot": "U-Boot"}[profile]
    assert f'same   DISCOVER 60                "{expected_60}"' in r.stdout, r.stdout
    assert (tmp_path / "emulated.pcap").stat().st_size > 24
