"""Local boot on real firmware (issue 11, FW-47), both VMs of one `pxelab run` under
QEMU (TCG), their hosts in local mode on the reference server:

- SeaBIOS + the iPXE ROM: iPXE (user class "iPXE") gets the server's generated
  pxelab/local-bios.ipxe, runs `sanboot --no-describe --drive 0x80`, and the VM's raw
  disk boots: its MBR (image/boot/local_disk.asm, built by nasm) prints
  "pxelab local disk: booted from drive 0x80" on COM1.
- OVMF (EDK2's own PXE): option 43 offers the local item alone (type 0, timeout 0);
  EDK2 takes it ("PXE-E21: Remote boot cancelled."), BDS gives up Boot0001 (PXEv4)
  and moves on to its next boot option, PXE over IPv6 (the words seen on this
  machine's OVMF, Debian 2022.11).

The two profiles are the shipped seabios-ipxe and ovmf-x64 with a disk added and the
marker set to those lines (marker_status = "local-boot"; OVMF leaves its IPv6 line
without a newline while it waits, hence marker_partial_line), written into a temporary
firmware directory (PXELAB_FIRMWARE_DIR). About 20 s."""
import json
import os
import re

import pytest

from conftest import REPO, build_dir, run

CI = os.environ.get("CI") == "true"
NEEDS = {
    "/usr/bin/qemu-system-x86_64": "qemu-system-x86",
    "/usr/lib/ipxe/qemu/pxe-e1000.rom": "ipxe-qemu",
    "/usr/share/OVMF/OVMF_CODE_4M.fd": "ovmf",
}
FIRMWARE = REPO / "client" / "qemu" / "firmware"
DISK_LINE = "pxelab local disk: booted from drive 0x80"
OVMF_NEXT = ">>Start PXE over IPv6"  # then "." (the VM may be stopped before it)


def profiles(fw_dir, disk):
    """seabios-ipxe-localdisk and ovmf-x64-local from the shipped profiles."""
    s = (FIRMWARE / "seabios-ipxe.toml").read_text().split("# Fidelity against")[0]
    s = s.replace('id = "seabios-ipxe"', 'id = "seabios-ipxe-localdisk"')
    s = s.replace('"-serial", "${serial}"]', f'"-serial", "${{serial}}", "-drive", "file={disk},format=raw,if=ide"]')
    s = re.sub(r"marker = .*\n", f"marker = '{DISK_LINE}'\nmarker_status = \"local-boot\"\n", s)
    assert DISK_LINE in s and str(disk) in s
    (fw_dir / "seabios-ipxe-localdisk.toml").write_text(s)
    o = (FIRMWARE / "ovmf-x64.toml").read_text().split("\n[[known]]")[0]
    o = o.replace('id = "ovmf-x64"', 'id = "ovmf-x64-local"')
    # EDK2's PXE-E21 is how it takes the local item, not a failure to stop at.
    o = o.replace("pattern = 'PXE-E[0-9A-F]{2}'", "pattern = 'PXE-E(?!21)[0-9A-F]{2}'")
    o = re.sub(r"marker = .*\n", "marker = '>>Start PXE over IPv6'\nmarker_status = \"local-boot\"\nmarker_partial_line = true\n", o)
    o = re.sub(r"deadline_seconds = .*\n", "deadline_seconds = 60\n", o)
    assert "PXE-E(?!21)" in o and "IPv6" in o
    (fw_dir / "ovmf-x64-local.toml").write_text(o)


SCENARIO = '''[scenario]
name = "local-boot-qemu"
description = "real firmware in local mode: SeaBIOS+iPXE sanboots its disk, OVMF takes the local item"
seed = 47
deadline = 90

[[server]]
name = "boot"
config = """
[server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.199"
router = "192.0.2.1"
[boot]
default_file = "pxelinux.0"
[[group]]
name = "disks"
mode = "local"
"""
[server.files]
"pxelinux.0" = { size = 1000 }

[[client]]
name = "bios"
kind = "qemu"
firmware = "seabios-ipxe-localdisk"
mac = "52:54:00:47:00:01"
host = { server = "boot", ip = "192.0.2.10", hostname = "bios-disk", group = "disks" }

[[client]]
name = "uefi"
kind = "qemu"
firmware = "ovmf-x64-local"
mac = "52:54:00:47:00:02"
host = { server = "boot", ip = "192.0.2.20", hostname = "uefi-disk", group = "disks" }

[expect]
[[expect.outcome]]
clients = "*"
status = "local-boot"
'''


def test_real_firmware_in_local_mode_boots_its_disk_or_its_next_option(pxelab_bin, tmp_path):
    missing = [f"{p} ({pkg})" for p, pkg in NEEDS.items() if not os.path.exists(p)]
    if missing:
        if CI:
            pytest.fail("CI must have " + ", ".join(missing) + " (ci/setup)")
        pytest.skip("not installed: " + ", ".join(missing))
    mbr = build_dir() / "image" / "local_disk.bin"
    assert mbr.exists(), f"{mbr}: built by image/CMakeLists.txt with nasm"
    sector = mbr.read_bytes()
    assert len(sector) == 512 and sector[510:] == b"\x55\xaa"
    disk = tmp_path / "disk.img"
    disk.write_bytes(sector + bytes(1024 * 1024 - 512))
    fw_dir = tmp_path / "fw"
    fw_dir.mkdir()
    profiles(fw_dir, disk)
    (tmp_path / "local.toml").write_text(SCENARIO)
    out, keep = tmp_path / "out", tmp_path / "keep"
    r = run([pxelab_bin, "run", tmp_path / "local.toml", "--out", out, "--keep", keep, "--no-progress"],
            timeout=300, env={**os.environ, "PXELAB_FIRMWARE_DIR": str(fw_dir)})
    consoles = {g: (keep / f"vm-{g}" / f"{g}.console.log").read_text(errors="replace")
                if (keep / f"vm-{g}" / f"{g}.console.log").exists() else "" for g in ("bios", "uefi")}
    assert r.returncode == 0, (r.stdout[-3000:], r.stderr[-2000:], consoles)
    report = json.loads((out / "report.json").read_text())
    outcomes = {c["outcome"]["name"]: c["outcome"] for c in report["clients"]}

    # SeaBIOS + iPXE: the server's script, iPXE's sanboot, then the disk's own line.
    bios = outcomes["bios"]
    assert bios["status"] == "local-boot", bios
    assert bios["text"] == DISK_LINE, bios
    assert [i["name"] for i in bios["images"]] == ["pxelab/local-bios.ipxe"], bios["images"]
    con = consoles["bios"]
    assert "Filename: pxelab/local-bios.ipxe" in con, con
    assert "pxelab: local boot, sanboot drive 0x80" in con, con  # the script's echo
    assert con.index("Booting from SAN device") < con.index(DISK_LINE), con

    # OVMF: no file at all; EDK2 takes the local item and BDS moves on.
    uefi = outcomes["uefi"]
    assert uefi["status"] == "local-boot", uefi
    assert uefi["text"].startswith(OVMF_NEXT), uefi
    assert uefi["images"] == [], uefi
    con = re.sub(r"\x1b\[[0-9;=]*[A-Za-z]", "", consoles["uefi"])
    e21 = con.index("PXE-E21: Remote boot cancelled.")
    failed = con.index('BdsDxe: failed to load Boot0001 "UEFI PXEv4 (MAC:525400470002)"')
    assert e21 < failed < con.index(OVMF_NEXT), con
    # The run is short: each VM stopped at its line, not at the deadline.
    for o in (bios, uefi):
        assert o["timeline"]["done_s"] < 60, o["timeline"]
