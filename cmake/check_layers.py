#!/usr/bin/env python3
"""Every #include "folder/..." of the project points to the same or a lower layer.

Usage: check_layers.py SOURCE_DIR LAYER...   (the layers lowest first, as PXELAB_LAYERS)

CMake enforces the link order (pxelab_library); this enforces what the source says, so a
header-only dependency upward (which links fine) fails too. Prints one line per
offending include and exits 1 when there is any.
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
    print(f"{checked} files, {bad} upward includes")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
