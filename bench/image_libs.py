"""What each shared object in the runtime image costs, and which direct dependency brings it in.

Reads an image's root file system (e.g. `podman export` of a container, or the scratch directory that
`SKYFERRY_IMAGE_KEEP=1 scripts/image-test.sh` keeps: image-root/), follows DT_NEEDED from the binary
with `readelf -d`, and attributes every shared object to the binary's direct dependencies that need
it: "only libcurl" means that dropping libcurl drops that file.

Usage: python bench/image_libs.py ROOTFS [--binary /usr/local/bin/skyferry]
Prints a markdown table.
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import harness


def needed(path: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split("[", 1)[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("rootfs", type=Path)
    parser.add_argument("--binary", default="/usr/local/bin/skyferry")
    args = parser.parse_args()
    root: Path = args.rootfs

    files = {p.name: p for p in root.rglob("*.so*") if p.is_file()}

    def closure(name: str, seen: set[str]) -> set[str]:
        if name in seen or name not in files:
            return seen
        seen.add(name)
        for dep in needed(files[name]):
            closure(dep, seen)
        return seen

    direct = needed(root / args.binary.lstrip("/"))
    brought: dict[str, set[str]] = {name: set() for name in files}
    for dep in direct:
        for name in closure(dep, set()):
            brought[name].add(dep)

    binary_size = (root / args.binary.lstrip("/")).stat().st_size
    print(f"binary {args.binary}: {binary_size:,} bytes; direct DT_NEEDED: {', '.join(direct)}\n")
    rows = sorted(files.items(), key=lambda item: -item[1].stat().st_size)
    total = sum(p.stat().st_size for p in files.values())
    print(harness.markdown_table(
        ["shared object", "bytes", "needed by (direct dependencies of the binary)"],
        [[name, f"{path.stat().st_size:,}", ", ".join(sorted(brought[name])) or "loader"] for name, path in rows]
        + [["**all shared objects**", f"**{total:,}**", ""]], align="lrl"))
    for dep in direct:
        only = [n for n in files if brought[n] == {dep}]
        size = sum(files[n].stat().st_size for n in only)
        print(f"\nonly {dep}: {len(only)} files, {size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
