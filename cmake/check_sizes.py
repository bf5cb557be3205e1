#!/usr/bin/env python3
"""No non-test source file over 600 lines, no function over 100 lines, unless listed.

Usage: check_sizes.py SOURCE_DIR [CTAGS]

The project's rule (README.md "Layout", DESIGN.md): small files that say what they hold
(< ~600 lines), functions < ~100 lines, unless the thing is a table. Test code
(*_test.cc, *_testlib.*, *_fuzz.cc) is not counted. Function extents come from
universal-ctags (its `end:` field), which knows C++ well enough for this: a lambda
counts towards the function it is written in.

EXCEPTIONS below names each allowed offender with the reason; README.md "Layout" lists
them too. A new offender fails the test (exit 1) with one line saying what to do. An
exception that no longer offends is reported (so the list can shrink) but does not fail:
other branches split the same files in parallel.
"""
import pathlib
import shutil
import subprocess
import sys

MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 100

# (path, function or None for the file itself) -> reason
EXCEPTIONS = {
    ("wire/dhcp_samples.cc", "dhcp_samples"):
        "a table: one sample DHCP/BOOTP message per entry, the fuzz and round-trip corpus",
}


def is_test(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return (name.endswith("_test.cc") or name.endswith("_fuzz.cc")
            or "_testlib." in name)


def sources(root: pathlib.Path) -> list[str]:
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        top = rel.split("/", 1)[0]
        if top.startswith("build") or top.startswith(".") or "fuzz_corpus" in rel:
            continue
        if path.suffix in (".cc", ".h") and path.is_file() and not is_test(rel):
            out.append(rel)
    return out


def functions(root: pathlib.Path, files: list[str], ctags: str):
    """(file, line, name, length) of every function definition ctags finds."""
    proc = subprocess.run(
        [ctags, "--languages=C++", "--language-force=C++", "--c++-kinds=f", "--fields=+ne",
         "-o", "-", *files],
        cwd=root, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{ctags} failed: {proc.stderr.strip()}")
    for row in proc.stdout.splitlines():
        if row.startswith("!_TAG"):
            continue
        cols = row.split("\t")
        fields = dict(c.split(":", 1) for c in cols[3:] if ":" in c)
        if "line" not in fields or "end" not in fields:
            continue
        name = cols[0]
        if name.startswith("__anon"):  # a lambda: part of the function around it
            continue
        yield cols[1], int(fields["line"]), name, int(fields["end"]) - int(fields["line"]) + 1


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    ctags = sys.argv[2] if len(sys.argv) > 2 else (shutil.which("ctags") or "")
    if not ctags:
        print("check_sizes.py: universal-ctags not found (ci/setup installs it)", file=sys.stderr)
        return 2
    version = subprocess.run([ctags, "--version"], capture_output=True, text=True).stdout
    if "Universal Ctags" not in version:
        print(f"check_sizes.py: {ctags} is not universal-ctags (needs its end: field)", file=sys.stderr)
        return 2
    files = sources(root)
    if not files:
        print("check_sizes.py: no sources found", file=sys.stderr)
        return 2

    offenders = []  # (rel, line, what, size, limit, key)
    for rel in files:
        n = len((root / rel).read_text(errors="replace").splitlines())
        if n > MAX_FILE_LINES:
            offenders.append((rel, 1, "file", n, MAX_FILE_LINES, (rel, None)))
    counted = 0
    for rel, line, name, size in functions(root, files, ctags):
        counted += 1
        if size > MAX_FUNCTION_LINES:
            offenders.append((rel, line, f"function {name}", size, MAX_FUNCTION_LINES, (rel, name)))
    if counted == 0:
        print("check_sizes.py: ctags found no functions", file=sys.stderr)
        return 2

    bad = 0
    seen = set()
    for rel, line, what, size, limit, key in sorted(offenders):
        seen.add(key)
        if key in EXCEPTIONS:
            print(f"{rel}:{line}: {what}: {size} lines (allowed: {EXCEPTIONS[key]})")
        else:
            print(f"{rel}:{line}: {what}: {size} lines > {limit}: split it, or add it to "
                  f"EXCEPTIONS in cmake/check_sizes.py and README.md 'Layout' with the reason")
            bad += 1
    for key in sorted(set(EXCEPTIONS) - seen, key=str):
        print(f"note: exception {key[0]} {key[1] or '(file)'} no longer offends; drop it")
    print(f"{len(files)} files, {counted} functions, {bad} new offenders")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
