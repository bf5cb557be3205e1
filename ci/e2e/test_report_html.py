"""report.html in a real browser: headless Chromium (Debian's `chromium`) renders the
report of a capture and of a scenario from file://, with no network; the test reads the
DOM Chromium built (the page draws its SVG with its own script), checks the ladder has
the arrows the capture holds, that findings are marked on the arrows they cite, and
that the page logged nothing to the console (Chromium prints console messages and
uncaught errors to stderr as INFO:CONSOLE lines with --enable-logging=stderr)."""
import html.parser
import json
import shutil
import subprocess

import pytest

from conftest import REPO, run

GOLDEN = REPO / "captures" / "golden"
CHROMIUM = shutil.which("chromium")


class Elements(html.parser.HTMLParser):
    """Every start tag as (tag, attrs dict), in document order; `text`: the text nodes,
    each followed by a newline."""

    def __init__(self):
        super().__init__()
        self.items = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.items.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text += data + "\n"

    def find(self, tag=None, **attrs):
        return [a for t, a in self.items if (tag is None or t == tag) and
                all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]


def render(page, shot, fragment=""):
    """Chromium's DOM of `page` after its script ran, and its console lines."""
    assert CHROMIUM, "chromium is installed by ci/setup"
    r = subprocess.run([CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
                        "--disable-background-networking", "--enable-logging=stderr", "--v=0",
                        "--window-size=1280,1600", f"--screenshot={shot}", "--dump-dom", page.as_uri() + fragment],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    console = [line for line in r.stderr.splitlines() if ":CONSOLE" in line]
    dom = Elements()
    dom.feed(r.stdout)
    return dom, console


def assert_rendered(dom, console, shot):
    assert console == [], "the page logged to the console:\n" + "\n".join(console)
    body = dom.find("body")[0]
    assert body.get("data-rendered") == "ok" and "data-errors" not in body, body
    assert shot.stat().st_size > 20_000, "a screenshot with something on it"
    for tag, attrs in dom.items:  # self-contained: nothing fetched from anywhere
        assert not (tag in ("script", "img", "iframe") and attrs.get("src")), (tag, attrs)
        assert not (tag == "link" and attrs.get("href")), (tag, attrs)


def test_capture_report_draws_the_ladder_and_marks_the_findings(pxelab_bin, tmp_path):
    r = run([pxelab_bin, "check", GOLDEN / "dnsmasq-udhcpc.pcap", "--out", tmp_path, "--quiet"])
    assert r.returncode == 1, r.stdout + r.stderr
    shot = tmp_path / "capture.png"
    dom, console = render(tmp_path / "report.html", shot)
    assert_rendered(dom, console, shot)
    assert dom.find(id="verdict")[0]["data-verdict"] == "fail"
    ladders = dom.find("svg", data_client="02:00:00:00:00:02")
    assert len(ladders) == 1
    steps = [(int(a["data-frame"]), a["data-what"]) for t, a in dom.items if t == "g" and "data-frame" in a]
    assert steps[:4] == [(6, "DHCPDISCOVER"), (7, "DHCPOFFER"), (8, "DHCPREQUEST"), (9, "DHCPACK")], steps
    assert (12, "RRQ") in steps and (96, "OACK") in steps and (97, "ACK 0") in steps
    assert any(n == 127 and w.startswith("ERROR 1") for n, w in steps), steps
    folds = dom.find("g", data_kind="transfer")
    assert [f["data-frame"] for f in folds] == ["13", "98"], "two transfers folded into one bar each"
    assert len(steps) == 12, "DATA/ACK are folded, not drawn one by one"
    # DHCP-CLIENT-ID-ECHO cites frames 6,7 and 8,9: those arrows, and only those, are marked.
    marked = {int(a["data-frame"]): a["data-findings"] for t, a in dom.items if t == "g" and a.get("data-findings")}
    assert marked == {n: "DHCP-CLIENT-ID-ECHO" for n in (6, 7, 8, 9)}, marked
    findings = dom.find("div", data_check="DHCP-CLIENT-ID-ECHO")
    assert [f["data-frames"] for f in findings] == ["6,7", "8,9"]
    assert dom.find(id="servers-card") and dom.find(id="fingerprints-card") and dom.find(id="checks-card")
    assert dom.find("div", id="finding-panel")[0].get("class", "") == "", "the panel opens on a click only"

    # A click on the marker of frame 8 (report.html#frame=8 dispatches it) opens the
    # panel with that finding, its citation and its frame numbers.
    report = json.loads((tmp_path / "report.json").read_text())
    citation = next(c["citation"] for c in report["checks"] if c["id"] == "DHCP-CLIENT-ID-ECHO")
    dom, console = render(tmp_path / "report.html", shot, "#frame=8")
    assert console == []
    assert dom.find("div", id="finding-panel")[0]["class"] == "open"
    shown = dom.find("p", **{"class": "panel-finding"})
    assert [(p["data-check"], p["data-citation"], p["data-frames"]) for p in shown] == [
        ("DHCP-CLIENT-ID-ECHO", citation, "8,9")], shown


def test_scenario_report_has_a_storm_timeline_and_every_client(pxelab_bin, tmp_path):
    r = run([pxelab_bin, "run", REPO / "conformance/scenarios/mtu-1400.toml", "--out", tmp_path, "-q", "--no-progress"])
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    shot = tmp_path / "scenario.png"
    dom, console = render(tmp_path / "report.html", shot)
    assert_rendered(dom, console, shot)
    assert dom.find(id="verdict")[0]["data-verdict"] == "pass"
    assert len(dom.find("details", **{"class": "client"})) == len(report["clients"])
    # The finding is on the OACK it cites.
    finding = next(f for f in report["findings"] if f["check"] == "TFTP-BLKSIZE-MTU")
    marked = [a for t, a in dom.items if t == "g" and a.get("data-frame") == str(finding["frames"][0])]
    assert marked and marked[0]["data-what"] == "OACK" and "TFTP-BLKSIZE-MTU" in marked[0]["data-findings"], marked
    storm = dom.find("path", id="storm-booted")
    assert storm and storm[0]["data-clients"] == str(len(report["clients"]))
    assert dom.find("path", id="storm-throughput") and dom.find("path", id="storm-tftp")
    assert report["traffic"]["link_bytes_per_second"] is None and dom.find("line", id="storm-link-bound") == []
    assert dom.find("svg", id="histogram") == [], "no client booted: no boot times to draw"


def test_a_storm_draws_the_first_clients_and_a_histogram_of_all(pxelab_bin, tmp_path):
    r = run([pxelab_bin, "run", REPO / "conformance/scenarios/quickstart.toml", "--out", tmp_path, "-q", "--no-progress"])
    assert r.returncode == 0, r.stdout + r.stderr
    shot = tmp_path / "storm.png"
    dom, console = render(tmp_path / "report.html", shot)
    assert_rendered(dom, console, shot)
    assert len(dom.find("details", **{"class": "client"})) == 300
    assert len(dom.find("svg", **{"class": "ladder"})) == 40, "the first 40 ladders drawn, the rest on demand"
    assert dom.find(id="client-search") and dom.find(id="clients-more")
    assert dom.find("svg", id="histogram")[0]["data-clients"] == "300"
    assert dom.find("path", id="storm-booted")[0]["data-booted"] == "300"
    # quickstart's server port is gigabit: its bound is drawn beside the throughput.
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["traffic"]["link_bytes_per_second"] == 125e6
    assert dom.find("line", id="storm-link-bound")[0]["data-bytes-per-second"] == "125000000"
    groups = [a["data-group"] for a in dom.find("div", **{"class": "group"})]
    assert groups == ["edk2-x64", "intel-pxe21", "ipxe-bios", "ipxe-efi", "uboot"], "grouped by personality"

    # The search box (prefilled from #q=): one late client, found and drawn.
    dom, console = render(tmp_path / "report.html", shot, "#q=uboot-60")
    assert console == []
    visible = [a for a in dom.find("details", **{"class": "client"}) if "hidden" not in a]
    assert [a["data-search"].split()[0] for a in visible] == ["uboot-60"], visible
    assert "open" in visible[0] and len(dom.find("svg", data_client=visible[0]["data-mac"])) == 1


def test_a_machine_that_chainloads_has_one_fingerprint_per_identity(pxelab_bin, tmp_path):
    """Real OVMF chainloading iPXE EFI (captures/golden/qemu, recorded under QEMU): one
    MAC, two identities in order, each fingerprinted, the chainload drawn in its ladder."""
    r = run([pxelab_bin, "check", GOLDEN / "qemu" / "ovmf-x64-ipxe.pcap", "--out", tmp_path, "--quiet"])
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    (client,) = report["clients"]
    ids = [(i["fingerprint"]["id"], i["chainloaded_from"]) for i in client["wire"]["identities"]]
    assert ids == [("edk2-x64", None), ("ipxe-efi", "edk2-x64")], ids
    assert client["wire"]["fingerprint"]["id"] == "edk2-x64", "the first identity's key is unchanged"
    first, second = client["wire"]["identities"]
    assert first["first_frame"] == client["wire"]["first_discover_frame"] < second["first_frame"]
    shot = tmp_path / "chain.png"
    dom, console = render(tmp_path / "report.html", shot)
    assert_rendered(dom, console, shot)
    marks = dom.find("g", **{"class": "chainload"})
    assert [(m["data-identity"], m["data-frame"]) for m in marks] == [("ipxe-efi", str(second["first_frame"]))]


def test_findings_name_the_server_that_sent_the_reply(pxelab_bin, tmp_path):
    r = run([pxelab_bin, "check", GOLDEN / "dnsmasq-udhcpc.pcap", "--json", tmp_path / "r.json", "--quiet"])
    assert r.returncode == 1
    findings = json.loads((tmp_path / "r.json").read_text())["findings"]
    assert [f["sender"] for f in findings] == [{"ip": "192.0.2.1", "mac": "02:00:00:00:00:01", "frame": n} for n in (7, 9)]
