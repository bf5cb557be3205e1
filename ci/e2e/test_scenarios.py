"""`pxelab run` end to end: every scenario of the library passes its own expectations
(conformance/scenarios/*.toml, each with a comment saying what it shows), the files a
run writes agree with each other and with Wireshark, a seed gives the same run twice,
and broken scenario files are exit 2 with file, line and key."""
import json
import pathlib
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import REPO, run

SCENARIOS = sorted((REPO / "conformance" / "scenarios").glob("*.toml"))


def test_the_library_has_the_scenarios_the_issue_names():
    names = {p.stem for p in SCENARIOS}
    assert len(names) >= 20, names
    for wanted in ["bios-pxelinux", "uefi-ipxe", "proxy-beside-dhcp", "relay-option82", "bootp-prom",
                   "host-table-images", "menu-local-default", "boot-storm-1000", "loss-20-percent", "mtu-1400",
                   "option-66-only", "echo-pxeclient", "ipxe-chainload-loop", "ipxe-chainload-fixed", "rogue-dhcp",
                   "late-proxy-ipxe", "edk2-strict-oack", "no-tsize-edk2", "duplicate-offers"]:
        assert wanted in names, f"scenario {wanted} is missing"
    for p in SCENARIOS:
        head = p.read_text().splitlines()[0]
        assert head.startswith("#"), f"{p.name} starts without the comment saying what it shows"
        assert "Expected:" in p.read_text(), f"{p.name} does not say what result it expects"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_meets_its_expectations(pxelab_bin, tmp_path, scenario):
    out = tmp_path / "out"
    r = run([pxelab_bin, "run", scenario, "--out", out, "--no-progress"], timeout=600)
    assert r.returncode == 0, f"{scenario.name}: exit {r.returncode}\n{r.stdout[-4000:]}\n{r.stderr[-2000:]}"
    assert r.stdout.rstrip().endswith("PASS (every expectation met)"), r.stdout[-500:]
    report = json.loads((out / "report.json").read_text())
    assert report["result"] == "pass"
    assert report["expectations"] and all(e["met"] for e in report["expectations"])
    junit = ET.parse(out / "junit.xml").getroot()
    assert junit.tag == "testsuites" and len(junit.findall(".//testcase")) >= 64
    suites = [suite.get("name") for suite in junit.findall("testsuite")]
    assert len(suites) == len(set(suites)), f"testsuite names repeat: {suites}"
    assert (out / "run.pcapng").stat().st_size > 24
    assert (out / "report.html").stat().st_size > 10_000


def test_findings_point_at_frames_wireshark_shows(pxelab_bin, tmp_path):
    """The frame numbers of a finding are Wireshark's: that frame of run.pcapng is the
    reply the finding is about (mtu-1400: the OACK with a blksize over the path MTU)."""
    out = tmp_path / "out"
    r = run([pxelab_bin, "run", REPO / "conformance/scenarios/mtu-1400.toml", "--out", out, "-q", "--no-progress"])
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads((out / "report.json").read_text())
    findings = [f for f in report["findings"] if f["check"] == "TFTP-BLKSIZE-MTU"]
    assert findings, "mtu-1400 finds TFTP-BLKSIZE-MTU"
    frame = findings[0]["frames"][0]
    t = subprocess.run(["tshark", "-r", str(out / "run.pcapng"), "-Y", f"frame.number == {frame}", "-T", "fields",
                        "-e", "tftp.opcode", "-e", "tftp.option.name"], capture_output=True, text=True, timeout=120)
    assert t.returncode == 0, t.stderr
    opcode, names = t.stdout.strip().split("\t")[:2]
    assert opcode == "6" and "blksize" in names, f"frame {frame} is {t.stdout!r}, not the OACK"


def test_same_seed_same_run_other_seed_overrides_the_file(pxelab_bin, tmp_path):
    scenario = REPO / "conformance/scenarios/loss-20-percent.toml"
    reports = []
    for name, seed in [("a", None), ("b", None), ("c", "99")]:
        out = tmp_path / name
        args = [pxelab_bin, "run", scenario, "--out", out, "-q", "--no-progress"] + (["--seed", seed] if seed else [])
        r = run(args)
        assert r.returncode in (0, 1), r.stderr
        reports.append(json.loads((out / "report.json").read_text()))
        assert (out / "run.pcapng").exists()
    strip = lambda rep: json.dumps({k: v for k, v in rep.items() if k not in ("run", "scenario_run")}, sort_keys=True)
    assert strip(reports[0]) == strip(reports[1]), "the same seed gives the same report"
    assert (tmp_path / "a/run.pcapng").read_bytes() == (tmp_path / "b/run.pcapng").read_bytes()
    assert reports[2]["run"]["seed"] == 99
    assert strip(reports[2]) != strip(reports[0]), "another seed is another run"


BROKEN = [
    # (scenario text, what the error must say)
    ('[scenario]\nname = "x"\nbogus = 1\n', "scenario.bogus: unknown key"),
    ('[scenario]\nname = "x"\n[[client]]\nname = "c"\npersonality = "edk2-x64"\ncount = "three"\n', "count"),
    ('[scenario]\nname = "x"\n[[server]]\nname = "s"\nconfig = "[server]\\naddress = \\"192.0.2.1\\"\\n"\n'
     '[[client]]\nname = "c"\npersonality = "no-such-rom"\n', "no personality 'no-such-rom'"),
    ('[scenario]\nname = "x"\n[[server]]\nname = "s"\nconfig = "[server]\\naddress = \\"192.0.2.1\\"\\n'
     '[[subnet]]\\nnetwork = \\"192.0.2.0/24\\"\\npool = \\"192.0.2.10-192.0.2.20\\"\\n"\n'
     '[[client]]\nname = "c"\npersonality = "pxelinux"\n', "is a loader"),
    ('[scenario]\nname = "x"\n[[client]]\nname = "c"\nkind = "probe"\nprobe_steps = ["dora", "fly"]\n',
     "unknown step 'fly'"),
    ('[scenario]\nname = "x"\n[[client]]\nname = "c"\npersonality = "edk2-x64"\nprobe_file = "a"\n',
     'belong to kind = "probe"'),
    ('[scenario\nname = "x"\n', "broken.toml:1"),
]


@pytest.mark.parametrize("text,message", BROKEN, ids=[m for _, m in BROKEN])
def test_broken_scenario_is_exit_2_naming_file_line_and_key(pxelab_bin, tmp_path, text, message):
    path = tmp_path / "broken.toml"
    path.write_text(text)
    r = run([pxelab_bin, "run", path, "--out", tmp_path / "out", "--no-progress"])
    assert r.returncode == 2, f"exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    assert message in r.stderr, r.stderr
    assert "broken.toml" in r.stderr, "the error names the file"


def test_server_config_errors_inside_a_scenario_name_the_scenario_line(pxelab_bin, tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[scenario]\nname = "x"\n[[server]]\nname = "s"\nconfig = """\n[server]\naddress = "192.0.2.1"\n'
                    '[[subnet]]\nnetwork = "192.0.2.0/24"\npool = "192.0.2.10-192.0.2.20"\n'
                    '[faults]\nbreak_everything = true\n"""\n[[client]]\nname = "c"\npersonality = "edk2-x64"\n')
    r = run([pxelab_bin, "run", path, "--out", tmp_path / "out", "--no-progress"])
    assert r.returncode == 2, r.stdout + r.stderr
    assert "faults.break_everything: unknown fault" in r.stderr, r.stderr
    assert "broken.toml" in r.stderr


def test_missing_scenario_file_is_exit_2(pxelab_bin, tmp_path):
    r = run([pxelab_bin, "run", tmp_path / "nope.toml"])
    assert r.returncode == 2
    assert "nope.toml" in r.stderr


def test_run_help_teaches_the_format(pxelab_bin):
    r = run([pxelab_bin, "run", "--help"])
    assert r.returncode == 0
    for word in ["SCENARIO", "--seed", "--out", "report.json", "junit.xml", "run.pcap"]:
        assert word in r.stdout, word


def test_link_up_restores_the_configured_loss(pxelab_bin, tmp_path):
    """link-up gives a link back the loss it was configured with: a client on a dead
    link (loss 1) stays cut off after link-down / link-up, it is not healed."""
    path = tmp_path / "dead-link.toml"
    path.write_text('[scenario]\nname = "dead-link"\ndeadline = 30\n[[server]]\nname = "s"\nconfig = """\n[server]\n'
                    'address = "192.0.2.1"\n[[subnet]]\nnetwork = "192.0.2.0/24"\npool = "192.0.2.10-192.0.2.20"\n'
                    '[boot]\ndefault_file = "nbp.0"\n"""\n[server.files]\n"nbp.0" = { size = 1000 }\n'
                    '[[client]]\nname = "c"\npersonality = "intel-pxe21"\nlink = { loss = 1.0 }\n'
                    '[[event]]\nat = 1\naction = "link-down"\ntarget = "c"\n'
                    '[[event]]\nat = 2\naction = "link-up"\ntarget = "c"\n'
                    '[expect]\n[[expect.outcome]]\nclients = "c"\nstatus = "pending"\n')
    r = run([pxelab_bin, "run", path, "--out", tmp_path / "out", "-q", "--no-progress"])
    assert r.returncode == 0, r.stdout + r.stderr
