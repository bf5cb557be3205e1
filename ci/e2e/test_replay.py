"""`pxelab replay` end to end: the field-failure library (captures/field/, made by
captures/field/make-field) replayed against each entry's fixed server, whose decisive
difference must be the one library.json names, and each entry's emitted scenario run
with `pxelab run`, which must show the same failure; timing, --clients, every identity
of a MAC, 4011 and ARP; and bad input (not a capture, an empty file, a cut capture, a
capture without DHCP, an unknown link type, a MAC that is no client)."""
import json
import pathlib
import re
import struct

import pytest

from conftest import REPO, run

FIELD = REPO / "captures" / "field"
LIBRARY = json.loads((FIELD / "library.json").read_text())
NAMES = [e["name"] for e in LIBRARY]
SCENARIOS = REPO / "conformance" / "scenarios"


def failing(checks, role=None):
    return {c["id"] for c in checks if c["verdict"] == "fail" and (role is None or c["role"] == role)}


def replay(pxelab_bin, tmp_path, capture, *args, out="out"):
    r = run([pxelab_bin, "replay", capture, "--out", tmp_path / out, "--quiet", *args])
    rep = None
    if (tmp_path / out / "report.json").exists():
        rep = json.loads((tmp_path / out / "report.json").read_text())
    return r, rep


def pcap_frames(path):
    """(linktype, [frame bytes]) of a classic pcap."""
    data = pathlib.Path(path).read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(end + "I", data[20:24])[0]
    frames, at = [], 24
    while at + 16 <= len(data):
        incl = struct.unpack(end + "I", data[at + 8:at + 12])[0]
        frames.append(data[at + 16:at + 16 + incl])
        at += 16 + incl
    return linktype, frames


def write_pcap(path, frames, linktype=1):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)
    for i, f in enumerate(frames):
        out += struct.pack("<IIII", i, 0, len(f), len(f)) + f
    pathlib.Path(path).write_bytes(out)


# --- the library ---------------------------------------------------------------

def test_library_has_twelve_complete_entries():
    assert len(LIBRARY) >= 12
    for e in LIBRARY:
        d = FIELD / e["name"]
        for f in ("capture.pcap", "source.toml", "fixed.toml", "scenario.toml"):
            assert (d / f).is_file(), f"{e['name']}/{f} is missing"
        assert e["fix"] and e["parts"] and e["what"], e["name"]
    assert (FIELD / "README.md").is_file()


@pytest.mark.parametrize("name", NAMES)
def test_library_replay_names_the_decisive_difference(pxelab_bin, tmp_path, name):
    e = next(x for x in LIBRARY if x["name"] == name)
    r, rep = replay(pxelab_bin, tmp_path, FIELD / name / "capture.pcap", "--server", FIELD / name / "fixed.toml")
    assert r.returncode == (1 if e["decisive"] else 0), r.stdout + r.stderr
    decisive = rep["decisive"]["field"] if rep["decisive"] else None
    assert decisive == e["decisive"], json.dumps(rep["decisive"], indent=1)
    # Named first: the summary's line after the counts, and the verdict line.
    lines = (tmp_path / "out" / "summary.txt").read_text().splitlines()
    if e["decisive"]:
        assert lines[2].startswith(f"DECISIVE {e['decisive']}: field "), lines[:3]
        assert f"(decisive: {e['decisive']})" in r.stdout
    # The checks ran on both sides; the field side fails what the library says.
    assert set(e["field_checks_fail"]) <= failing(rep["field"]["checks"]), failing(rep["field"]["checks"])
    assert set(e.get("field_client_checks_fail", [])) <= failing(rep["field"]["checks"], "client")
    # The fix fixes it: none of those fails against the fixed server.
    assert not set(e["field_checks_fail"]) & failing(rep["replay"]["checks"]), failing(rep["replay"]["checks"])
    for f in ("junit.xml", "summary.txt", "field.pcap", "replay.pcap"):
        assert (tmp_path / "out" / f).stat().st_size > 0, f
    assert_report_html(tmp_path / "out" / "report.html", rep)
    # Both sides' findings cite frames of their pcap (field.pcap, replay.pcap).
    for side in ("field", "replay"):
        for f in rep[side]["findings"]:
            assert f["frames"] and all(1 <= n <= rep[side]["run"]["frames"] for n in f["frames"]), (side, f)


def assert_report_html(page, rep):
    """report.html exists, is self-contained (nothing fetched: no http(s) or
    protocol-relative src/href) and carries the decisive difference of report.json."""
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and "</html>" in text
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.I), "report.html fetches something"
    assert not re.search(r"<link\b|<script[^>]*\bsrc=", text, re.I), "no external stylesheet or script"
    embedded = re.search(r'<script type="application/json" id="pxelab-report">(.*?)</script>', text, re.S)
    assert json.loads(embedded.group(1)) == rep, "the page embeds report.json as written"
    if rep["decisive"]:
        d = rep["decisive"]
        assert json.dumps(d["field"])[1:-1] in text and json.dumps(d["why"], ensure_ascii=False)[1:-1] in text


@pytest.mark.parametrize("name", ["option66-only", "uefi-tsize-probe"])
def test_replay_report_html_in_a_browser(pxelab_bin, tmp_path, name):
    """Headless Chromium draws a replay's report.html: the replay's verdict, the decisive
    difference first (its text and field frame), every forbidden difference as a row,
    both sides' checks and findings with the pcap their frames refer to."""
    from test_report_html import assert_rendered, render
    r, rep = replay(pxelab_bin, tmp_path, FIELD / name / "capture.pcap", "--server", FIELD / name / "fixed.toml")
    assert r.returncode == (1 if rep["decisive"] else 0), r.stdout + r.stderr
    shot = tmp_path / "replay.png"
    dom, console = render(tmp_path / "out" / "report.html", shot)
    assert_rendered(dom, console, shot)
    assert dom.find(id="verdict")[0]["data-verdict"] == ("fail" if rep["decisive"] else "pass")
    assert dom.find(id="judged-note")[0]["data-kind"] == "replay"
    rows = [a for t, a in dom.items if t == "tr" and "data-field" in a]
    forbidden = [x["field"] for c in rep["clients"] for q in c["requests"] for a in q["answers"]
                 for x in a["differences"] if x["rule"] == "must match"]
    assert sorted(a["data-field"] for a in rows) == sorted(forbidden)
    if rep["decisive"]:
        d = rep["decisive"]
        box = dom.find("div", id="decisive")[0]
        assert (box["data-field"], box["data-frame"]) == (d["field"], str(d["request_field_frame"]))
        assert rows[0].get("data-decisive") == "1" and rows[0]["data-field"] == d["field"], "the decisive row first"
        assert f"DECISIVE {d['field']}: field {d['field_value']} / replay {d['new_value']}" in dom.text
    else:
        assert rows == [] and dom.find("p", id="decisive")
    assert dom.find(id="checks-card-field") and dom.find(id="checks-card-replay") and dom.find(id="replay-clients-card")
    for side in ("field", "replay"):
        assert dom.find(id=f"failing-only-{side}")[0]["data-checks"] == ",".join(rep[f"checks_failing_only_in_{side}"])
    shown = [(a["data-check"], a["data-frames"]) for a in dom.find("div") if "finding" in a.get("class", "").split()
             and "data-check" in a]
    listed = [(f["check"], ",".join(map(str, f["frames"]))) for side in ("field", "replay") for f in rep[side]["findings"]]
    assert shown == listed, "both sides' findings, field first, with their frame numbers"
    if rep["field"]["findings"]:
        assert f"frames {listed[0][1].replace(',', ', ')} of field.pcap" in dom.text, listed[:1]
    else:
        assert "No findings." in dom.text


@pytest.mark.parametrize("name", NAMES)
def test_library_scenario_shows_the_same_failure(pxelab_bin, tmp_path, name):
    e = next(x for x in LIBRARY if x["name"] == name)
    r = run([pxelab_bin, "run", FIELD / name / "scenario.toml", "--out", tmp_path / "run", "--quiet"])
    assert r.returncode == 0, f"an expectation of {name}/scenario.toml was not met:\n{r.stdout}{r.stderr}"
    rep = json.loads((tmp_path / "run" / "report.json").read_text())
    assert all(x["met"] for x in rep["expectations"]), rep["expectations"]
    assert set(e["field_checks_fail"]) <= failing(rep["checks"], "server"), failing(rep["checks"], "server")
    # And the same failing server checks as the field capture shows, no more, no less
    # (OUTCOME-* judge a run's clients: a capture has no outcomes).
    _, field = replay(pxelab_bin, tmp_path, FIELD / name / "capture.pcap", "--server", FIELD / name / "fixed.toml")
    wire_checks = lambda ids: {i for i in ids if not i.startswith("OUTCOME-")}
    assert wire_checks(failing(rep["checks"], "server")) == failing(field["field"]["checks"], "server")
    # The clients' findings too (a ROM that omits 97): the emulated ROM fails as the field one.
    assert set(e.get("field_client_checks_fail", [])) <= failing(field["field"]["checks"], "client")
    assert wire_checks(failing(rep["checks"])) == failing(field["field"]["checks"])


@pytest.mark.parametrize("name", NAMES)
def test_library_scenario_is_what_replay_emits(pxelab_bin, tmp_path, name):
    """The checked-in scenario is what this build emits (else: captures/field/make-field)."""
    emitted = tmp_path / "scenario.toml"
    r, _ = replay(pxelab_bin, tmp_path, FIELD / name / "capture.pcap", "--server", FIELD / name / "fixed.toml",
                  "--emit-scenario", emitted)
    assert r.returncode in (0, 1), r.stderr
    body = lambda p: re.sub(r"\(pxelab [^\n]*\)\.\n", "", pathlib.Path(p).read_text(), count=1)
    assert body(emitted) == body(FIELD / name / "scenario.toml"), f"re-run captures/field/make-field --only {name}"


def test_uefi_tsize_probe_is_not_a_failure(pxelab_bin, tmp_path):
    r, rep = replay(pxelab_bin, tmp_path, FIELD / "uefi-tsize-probe" / "capture.pcap", "--server",
                    FIELD / "uefi-tsize-probe" / "fixed.toml")
    assert r.returncode == 0 and rep["requests_with_forbidden_differences"] == 0
    assert not failing(rep["field"]["checks"]) and not failing(rep["replay"]["checks"])
    rrqs = [q for c in rep["clients"] for q in c["requests"] if q["request"].startswith("RRQ")]
    assert len(rrqs) >= 2  # the probe and the read again


# --- options and what is replayed --------------------------------------------------

def test_timing_exact_keeps_the_captured_gaps(pxelab_bin, tmp_path):
    cap = FIELD / "echo-pxeclient" / "capture.pcap"  # EDK2 retries 4011 for seconds
    fixed = FIELD / "echo-pxeclient" / "fixed.toml"
    _, frames = pcap_frames(cap)
    r1, compressed = replay(pxelab_bin, tmp_path, cap, "--server", fixed, out="c")
    r2, exact = replay(pxelab_bin, tmp_path, cap, "--server", fixed, "--timing", "exact", out="e")
    assert compressed["timing"] == "compressed" and exact["timing"] == "exact"
    assert exact["simulated_seconds"] > 2 * compressed["simulated_seconds"], (exact["simulated_seconds"],
                                                                              compressed["simulated_seconds"])
    assert r1.returncode == r2.returncode == 1
    assert exact["decisive"]["field"] == compressed["decisive"]["field"] == "option 60"
    r3 = run([pxelab_bin, "replay", cap, "--server", fixed, "--timing", "fast", "--out", tmp_path / "x"])
    assert r3.returncode == 2 and "--timing is exact or compressed" in r3.stderr


def test_clients_filter(pxelab_bin, tmp_path):
    cap = FIELD / "option66-only" / "capture.pcap"
    fixed = FIELD / "option66-only" / "fixed.toml"
    _, everyone = replay(pxelab_bin, tmp_path, cap, "--server", fixed, out="all")
    macs = [c["mac"] for c in everyone["clients"]]
    assert len(macs) == 2
    _, one = replay(pxelab_bin, tmp_path, cap, "--server", fixed, "--clients", macs[1], out="one")
    assert [c["mac"] for c in one["clients"]] == [macs[1]]
    r = run([pxelab_bin, "replay", cap, "--server", fixed, "--clients", f"{macs[0]},02:00:00:00:be:ef", "--out",
             tmp_path / "bad"])
    assert r.returncode == 2
    assert "--clients: not a client in the capture" in r.stderr and "02:00:00:00:be:ef" in r.stderr, r.stderr
    assert macs[1] in r.stderr  # it says which clients there are
    r = run([pxelab_bin, "replay", cap, "--server", fixed, "--clients", "nonsense", "--out", tmp_path / "bad2"])
    assert r.returncode == 2 and "'nonsense' is not a MAC address" in r.stderr


def test_every_identity_of_a_mac_and_arp(pxelab_bin, tmp_path):
    """EDK2 then the iPXE it chainloaded: one client, two identities, both replayed; its
    ARP is counted and the replaying host answers ARP itself."""
    cap = FIELD / "uefi-tsize-probe" / "capture.pcap"
    _, rep = replay(pxelab_bin, tmp_path, cap, "--server", FIELD / "uefi-tsize-probe" / "fixed.toml")
    chained = [c for c in rep["clients"] if len(c["identities"]) >= 2]
    assert chained, [c["identities"] for c in rep["clients"]]
    c = chained[0]
    assert [i["fingerprint"] for i in c["identities"]][:2] == ["edk2-x64", "ipxe-efi"]
    second = c["identities"][1]["frame"]
    later = [q for q in c["requests"] if q["field_frame"] >= second]
    assert later and all(q["sent"] and q["replay_frame"] for q in later)
    assert c["arp_frames"] > 0
    _, frames = pcap_frames(tmp_path / "out" / "replay.pcap")
    assert any(f[12:14] == b"\x08\x06" for f in frames), "no ARP on the replay's segment"


def test_port_4011_requests_are_replayed(pxelab_bin, tmp_path):
    r = run([pxelab_bin, "run", SCENARIOS / "echo-pxeclient.toml", "--out", tmp_path / "field", "--quiet"])
    assert r.returncode == 0, r.stdout + r.stderr
    r, rep = replay(pxelab_bin, tmp_path, tmp_path / "field" / "run.pcapng", "--scenario", SCENARIOS / "echo-pxeclient.toml")
    assert r.returncode == 0, r.stdout + r.stderr
    to_4011 = [q for c in rep["clients"] for q in c["requests"] if "to port 4011" in q["request"]]
    assert len(to_4011) >= 4
    assert all(q["sent"] and q["replay_frame"] for q in to_4011), [q for q in to_4011 if not q["replay_frame"]]
    _, frames = pcap_frames(tmp_path / "out" / "replay.pcap")
    dst_4011 = [f for f in frames if f[12:14] == b"\x08\x00" and f[23] == 17 and f[36:38] == b"\x0f\xab"]
    assert len(dst_4011) == len(to_4011)


def test_sut_is_offered(pxelab_bin, tmp_path):
    """--sut PROFILE --config FILE is in --help (the run itself: test_replay_sut.py);
    --config belongs to --sut, and one server only."""
    r = run([pxelab_bin, "replay", "--help"])
    assert r.returncode == 0 and "--sut" in r.stdout and "--config" in r.stdout, r.stdout
    capture = FIELD / "option66-only" / "capture.pcap"
    fixed = FIELD / "option66-only" / "fixed.toml"
    r = run([pxelab_bin, "replay", capture, "--server", fixed, "--config", fixed, "--out", tmp_path / "o"])
    assert r.returncode == 2 and "--config goes with --sut" in r.stderr, r.stderr
    r = run([pxelab_bin, "replay", capture, "--server", fixed, "--sut", "dnsmasq", "--out", tmp_path / "o"])
    assert r.returncode == 2 and "one of --server CONFIG, --scenario FILE, --sut PROFILE" in r.stderr, r.stderr


# --- bad input --------------------------------------------------------------------

FIXED = FIELD / "option66-only" / "fixed.toml"


def test_not_a_capture(pxelab_bin, tmp_path):
    (tmp_path / "garbage.pcap").write_bytes(bytes(range(256)) * 12)
    r = run([pxelab_bin, "replay", tmp_path / "garbage.pcap", "--server", FIXED, "--out", tmp_path / "o"])
    assert r.returncode == 2 and "cannot read" in r.stderr and "unknown file format" in r.stderr, r.stderr
    (tmp_path / "empty.pcap").write_bytes(b"")
    r = run([pxelab_bin, "replay", tmp_path / "empty.pcap", "--server", FIXED, "--out", tmp_path / "o"])
    assert r.returncode == 2 and "cannot read" in r.stderr, r.stderr
    r = run([pxelab_bin, "replay", tmp_path / "missing.pcap", "--server", FIXED, "--out", tmp_path / "o"])
    assert r.returncode == 2 and "cannot read" in r.stderr, r.stderr


def test_cut_capture_replays_what_is_before_the_cut(pxelab_bin, tmp_path):
    data = (FIELD / "option66-only" / "capture.pcap").read_bytes()
    (tmp_path / "cut.pcap").write_bytes(data[:len(data) - 37])
    r, rep = replay(pxelab_bin, tmp_path, tmp_path / "cut.pcap", "--server", FIXED)
    assert r.returncode == 3, r.stdout + r.stderr
    assert "is cut or corrupt after frame" in r.stderr
    assert "read_error" in rep and rep["clients"], rep.get("read_error")


def test_capture_without_dhcp(pxelab_bin, tmp_path):
    arp = bytes.fromhex("ffffffffffff525400000001" "0806" "0001080006040001" "525400000001" "c0000201"
                        "000000000000" "c0000202")
    udp = (bytes.fromhex("525400000002525400000001" "0800") +
           bytes.fromhex("4500001d000040004011" "0000" "c0000201" "c0000202") +
           bytes.fromhex("3039" "0035" "0009" "0000") + b"x")
    write_pcap(tmp_path / "nodhcp.pcap", [arp, udp])
    r = run([pxelab_bin, "replay", tmp_path / "nodhcp.pcap", "--server", FIXED, "--out", tmp_path / "o"])
    assert r.returncode == 2 and "no client requests in the capture" in r.stderr, r.stderr
    assert "at byte" not in r.stderr


def test_unknown_link_type(pxelab_bin, tmp_path):
    _, frames = pcap_frames(FIELD / "option66-only" / "capture.pcap")
    write_pcap(tmp_path / "odd.pcap", frames, linktype=147)  # DLT_USER0
    r = run([pxelab_bin, "replay", tmp_path / "odd.pcap", "--server", FIXED, "--out", tmp_path / "o"])
    assert r.returncode == 2, r.stdout + r.stderr
    assert "unsupported link type 147" in r.stderr, r.stderr


def test_half_a_transaction(pxelab_bin, tmp_path):
    """A DISCOVER the field server never answered: replayed and diffed (the new server
    answers: decisive "answer"); no scenario can be emitted from it, said plainly, and
    the replay's files are written all the same. An OFFER alone has no client request."""
    _, frames = pcap_frames(FIELD / "option66-only" / "capture.pcap")
    write_pcap(tmp_path / "half.pcap", frames[:1])
    r, rep = replay(pxelab_bin, tmp_path, tmp_path / "half.pcap", "--server", FIXED, "--emit-scenario",
                    tmp_path / "s.toml")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "--emit-scenario: no scenario written: the capture holds no DHCP answer" in r.stderr, r.stderr
    assert not (tmp_path / "s.toml").exists()
    assert rep["decisive"]["field"] == "answer" and rep["decisive"]["field_value"] == "(no answer)"
    assert (tmp_path / "out" / "replay.pcap").stat().st_size > 24
    write_pcap(tmp_path / "offer.pcap", frames[2:3])
    r = run([pxelab_bin, "replay", tmp_path / "offer.pcap", "--server", FIXED, "--out", tmp_path / "o"])
    assert r.returncode == 2 and "no client requests in the capture" in r.stderr, r.stderr
