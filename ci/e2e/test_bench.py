"""`pxelab bench --quick` runs every simulator benchmark, reports an anchor beside each,
and writes machine-readable figures (what ci/demo runs, in seconds)."""
import json

from conftest import run


def test_bench_quick_prints_figures_and_json(pxelab_bin, tmp_path):
    out = tmp_path / "bench.json"
    r = run([pxelab_bin, "bench", "--quick", "--repeat", "1", "--json", out], timeout=300)
    assert r.returncode == 0, r.stderr
    for label in ("hold model", "segment UDP, trace off", "segment UDP, trace on", "pcap streaming", "ratio"):
        assert label in r.stdout, r.stdout
    data = json.loads(out.read_text())
    names = {row["name"] for row in data["results"]}
    assert "hold.pxelab" in names and "hold.anchor_priority_queue" in names
    for row in data["results"]:
        assert row["median"] > 0, row
        assert row["peak_rss_kib"] > 0, row
    assert data["ratios"], "each figure is stated against an anchor"


def test_bench_rejects_unknown_options(pxelab_bin):
    r = run([pxelab_bin, "bench", "--frobnicate"])
    assert r.returncode == 2
