"""`pxelab serve` on a real link, against real third-party clients in namespaces:
busybox udhcpc, ISC dhclient, tftp-hpa, curl, perfdhcp; SIGKILL and restart."""
import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import pytest

from netlab import Server, namespaces, sh, veth
from conftest import run

# Root is needed for namespaces. CI runs as root; there a non-root run must fail, not skip.
pytestmark = pytest.mark.skipif(os.geteuid() != 0 and os.environ.get("CI") != "true",
                                reason="needs root for network namespaces")

CONFIG = """
[server]
address = "192.0.2.1"
lease_time = 3600
lease_file = "leases.journal"
fsync = "{fsync}"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.199"
router = "192.0.2.254"
dns = "192.0.2.53"
domain = "lab.test"
[boot]
default_file = "pxelinux.0"
[tftp]
root = "tftp"
"""


@pytest.fixture
def lab(tmp_path, pxelab_bin):
    """A server namespace and a client namespace joined by a veth pair."""
    (tmp_path / "tftp").mkdir()
    image = os.urandom(300_000)
    (tmp_path / "tftp" / "pxelinux.0").write_bytes(image)
    (tmp_path / "server.toml").write_text(CONFIG.format(fsync="each"))
    with namespaces("pxsrv", "pxcli") as (srv_ns, cli_ns):
        srv_if, cli_if = veth(srv_ns, cli_ns)
        yield {"dir": tmp_path, "srv_ns": srv_ns, "cli_ns": cli_ns, "srv_if": srv_if, "cli_if": cli_if,
               "image": image, "pxelab": pxelab_bin}


def start(lab, *args, config="server.toml", log="serve.log"):
    return Server(lab["pxelab"], lab["srv_ns"], lab["dir"] / config, list(args), lab["dir"] / log)


def udhcpc(lab):
    """Runs busybox udhcpc once; returns the environment its script saw on 'bound'."""
    env_file = lab["dir"] / "udhcpc.env"
    script = lab["dir"] / "udhcpc.sh"
    script.write_text(f"#!/bin/sh\n[ \"$1\" = bound ] && env > {env_file}\nexit 0\n")
    script.chmod(0o755)
    r = sh("busybox", "udhcpc", "-i", lab["cli_if"], "-f", "-q", "-n", "-t", "4", "-T", "2", "-s", script,
           ns=lab["cli_ns"], check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    return dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)


def test_udhcpc_gets_a_lease_and_the_configured_options(lab):
    server = start(lab, "--interface", lab["srv_if"], "--pcap", lab["dir"] / "serve.pcap")
    try:
        env = udhcpc(lab)
    finally:
        assert server.stop() == 0, server.output()
    assert env["ip"] == "192.0.2.100"
    assert env["subnet"] == "255.255.255.0"
    assert env["router"] == "192.0.2.254"
    assert env["dns"].strip() == "192.0.2.53"
    assert env["domain"] == "lab.test"
    assert env["lease"] == "3600"
    assert env["serverid"] == "192.0.2.1"
    assert env["siaddr"] == "192.0.2.1"
    assert env["boot_file"] == "pxelinux.0"
    out = server.output()
    assert "DHCPDISCOVER" in out and "ACK 192.0.2.100" in out
    assert "stopped by signal 15" in out
    # The lease is in the journal, and the pcap decodes in tshark.
    assert " 192.0.2.100 " in (lab["dir"] / "leases.journal").read_text()
    r = run(["tshark", "-n", "-r", lab["dir"] / "serve.pcap", "-Y", "dhcp.option.dhcp == 5", "-T", "fields",
             "-e", "dhcp.ip.your"])
    assert r.stdout.split() == ["192.0.2.100"], r.stdout + r.stderr


def test_dhclient_gets_a_lease(lab):
    server = start(lab, "--interface", lab["srv_if"])
    leases, pidfile = lab["dir"] / "dhclient.leases", lab["dir"] / "dhclient.pid"
    try:
        r = sh("dhclient", "-1", "-4", "-v", "-sf", "/bin/true", "-lf", leases, "-pf", pidfile, lab["cli_if"],
               ns=lab["cli_ns"], check=False, timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        if pidfile.exists():
            subprocess.run(["kill", pidfile.read_text().strip()], capture_output=True)
        assert server.stop() == 0, server.output()
    text = leases.read_text()
    assert "fixed-address 192.0.2.100;" in text
    assert "option routers 192.0.2.254;" in text
    assert "option dhcp-server-identifier 192.0.2.1;" in text


def test_tftp_hpa_and_curl_fetch_the_image(lab):
    server = start(lab, "--interface", lab["srv_if"], "--pcap", lab["dir"] / "tftp.pcap")
    try:
        sh("ip", "addr", "add", "192.0.2.50/24", "dev", lab["cli_if"], ns=lab["cli_ns"])
        got1, got2, got3 = (lab["dir"] / n for n in ("tftp-hpa.bin", "curl.bin", "curl512.bin"))
        sh("tftp", "-m", "binary", "192.0.2.1", "-c", "get", "pxelinux.0", got1, ns=lab["cli_ns"])
        sh("curl", "-sS", "--tftp-blksize", "1468", "-o", got2, "tftp://192.0.2.1/pxelinux.0", ns=lab["cli_ns"])
        sh("curl", "-sS", "--tftp-blksize", "512", "-o", got3, "tftp://192.0.2.1/pxelinux.0", ns=lab["cli_ns"])
        r = sh("curl", "-sS", "-o", lab["dir"] / "none", "tftp://192.0.2.1/missing.0", ns=lab["cli_ns"], check=False)
        assert r.returncode != 0
    finally:
        assert server.stop() == 0, server.output()
    for got in (got1, got2, got3):
        assert got.read_bytes() == lab["image"], got.name
    # curl asked blksize and tsize: the OACK carries the exact size and the capped size.
    r = run(["tshark", "-n", "-r", lab["dir"] / "tftp.pcap", "-Y", "tftp.opcode == 6", "-T", "fields",
             "-e", "tftp.option.name", "-e", "tftp.option.value"])
    assert "tsize" in r.stdout and str(len(lab["image"])) in r.stdout, r.stdout
    out = server.output()
    assert "blksize 1468" in out and "sent 300000 bytes" in out
    assert "missing.0" in out and "ERROR 1" in out


def test_serve_on_a_tap_device_bridged_to_the_clients(lab, pxelab_bin):
    # A persistent TAP inside the server namespace, bridged with the veth end.
    tap, br = "pxtap0", "pxbr0"
    ns = lab["srv_ns"]
    sh("ip", "tuntap", "add", "dev", tap, "mode", "tap", ns=ns)
    sh("ip", "link", "add", br, "type", "bridge", ns=ns)
    for dev in (tap, lab["srv_if"]):
        sh("ip", "link", "set", dev, "master", br, ns=ns)
    sh("ip", "link", "set", br, "up", ns=ns)
    server = start(lab, "--tap", tap)
    try:
        env = udhcpc(lab)
    finally:
        assert server.stop() == 0, server.output()
    assert env["ip"] == "192.0.2.100"


def test_perfdhcp_finds_no_duplicate_addresses(tmp_path, pxelab_bin):
    (tmp_path / "perf.toml").write_text("""
[server]
address = "198.18.0.1"
lease_time = 3600
lease_file = "leases.journal"
fsync = "group"
[[subnet]]
network = "198.18.0.0/16"
pool = "198.18.1.0-198.18.40.255"
""")
    with namespaces("pxsrv", "pxcli") as (srv_ns, cli_ns):
        srv_if, cli_if = veth(srv_ns, cli_ns)
        sh("ip", "addr", "add", "198.18.0.2/16", "dev", cli_if, ns=cli_ns)
        server = Server(pxelab_bin, srv_ns, tmp_path / "perf.toml", ["-i", srv_if, "-q"], tmp_path / "serve.log")
        try:
            # As a relay (giaddr = 198.18.0.2): 2000 distinct clients (-R) at 400/s, uniqueness checked (-u).
            r = sh("perfdhcp", "-4", "-l", cli_if, "-r", "400", "-R", "2000", "-n", "2000", "-u", "198.18.0.1",
                   ns=cli_ns, check=False, timeout=120)
        finally:
            assert server.stop() == 0, server.output()
    out = r.stdout + r.stderr
    assert "Statistics for: REQUEST-ACK" in out, out
    acks = int(re.search(r"Statistics for: REQUEST-ACK.*?received packets: (\d+)", out, re.S).group(1))
    assert acks >= 1800, out
    # perfdhcp -u prints "non unique addresses: N" per exchange type: parse, assert 0.
    non_unique = [int(n) for n in re.findall(r"non unique addresses: (\d+)", out)]
    assert non_unique, f"perfdhcp -u printed no uniqueness figure:\n{out}"
    assert all(n == 0 for n in non_unique), out
    leases = [l.split() for l in (tmp_path / "leases.journal").read_text().splitlines() if not l.startswith("#")]
    bound = {}
    for crc, ip, mac, state, *_ in leases:
        if state == "bound":
            assert bound.setdefault(ip, mac) == mac, f"{ip} bound to {bound[ip]} and {mac}"
    assert len(bound) >= acks


def test_config_errors_are_reported_with_file_and_line(tmp_path, pxelab_bin):
    bad = tmp_path / "bad.toml"
    bad.write_text('[server]\naddress = "192.0.2.1"\nleese_time = 5\n')
    r = run([pxelab_bin, "serve", "-c", bad, "--tap", "pxnotused0"])
    assert r.returncode == 1
    assert f"{bad}:3:1: server.leese_time: unknown key" in r.stderr, r.stderr
    r = run([pxelab_bin, "serve", "-c", tmp_path / "missing.toml", "--tap", "x"])
    assert r.returncode == 2 and "missing.toml" in r.stderr
    good = tmp_path / "good.toml"
    good.write_text('[server]\nmode = "proxy"\naddress = "192.0.2.1"\n')
    r = run([pxelab_bin, "serve", "-c", good])
    assert r.returncode == 2 and "--tap NAME and/or --interface IF" in r.stderr


def test_a_config_that_fails_validation_creates_nothing(tmp_path, pxelab_bin):
    """Issue 10: a missing TFTP root was refused, but a fresh leases.journal was left
    beside the config. The root is now checked before the journal is opened."""
    conf = tmp_path / "server.toml"
    conf.write_text('[server]\naddress = "192.0.2.1"\nlease_file = "leases.journal"\n[[subnet]]\n'
                    'network = "192.0.2.0/24"\npool = "192.0.2.100-192.0.2.199"\n[tftp]\nroot = "tftp"\n')
    r = run([pxelab_bin, "serve", "-c", conf, "--tap", "pxnotused0"])
    assert r.returncode == 1 and "tftp.root" in r.stderr and "is not a directory" in r.stderr, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["server.toml"]


@pytest.mark.parametrize("fsync", ["each", "group"])
def test_sigkill_mid_storm_loses_no_acknowledged_lease(tmp_path, pxelab_bin, fsync):
    """ACKs seen on the wire are the ground truth: every one of them must be in the
    journal after a SIGKILL and a restart, and no address may be acknowledged to two
    clients, before or after the restart."""
    (tmp_path / "kill.toml").write_text(f"""
[server]
address = "198.18.0.1"
lease_time = 3600
lease_file = "leases.journal"
fsync = "{fsync}"
[[subnet]]
network = "198.18.0.0/16"
pool = "198.18.1.0-198.18.60.255"
""")
    with namespaces("pxsrv", "pxcli") as (srv_ns, cli_ns):
        srv_if, cli_if = veth(srv_ns, cli_ns)
        sh("ip", "addr", "add", "198.18.0.2/16", "dev", cli_if, ns=cli_ns)
        capture = tmp_path / "wire.pcap"
        dumpcap = subprocess.Popen(["ip", "netns", "exec", cli_ns, "dumpcap", "-q", "-i", cli_if, "-f", "udp port 67",
                                    "-w", capture], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 10
            while not capture.exists() and time.time() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)
            server = Server(pxelab_bin, srv_ns, tmp_path / "kill.toml", ["-i", srv_if, "-q"], tmp_path / "serve1.log")
            storm = subprocess.Popen(["ip", "netns", "exec", cli_ns, "perfdhcp", "-4", "-l", cli_if, "-r", "500",
                                      "-R", "6000", "-p", "6", "-b", "mac=00:0c:01:00:00:00", "198.18.0.1"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            time.sleep(2.5)
            assert server.kill() == -signal.SIGKILL
            killed_at = time.time()
            time.sleep(0.5)
            server = Server(pxelab_bin, srv_ns, tmp_path / "kill.toml", ["-i", srv_if, "-q"], tmp_path / "serve2.log")
            storm_out = storm.communicate(timeout=60)[0]
            # New clients after the restart must not get addresses acknowledged before it.
            r = sh("perfdhcp", "-4", "-l", cli_if, "-r", "500", "-R", "1000", "-n", "1000",
                   "-b", "mac=00:0c:02:00:00:00", "198.18.0.1", ns=cli_ns, check=False, timeout=60)
            assert server.stop() == 0, server.output()
        finally:
            dumpcap.send_signal(signal.SIGTERM)
            dumpcap.wait(timeout=10)
    assert "replayed" in server.output()
    r2 = run(["tshark", "-n", "-r", capture, "-Y", "dhcp.option.dhcp == 5", "-T", "fields",
              "-e", "frame.time_epoch", "-e", "dhcp.ip.your", "-e", "dhcp.hw.mac_addr"])
    # A field may occur twice (chaddr, and inside option 61): the first is the header's.
    acks = [[f.split(",")[0] for f in line.split("\t")] for line in r2.stdout.splitlines() if line.strip()]
    before = [a for a in acks if float(a[0]) < killed_at]
    after = [a for a in acks if float(a[0]) >= killed_at]
    assert len(before) > 200 and len(after) > 200, (len(before), len(after), storm_out[-2000:])
    owner = {}
    for _, ip, mac in acks:
        assert owner.setdefault(ip, mac) == mac, f"{ip} acknowledged to {owner[ip]} and to {mac}"
    journal = {}
    for line in (tmp_path / "leases.journal").read_text().splitlines():
        if line.startswith("#"):
            continue
        crc, ip, mac, state, *_ = line.split()
        journal[ip] = (mac, state)
    lost = [(ip, mac) for _, ip, mac in before if journal.get(ip, (None,))[0] != mac]
    assert not lost, f"{len(lost)} acknowledged leases lost across SIGKILL, e.g. {lost[:5]}"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc/PID/stat)."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_deleted_tap_is_dropped_and_the_last_one_ends_the_server(lab):
    """Deleting a TAP under `pxelab serve --tap` used to leave it polling an error
    condition at 100 % CPU. Now: one log line, the link is given up, and with no link
    left the server exits 1."""
    ns = lab["srv_ns"]
    tap1, tap2 = "pxdel1", "pxdel2"
    server = start(lab, "--tap", tap1, "--tap", tap2)
    try:
        sh("ip", "link", "del", tap1, ns=ns)
        time.sleep(0.5)
        assert server.proc.poll() is None, server.output()
        before = cpu_seconds(server.proc.pid)
        time.sleep(1.0)
        used = cpu_seconds(server.proc.pid) - before
        assert used < 0.3, f"{used:.2f} s of CPU in 1 s with a deleted TAP:\n{server.output()}"
        sh("ip", "link", "del", tap2, ns=ns)
        server.proc.wait(timeout=10)
    finally:
        code = server.stop()
    out = server.output()
    assert code == 1, out
    assert out.count(f"link {tap1}: ") == 1 and "lost" in out, out
    assert "no link left to serve on" in out, out
    assert "stopped" in out, "the journal was flushed and the summary printed:\n" + out


def test_two_links_are_not_bridged_by_the_server(tmp_path, pxelab_bin):
    """`pxelab serve -i A -i B`: each link reaches the server, never the other link."""
    (tmp_path / "tftp").mkdir()
    (tmp_path / "server.toml").write_text(CONFIG.format(fsync="none"))
    with namespaces("pxsrv", "pxc1", "pxc2") as (srv_ns, c1_ns, c2_ns):
        s1, c1 = veth(srv_ns, c1_ns)
        s2, c2 = veth(srv_ns, c2_ns)
        sh("ip", "addr", "add", "192.0.2.51/24", "dev", c1, ns=c1_ns)
        sh("ip", "addr", "add", "192.0.2.52/24", "dev", c2, ns=c2_ns)
        server = Server(pxelab_bin, srv_ns, tmp_path / "server.toml", ["-i", s1, "-i", s2], tmp_path / "serve.log")
        try:
            # Each client reaches the server: udhcpc gets an OFFER on both links.
            for ns, dev in ((c1_ns, c1), (c2_ns, c2)):
                r = sh("busybox", "udhcpc", "-i", dev, "-f", "-q", "-n", "-t", "4", "-T", "2", "-s", "/bin/true",
                       ns=ns, check=False)
                assert r.returncode == 0, r.stdout + r.stderr
            # ... but not each other: ARP from one link never reaches the other.
            r = sh("busybox", "ping", "-c", "2", "-W", "1", "192.0.2.52", ns=c1_ns, check=False)
            assert r.returncode != 0, "the server bridged two links:\n" + r.stdout
        finally:
            assert server.stop() == 0, server.output()
    assert "DHCPDISCOVER" in server.output() or "DISCOVER" in server.output()


RELEASE_SENDER = r"""
import socket, struct, sys
ip, server, mac, client_id = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3]), sys.argv[4]
pkt = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, 0x5e1ea5e, 0, 0, socket.inet_aton(ip),
                  bytes(4), bytes(4), bytes(4), mac + bytes(10), bytes(64), bytes(128))
pkt += bytes([99, 130, 83, 99, 53, 1, 7, 54, 4]) + socket.inet_aton(server)
if client_id != "-":
    cid = bytes.fromhex(client_id)
    pkt += bytes([61, len(cid)]) + cid
pkt += bytes([255])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((ip, 68))
s.sendto(pkt, (server, 67))
"""


def test_sigterm_flushes_group_commit_records_to_the_journal(lab):
    """With fsync = "group", a RELEASE (no reply waits for it) stays in the batch until
    the next commit; SIGTERM must write it before the server exits."""
    (lab["dir"] / "group.toml").write_text(CONFIG.format(fsync="group"))
    server = start(lab, "--interface", lab["srv_if"], config="group.toml", log="group.log")
    journal = lab["dir"] / "leases.journal"
    try:
        udhcpc(lab)  # a lease, durable before its ACK left (group commit)
        bound = [l.split() for l in journal.read_text().splitlines() if " bound " in l][-1]
        _, ip, mac, _, _, client_id, _ = bound
        # busybox udhcpc -R does not send a RELEASE after -q: send one from the leased
        # address, as a client would (RFC 2131 §4.4.6: unicast to the server).
        sh("ip", "addr", "add", f"{ip}/24", "dev", lab["cli_if"], ns=lab["cli_ns"])
        sh(sys.executable, "-c", RELEASE_SENDER, ip, "192.0.2.1", mac.replace(":", ""), client_id, ns=lab["cli_ns"])
        deadline = time.time() + 5
        while "released" not in server.output() and time.time() < deadline:
            time.sleep(0.05)
        assert f"{ip} released" in server.output(), server.output()
        before = journal.read_text()
        assert " released " not in before, "the RELEASE should still be in the batch:\n" + before
    finally:
        code = server.stop()
    assert code == 0, server.output()
    last = journal.read_text().splitlines()[-1].split()
    assert last[1] == ip and last[3] == "released", last


def test_a_scheduled_wake_fires_on_the_wall_clock_and_tshark_sees_it(lab):
    """[[schedule]] (issue 11): a `once` entry two to four seconds ahead (UTC) with a
    host-table selection and a boot mode switch first: `pxelab serve` logs the fire with
    its wall time and the magic packet for the host's MAC crosses the link (tshark on
    the client side decodes WoL to 192.0.2.255:9 from the server's address)."""
    import datetime
    when = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=4)).strftime("%Y-%m-%dT%H:%M:%S")
    config = CONFIG.format(fsync="each") + f"""
[[host]]
mac = "52:54:00:5c:4e:01"
hostname = "lab01"
[[schedule]]
once = "{when}"
zone = "UTC"
hosts = "lab*"
mode = "network"
broadcast = "192.0.2.255"
"""
    (lab["dir"] / "sched.toml").write_text(config)
    pcap = lab["dir"] / "wol.pcap"
    cap = subprocess.Popen(["ip", "netns", "exec", lab["cli_ns"], "tshark", "-q", "-i", lab["cli_if"], "-w", str(pcap),
                            "-f", "udp port 9"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    server = None
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (pcap.exists() and pcap.stat().st_size > 0):
            time.sleep(0.1)
        server = start(lab, "--interface", lab["srv_if"], "-q", config="sched.toml", log="sched.log")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and "fired at" not in server.output():
            time.sleep(0.1)
        time.sleep(1.0)
    finally:
        out = server.output() if server else ""
        if server:
            assert server.stop() == 0, server.output()
        cap.terminate()
        cap.communicate(timeout=20)
    assert f"schedule[0] once {when} in UTC: next at {when}+00:00 (UTC)" in out, out
    assert (f"schedule[0] once {when} in UTC fired at {when}+00:00 (UTC): wake 1 machines via udp 192.0.2.255:9, "
            "after setting 1 of them to boot network") in out, out
    fields = run(["tshark", "-r", pcap, "-Y", "wol", "-T", "fields", "-E", "separator=|",
                  "-e", "ip.src", "-e", "ip.dst", "-e", "udp.dstport", "-e", "wol.mac"]).stdout.split()
    assert len(fields) == 1, fields
    src, dst, port, macs = fields[0].split("|")
    assert (src, dst, port) == ("192.0.2.1", "192.0.2.255", "9"), fields
    assert set(macs.split(",")) == {"52:54:00:5c:4e:01"} and len(macs.split(",")) == 16, fields
