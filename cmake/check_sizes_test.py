#!/usr/bin/env python3
"""check_sizes.py fails on a new offender and only then.

Usage: check_sizes_test.py CHECK_SIZES_PY CTAGS

Builds small source trees in a temporary folder: a 101-line function and a 601-line
file must fail (exit 1, naming the file); a 100-line function, a long test file and a
listed exception must pass.
"""
import pathlib
import subprocess
import sys
import tempfile


def function(name: str, lines: int) -> str:
    """A C++ function definition of exactly `lines` lines."""
    body = "".join(f"  x += {i};\n" for i in range(lines - 3))
    return f"int {name}(int x) {{\n{body}  return x;\n}}\n"


def run(script: str, ctags: str, files: dict[str, str]) -> tuple[int, str]:
    with tempfile.TemporaryDirectory(prefix="pxelab-sizes-") as d:
        root = pathlib.Path(d)
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        p = subprocess.run([sys.executable, script, str(root), ctags], capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr


def main() -> int:
    script, ctags = sys.argv[1], sys.argv[2]
    failures = []

    def expect(label: str, files: dict[str, str], rc: int, must_say: str | None = None):
        got, out = run(script, ctags, files)
        if got != rc or (must_say and must_say not in out):
            failures.append(f"{label}: exit {got} (wanted {rc}){' without ' + repr(must_say) if must_say else ''}\n{out}")

    small = {"wire/small.cc": function("small", 10)}
    expect("a 100-line function passes", {**small, "wire/a.cc": function("at_limit", 100)}, 0)
    expect("a 101-line function fails", {**small, "server/a.cc": function("too_long", 101)}, 1,
           "server/a.cc:1: function too_long: 101 lines > 100")
    long_file = "".join(function(f"f{i}", 10) for i in range(61))  # 610 lines
    expect("a 601+-line file fails", {**small, "sim/big.cc": long_file}, 1, "sim/big.cc:1: file: 610 lines > 600")
    expect("test code is not counted", {**small, "sim/big_test.cc": long_file,
                                        "sim/x_fuzz.cc": function("fuzz", 150)}, 0)
    expect("a listed exception passes", {**small, "wire/dhcp_samples.cc": function("dhcp_samples", 200)}, 0,
           "allowed: a table")
    expect("a tree with no sources is an error", {}, 2)
    for f in failures:
        print("FAIL", f)
    print(f"check_sizes_test: {6 - len(failures)}/6 cases as expected")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
