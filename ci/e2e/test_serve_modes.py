"""`pxelab serve --control`: boot modes changed while the server runs (issue 11), on a
real link in namespaces this test creates and removes, against busybox udhcpc and
tftp-hpa. A client's MAC is set on its veth end, so the server's host table knows it.
Addresses: 192.0.2.0/24 only."""
import os
import signal
import time

import pytest

from netlab import Server, namespaces, sh, veth

pytestmark = pytest.mark.skipif(os.geteuid() != 0 and os.environ.get("CI") != "true",
                                reason="needs root for network namespaces")

CONFIG = """
[server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.199"
router = "192.0.2.254"
[boot]
default_file = "pxelinux.0"
[[group]]
name = "lab"
[[host]]
mac = "52:54:00:00:00:01"
ip = "192.0.2.11"
hostname = "lab01"
group = "lab"
[[host]]
mac = "52:54:00:00:00:02"
ip = "192.0.2.12"
hostname = "lab02"
file = "installer.0"
[tftp]
root = "tftp"
"""

MAC1, MAC2 = "52:54:00:00:00:01", "52:54:00:00:00:02"


@pytest.fixture
def lab(tmp_path, pxelab_bin):
    (tmp_path / "tftp").mkdir()
    (tmp_path / "tftp" / "pxelinux.0").write_bytes(os.urandom(20_000))
    (tmp_path / "tftp" / "installer.0").write_bytes(os.urandom(50_000))
    (tmp_path / "server.toml").write_text(CONFIG)
    with namespaces("pxmsrv", "pxmcli") as (srv_ns, cli_ns):
        srv_if, cli_if = veth(srv_ns, cli_ns)
        yield {"dir": tmp_path, "srv_ns": srv_ns, "cli_ns": cli_ns, "srv_if": srv_if, "cli_if": cli_if,
               "pxelab": pxelab_bin}


def boot_file_of(lab, mac):
    """udhcpc from `mac`: the boot file its ACK named ('' for none) and its address."""
    ns, dev = lab["cli_ns"], lab["cli_if"]
    sh("ip", "addr", "flush", "dev", dev, ns=ns)
    sh("ip", "link", "set", "dev", dev, "down", ns=ns)
    sh("ip", "link", "set", "dev", dev, "address", mac, ns=ns)
    sh("ip", "link", "set", "dev", dev, "up", ns=ns)
    env_file = lab["dir"] / "udhcpc.env"
    env_file.unlink(missing_ok=True)
    script = lab["dir"] / "udhcpc.sh"
    script.write_text(f"#!/bin/sh\n[ \"$1\" = bound ] && env > {env_file}\nexit 0\n")
    script.chmod(0o755)
    r = sh("busybox", "udhcpc", "-i", dev, "-f", "-q", "-n", "-t", "4", "-T", "2", "-s", script, ns=ns, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    env = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    # The script only records: the address is put on the link here (for TFTP after).
    sh("ip", "addr", "add", env["ip"] + "/24", "dev", dev, ns=ns)
    return env.get("boot_file", ""), env["ip"]


def wait_for(server, text, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in server.output():
            return
        time.sleep(0.05)
    raise AssertionError(f"never logged {text!r}:\n{server.output()}")


def test_control_file_changes_modes_on_sighup_and_once_flips_after_tftp(lab):
    control = lab["dir"] / "modes.ctl"
    control.write_text("# boot modes\nhost lab01 local\n")
    server = Server(lab["pxelab"], lab["srv_ns"], lab["dir"] / "server.toml",
                    ["--interface", lab["srv_if"], "--control", control], lab["dir"] / "serve.log")
    try:
        # Read at start: lab01 local, so a plain DHCP client gets no boot file.
        assert "boot mode of 52:54:00:00:00:01 (lab01) set to local: control" in server.output()
        assert boot_file_of(lab, MAC1) == ("", "192.0.2.11")

        # SIGHUP: the edited file; the bad lines are logged by number and change nothing.
        control.write_text("host 52:54:00:00:00:01 network\nhost lab01 sometimes\ngroup nope local\n"
                           "host lab02 once\n")
        server.proc.send_signal(signal.SIGHUP)
        wait_for(server, "re-read, 2 change(s)")
        out = server.output()
        assert f"control {control}:2: 'sometimes' is not one of: network, local, menu, once (ignored)" in out
        assert f"control {control}:3: no [[group]] named 'nope' (ignored)" in out
        assert f"set to network: control {control}:1" in out
        assert boot_file_of(lab, MAC1) == ("pxelinux.0", "192.0.2.11")

        # once: lab02 gets its file one time; when TFTP has served it, the server flips it.
        assert boot_file_of(lab, MAC2) == ("installer.0", "192.0.2.12")
        got = lab["dir"] / "installer.got"
        sh("tftp", "-m", "binary", "192.0.2.1", "-c", "get", "installer.0", got, ns=lab["cli_ns"])
        assert got.read_bytes() == (lab["dir"] / "tftp" / "installer.0").read_bytes()
        wait_for(server, "boot mode of 52:54:00:00:00:02 (lab02) once -> local: installer.0 served to 192.0.2.12")
        assert boot_file_of(lab, MAC2) == ("", "192.0.2.12")
        # The same file again changes nothing: the once line does not re-arm lab02.
        server.proc.send_signal(signal.SIGHUP)
        wait_for(server, "re-read, 0 change(s)")
        assert boot_file_of(lab, MAC2) == ("", "192.0.2.12")

        # A group: lab01's own mode (from the control file) outranks it; lab02 has none
        # of its group. A missing control file on SIGHUP changes nothing.
        control.write_text("host lab01 network\nhost lab02 once\ngroup lab local\n")
        server.proc.send_signal(signal.SIGHUP)
        wait_for(server, "boot mode of group lab set to local")
        assert boot_file_of(lab, MAC1) == ("pxelinux.0", "192.0.2.11")
        control.unlink()
        server.proc.send_signal(signal.SIGHUP)
        wait_for(server, "cannot read the control file")
        assert "boot modes unchanged" in server.output()
        assert boot_file_of(lab, MAC1) == ("pxelinux.0", "192.0.2.11")
    finally:
        assert server.stop() == 0, server.output()
    assert "stopped by signal 15" in server.output()


def test_a_control_file_that_cannot_be_read_stops_the_start(lab):
    server = None
    with pytest.raises(AssertionError, match="exited 1") as e:
        server = Server(lab["pxelab"], lab["srv_ns"], lab["dir"] / "server.toml",
                        ["--interface", lab["srv_if"], "--control", lab["dir"] / "none.ctl"], lab["dir"] / "serve.log")
    assert server is None
    assert "cannot read the control file" in str(e.value)
