"""Mutation tests: every MUST check on the server (and on the relay) is seen failing
against a deliberately broken reference server (a switch in its config's [faults]
table, server/faults.h) or relay agent (a [[relay]]'s faults = [...], the same file),
and passing against the same scenario without the switch.

Each case is a scenario written here from one of five set-ups (a LAN with a probe
and two ROMs, a relay, a proxy beside a DHCP-only server, a boot menu, a BOOTP
server), with the switch on and `[expect] checks_fail = [CHECK]`. `pxelab run` must
exit 0 (the expectation met) and report.json must show the check failed. Each
mutation has its control: the same scenario text with the one switch left out
(nothing else differs), in which the target check must *pass* - so a check that
fails in a mutation run fails because of the fault, and is shown passing where it
applies. The control runs also pass every MUST server and relay check, outcome
checks included (OUTCOME-BOOTED: every client booted).
"""
import json
import re

import pytest

from conftest import run

FILES = """
[server.files]
"pxelinux.0" = { size = 8192 }          # a multiple of 1024 and 512 (TFTP-LAST-BLOCK)
"ldlinux.c32" = { size = 20000 }
"ipxe.efi" = { size = 60000 }
"undionly.kpxe" = { size = 30000 }
"vmlinuz" = { size = 30000 }
"boot.ipxe" = "#!ipxe\\nkernel vmlinuz\\nboot\\n"
"pxelinux.cfg/default" = "DEFAULT linux\\nLABEL linux\\n  KERNEL vmlinuz\\n"
"""

# A DHCP server on 192.0.2.0/24 with a pool: the [server] and [[subnet]] most set-ups share.
LAN_SERVER = """[server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.199"
router = "192.0.2.1"
"""

# The LAN: the probe sends what ROMs never do (INFORM, renew, init-reboot, a REQUEST
# for another server, '..', a missing file, TFTP options); EDK2 sets the broadcast
# flag, asks windowsize and needs 4011 nowhere; a second iPXE powers on late so the
# trace runs on after the probe's transfers (TFTP-LAST-BLOCK waits 5 s). A large
# forced option makes the replies to the probe (no 57: 576 octets) overload.
LAN = """
[scenario]
name = "mutation-lan"
deadline = 90
[[server]]
name = "ref"
config = \"\"\"
""" + LAN_SERVER + """[subnet.force_options]
224 = "pxelab-mutation-filler-pxelab-mutation-filler-pxelab-mutation-filler-pxelab-mutation-filler-pxelab-mutation-filler-pxelab-mutation-filler-pxelab-mutation-filler-pxelab-mutation-filler-pxelab-mutation-filler-pxelab-mutation-filler-pxelab-mutation-filler-px"
[boot]
default_file = "pxelinux.0"
ipxe_script = "boot.ipxe"
[boot.file]
x64-efi = "ipxe.efi"
{faults}
\"\"\"
""" + FILES + """
[[client]]
name = "probe"
kind = "probe"
link = {{ duplicate = {duplicate} }}
[[client]]
name = "uefi"
personality = "edk2-x64"
[[client]]
name = "ipxe"
personality = "ipxe-bios"
[[client]]
name = "late"
personality = "ipxe-bios"
power_on = 40
"""

RELAY = """
[scenario]
name = "mutation-relay"
deadline = 60
[[segment]]
name = "servers"
[[segment]]
name = "lab"
[[server]]
name = "ref"
segment = "servers"
gateway = "192.0.2.254"
config = \"\"\"
[server]
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
pool = "192.0.2.100-192.0.2.199"
[[subnet]]
network = "198.18.0.0/24"
pool = "198.18.0.100-198.18.0.199"
router = "198.18.0.1"
[boot]
default_file = "pxelinux.0"
{faults}
\"\"\"
""" + FILES + """
[[relay]]
name = "router"
servers = ["192.0.2.1"]
remote_id = "rack-1"
{relay_faults}
[[relay.interface]]
segment = "servers"
address = "192.0.2.254/24"
[[relay.interface]]
segment = "lab"
address = "198.18.0.1/24"
[[client]]
name = "bios"
personality = "intel-pxe21"
segment = "lab"
"""

PROXY = """
[scenario]
name = "mutation-proxy"
deadline = 60
[[server]]
name = "dhcp"
tftp = false
config = \"\"\"
""" + LAN_SERVER + """\"\"\"
[[server]]
name = "ref"
config = \"\"\"
[server]
mode = "proxy"
address = "192.0.2.2"
[[subnet]]
network = "192.0.2.0/24"
[boot]
default_file = "pxelinux.0"
ipxe_script = "boot.ipxe"
[boot.file]
x64-efi = "ipxe.efi"
{faults}
\"\"\"
""" + FILES + """
[[client]]
name = "uefi"
personality = "edk2-x64"
[[client]]
name = "bios"
personality = "intel-pxe21"
"""

# The menu: iPXE, once chainloaded from the x64-efi item, is handed its script (without
# it the boot server hands iPXE ipxe.efi again: a chainload loop, OUTCOME-BOOTED fails).
MENU = """
[scenario]
name = "mutation-menu"
deadline = 60
[[server]]
name = "ref"
config = \"\"\"
""" + LAN_SERVER + """[boot]
default_file = "pxelinux.0"
default_mode = "menu"
ipxe_script = "boot.ipxe"
[boot.menu]
prompt = "Press F8"
timeout = 2
[[boot.menu.item]]
type = 32768
description = "Network"
file = {{ bios = "pxelinux.0", x64-efi = "ipxe.efi" }}
[[boot.menu.item]]
type = 0
description = "Local disk"
{faults}
\"\"\"
""" + FILES + """
[[client]]
name = "bios"
personality = "intel-pxe21"
[[client]]
name = "uefi"
personality = "edk2-x64"
"""

BOOTP = """
[scenario]
name = "mutation-bootp"
deadline = 60
[[server]]
name = "ref"
config = \"\"\"
[server]
mode = "bootp"
address = "192.0.2.1"
[[subnet]]
network = "192.0.2.0/24"
router = "192.0.2.1"
[boot]
default_file = "pxelinux.0"
{faults}
\"\"\"
""" + FILES + """
[[client]]
name = "prom"
personality = "bootp-prom"
mac = "08:00:20:00:00:01"
host = {{ server = "ref", ip = "192.0.2.20", hostname = "prom" }}
"""

SETUPS = {"lan": LAN, "relay": RELAY, "proxy": PROXY, "menu": MENU, "bootp": BOOTP}

# fault switch -> (set-up, the MUST server check it must make fail)
MUTATIONS = {
    "reply_hops": ("lan", "DHCP-HDR-ECHO"),
    "offer_ciaddr": ("lan", "DHCP-OFFER-CIADDR"),
    "nak_yiaddr": ("lan", "DHCP-NAK-FIELDS"),
    "no_server_id": ("lan", "DHCP-SERVER-ID"),
    "inform_lease_time": ("lan", "DHCP-INFORM-ACK"),
    "echo_client_options": ("lan", "DHCP-NO-CLIENT-OPTS"),
    "alter_client_id": ("lan", "DHCP-CLIENT-ID-ECHO"),
    "ignore_broadcast_flag": ("lan", "DHCP-DEST"),
    "unicast_nak": ("lan", "DHCP-NAK-BCAST"),
    "init_reboot_ack_any": ("lan", "DHCP-INIT-REBOOT"),
    "answer_other_server": ("lan", "DHCP-SELECT-OTHER"),
    "renew_broadcast": ("lan", "DHCP-RENEW"),
    "missing_end": ("lan", "DHCP-OPT-FORMAT"),
    "overload_missing_end": ("lan", "DHCP-OVERLOAD-END"),
    "ignore_max_size": ("lan", "DHCP-MAX-SIZE"),
    "bootp_short": ("bootp", "BOOTP-REPLY"),
    "relay82_first": ("relay", "RELAY-82-ECHO"),
    "proxy_no_pxeclient": ("proxy", "PXE-PROXY-OFFER"),
    "wrong_arch_file": ("lan", "PXE-ARCH-FILE"),
    "boot_server_no_file": ("menu", "PXE-4011-ACK"),
    "pxe43_only_listed": ("menu", "PXE-43-CONSISTENT"),
    "menu_local_server": ("menu", "PXE-MENU-LOCAL"),
    "tftp_reply_from_69": ("lan", "TFTP-NEW-TID"),
    "tftp_no_final_empty_block": ("lan", "TFTP-LAST-BLOCK"),
    "tftp_sorcerer": ("lan", "TFTP-NO-SORCERER"),
    "tftp_oack_extra_option": ("lan", "TFTP-OACK-ONLY-ASKED"),
    "tftp_oack_blksize_larger": ("lan", "TFTP-BLKSIZE"),
    "tftp_wrong_tsize": ("lan", "TFTP-TSIZE"),
    "tftp_change_timeout": ("lan", "TFTP-TIMEOUT"),
    "tftp_window_larger": ("lan", "TFTP-WINDOW"),
    "tftp_oack_padding": ("lan", "TFTP-OACK-FORMAT"),
    "tftp_error_repeat": ("lan", "TFTP-ERROR-FINAL"),
    "tftp_serve_dotdot": ("lan", "TFTP-PATH"),
    "tftp_oversize_data": ("lan", "TFTP-BLKSIZE-HONOURED"),
}
# Outcome checks on the server: a fault that keeps clients from booting.
OUTCOME_MUTATIONS = {"wrong_xid": ("lan", "OUTCOME-BOOTED")}
# The relay's fault switches (a [[relay]]'s faults = [...], server/faults.h RelayFault)
# -> (set-up, the MUST relay check it must make fail).
RELAY_MUTATIONS = {
    "relay_decrement_hops": ("relay", "RELAY-HOPS"),
    "relay_unicast_flagged": ("relay", "RELAY-DELIVERY"),
}
# Known regressions of deployed servers, reproduced with a fault switch; their checks
# may be below MUST (PXE-4011-PORT is INTEROP, FW-18) but the suite must still catch them.
REGRESSION_MUTATIONS = {
    # 4011 replies sent to 255.255.255.255:68 instead of the client's address and port.
    "boot_server_reply_broadcast": ("menu", "PXE-4011-PORT"),
}
ALL_MUTATIONS = {**MUTATIONS, **OUTCOME_MUTATIONS, **RELAY_MUTATIONS, **REGRESSION_MUTATIONS}


def duplicate_for(fault):
    """Duplicated frames on the probe's link: the duplicate ACKs TFTP-NO-SORCERER needs,
    in its run and its control only."""
    return "0.3" if fault == "tftp_sorcerer" else "0.0"


def switch_text(fault):
    """How the scenario turns the fault on: in the server's config, or on the relay."""
    return f'faults = ["{fault}"]' if fault in RELAY_MUTATIONS else f"[faults]\n{fault} = true"


def scenario_text(setup, fault=None, duplicate="0.0"):
    server_faults = switch_text(fault) if fault and fault not in RELAY_MUTATIONS else ""
    relay_faults = switch_text(fault) if fault in RELAY_MUTATIONS else ""
    # Plain replacement, not str.format: the TOML inline tables are full of braces.
    text = SETUPS[setup].replace("{faults}", server_faults).replace("{relay_faults}", relay_faults)
    text = text.replace("{duplicate}", duplicate)
    return text.replace("{{", "{").replace("}}", "}")


def setup_of(fault):
    return ALL_MUTATIONS[fault][0]


def fault_text(fault):
    return scenario_text(setup_of(fault), fault, duplicate_for(fault))


def control_text(fault):
    """The same scenario as the fault's, minus the one switch."""
    return scenario_text(setup_of(fault), None, duplicate_for(fault))


# The distinct control scenarios (several mutations share one): name -> text.
CONTROLS = {}
for _fault in sorted(ALL_MUTATIONS):
    CONTROLS.setdefault(f"{setup_of(_fault)}-dup{duplicate_for(_fault)}", control_text(_fault))
_control_runs = {}  # text -> (completed process, report), once per pytest process


def run_scenario(pxelab_bin, tmp_path, name, text, expect_block):
    path = tmp_path / f"{name}.toml"
    path.write_text(text + expect_block)
    out = tmp_path / f"out-{name}"
    r = run([pxelab_bin, "run", path, "--out", out, "-q", "--no-progress"], timeout=600)
    report = json.loads((out / "report.json").read_text()) if (out / "report.json").exists() else None
    return r, report


def all_of(report, key):
    """`key` ("checks" or "findings") over every segment of a scenario report."""
    return report[key] + [x for seg in report.get("segments", []) for x in seg[key]]


def must_checks(pxelab_bin, role):
    r = run([pxelab_bin, "check", "--list"])
    assert r.returncode == 0, r.stderr
    ids = set()
    for line in r.stdout.splitlines():
        m = re.match(r"\s*([A-Z][A-Z0-9-]+)\s+MUST\s+" + role + r"\b", line)
        if m:
            ids.add(m.group(1))
    assert ids, f"could not read the MUST {role} checks from:\n{r.stdout}"
    return ids


def test_every_must_server_check_has_a_mutation(pxelab_bin):
    covered = {check for _, check in MUTATIONS.values()} | {check for _, check in OUTCOME_MUTATIONS.values()}
    must = must_checks(pxelab_bin, "server")
    assert len(must) >= 30, must
    missing = must - covered
    assert not missing, f"MUST server checks without a mutation test: {sorted(missing)}"


def test_every_must_relay_check_has_a_mutation(pxelab_bin):
    missing = must_checks(pxelab_bin, "relay") - {check for _, check in RELAY_MUTATIONS.values()}
    assert not missing, f"MUST relay checks without a mutation test: {sorted(missing)}"


def control_run(pxelab_bin, tmp_path_factory, text):
    if text not in _control_runs:
        name = next(k for k, v in CONTROLS.items() if v == text)
        tmp = tmp_path_factory.mktemp(f"control-{name}")
        _control_runs[text] = run_scenario(pxelab_bin, tmp, f"control-{name}", text,
                                           "\n[expect]\nno_must_failures = true\n")
    return _control_runs[text]


def test_each_control_differs_from_its_mutation_by_the_switch_alone():
    for fault in ALL_MUTATIONS:
        switch = switch_text(fault)
        assert fault_text(fault).count(switch) == 1, fault
        assert fault_text(fault).replace(switch, "") == control_text(fault), fault


@pytest.mark.parametrize("control", sorted(CONTROLS))
def test_control_run_passes_every_must_server_and_relay_check(pxelab_bin, tmp_path_factory, control):
    r, report = control_run(pxelab_bin, tmp_path_factory, CONTROLS[control])
    assert report is not None, r.stdout + r.stderr
    failing = sorted(c["id"] for c in all_of(report, "checks") if c["level"] == "MUST"
                     and c["role"] in ("server", "relay") and c["verdict"] == "fail")
    assert not failing, f"the correct server fails {failing}\n{r.stdout}{r.stderr}"
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("fault", sorted(ALL_MUTATIONS))
def test_control_passes_the_check_its_fault_breaks(pxelab_bin, tmp_path_factory, fault):
    check = ALL_MUTATIONS[fault][1]
    r, report = control_run(pxelab_bin, tmp_path_factory, control_text(fault))
    assert report is not None, r.stdout + r.stderr
    verdicts = [x["verdict"] for x in all_of(report, "checks") if x["id"] == check]
    assert "pass" in verdicts and "fail" not in verdicts, \
        f"{check} must pass without {fault} (same set-up): {verdicts}\n{r.stdout}{r.stderr}"


@pytest.mark.parametrize("fault", sorted(ALL_MUTATIONS))
def test_fault_makes_its_check_fail(pxelab_bin, tmp_path, fault):
    check = ALL_MUTATIONS[fault][1]
    checks = [check]
    expect = "\n[expect]\nno_must_failures = false\nchecks_fail = [" + ", ".join(f'"{c}"' for c in checks) + "]\n"
    r, report = run_scenario(pxelab_bin, tmp_path, fault, fault_text(fault), expect)
    assert report is not None, r.stdout + r.stderr
    for c in checks:
        verdicts = [x["verdict"] for x in all_of(report, "checks") if x["id"] == c]
        assert "fail" in verdicts, f"{c} did not fail with fault {fault}: {verdicts}\n{r.stdout}{r.stderr}"
        findings = [f for f in all_of(report, "findings") if f["check"] == c]
        assert findings and all(f.get("frames") for f in findings if c != "OUTCOME-BOOTED"), \
            f"{c}: findings must name frames: {findings[:2]}"
    assert r.returncode == 0, r.stdout + r.stderr
