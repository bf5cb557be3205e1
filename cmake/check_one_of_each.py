#!/usr/bin/env python3
"""Protocol facts and small text helpers are defined once, in wire/ (issue 9, "one of
each"): the boot ports in wire/ports.h, the DHCP header's field offsets in
wire/dhcp_message.h, the ASCII case and xid helpers in wire/text.h. Fails on a second
definition anywhere else in the project's code (tests included), and, outside tests
(whose literal numbers are an independent statement of the protocol), on a boot port
written as a number where a port is bound, compared or assigned.

Usage: check_one_of_each.py SOURCE_DIR LAYER...   (the folders to read)

Prints one line per finding (file:line: what, and where the one definition is) and
exits 1 when there is any.
"""
import pathlib
import re
import sys

PORT_VALUES = r"(?:67|68|69|4011)"
RULES = [
    # A constant for a boot port: only wire/ports.h defines them.
    (re.compile(r"constexpr\s+[\w:]+\s+k\w*Port\w*\s*=\s*" + PORT_VALUES + r"\b"), "wire/ports.h",
     "a boot port constant defined again", True),
    # A DHCP header offset: only wire/dhcp_message.h defines them.
    (re.compile(r"constexpr\s+[\w:]+\s+k(?:Op|Htype|Hlen|Hops|Xid|Secs|Flags|Ciaddr|Yiaddr|Siaddr|Giaddr|Chaddr|"
                r"Sname|File|MagicCookie|Options)Offset\s*="), "wire/dhcp_message.h",
     "a DHCP header offset defined again", True),
    # The text helpers: only wire/text.h defines them.
    (re.compile(r"^\s*(?:inline\s+|static\s+)?(?:std::string|bool|char)\s+(?:hex32|hex_octets|lowercase|iequals|iends_with|"
                r"ascii_lower)\s*\("), "wire/text.h",
     "a text helper defined again", True),
    # A DHCP/TFTP port as a number where ports are compared, bound or addressed.
    (re.compile(r"(?:port\s*[!=]=\s*|bind\(\s*|_port\s*=\s*)" + PORT_VALUES + r"\b"), "wire/ports.h",
     "a boot port written as a number", False),
]


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    folders = sys.argv[2:]
    if not folders:
        print("check_one_of_each.py: no folders given", file=sys.stderr)
        return 2
    findings = []
    paths = sorted({p for folder in folders for p in (root / folder).rglob("*")
                    if p.suffix in (".h", ".cc") and "fuzz_corpus" not in p.parts})
    for path in paths:
        rel = path.relative_to(root).as_posix()
        is_test = re.search(r"_(test|testlib|fuzz)\.cc$|_test_lab\.h$", rel) is not None
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            code = line.split("//", 1)[0]
            for pattern, home, what, in_tests_too in RULES:
                if rel != home and (in_tests_too or not is_test) and pattern.search(code):
                    findings.append(f"{rel}:{number}: {what} (the one is in {home}): {line.strip()}")
    for f in findings:
        print(f)
    if not paths:
        print("check_one_of_each.py: no sources found", file=sys.stderr)
        return 2
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
