"""`pxelab replay --sut` end to end (issue 12 on issue 10's servers under test): a
field-library capture's clients replayed against real dnsmasq, Kea + tftpd-hpa and ISC
dhcpd + tftpd-hpa, placed by the shipped
profile in a namespace of its own behind a TAP (the scenarios' SutServer) on the wall
clock; the requests are answered by dnsmasq (replay.pcap has its replies), the diff and
both sides' checks are written, and nothing is left behind (also after SIGTERM);
without --config or root, exit 2."""
import json
import os
import signal
import subprocess
import time

import pytest

from conftest import REPO, run
from test_replay import pcap_frames
from test_sut import left_by, netns_names, tag_of

FIELD = REPO / "captures" / "field"
SUT_IP = bytes([198, 18, 0, 1])

pytestmark = pytest.mark.skipif(os.geteuid() != 0 and os.environ.get("CI") != "true", reason="servers under test need root (namespaces, a TAP)")

# The server model dnsmasq's config is rendered from: option66-only's fixed server,
# moved to 198.18.0.0/15 (the only addresses a server under test may have).
MODEL = """[server]
address = "198.18.0.1"
[[subnet]]
network = "198.18.0.0/24"
pool = "198.18.0.100-198.18.0.199"
router = "198.18.0.1"
[boot]
default_file = "pxelinux.0"
[boot.file]
x64-efi = "ipxe.efi"
"""


def udp_from(frame, port):
    """True if `frame` is an Ethernet/IPv4/UDP datagram from SUT_IP:port."""
    if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 17 or frame[26:30] != SUT_IP:
        return False
    ihl = (frame[14] & 0x0F) * 4
    return int.from_bytes(frame[14 + ihl:16 + ihl], "big") == port


def start_replay(pxelab_bin, tmp_path, out, profile="dnsmasq"):
    (tmp_path / "model.toml").write_text(MODEL)
    return subprocess.Popen([str(pxelab_bin), "replay", str(FIELD / "option66-only" / "capture.pcap"), "--sut",
                             profile, "--config", str(tmp_path / "model.toml"), "--out", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("profile", ["dnsmasq", "kea-tftpd-hpa", "isc-dhcpd-tftpd-hpa"])
def test_replay_against_a_server_under_test(pxelab_bin, tmp_path, profile):
    out = tmp_path / "out"
    p = start_replay(pxelab_bin, tmp_path, out, profile)
    try:
        stdout, stderr = p.communicate(timeout=180)
    finally:
        if p.poll() is None:
            p.kill()
    # The server under test sets siaddr where the field server did not: the decisive difference.
    assert p.returncode == 1, stdout + stderr
    assert "(decisive: siaddr present)" in stdout, stdout
    rep = json.loads((out / "report.json").read_text())
    assert rep["server"].startswith("--sut " + profile), rep["server"]
    assert rep["decisive"]["field"] == "siaddr present", rep["decisive"]
    # The replay happened against dnsmasq: every DHCP request got an answer, and the
    # replay's pcap has dnsmasq's DHCP replies and TFTP data from its address.
    requests = [q for c in rep["clients"] for q in c["requests"]]
    answered = [q for q in requests if any(a["replay_frame"] is not None for a in q["answers"])]
    assert all(c["requests"][0]["answers"][0]["replay_frame"] is not None for c in rep["clients"]), "a DISCOVER unanswered"
    assert len(requests) == 11 and len(answered) >= 8, json.dumps(requests, indent=1)[:3000]
    linktype, frames = pcap_frames(out / "replay.pcap")
    assert linktype == 1
    assert sum(udp_from(f, 67) for f in frames) >= 2, "no DHCP reply from the server under test in replay.pcap"
    assert any(udp_from(f, 4011) or (len(f) > 44 and f[26:30] == SUT_IP and f[23] == 17 and
                                     f[14 + (f[14] & 15) * 4 + 8:14 + (f[14] & 15) * 4 + 10] == b"\x00\x03")
               for f in frames), "no TFTP DATA from the server under test in replay.pcap"
    # The checks ran on both sides; the SUT's rendered config and logs are kept.
    assert rep["field"]["checks"] and rep["replay"]["checks"]
    assert "PXE-SIADDR" in {c["id"] for c in rep["field"]["checks"] if c["verdict"] == "fail"}
    assert (out / "junit.xml").stat().st_size > 0 and (out / "field.pcap").stat().st_size > 0
    assert any(f.suffix in (".conf", ".json") for f in (out / "sut").iterdir()), list((out / "sut").iterdir())
    assert left_by(p.pid, out) == []


def test_sut_needs_config_and_root(pxelab_bin, tmp_path):
    capture = FIELD / "option66-only" / "capture.pcap"
    r = run([pxelab_bin, "replay", capture, "--sut", "dnsmasq", "--out", tmp_path / "o"])
    assert r.returncode == 2 and "--sut needs --config FILE" in r.stderr, r.stderr
    r = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", pxelab_bin, "replay", capture, "--sut",
             "dnsmasq", "--config", FIELD / "option66-only" / "fixed.toml", "--out", tmp_path / "o"])
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.startswith("pxelab replay: --sut needs root"), r.stderr
    assert len(r.stderr.splitlines()) == 1


def test_sigterm_ends_the_replay_and_removes_everything(pxelab_bin, tmp_path):
    out = tmp_path / "out"
    p = start_replay(pxelab_bin, tmp_path, out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and p.poll() is None:
        if any(n.startswith("pxsut" + tag_of(p.pid)) for n in netns_names()):
            break
        time.sleep(0.1)
    assert p.poll() is None, p.communicate()
    time.sleep(1)  # into the replay (it lasts some 15 s of wall time)
    p.send_signal(signal.SIGTERM)
    stdout, stderr = p.communicate(timeout=30)
    assert p.returncode == 2, stdout + stderr
    assert f"interrupted by signal {int(signal.SIGTERM)}" in stderr, stderr
    assert left_by(p.pid, out) == []
