"""The real proof of issue 11: per-host boot floppies boot on real firmware.

Under QEMU (TCG): SeaBIOS + the iPXE ROM -> DHCP from the reference server ->
pxelinux.0 -> memdisk (syslinux-common) + the floppy the server renders for that host
from one template image ([tftp].templates) -> the image's boot sector
(image/boot/host_floppy.asm, built by nasm) reads HOST.TXT through int 13h and prints
it on COM1. Two VMs with different MACs boot in one scenario, one from a 1440 KiB
image and one from a 720 KiB image; each must print its own host's name, address and
MAC, never the other's. About 30-60 s (two TCG VMs at once)."""
import json
import os

import pytest

from conftest import build_dir, run

CI = os.environ.get("CI") == "true"
NEEDS = {
    "/usr/bin/qemu-system-x86_64": "qemu-system-x86",
    "/usr/lib/ipxe/qemu/pxe-e1000.rom": "ipxe-qemu",
    "/usr/lib/PXELINUX/pxelinux.0": "pxelinux",
    "/usr/lib/syslinux/memdisk": "syslinux-common",
}
LINE = "pxelab floppy host ${hostname} ip ${ip} mac ${mac}\n"
VMS = [  # group, MAC, host name, address, image, size
    ("big", "52:54:00:42:01:01", "lab-a", "192.0.2.10", "host1440.img", "1440"),
    ("small", "52:54:00:42:02:02", "lab-b", "192.0.2.20", "host720.img", "720"),
]


def scenario_text():
    images = ", ".join(f'"{v[4]}"' for v in VMS)
    s = f'''[scenario]
name = "floppy-per-host-qemu"
description = "two VMs boot memdisk + their own rendered floppy"
seed = 11
deadline = 200

[[server]]
name = "boot"
qemu_assets = ["seabios-ipxe-memdisk"]
config = """
[server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.199"
router = "192.0.2.1"
[boot]
default_file = "pxelinux.0"
[tftp]
templates = [{images}]
"""
[server.files]
'''
    for v in VMS:
        s += f'"{v[4]}" = {{ from = "{v[4]}" }}\n'
    for group, mac, host, ip, image, _ in VMS:
        s += f'''
[[client]]
name = "{group}"
kind = "qemu"
firmware = "seabios-ipxe-memdisk"
mac = "{mac}"
host = {{ server = "boot", ip = "{ip}", hostname = "{host}", vars = {{ kernel = "memdisk", append = "initrd={image} floppy" }} }}
'''
    s += '\n[expect]\nall_booted_within = 180\n[[expect.outcome]]\nclients = "*"\nstatus = "booted"\n'
    return s


def test_two_vms_boot_their_own_rendered_floppy_under_memdisk(pxelab_bin, tmp_path):
    missing = [f"{p} ({pkg})" for p, pkg in NEEDS.items() if not os.path.exists(p)]
    if missing:
        if CI:
            pytest.fail("CI must have " + ", ".join(missing) + " (ci/setup)")
        pytest.skip("not installed: " + ", ".join(missing))
    boot = build_dir() / "image" / "host_floppy.bin"
    assert boot.exists(), f"{boot}: built by image/CMakeLists.txt with nasm"
    tree = tmp_path / "tree"
    (tree / "DOCS").mkdir(parents=True)
    (tree / "README.TXT").write_text("one template image, every host its own identity\n")
    (tree / "DOCS" / "NOTE.TXT").write_text("a subdirectory the boot sector ignores\n")
    (tree / "HOST.TXT").write_text(LINE)
    for *_, image, size in VMS:
        r = run([pxelab_bin, "image", "create", tmp_path / image, "--size", size, "--boot-sector", boot,
                 "--from", tree, "--label", "PXELAB"])
        assert r.returncode == 0, r.stderr
    (tmp_path / "floppy.toml").write_text(scenario_text())
    out = tmp_path / "out"
    r = run([pxelab_bin, "run", tmp_path / "floppy.toml", "--out", out, "--keep", tmp_path / "keep",
             "--no-progress"], timeout=400)
    report = json.loads((out / "report.json").read_text()) if (out / "report.json").exists() else {}
    assert r.returncode == 0, (r.stdout, r.stderr)
    outcomes = {c["outcome"]["name"]: c["outcome"] for c in report["clients"]}
    for group, mac, host, ip, image, size_kib in VMS:
        o = outcomes[group]  # a group of one: the client has the group's name
        assert o["status"] == "booted", o
        assert o["address"] == ip, o
        got = {i["name"]: i for i in o["images"]}
        assert "memdisk" in got and image in got, o["images"]
        # The floppy is the host's own rendering, its tsize exact (the size of the image).
        assert got[image]["size"] == got[image]["tsize"] == int(size_kib) * 1024, got[image]
        # The marker line (the outcome's text) is the first line of the host's HOST.TXT.
        assert o["text"] == f"pxelab floppy host {host} ip {ip} mac {mac}", o
        console = (tmp_path / "keep" / f"vm-{group}" / f"{group}.console.log").read_text(errors="replace")
        assert "Loading boot sector... booting" in console, console  # memdisk's own words
        assert f"Disk is fd0, {size_kib} K" in console, console      # memdisk read the BPB/geometry
        assert "pxelab floppy: begin" in console, console
        assert not any(f"host {v[2]} " in console for v in VMS if v[2] != host), console
