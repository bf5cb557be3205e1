"""Servers that misbehave (issue 10): a small deliberately broken server
(ci/e2e/suts/broken_server.py) run as a `command` SUT fails its own config check, never
becomes ready, crashes mid-run, hangs at stop, answers garbage or floods the segment.
Each gets a clear verdict (the step, what was seen, the SUT's last log lines) within the
deadline, and the run leaves no namespace, link or process behind."""
import json
import re
import time

import pytest

from conftest import REPO
from test_sut import conform, left_by, pytestmark  # noqa: F401 (root needed, as there)

BROKEN = REPO / "ci/e2e/suts/broken_server.py"


def broken_run(pxelab_bin, tmp_path, mode, timeout=120):
    profile = tmp_path / f"broken-{mode}.toml"
    profile.write_text(f"""[profile]
name = "broken-{mode}"
kind = "command"
[[process]]
name = "broken"
command = ["/usr/bin/python3", "{BROKEN}", "{{{{user_config}}}}", "{{{{interface}}}}"]
validate = ["/usr/bin/python3", "{BROKEN}", "--check", "{{{{user_config}}}}"]
ready = {{ udp = [67, 69], timeout_s = 3 }}
stop_grace_s = 2
""")
    config = tmp_path / f"{mode}.conf"
    config.write_text(mode + "\n")
    out = tmp_path / "out"
    t0 = time.monotonic()
    p, stdout, stderr = conform(pxelab_bin, out, "--sut", profile, "--config", config, "--suite-dir", REPO / "ci/e2e/suts/suite", "--suite", "quick",
                                timeout=timeout)
    took = time.monotonic() - t0
    assert left_by(p.pid, out) == [], "left behind"
    return p, stdout, stderr, took, out


def test_a_failed_own_check_is_step_validate_with_its_words(pxelab_bin, tmp_path):
    p, stdout, stderr, took, _ = broken_run(pxelab_bin, tmp_path, "check-fails")
    assert p.returncode == 2, stdout + stderr
    assert "step validate" in stderr and "'check-fails' is not a valid setting" in stderr, stderr
    assert took < 20


def test_never_ready_is_step_ready_with_the_last_log_lines(pxelab_bin, tmp_path):
    p, stdout, stderr, took, _ = broken_run(pxelab_bin, tmp_path, "never-ready")
    assert p.returncode == 2, stdout + stderr
    assert "step ready" in stderr and "not ready after" in stderr and "UDP 67, 69" in stderr, stderr
    assert "broken_server: still starting..." in stderr, stderr  # its log's last lines
    assert took < 20


def test_a_crash_mid_run_names_the_exit_and_the_log(pxelab_bin, tmp_path):
    p, stdout, stderr, took, _ = broken_run(pxelab_bin, tmp_path, "crash")
    assert p.returncode == 2, stdout + stderr
    assert "step run (broken): it exited 3 during the run" in stderr, stderr
    assert "segmentation fault (on purpose)" in stderr, stderr
    assert took < 40


def test_a_server_that_ignores_sigterm_is_killed_at_stop(pxelab_bin, tmp_path):
    p, stdout, stderr, took, out = broken_run(pxelab_bin, tmp_path, "hang")
    assert p.returncode == 1, stdout + stderr  # it never answers: no ROM boots, a MUST verdict
    report = json.loads((out / "quick" / "report.json").read_text())
    assert report["result"] == "fail"
    assert all(c["outcome"]["status"] != "booted" for c in report["clients"])
    assert took < 45


@pytest.mark.parametrize("mode", ["garbage", "flood"])
def test_garbage_and_a_flood_get_a_failed_verdict_in_time(pxelab_bin, tmp_path, mode):
    p, stdout, stderr, took, out = broken_run(pxelab_bin, tmp_path, mode)
    assert p.returncode == 1, stdout + stderr
    report = json.loads((out / "quick" / "report.json").read_text())
    assert report["result"] == "fail"
    assert all(c["outcome"]["status"] != "booted" for c in report["clients"])
    assert took < 45
    # What was seen: the server under test named as the sender of the malformed frames.
    assert re.search(r"malformed frames \(decode errors, DHCP-port datagrams that are not BOOTP\), by sender:\n  198\.18\.\d+\.\d+ [0-9a-f:]{17}: \d+, first frame \d+",
                     (out / "quick" / "summary.txt").read_text()), (out / "quick" / "summary.txt").read_text()
    pcap = out / "quick" / "run.pcapng"
    if mode == "flood":
        assert pcap.stat().st_size > 1_000_000  # the flood crossed the segment into the trace
    pcap.unlink()  # large after a flood: not kept in pytest's tmp dirs
