#!/usr/bin/env python3
"""Every #include "folder/..." of the project points to the same or a lower layer.

Usage: check_layers.py SOURCE_DIR LAYER...   (the layers lowest first, as PXELAB_LAYERS)

CMake enforces the link order (pxelab_library); this enforces what the source says, so a
header-only dependency upward (which links fine) fails too. Prints one line per
offending include and exits 1 when there is any.

README.md's "Layout" section must list every layer, in this order, as the first word of
a line of its first code block ("wire/   bytes only ..."): the tree a newcomer reads is
the one CMake enforces. A layer missing or out of order there fails too.
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(rel: str, layers: list[str]) -> int | None:
    """The layer whose folder is the longest prefix of rel (client/qemu before client)."""
    best = None
    for i, folder in enumerate(layers):
        if rel.startswith(folder + "/") and (best is None or len(folder) > len(layers[best])):
            best = i
    return best


def readme_layout_problems(root: pathlib.Path, layers: list[str]) -> list[str]:
    """What README.md "Layout" gets wrong about the layers (empty: it lists them all, in order)."""
    readme = root / "README.md"
    if not readme.is_file():
        return ["README.md: missing (its Layout section lists the floors)"]
    text = readme.read_text(errors="replace")
    start = text.find("\n## Layout")
    if start < 0:
        return ["README.md: no '## Layout' section (it lists the floors of PXELAB_LAYERS)"]
    block = text[start:].split("```")
    if len(block) < 3:
        return ["README.md 'Layout': no code block listing the floors"]
    listed = [line.split()[0].rstrip("/") for line in block[1].splitlines() if line[:1].strip()]
    problems = []
    missing = [layer for layer in layers if layer not in listed]
    for layer in missing:
        problems.append(f"README.md 'Layout': floor {layer}/ of PXELAB_LAYERS is not listed; add a line saying what it holds")
    present = [layer for layer in listed if layer in layers]
    expected = [layer for layer in layers if layer in listed]
    if present != expected:
        problems.append("README.md 'Layout': floors listed as " + ", ".join(present) +
                        "; PXELAB_LAYERS order is " + ", ".join(expected))
    return problems


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    layers = sys.argv[2:]
    if not layers:
        print("check_layers.py: no layers given", file=sys.stderr)
        return 2
    bad = 0
    checked = 0
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".cc", ".h") or "build" in path.relative_to(root).parts[:1]:
            continue
        rel = path.relative_to(root).as_posix()
        own = layer_of(rel, layers)
        if own is None:
            continue
        checked += 1
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = layer_of(m.group(1), layers)
            if target is not None and target > own:
                print(f"{rel}:{n}: includes {m.group(1)} ({layers[target]}) from the lower layer "
                      f"{layers[own]}; dependencies point down (top-level CMakeLists.txt PXELAB_LAYERS)")
                bad += 1
    if checked == 0:
        print("check_layers.py: no sources found under the layers", file=sys.stderr)
        return 2
    problems = readme_layout_problems(root, layers)
    for problem in problems:
        print(problem)
    print(f"{checked} files, {bad} upward includes, README.md 'Layout' lists {len(layers)} floors"
          f"{' in order' if not problems else ': ' + str(len(problems)) + ' problems'}")
    return 1 if bad or problems else 0


if __name__ == "__main__":
    sys.exit(main())
