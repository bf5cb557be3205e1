"""Shared fixtures for the end-to-end suite: where the built binaries are, the
cleanup of namespaces and links a dead earlier run left behind, and (CI=true) a run
in which a test skipped is a failed run."""
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def build_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("PXELAB_BUILD_DIR", REPO / "build" / "ci"))


@pytest.fixture(scope="session")
def pxelab_bin() -> pathlib.Path:
    path = build_dir() / "pxelab"
    assert path.exists(), f"{path} is missing: build first (ci/test does)"
    return path


def run(args, **kw):
    """Runs a command, captures text output, never waits forever."""
    kw.setdefault("timeout", 300)
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)


@pytest.fixture(scope="session", autouse=True)
def stale_network_cleanup():
    """At start and end of the session: remove namespaces and links named like this
    suite's (netlab.PREFIXES) whose run is no longer alive; at the end this run's own
    leftovers too (a test killed mid-way). Needs root; without it there is nothing to
    clean (namespace tests need root)."""
    if os.geteuid() != 0:
        yield
        return
    import netlab
    netlab.remove_stale()
    yield
    left = netlab.remove_stale(include_own=True)
    if left:
        print(f"\ne2e: removed leftover namespaces/links: {' '.join(left)}")


_skipped = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    # In CI nothing may skip: the tools and root a test needs are provided by ci/setup.
    if os.environ.get("CI") == "true" and _skipped and session.exitstatus == 0:
        print(f"\nCI=true: {len(_skipped)} skipped test(s) fail the run: {', '.join(_skipped)}")
        session.exitstatus = 1
