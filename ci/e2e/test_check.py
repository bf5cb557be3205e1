"""`pxelab check` on the golden captures (captures/golden, made by captures/make-golden
from real dnsmasq, udhcpc, dhclient, tftp-hpa, curl, perfdhcp and pxelab serve), and on
damaged input: a truncated file, a file that is not a capture, a missing file."""
import json
import pathlib
from xml.etree import ElementTree

import pytest

from conftest import REPO, run

GOLDEN = REPO / "captures" / "golden"
CAPTURES = sorted(p for p in GOLDEN.iterdir() if p.suffix in (".pcap", ".pcapng"))


def test_there_are_golden_captures():
    names = {p.name for p in CAPTURES}
    assert {"dnsmasq-udhcpc.pcap", "dnsmasq-dhclient.pcapng", "serve-perfdhcp.pcap", "serve-cooked.pcap",
            "dnsmasq-vlan.pcap"} <= names, names


@pytest.mark.parametrize("capture", CAPTURES, ids=[p.name for p in CAPTURES])
def test_golden_output(pxelab_bin, capture):
    r = run([pxelab_bin, "check", capture.relative_to(REPO)], cwd=REPO)
    expected = (GOLDEN / (capture.name + ".txt")).read_text()
    assert r.stdout == expected, f"pxelab check {capture.name} changed; re-run captures/make-golden --check-only " \
                                 f"if intended.\n--- got:\n{r.stdout}\n--- stderr:\n{r.stderr}"
    assert r.returncode == int((GOLDEN / (capture.name + ".rc")).read_text())


def test_golden_facts(pxelab_bin, tmp_path):
    """What the golden captures must show, independent of formatting."""
    out = tmp_path / "r.json"
    r = run([pxelab_bin, "check", GOLDEN / "dnsmasq-udhcpc.pcap", "--json", out, "--junit", tmp_path / "j.xml"])
    assert r.returncode == 1, r.stderr  # dnsmasq does not echo option 61 (RFC 6842): a MUST finding
    rep = json.loads(out.read_text())
    assert rep["schema"] == "pxelab-report/1"
    assert rep["run"]["kind"] == "capture"
    client = rep["clients"][0]
    assert client["wire"]["fingerprint"]["id"] == "busybox-udhcpc"
    tftp = client["wire"]["tftp"]
    assert [t["bytes"] for t in tftp] == [20000, 20000, 0]
    assert tftp[1]["blksize"] == 1468 and tftp[2]["end"].startswith("ERROR 1")
    ids = {f["check"] for f in rep["findings"]}
    assert ids == {"DHCP-CLIENT-ID-ECHO"}, ids
    assert all(min(f["frames"]) >= 1 for f in rep["findings"])  # 1-based
    verdicts = {c["id"]: c["verdict"] for c in rep["checks"]}
    assert verdicts["OUTCOME-BOOTED"] == "not applicable"
    assert verdicts["TFTP-LAST-BLOCK"] == "pass"
    suite = ElementTree.parse(tmp_path / "j.xml").getroot()  # well-formed XML
    assert len(suite.findall(".//testcase")) == len(rep["checks"])
    assert len(suite.findall(".//failure")) == rep["summary"]["fail"]
    assert len(suite.findall(".//skipped")) == rep["summary"]["not_applicable"]


def test_cooked_and_vlan_captures_are_understood(pxelab_bin):
    r = run([pxelab_bin, "check", GOLDEN / "serve-cooked.pcap"])
    assert "Clients with a lease: 1/1" in r.stdout, r.stdout
    r = run([pxelab_bin, "check", GOLDEN / "dnsmasq-vlan.pcap"])
    assert "busybox-udhcpc" in r.stdout and "TFTP 'pxelinux.0'" in r.stdout, r.stdout


def test_truncated_capture_is_analysed_up_to_the_cut(pxelab_bin, tmp_path):
    data = (GOLDEN / "dnsmasq-udhcpc.pcap").read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(data[: len(data) * 2 // 3])
    r = run([pxelab_bin, "check", cut, "--json", tmp_path / "r.json"])
    assert r.returncode == 3, r.stdout + r.stderr
    assert "cut or corrupt" in r.stderr and "byte offset" in r.stderr, r.stderr
    assert "DISCOVER at" in r.stdout  # the frames before the cut were analysed
    rep = json.loads((tmp_path / "r.json").read_text())
    assert rep["run"]["read_error"] and rep["run"]["frames"] > 10


def test_not_a_capture(pxelab_bin, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("this is not a capture\n" * 10)
    r = run([pxelab_bin, "check", bad])
    assert r.returncode == 2
    assert f"cannot read {bad}" in r.stderr, r.stderr


def test_missing_file_and_usage(pxelab_bin, tmp_path):
    r = run([pxelab_bin, "check", tmp_path / "missing.pcap"])
    assert r.returncode == 2 and "missing.pcap" in r.stderr, r.stderr
    r = run([pxelab_bin, "check"])
    assert r.returncode == 2 and "CAPTURE" in r.stderr
    r = run([pxelab_bin, "check", GOLDEN / "serve-cooked.pcap", "--only", "NOPE-1"])
    assert r.returncode == 2 and "unknown check id(s): NOPE-1" in r.stderr


def test_only_quiet_list_and_help(pxelab_bin):
    r = run([pxelab_bin, "check", GOLDEN / "dnsmasq-udhcpc.pcap", "--only", "TFTP-*", "--quiet"])
    assert r.returncode == 0, r.stdout + r.stderr  # the MUST finding is not a TFTP check
    assert r.stdout.count("\n") == 1 and "failing (0 MUST)" in r.stdout, r.stdout
    r = run([pxelab_bin, "check", "--list"])
    assert r.returncode == 0 and r.stdout.strip().endswith("checks")
    assert int(r.stdout.strip().split()[-2]) >= 40
    r = run([pxelab_bin, "check", "--help"])
    assert r.returncode == 0 and "Examples:" in r.stdout and "Exit status" in r.stdout


@pytest.mark.parametrize("capture,personality", [
    ("ovmf-x64.pcap", "edk2-x64"), ("ovmf-x64-ipxe.pcap", "edk2-x64"), ("seabios-ipxe.pcap", "ipxe-bios"),
    ("seabios-ipxe-virtio.pcap", "ipxe-bios"), ("uboot.pcap", "uboot"), ("ovmf-x64-66only.pcap", "edk2-x64"),
    ("ovmf-x64-noboot.pcap", "edk2-x64"), ("ovmf-x64-icmp.pcap", "edk2-x64")])
def test_real_firmware_fingerprints_as_its_personality(pxelab_bin, tmp_path, capture, personality):
    """The golden captures of real firmware under QEMU (captures/golden/qemu, ci/qemu-golden)."""
    path = GOLDEN / "qemu" / capture
    r = run([pxelab_bin, "check", path, "--json", tmp_path / "r.json"])
    assert r.returncode == 0, r.stdout + r.stderr  # the reference server: no MUST failure
    rep = json.loads((tmp_path / "r.json").read_text())
    fps = [c["wire"]["fingerprint"]["id"] for c in rep["clients"] if c["wire"] and c["wire"]["fingerprint"]]
    assert fps and fps[0] == personality, fps


@pytest.mark.parametrize("profile,status", [
    ("ovmf-x64", 0), ("ovmf-x64-ipxe", 0), ("seabios-ipxe", 0), ("seabios-ipxe-virtio", 0), ("uboot", 0),
    ("ovmf-x64-66only", 0), ("ovmf-x64-noboot", 0), ("ovmf-x64-icmp", 0),
    # iPXE's DISCOVER retries at 0/1/3 s (FW timers) fail PXE-CLIENT-RETRY (MUST, client).
    ("seabios-ipxe-noboot", 1)])
def test_real_firmware_golden_check_text(pxelab_bin, profile, status):
    """`pxelab check` over each golden capture of real firmware prints exactly its golden
    text (captures/golden/qemu/PROFILE.check.txt; `ci/qemu-golden --check-only` rewrites)."""
    pcap = GOLDEN / "qemu" / f"{profile}.pcap"
    r = run([pxelab_bin, "check", pcap.relative_to(REPO)], cwd=REPO)
    assert r.returncode == status, r.stdout + r.stderr
    expected = (GOLDEN / "qemu" / f"{profile}.check.txt").read_text()
    assert r.stdout == expected, f"pxelab check {pcap.name} changed; re-run ci/qemu-golden --check-only and review"


def tshark(pcap, display_filter, *fields):
    """Rows of the named fields (tab-split) of the frames tshark matches."""
    args = ["tshark", "-r", str(pcap), "-Y", display_filter, "-T", "fields"]
    for f in fields:
        args += ["-e", f]
    r = run(args)
    assert r.returncode == 0, r.stderr
    return [line.split("\t") for line in r.stdout.splitlines() if line]


def test_real_ovmf_boots_via_option_54_when_the_server_sends_only_66(pxelab_bin, tmp_path):
    """FW-37 on real firmware (captures/golden/qemu/ovmf-x64-66only.pcap, ci/qemu-golden):
    the server sends siaddr 0.0.0.0 and 66 = 54 = 192.0.2.1. OVMF reads its NBP from
    option 54's host; the iPXE it chainloads (a second identity of the MAC) asks nothing
    over TFTP. pxelab check says so: PXE-SIADDR names 54 as what EDK2 uses, the ladder
    shows the chainload and no RRQ after it."""
    pcap = GOLDEN / "qemu" / "ovmf-x64-66only.pcap"
    acks = tshark(pcap, "dhcp.option.dhcp == 5", "frame.number", "dhcp.ip.server", "dhcp.option.tftp_server_name",
                  "dhcp.option.dhcp_server_id")
    assert acks and all(a[1:] == ["0.0.0.0", "192.0.2.1", "192.0.2.1"] for a in acks), acks
    rrqs = tshark(pcap, "tftp.opcode == 1", "frame.number", "ip.dst", "tftp.source_file")
    assert [r[1:] for r in rrqs] == [["192.0.2.1", "ipxe.efi"]] * 2, rrqs
    r = run([pxelab_bin, "check", pcap, "--out", tmp_path])
    assert r.returncode == 0, r.stdout + r.stderr  # PXE-SIADDR is INTEROP-level
    rep = json.loads((tmp_path / "report.json").read_text())
    (c,) = rep["clients"]
    ids = c["wire"]["identities"]
    assert [i["fingerprint"]["id"] for i in ids] == ["edk2-x64", "ipxe-efi"], ids
    assert ids[1]["chainloaded_from"] == "edk2-x64"
    assert c["wire"]["tftp"][-1]["end"] == "complete" and c["wire"]["tftp"][-1]["bytes"] == 850528
    after = [s for s in c["ladder"]["steps"] if s["frame"] >= ids[1]["first_frame"]]
    assert after and not [s for s in after if s["kind"] in ("tftp", "transfer")], after
    texts = [f["message"] for f in rep["findings"] if f["check"] == "PXE-SIADDR"]
    assert texts and all("EDK2 falls back to option 54 192.0.2.1, the same host, so EDK2 boots" in t for t in texts), texts
    assert "then, chainloaded by edk2-x64, as ipxe-efi" in r.stdout, r.stdout


@pytest.mark.parametrize("profile,personality,next_step", [
    ("ovmf-x64-noboot", "edk2-x64", 'sends no REQUEST, prints "PXE-E16: No valid offer received."'),
    ("seabios-ipxe-noboot", "ipxe-bios", 'iPXE takes the address, prints "Nothing to boot: ..."')])
def test_real_firmware_given_nothing_to_boot_is_reported_per_client(pxelab_bin, tmp_path, profile, personality, next_step):
    """Issue 15 on real firmware (captures/golden/qemu/PROFILE.pcap, ci/qemu-golden): the
    reference server gives an address and nothing to boot (no file, no 67, no PXE
    options, no proxy). What the firmware did is in the capture (OVMF: DISCOVERs only,
    it ended in PXE-E16; iPXE: a lease, then "Nothing to boot", no RRQ); pxelab check
    reports that client as given nothing to boot, naming the firmware's next step, in
    the text, report.json and report.html."""
    pcap = GOLDEN / "qemu" / f"{profile}.pcap"
    offers = tshark(pcap, "dhcp.option.dhcp == 2", "frame.number", "dhcp.file", "dhcp.option.bootfile_name",
                    "dhcp.option.vendor_class_id")
    assert offers and all(o[1:] == ["", "", ""] for o in offers), offers  # nothing to boot, not a PXE offer
    assert not tshark(pcap, "tftp", "frame.number"), "nothing was read over TFTP"
    requests = tshark(pcap, "dhcp.option.dhcp == 3", "frame.number")
    assert (requests == []) == (personality == "edk2-x64"), requests  # EDK2 skips a DHCP-only offer
    r = run([pxelab_bin, "check", pcap, "--out", tmp_path])
    assert r.returncode == (1 if personality == "ipxe-bios" else 0), r.stdout + r.stderr
    rep = json.loads((tmp_path / "report.json").read_text())
    (c,) = rep["clients"]
    assert c["wire"]["fingerprint"]["id"] == personality
    why = c["wire"]["nothing_to_boot"]
    assert why and why.startswith("nothing to boot: 192.0.2.1 offered an address and no boot file"), why
    assert next_step in why, why
    assert f"      {why}\n" in r.stdout, r.stdout  # the client's lines of the text summary
    assert json.dumps(why)[1:-1] in (tmp_path / "report.html").read_text()  # the page's embedded report


def test_real_ovmf_rrq_answered_by_icmp_port_unreachable(pxelab_bin, tmp_path):
    """Issue 15 / FW-37 on real firmware (captures/golden/qemu/ovmf-x64-icmp.pcap,
    ci/qemu-golden): siaddr names 192.0.2.2, a Linux kernel address on the segment (a
    namespace's TAP) with no TFTP listener. OVMF's RRQ is answered by ICMP port
    unreachable from that host, and OVMF gives up at once (PXE-E99, no retransmission).
    pxelab check shows the ICMP step in the client's ladder and its TFTP line, with
    the address that sent it, and never as "no answer"."""
    pcap = GOLDEN / "qemu" / "ovmf-x64-icmp.pcap"
    acks = tshark(pcap, "dhcp.option.dhcp == 5", "dhcp.ip.server", "dhcp.option.dhcp_server_id")
    assert acks == [["192.0.2.2", "192.0.2.1"]], acks
    (rrq,) = tshark(pcap, "tftp.opcode == 1 && !icmp", "frame.number", "ip.dst", "tftp.source_file", "udp.srcport")
    assert rrq[1:3] == ["192.0.2.2", "ipxe.efi"], rrq
    (icmp,) = tshark(pcap, "icmp.type == 3 && icmp.code == 3", "frame.number", "ip.src", "eth.src", "udp.dstport")
    assert icmp[1].split(",")[0] == "192.0.2.2" and icmp[3] == "69", icmp  # quotes the RRQ to port 69
    r = run([pxelab_bin, "check", pcap, "--out", tmp_path])
    assert r.returncode == 0, r.stdout + r.stderr
    rep = json.loads((tmp_path / "report.json").read_text())
    (c,) = rep["clients"]
    steps = c["ladder"]["steps"]
    kinds = [(s["kind"], s["what"]) for s in steps]
    assert kinds[-2:] == [("tftp", "RRQ"), ("icmp", "ICMP port unreachable")], kinds
    step = steps[-1]
    assert step["frame"] == int(icmp[0]) and step["peer"] == "192.0.2.2" and step["src_mac"] == icmp[2], step
    assert f"192.0.2.10:{rrq[3]} -> 192.0.2.2:69" in step["detail"], step
    (t,) = c["wire"]["tftp"]
    assert t["server"] == "192.0.2.2" and t["request_frame"] == int(rrq[0]), t
    assert t["icmp"] == {"what": "ICMP port unreachable", "from": "192.0.2.2", "from_mac": icmp[2],
                         "frame": int(icmp[0])}, t
    assert t["end"] == f"ICMP port unreachable from 192.0.2.2 ({icmp[2]}) in frame {icmp[0]}", t
    line = [l for l in r.stdout.splitlines() if l.strip().startswith("TFTP 'ipxe.efi'")]
    assert line == [f"      TFTP 'ipxe.efi' from 192.0.2.2: 0 octets in 0 ms (0 B/s), blksize 512, 0 retransmissions, "
                    f"ICMP port unreachable from 192.0.2.2 ({icmp[2]}) in frame {icmp[0]} (frame {rrq[0]})"], r.stdout
    assert "no answer" not in r.stdout and "no answer" not in json.dumps(c), r.stdout
