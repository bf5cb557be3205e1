"""`pxelab wake` sends Wake-on-LAN magic packets on a real link (issue 11), checked by
tshark's own WoL dissector: UDP to a directed broadcast (port 9 and another), and a raw
EtherType 0x0842 frame with a SecureOn password. Between two namespaces this test
creates (veth, 192.0.2.0/24) and removes; needs root and tshark (ci/setup)."""
import os
import subprocess
import time

import pytest

from conftest import run
from netlab import namespaces, sh, unique, veth

CI = os.environ.get("CI") == "true"


def need_root():
    if os.geteuid() == 0:
        return
    if CI:
        pytest.fail("CI runs the e2e suite as root (namespaces)")
    pytest.skip("needs root (network namespaces)")


def capture(ns, iface, pcap, send):
    """tshark on `iface` in `ns` while `send()` runs; the frames it decoded."""
    cap = subprocess.Popen(["ip", "netns", "exec", ns, "tshark", "-q", "-i", iface, "-w", str(pcap),
                            "-f", "udp or ether proto 0x0842"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (pcap.exists() and pcap.stat().st_size > 0):
            time.sleep(0.1)  # tshark writes the pcap header once it captures
        time.sleep(0.5)
        result = send()
        time.sleep(1.0)
    finally:
        cap.terminate()
        cap.communicate(timeout=20)
    fields = run(["tshark", "-r", pcap, "-T", "fields", "-E", "separator=|",
                  "-e", "eth.type", "-e", "udp.dstport", "-e", "ip.dst", "-e", "wol.mac", "-e", "wol.passwd", "-Y", "wol"])
    summary = run(["tshark", "-r", pcap, "-Y", "wol"]).stdout
    return result, [line.split("|") for line in fields.stdout.splitlines() if line], summary


def test_wake_sends_magic_packets_tshark_decodes(pxelab_bin, tmp_path):
    need_root()
    with namespaces("pxa", "pxb") as (ns_a, ns_b):
        a, b = veth(ns_a, ns_b)
        sh("ip", "addr", "add", "192.0.2.1/24", "brd", "192.0.2.255", "dev", a, ns=ns_a)
        sh("ip", "addr", "add", "192.0.2.2/24", "brd", "192.0.2.255", "dev", b, ns=ns_b)

        def send():
            return [
                sh(pxelab_bin, "wake", "52:54:00:12:34:56", "52:54:00:12:34:57", "--broadcast", "192.0.2.255", ns=ns_a),
                sh(pxelab_bin, "wake", "52:54:00:12:34:58", "--broadcast", "192.0.2.255", "--udp", "40009", ns=ns_a),
                sh(pxelab_bin, "wake", "52:54:00:12:34:59", "--ethertype", "--interface", a,
                   "--password", "01:02:03:04:05:06", ns=ns_a),
            ]

        sent, frames, summary = capture(ns_b, b, tmp_path / "wol.pcap", send)
    assert "woke 52:54:00:12:34:56 via udp 192.0.2.255:9 (102 bytes)" in sent[0].stdout, sent[0].stdout
    assert "woke 52:54:00:12:34:59 via ethertype" in sent[2].stdout, sent[2].stdout
    by_mac = {}
    for f in frames:
        macs = f[3].split(",")
        assert len(macs) == 16 and len(set(macs)) == 1, f  # the target MAC 16 times
        by_mac[macs[0]] = f
    assert set(by_mac) == {"52:54:00:12:34:56", "52:54:00:12:34:57", "52:54:00:12:34:58", "52:54:00:12:34:59"}, frames
    assert by_mac["52:54:00:12:34:56"][1:3] == ["9", "192.0.2.255"], frames
    assert by_mac["52:54:00:12:34:58"][1:3] == ["40009", "192.0.2.255"], frames
    raw = by_mac["52:54:00:12:34:59"]
    assert raw[0] == "0x0842" and raw[1] == "", frames  # no IP/UDP: EtherType 0x0842
    # The SecureOn password, as tshark's WoL dissector shows it.
    assert "MagicPacket for RealtekU_12:34:59 (52:54:00:12:34:59), password 01:02:03:04:05:06" in summary, summary


def test_wake_tap_writes_frames_tshark_decodes(pxelab_bin, tmp_path):
    """`pxelab wake --tap NAME` writes the magic-packet frames into a TAP device (a
    persistent one made here, inside a namespace this test creates and removes): a
    capture on that TAP sees them, and tshark's WoL dissector decodes the MAC (UDP to
    the broadcast given, and EtherType 0x0842 with a SecureOn password)."""
    need_root()
    with namespaces("pxa") as (ns,):
        tap = unique("pxb")
        sh("ip", "tuntap", "add", "mode", "tap", "name", tap, ns=ns)
        try:
            sh("ip", "link", "set", tap, "up", ns=ns)

            def send():
                return [
                    sh(pxelab_bin, "wake", "52:54:00:ab:cd:01", "--tap", tap, "--broadcast", "192.0.2.255", ns=ns),
                    sh(pxelab_bin, "wake", "52:54:00:ab:cd:02", "--tap", tap, "--ethertype",
                       "--password", "01:02:03:04:05:06", ns=ns),
                ]

            sent, frames, summary = capture(ns, tap, tmp_path / "tap.pcap", send)
        finally:
            sh("ip", "tuntap", "del", "mode", "tap", "name", tap, ns=ns, check=False)
    assert "woke 52:54:00:ab:cd:01 via tap " + tap + " (udp 192.0.2.255:9, 144 bytes)" in sent[0].stdout, sent[0].stdout
    assert "woke 52:54:00:ab:cd:02 via tap " + tap + " (ethertype, 122 bytes)" in sent[1].stdout, sent[1].stdout
    by_mac = {}
    for f in frames:
        macs = f[3].split(",")
        assert len(macs) == 16 and len(set(macs)) == 1, f
        by_mac[macs[0]] = f
    assert set(by_mac) == {"52:54:00:ab:cd:01", "52:54:00:ab:cd:02"}, frames
    assert by_mac["52:54:00:ab:cd:01"][1:3] == ["9", "192.0.2.255"], frames
    assert by_mac["52:54:00:ab:cd:02"][0] == "0x0842", frames
    assert "MagicPacket for RealtekU_ab:cd:02 (52:54:00:ab:cd:02), password 01:02:03:04:05:06" in summary, summary


@pytest.mark.parametrize("args,message", [
    (["52:54:00:12:34"], "'52:54:00:12:34' is not a MAC address"),
    (["52:54:00:12:34:56", "--password", "secret"], "--password: 'secret' is not a SecureOn password"),
    (["52:54:00:12:34:56", "--broadcast", "192.0.2"], "--broadcast '192.0.2' is not an IPv4 address"),
    (["52:54:00:12:34:56", "--ethertype"], "--ethertype needs --interface IF"),
])
def test_bad_input_is_exit_2_and_says_why(pxelab_bin, args, message):
    r = run([pxelab_bin, "wake", *args])
    assert r.returncode == 2, r
    assert message in r.stderr, r.stderr


def test_a_send_that_fails_is_exit_1_with_the_reason(pxelab_bin):
    r = run([pxelab_bin, "wake", "52:54:00:12:34:56", "--ethertype", "--interface", "pxnosuchif0"])
    assert r.returncode == 1, r
    assert "pxnosuchif0" in r.stderr, r.stderr
