"""Every finding lists its frame numbers as in Wireshark (issue 15), proved over
everything shipped rather than sampled: every scenario of conformance/scenarios that
needs no QEMU (`pxelab run`, then its pcaps through `pxelab check --out`) and every
capture under captures/ (`pxelab check --out`). Each finding of report.json (every
segment's) cites at least one frame, each a Wireshark number of the pcap the report
names (1 to its frame count; for the shipped captures that count is tshark's). A
finding without a frame is allowed only for a check of FRAMELESS, and only where its
reason holds (checked, not trusted)."""
import json
import subprocess
import tomllib

import pytest

from conftest import REPO, run

SCENARIOS = sorted((REPO / "conformance" / "scenarios").glob("*.toml"))
CAPTURES = sorted(p for ext in ("*.pcap", "*.pcapng") for p in (REPO / "captures").rglob(ext)
                  if "fuzz_corpus" not in p.parts)


def needs_qemu(path):
    """A scenario with a QEMU client (real firmware; test_qemu.py runs those)."""
    doc = tomllib.loads(path.read_text())
    return any(c.get("kind") == "qemu" for c in doc.get("client", []))


NON_QEMU = [p for p in SCENARIOS if not needs_qemu(p)]

# check id -> why a finding of it may have no frame. The outcome checks judge what a
# client did; they cite the deciding frame or the client's last frame on the wire
# (checks_client.cc outcome_frames), so a frameless one means the client never sent or
# got a frame (a machine never powered on: wake-maintenance-500's office group).
FRAMELESS = {
    "OUTCOME-BOOTED": "the client never sent or got a frame: there is nothing on the wire to cite",
    "OUTCOME-CODE": "the client never sent or got a frame: there is nothing on the wire to cite",
}


def reports_of(report):
    return [report] + report.get("segments", [])


def client_named(rep, name):
    return next(c for c in rep["clients"] if (c.get("outcome") or {}).get("name") == name)


def assert_every_finding_has_frames(report, where):
    checked = 0
    for rep in reports_of(report):
        n = rep["run"]["frames"]
        for f in rep["findings"]:
            checked += 1
            if f["frames"]:
                assert all(isinstance(x, int) and 1 <= x <= n for x in f["frames"]), (where, rep.get("pcap"), n, f)
                continue
            assert f["check"] in FRAMELESS, f"{where}: {f['check']} finding without a frame: {f}"
            # The reason must hold: that client has nothing on the wire.
            c = client_named(rep, f["transaction"])
            assert c["wire"] is None and not (c.get("ladder") or {}).get("steps"), (where, FRAMELESS[f["check"]], f, c)
    return checked


def check(pxelab_bin, capture, out):
    r = run([pxelab_bin, "check", capture, "--out", out, "--quiet"])
    assert r.returncode in (0, 1, 3), f"pxelab check {capture}: exit {r.returncode}\n{r.stdout}{r.stderr}"
    return json.loads((out / "report.json").read_text())


def test_the_lists_are_what_ships():
    assert len(NON_QEMU) >= 25 and len(NON_QEMU) < len(SCENARIOS), [p.stem for p in NON_QEMU]
    assert len(CAPTURES) >= 20 and any(p.suffix == ".pcapng" for p in CAPTURES)


@pytest.mark.parametrize("scenario", NON_QEMU, ids=[p.stem for p in NON_QEMU])
def test_every_finding_of_a_scenario_has_frames(pxelab_bin, tmp_path, scenario):
    out = tmp_path / "run"
    r = run([pxelab_bin, "run", scenario, "--out", out, "--quiet", "--no-progress"], timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    report = json.loads((out / "report.json").read_text())
    assert_every_finding_has_frames(report, scenario.name)
    # The same frames through pxelab check, one pcap per segment (frames are Wireshark's
    # numbers of the pcap the segment's report names).
    for rep in reports_of(report):
        assert (out / rep["pcap"]).is_file(), rep["pcap"]
        checked = check(pxelab_bin, out / rep["pcap"], tmp_path / ("check-" + rep["pcap"]))
        assert checked["run"]["frames"] == rep["run"]["frames"]
        assert_every_finding_has_frames(checked, f"{scenario.name} {rep['pcap']}")


@pytest.mark.parametrize("capture", CAPTURES, ids=[str(p.relative_to(REPO / "captures")) for p in CAPTURES])
def test_every_finding_of_a_capture_has_frames(pxelab_bin, tmp_path, capture):
    report = check(pxelab_bin, capture, tmp_path / "out")
    assert_every_finding_has_frames(report, capture.name)
    # Numbered as Wireshark numbers them: tshark counts the same frames.
    t = subprocess.run(["tshark", "-r", str(capture), "-T", "fields", "-e", "frame.number"], capture_output=True,
                       text=True, timeout=120)
    numbers = [int(x) for x in t.stdout.split()]
    assert numbers == list(range(1, report["run"]["frames"] + 1)), (capture.name, len(numbers), report["run"]["frames"])
