"""The check x server matrix (issue 10): each shipped profile runs the `core` suite and
every server-role check's verdict must be the one committed in
conform_matrix_expected.json beside this file. A change in a verdict fails here until
that file is updated, with the reason, in the same commit (and docs/conformance-matrix.md
regenerated with ci/conform-matrix). Kea runs as two shards joined by
`pxelab report merge`, so sharding, merging and the matrix are proven by one run."""
import json
import re
import os
import pathlib

import pytest

from conftest import REPO, run
from test_sut import conform, left_by

EXPECTED = pathlib.Path(__file__).with_name("conform_matrix_expected.json")
DOCS = REPO / "docs" / "conformance-matrix.json"

pytestmark = pytest.mark.skipif(os.geteuid() != 0 and os.environ.get("CI") != "true",
                                reason="servers under test need root (namespaces, a TAP)")


def expected():
    return json.loads(EXPECTED.read_text())


def allowed(entry):
    v = entry["verdict"]
    return set(v) if isinstance(v, list) else {v}


def test_every_verdict_other_than_pass_has_its_reason():
    for profile, checks in expected()["profiles"].items():
        for check, entry in checks.items():
            if allowed(entry) != {"pass"}:
                assert entry.get("why", "").strip(), f"{profile} {check}: a {entry['verdict']} verdict needs its why"


def test_the_docs_matrix_agrees_with_the_expected_verdicts():
    docs = json.loads(DOCS.read_text())
    want = expected()["profiles"]
    assert sorted(s["profile"] for s in docs["servers"]) == sorted(want), "regenerate docs with ci/conform-matrix"
    for row in docs["checks"]:
        for profile, cell in row["cells"].items():
            assert cell["verdict"] in allowed(want[profile][row["id"]]), \
                f"docs/conformance-matrix.json {profile} {row['id']}: {cell['verdict']}; regenerate with ci/conform-matrix"


def compare(profile, matrix):
    want = expected()["profiles"][profile]
    got = {row["id"]: row["cells"][profile] for row in matrix["checks"]}
    problems = []
    for check in sorted(set(want) | set(got)):
        if check not in got:
            problems.append(f"{check}: expected {want[check]['verdict']}, not in the run (a check removed?)")
        elif check not in want:
            problems.append(f"{check}: {got[check]['verdict']}, not in {EXPECTED.name} (a new check: add it)")
        elif got[check]["verdict"] not in allowed(want[check]):
            cell = got[check]
            what = cell.get("message") or cell.get("why") or ""
            problems.append(f"{check}: expected {want[check]['verdict']}, got {cell['verdict']} "
                            f"({cell.get('scenario', '')} frames {cell.get('frames', [])}: {what})")
    assert not problems, (f"{profile}: the matrix changed. If the change is true, update {EXPECTED.name} with "
                          "the reason (and regenerate docs/conformance-matrix.md with ci/conform-matrix):\n  "
                          + "\n  ".join(problems))


def matrix_of(pxelab_bin, tmp_path, *dirs):
    out = tmp_path / "matrix.json"
    r = run([pxelab_bin, "report", "matrix", *dirs, "--json", out, "--md", tmp_path / "matrix.md"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "| check | level |" in (tmp_path / "matrix.md").read_text()
    return json.loads(out.read_text())


@pytest.mark.parametrize("profile", ["dnsmasq", "isc-dhcpd-tftpd-hpa", "pxelab-serve"])
def test_core_suite_matches_the_expected_matrix(pxelab_bin, tmp_path, profile):
    out = tmp_path / profile
    p, stdout, stderr = conform(pxelab_bin, out, "--sut", profile, "--suite", "core", timeout=600)
    assert p.returncode in (0, 1), stdout + stderr
    assert not left_by(p.pid, out)
    compare(profile, matrix_of(pxelab_bin, tmp_path, out))


def test_kea_core_in_two_shards_merges_and_matches_the_expected_matrix(pxelab_bin, tmp_path):
    shards = []
    for k in (1, 2):
        out = tmp_path / f"shard{k}"
        p, stdout, stderr = conform(pxelab_bin, out, "--sut", "kea-tftpd-hpa", "--shard", f"{k}/2", timeout=600)
        assert p.returncode in (0, 1), stdout + stderr
        assert f"shard {k}/2" in stdout, stdout
        shards.append(out)
    parts = [json.loads((s / "conform.json").read_text()) for s in shards]
    names = [[r["scenario"] for r in part["scenarios"]] for part in parts]
    assert names[0] and names[1] and not set(names[0]) & set(names[1]), names
    assert all(part["suite_scenarios"] == len(names[0]) + len(names[1]) for part in parts)

    # Refused: a shard missing, a shard twice.
    r = run([pxelab_bin, "report", "merge", shards[0], "--out", tmp_path / "x"])
    assert r.returncode == 2 and "shard 2/2 missing" in r.stderr, r.stderr
    r = run([pxelab_bin, "report", "merge", shards[0], shards[0], "--out", tmp_path / "x"])
    assert r.returncode == 2 and "given twice" in r.stderr, r.stderr

    merged = tmp_path / "merged"
    r = run([pxelab_bin, "report", "merge", *shards, "--out", merged])
    assert r.returncode in (0, 1), r.stdout + r.stderr
    summary = json.loads((merged / "conform.json").read_text())
    assert sorted(x["scenario"] for x in summary["scenarios"]) == sorted(names[0] + names[1])
    assert summary["shard"] == "1/1" and summary["merged_shards"] == 2
    junit = (merged / "junit.xml").read_text()
    for row in summary["scenarios"]:
        if row["verdict"] in ("pass", "fail"):
            assert (merged / row["scenario"] / "report.json").is_file(), row
            # One testsuite per scenario, or per segment ("pxelab conform-relay segment lab").
            assert re.search(f'<testsuite name="pxelab {re.escape(row["scenario"])}[" ]', junit), row
    assert (r.returncode == 1) == any(x["verdict"] == "fail" for x in summary["scenarios"]), r.stdout
    compare("kea-tftpd-hpa", matrix_of(pxelab_bin, tmp_path, merged))


def test_a_bad_shard_is_refused(pxelab_bin, tmp_path):
    for bad in ("0/2", "3/2", "x"):
        p, stdout, stderr = conform(pxelab_bin, tmp_path / "out", "--sut", "dnsmasq", "--shard", bad)
        assert p.returncode == 2, stdout + stderr
        assert "is not K/N" in stderr, stderr
        assert not (tmp_path / "out").exists()  # nothing was started
