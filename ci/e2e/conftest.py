"""Shared fixtures for the end-to-end suite: where the built binaries are."""
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def build_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("PXELAB_BUILD_DIR", REPO / "build" / "ci"))


@pytest.fixture(scope="session")
def pxelab_bin() -> pathlib.Path:
    path = build_dir() / "conformance" / "pxelab"
    assert path.exists(), f"{path} is missing: build first (ci/test does)"
    return path


def run(args, **kw):
    """Runs a command, captures text output, never waits forever."""
    kw.setdefault("timeout", 300)
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)
