"""Wireshark's dissectors (tshark) decode every frame type pxelab emits to the same
field values pxelab meant to write: a second, independent decoder for wire/.

The frames and their expected fields come from wire/samples.h (l2l4_samples.cc and
dhcp_samples.cc) through the pxelab_wire_samples tool."""
import json

import pytest

from conftest import build_dir, run

# Every frame type the foundation issue names must be covered by at least one sample
# whose name starts with the prefix.
REQUIRED_PREFIXES = [
    "eth-", "vlan-", "arp-", "ipv4-", "udp-",
    "tftp-rrq", "tftp-wrq", "tftp-data", "tftp-ack", "tftp-error", "tftp-oack",
    "wol-udp", "wol-ether", "bootp-", "dhcp-discover", "dhcp-offer", "dhcp-request",
    "dhcp-ack", "dhcp-pxe", "dhcp-relay", "dhcp-overload", "dhcp-long-option",
]


def _collect(node, out):
    """Flattens tshark's nested -T json layers into field -> [values]."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str):
                out.setdefault(key, []).append(value)
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                out.setdefault(key, []).extend(value)
            else:
                _collect(value, out)
    elif isinstance(node, list):
        for item in node:
            _collect(item, out)


@pytest.fixture(scope="module")
def decoded(tmp_path_factory):
    tool = build_dir() / "wire" / "pxelab_wire_samples"
    assert tool.exists(), f"{tool} is missing: build first"
    d = tmp_path_factory.mktemp("samples")
    pcap, expected_json = d / "samples.pcap", d / "expected.json"
    r = run([tool, pcap, expected_json])
    assert r.returncode == 0, r.stderr
    expected = json.loads(expected_json.read_text())
    # --no-duplicate-keys: tshark's JSON repeats keys such as dhcp.option.type_tree, and
    # Python's json keeps only the last of them.
    r = run(["tshark", "-n", "-r", pcap, "-T", "json", "--no-duplicate-keys", "-o", "tftp.defragment:FALSE"],
            env={"HOME": str(d), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    frames = json.loads(r.stdout)
    assert len(frames) == len(expected)
    return expected, frames


def test_every_frame_type_has_a_sample(decoded):
    expected, _ = decoded
    names = [e["name"] for e in expected]
    assert len(set(names)) == len(names), "sample names must be unique"
    missing = [p for p in REQUIRED_PREFIXES if not any(n.startswith(p) for n in names)]
    assert not missing, f"no sample for: {missing}"


def test_tshark_decodes_the_fields_pxelab_wrote(decoded):
    expected, frames = decoded
    assert expected, "no samples"
    problems = []
    for e, frame in zip(expected, frames):
        fields = {}
        _collect(frame["_source"]["layers"], fields)
        if "_ws.malformed" in json.dumps(frame) and not e["name"].startswith("malformed-"):
            problems.append(f"frame {e['frame']} {e['name']}: tshark reports it malformed")
        assert e["fields"], f"sample {e['name']} checks no field"
        for name, value in e["fields"]:
            seen = fields.get(name)
            if seen is None:
                problems.append(f"frame {e['frame']} {e['name']}: tshark shows no field {name}")
            elif value not in seen:
                problems.append(f"frame {e['frame']} {e['name']}: {name} = {seen}, pxelab wrote {value!r}")
    assert not problems, "\n".join(problems)
