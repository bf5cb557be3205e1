"""Smoke test of ci/bench-servers (quick TFTP part: pxelab serve, tftpd-hpa and dnsmasq
with curl) and of `pxelab tftp-get` against `pxelab serve` (lock-step and windowed,
byte-exact). Checks that the script and the tool work; never looks at the figures."""
import json
import os
import pathlib
import subprocess

import pytest

from netlab import Server, namespaces, sh, veth
from conftest import REPO, run

# Root is needed for namespaces. CI runs as root; there a non-root run must fail, not skip.
pytestmark = pytest.mark.skipif(os.geteuid() != 0 and os.environ.get("CI") != "true",
                                reason="needs root for network namespaces")

CONFIG = """
[server]
address = "198.18.0.1"
[[subnet]]
network = "198.18.0.0/15"
pool = "198.18.1.0-198.18.1.255"
[tftp]
root = "tftp"
max_blksize = 1468
max_windowsize = 64
"""


def has_tftp_get(pxelab_bin):
    r = run([pxelab_bin, "tftp-get", "--help"])
    assert r.returncode == 0, (f"{pxelab_bin} has no tftp-get subcommand: cli/pxelab_main.cc must call "
                               f"pxelab::conformance::add_tftp_get_command(app, exit_code)\n{r.stderr}")


def namespaces_of(pid):
    tag = f"{pid % 100000}x"
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
    return [n for n in names if n.startswith(("pbs", "pbc")) and tag in n]


def test_bench_servers_quick_tftp(tmp_path, pxelab_bin):
    out = tmp_path / "bench.json"
    proc = subprocess.Popen([REPO / "ci" / "bench-servers", "--quick", "--only", "tftp", "--pxelab", pxelab_bin,
                             "--json", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.terminate()  # the script removes its namespaces on SIGTERM
            proc.communicate(timeout=20)
    assert proc.returncode == 0, stdout + stderr
    assert "TFTP: 4 MiB over veth, curl lock-step" in stdout, stdout
    for label in ("pxelab serve", "tftpd-hpa 5.2", "dnsmasq 2.90"):
        assert label in stdout, stdout
    figures = json.loads(out.read_text())
    assert sorted(figures["tftp"]) == sorted(f"{s}/{b}" for s in ("pxelab", "tftpd-hpa", "dnsmasq")
                                             for b in (1468, 512))
    for r in figures["tftp"].values():
        assert r["seconds"] > 0 and r["mib_per_s"] > 0 and r["ratio_vs_tftpd_hpa"] > 0
    assert namespaces_of(proc.pid) == [], "bench-servers left namespaces behind"


def test_bench_servers_removes_namespaces_when_interrupted(tmp_path, pxelab_bin):
    proc = subprocess.Popen([REPO / "ci" / "bench-servers", "--quick", "--only", "tftp", "--pxelab", pxelab_bin],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Interrupt it once its first lab exists.
        seen = []
        for _ in range(400):
            seen = namespaces_of(proc.pid)
            if seen or proc.poll() is not None:
                break
            subprocess.run(["sleep", "0.02"])
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert seen, "bench-servers never created its namespaces"
    assert proc.returncode != 0, stderr
    assert namespaces_of(proc.pid) == [], "bench-servers left namespaces behind after SIGTERM"


@pytest.fixture
def tftp_lab(tmp_path, pxelab_bin):
    has_tftp_get(pxelab_bin)
    (tmp_path / "tftp").mkdir()
    image = os.urandom(1_000_003)  # not a multiple of any block size
    (tmp_path / "tftp" / "image.bin").write_bytes(image)
    exact = os.urandom(1468 * 40)  # a multiple: the transfer ends with an empty block
    (tmp_path / "tftp" / "exact.bin").write_bytes(exact)
    (tmp_path / "server.toml").write_text(CONFIG)
    with namespaces("pxsrv", "pxcli") as (srv_ns, cli_ns):
        srv_if, cli_if = veth(srv_ns, cli_ns)
        sh("ip", "addr", "add", "198.18.0.2/15", "dev", cli_if, ns=cli_ns)
        server = Server(pxelab_bin, srv_ns, tmp_path / "server.toml", ["-i", srv_if, "-q"], tmp_path / "serve.log")
        try:
            yield {"dir": tmp_path, "cli_ns": cli_ns, "pxelab": pxelab_bin, "image": image, "exact": exact,
                   "server": server}
        finally:
            assert server.stop() == 0, server.output()


@pytest.mark.parametrize("window", [1, 16])
def test_tftp_get_is_byte_exact(tftp_lab, window):
    lab = tftp_lab
    for name, blksize in (("image.bin", 1468), ("exact.bin", 1468), ("image.bin", 512)):
        got = lab["dir"] / f"got-{window}-{blksize}-{name}"
        r = sh(lab["pxelab"], "tftp-get", "198.18.0.1", name, "-o", got, "--blksize", blksize,
               "--windowsize", window, "--tsize", ns=lab["cli_ns"], check=False)
        assert r.returncode == 0, r.stdout + r.stderr
        want = lab[name.split(".")[0]]
        assert got.read_bytes() == want, f"{name} at windowsize {window} blksize {blksize}"
        assert f"{len(want)} bytes in" in r.stdout, r.stdout
        assert f"blksize {blksize}, windowsize {window}, tsize {len(want)}" in r.stdout, r.stdout


def test_tftp_get_without_options_and_errors(tftp_lab):
    lab = tftp_lab
    got = lab["dir"] / "plain.bin"
    r = sh(lab["pxelab"], "tftp-get", "198.18.0.1", "image.bin", "-o", got, ns=lab["cli_ns"], check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert got.read_bytes() == lab["image"]
    assert "blksize 512, windowsize 1" in r.stdout, r.stdout
    # ERROR from the server: non-zero, the server's message, no partial output file left.
    missing = lab["dir"] / "missing.bin"
    r = sh(lab["pxelab"], "tftp-get", "198.18.0.1", "missing.bin", "-o", missing, ns=lab["cli_ns"], check=False)
    assert r.returncode == 1 and "sent ERROR 1 (file not found)" in r.stderr, r.stdout + r.stderr
    assert not missing.exists()
    # Nobody answers: a timeout, reported as such, bounded by --timeout x (--retries + 1).
    r = sh(lab["pxelab"], "tftp-get", "198.18.0.1", "image.bin", "--port", "6969", "--timeout", "0.2",
           "--retries", "2", ns=lab["cli_ns"], check=False)
    assert r.returncode == 1 and "no answer from 198.18.0.1:6969 after 3 tries" in r.stderr, r.stdout + r.stderr
