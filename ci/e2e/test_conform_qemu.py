"""Real firmware in `pxelab conform --suite full` (issue 10): each firmware of the suite
under QEMU (TCG) against one shipped profile, so every profile serves one real ROM and
every real ROM meets one server, in three short runs (about 25-35 s each):
SeaBIOS+iPXE -> pxelinux against Kea + tftpd-hpa, OVMF -> ipxe.efi -> script against
ISC dhcpd + tftpd-hpa, U-Boot -> boot.scr + pxe get/boot against dnsmasq."""
import json
import os

import pytest

from conftest import run
from test_sut import conform, left_by

pytestmark = pytest.mark.skipif(os.geteuid() != 0 and os.environ.get("CI") != "true",
                                reason="servers under test need root (namespaces, a TAP)")

# (profile, suite scenario, what the firmware prints on its serial console at the end)
PAIRS = [
    ("kea-tftpd-hpa", "qemu-seabios-ipxe", "pxelab: vm boot mode local (pxelinux.cfg/default of the server under test)"),
    ("isc-dhcpd-tftpd-hpa", "qemu-ovmf-ipxe", "pxelab: vm booted by iPXE (52:54:00:42:10:02 198.18.2.11 from 198.18.0.1)"),
    ("dnsmasq", "qemu-uboot", "pxelab: vm boot mode local (pxelinux.cfg/default of the server under test)"),
]


def test_core_has_no_qemu_and_full_has_core_and_three_firmwares(pxelab_bin):
    core = run([pxelab_bin, "conform", "--sut", "dnsmasq", "--list"])
    full = run([pxelab_bin, "conform", "--sut", "dnsmasq", "--suite", "full", "--list"])
    assert core.returncode == 0 and full.returncode == 0, core.stderr + full.stderr
    core_names, full_names = core.stdout.split(), full.stdout.split()
    assert core_names and not [n for n in core_names if n.startswith("qemu-")], core.stdout
    assert sorted(set(full_names) - set(core_names)) == sorted(s for _, s, _ in PAIRS), full.stdout
    shards = [run([pxelab_bin, "conform", "--sut", "dnsmasq", "--suite", "full", "--shard", f"{k}/3", "--list"])
              for k in (1, 2, 3)]
    assert sorted(n for s in shards for n in s.stdout.split()) == sorted(full_names)


@pytest.mark.parametrize("profile,scenario,console", PAIRS, ids=[f"{s}-{p}" for p, s, _ in PAIRS])
def test_real_firmware_boots_from_the_server_under_test(pxelab_bin, tmp_path, profile, scenario, console):
    out = tmp_path / "out"
    p, stdout, stderr = conform(pxelab_bin, out, "--sut", profile, "--suite", scenario, timeout=400)
    assert p.returncode in (0, 1), stdout + stderr  # 1: the server's MUST findings (the matrix has them)
    assert not left_by(p.pid, out)
    report = json.loads((out / f"conform-{scenario}" / "report.json").read_text())
    met = {e["what"]: e for e in report["expectations"]}
    assert met["clients vm booted"]["met"], met
    vm = next(c for c in report["clients"] if c["outcome"]["name"] == "vm")
    assert vm["outcome"]["status"] == "booted", vm["outcome"]
    assert vm["outcome"]["personality"].startswith("qemu:"), vm["outcome"]
    log = (out / f"conform-{scenario}" / "work" / "vm-vm" / "vm.console.log").read_text(errors="replace")
    assert console in log.replace("\r", ""), log[-2000:]
    # The firmware's answers came from the SUT (198.18.0.1) through the TAP: its DHCP
    # server on the wire, and at least one TFTP file read whole from it.
    assert vm["wire"]["dhcp_server"] == "198.18.0.1", vm["wire"]
    assert any(t["end"] == "complete" and t["server"] == "198.18.0.1" for t in vm["wire"]["tftp"]), vm["wire"]["tftp"]
