"""Findings inside the capture: `pxelab run` writes run.pcapng with each finding as a
packet comment on the frames it cites (run.pcap with --pcap), and `pxelab check CAPTURE
--annotate OUT.pcapng` (or --out DIR) does the same for any capture. tshark, an
independent reader, must find the comments where report.json says the findings are."""
import json
import subprocess

from conftest import REPO, run

GOLDEN = REPO / "captures" / "golden"


def tshark_comments(path):
    """{frame number: comment text} for the frames whose comment contains FAIL."""
    t = subprocess.run(["tshark", "-n", "-r", str(path), "-Y", 'frame.comment contains "FAIL"', "-T", "fields",
                        "-e", "frame.number", "-e", "frame.comment"], capture_output=True, text=True, timeout=120)
    assert t.returncode == 0, t.stderr
    out = {}
    for line in t.stdout.splitlines():
        number, comment = line.split("\t", 1)
        out[int(number)] = comment
    return out


def expected_marks(report):
    """{frame: set of check ids} from report.json's findings."""
    marks = {}
    for f in report["findings"]:
        for n in f["frames"][:16]:
            marks.setdefault(n, set()).add(f["check"])
    return marks


def test_check_annotate_puts_each_finding_on_its_frames(pxelab_bin, tmp_path):
    out = tmp_path / "annotated.pcapng"
    r = run([pxelab_bin, "check", GOLDEN / "dnsmasq-udhcpc.pcap", "--annotate", out, "--json", tmp_path / "r.json"])
    assert r.returncode == 1, r.stderr  # dnsmasq does not echo option 61: a MUST finding
    report = json.loads((tmp_path / "r.json").read_text())
    comments = tshark_comments(out)
    assert set(comments) == {6, 7, 8, 9}, comments
    for frame, checks in expected_marks(report).items():
        for check in checks:
            assert f"FAIL {check} (MUST)" in comments[frame], (frame, comments[frame])
    assert "the reply does not echo it" in comments[7]
    # The annotated file is the capture: same frames, same count, readable by pxelab itself.
    count = subprocess.run(["tshark", "-n", "-r", str(out), "-T", "fields", "-e", "frame.number"],
                           capture_output=True, text=True, timeout=120).stdout.split()
    assert len(count) == report["run"]["frames"]
    again = run([pxelab_bin, "check", out, "--quiet"])
    assert again.returncode == 1 and f"{len(count)} frames" in again.stdout, again.stdout + again.stderr


def test_check_out_dir_writes_what_run_writes(pxelab_bin, tmp_path):
    r = run([pxelab_bin, "check", GOLDEN / "dnsmasq-udhcpc.pcap", "--out", tmp_path / "o", "--quiet"])
    assert r.returncode == 1, r.stderr
    for name in ["report.json", "junit.xml", "report.html", "annotated.pcapng"]:
        assert (tmp_path / "o" / name).stat().st_size > 100, name
    assert set(tshark_comments(tmp_path / "o" / "annotated.pcapng")) == {6, 7, 8, 9}


def test_checks_without_findings_leave_no_comment(pxelab_bin, tmp_path):
    out = tmp_path / "a.pcapng"
    r = run([pxelab_bin, "check", GOLDEN / "serve-perfdhcp.pcap", "--annotate", out, "--quiet",
             "--only", "DHCP-CLIENT-ID-ECHO,DHCP-DEST"])
    assert r.returncode == 0 and " 0 findings" in r.stdout, r.stdout + r.stderr
    assert tshark_comments(out) == {}
    # All checks: INTEROP findings too (pxelab serve's unpadded replies), each on its frame.
    r = run([pxelab_bin, "check", GOLDEN / "serve-perfdhcp.pcap", "--annotate", out, "--json", tmp_path / "r.json"])
    report = json.loads((tmp_path / "r.json").read_text())
    assert set(tshark_comments(out)) == set(expected_marks(report)) != set()


def test_run_writes_pcapng_with_findings_or_pcap_with_a_flag(pxelab_bin, tmp_path):
    scenario = REPO / "conformance/scenarios/mtu-1400.toml"
    r = run([pxelab_bin, "run", scenario, "--out", tmp_path / "ng", "-q", "--no-progress"])
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads((tmp_path / "ng/report.json").read_text())
    assert report["pcap"] == "run.pcapng"
    comments = tshark_comments(tmp_path / "ng/run.pcapng")
    marks = expected_marks(report)
    assert marks and set(marks) == set(comments), (marks, comments)
    frame = next(n for n, c in marks.items() if "TFTP-BLKSIZE-MTU" in c)
    assert "FAIL TFTP-BLKSIZE-MTU" in comments[frame]
    # --pcap: the classic file, no comments, the same packets.
    r = run([pxelab_bin, "run", scenario, "--out", tmp_path / "classic", "-q", "--no-progress", "--pcap"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert not (tmp_path / "classic/run.pcapng").exists()
    assert json.loads((tmp_path / "classic/report.json").read_text())["pcap"] == "run.pcap"
    classic = (tmp_path / "classic/run.pcap").read_bytes()
    assert classic[:4] == bytes.fromhex("4d3cb2a1"), "nanosecond pcap magic"
    fields = ["-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch", "-e", "frame.len"]
    a = subprocess.run(["tshark", "-n", "-r", tmp_path / "ng/run.pcapng"] + fields, capture_output=True, text=True)
    b = subprocess.run(["tshark", "-n", "-r", tmp_path / "classic/run.pcap"] + fields, capture_output=True, text=True)
    assert a.stdout and a.stdout == b.stdout, "pcapng and pcap hold the same frames at the same times"
