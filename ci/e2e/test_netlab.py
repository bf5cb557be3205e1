"""The suite's own hygiene: stale namespaces/links of dead runs are removed, a veth
pair that cannot be moved is not left behind, and with CI=true a skipped test fails
the run."""
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import netlab
from conftest import run

needs_root = pytest.mark.skipif(os.geteuid() != 0 and os.environ.get("CI") != "true",
                                reason="needs root for network namespaces")


def dead_tag() -> int:
    """A PID%100000 tag no process has, nor any live run (a PID above 100000 may
    share a tag)."""
    live = netlab._live_pytest_tags()
    for t in range(99999, 1, -1):
        if t not in live and not os.path.exists(f"/proc/{t}"):
            return t
    raise AssertionError("no free pid tag")


def links() -> list:
    out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    return [l.split(":")[1].strip().split("@")[0] for l in out.splitlines() if l.count(":") >= 2]


@needs_root
def test_remove_stale_removes_dead_runs_leftovers_only():
    # Names of a prefix only this process uses: every other run's remove_stale() (an
    # xdist sibling's, another suite's on this machine) looks for netlab.PREFIXES only,
    # so nobody else removes the dead run's leftovers before this call does.
    prefix = f"pxs{os.getpid() % 100000}"
    tag = dead_tag()
    stale_ns, stale_a, stale_b = f"{prefix}{tag}x0", f"{prefix}{tag}x1", f"{prefix}{tag}x2"
    mine = f"{prefix}{os.getpid() % 100000}x3"  # this run is alive: kept
    assert len(stale_a) <= 15 and len(mine) <= 15
    netlab.sh("ip", "netns", "add", stale_ns)
    netlab.sh("ip", "netns", "add", mine)
    netlab.sh("ip", "link", "add", stale_a, "type", "veth", "peer", "name", stale_b)
    try:
        removed = netlab.remove_stale(prefixes=(prefix,))
        names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        assert stale_ns in removed and stale_ns not in names, (removed, names)
        assert stale_a in removed or stale_b in removed, removed
        assert stale_a not in links() and stale_b not in links()
        assert mine not in removed and mine in names, "a live run's namespace is never touched"
    finally:
        subprocess.run(["ip", "netns", "del", mine], capture_output=True)
        subprocess.run(["ip", "netns", "del", stale_ns], capture_output=True)
        subprocess.run(["ip", "link", "del", stale_a], capture_output=True)


def test_xdist_workers_count_as_live_runs(tmp_path):
    """`pytest -n 2` runs tests in workers whose command line does not say pytest: the
    namespaces a worker names by its PID are a live run's, for every process's
    remove_stale() (an earlier version deleted a sibling worker's namespaces - and
    killed what ran in them - whenever one worker cleaned up)."""
    here = pathlib.Path(__file__).parent
    shutil.copy(here / "netlab.py", tmp_path / "netlab.py")
    (tmp_path / "test_w.py").write_text(
        "import os, subprocess, sys\n\n"
        "def test_a_worker_is_live_for_another_process():\n"
        "    assert 'pytest' not in open(f'/proc/{os.getpid()}/cmdline').read(), 'not an xdist worker'\n"
        "    seen = subprocess.run([sys.executable, '-c', 'import netlab; print(sorted(netlab._live_pytest_tags()))'],\n"
        "                          capture_output=True, text=True, check=True).stdout\n"
        "    assert os.getpid() % 100000 in eval(seen), seen\n")
    r = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "1", "--rootdir", tmp_path,
             tmp_path / "test_w.py"], cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 passed" in r.stdout, r.stdout


@needs_root
def test_veth_leaves_no_pair_behind_when_moving_fails():
    with netlab.namespaces("pxsrv") as (ns,):
        before = set(links())
        with pytest.raises(AssertionError):
            netlab.veth(ns, "pxcli-no-such-namespace")
        leftovers = [l for l in set(links()) - before if l.startswith(("pxa", "pxb"))]
        assert not leftovers, leftovers
        inside = netlab.sh("ip", "-o", "link", "show", ns=ns).stdout
        assert "pxa" not in inside, inside


def test_a_skipped_test_fails_the_run_when_ci_is_true(tmp_path):
    here = pathlib.Path(__file__).parent
    for f in ("conftest.py", "netlab.py"):
        shutil.copy(here / f, tmp_path / f)
    (tmp_path / "test_s.py").write_text("import pytest\n\ndef test_ok():\n    assert True\n\n"
                                        "@pytest.mark.skip(reason='tool missing')\ndef test_skipped():\n    pass\n")
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", tmp_path, tmp_path / "test_s.py"]
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    r = run(args, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    r = run(args, env={**env, "CI": "true"}, cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "skipped test(s) fail the run" in r.stdout and "test_skipped" in r.stdout, r.stdout
