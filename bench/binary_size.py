"""Where the bytes of the skyferry binary go: per ELF section and per module.

Reads an UNSTRIPPED release binary (`swift build -c release --static-swift-stdlib --product skyferry`,
without `-Xlinker -s`) with binutils:
  1. `size -A`: every allocated section, and the file size once stripped (`strip -o`);
  2. `nm -S --defined-only`: every sized symbol, attributed to a module: Swift symbols by the module
     name in their mangling (`$s7NIOCore…`; `$sS…`/`$ss…` is the standard library), C/C++ symbols by
     known prefixes (BoringSSL copies of swift-nio-ssl and swift-crypto, the Swift runtime, ICU).
     Symbol sizes cover code and data but not unwind tables (.eh_frame) or Swift reflection metadata
     sections, nor .bss, so the module total is below the file size.

Usage: python bench/binary_size.py [--skyferry PATH] [--top 30] [--dynamic]
Prints markdown tables.
"""

from __future__ import annotations

import collections
import re
import subprocess
import tempfile
from pathlib import Path

import harness

C_PREFIXES = [
    ("CNIOBoringSSL_", "BoringSSL (swift-nio-ssl, CNIOBoringSSL)"),
    ("CCryptoBoringSSL_", "BoringSSL (swift-crypto, CCryptoBoringSSL)"),
    ("_ZN6icu_", "ICU (C++)"),
    ("_ZNK6icu_", "ICU (C++)"),
    ("icudt", "ICU data"),
    ("swift_", "Swift runtime (C++)"),
    ("_swift_", "Swift runtime (C++)"),
    ("_ZN5swift", "Swift runtime (C++)"),
    ("_ZNK5swift", "Swift runtime (C++)"),
    ("_ZN", "other C++"),
    ("_ZNK", "other C++"),
    ("_ZT", "other C++"),
]
SWIFT_MODULE = re.compile(r"^\$s(\d+)(\w+)")


def module_of(symbol: str) -> str:
    if symbol.startswith("$s"):
        rest = symbol[2:]
        if rest.startswith(("S", "s")):
            return "Swift standard library"
        match = SWIFT_MODULE.match(symbol)
        if match:
            length = int(match.group(1))
            name = match.group(2)[:length]
            if name.startswith("So") or not name:
                return "imported C/ObjC types"
            return name
        return "Swift (other mangling)"
    for prefix, name in C_PREFIXES:
        if symbol.startswith(prefix):
            return name
    if symbol.startswith(("u_", "ucol_", "ubrk_", "ucnv_", "uloc_", "ures_", "udat_", "unum_", "uprv_")):
        return "ICU (C API)"
    return "other C"


def group(module: str) -> str:
    """A coarser family, for the split question (agent vs webhook TLS)."""
    families = [
        (("NIOSSL", "BoringSSL (swift-nio-ssl", "NIOTLS", "HummingbirdTLS"), "TLS server: NIOSSL + BoringSSL"),
        (("BoringSSL (swift-crypto", "Crypto", "_CryptoExtras", "X509", "SwiftASN1", "_CertificateInternals"),
         "swift-crypto / swift-certificates"),
        (("NIO", "_NIO", "CNIO"), "SwiftNIO"),
        (("Hummingbird",), "Hummingbird"),
        (("Foundation", "_Foundation", "ICU"), "Foundation"),
        (("Swift standard library", "Swift runtime", "_Concurrency", "_StringProcessing", "Synchronization",
          "RegexBuilder", "Dispatch", "imported C/ObjC"), "Swift stdlib + runtime + Concurrency"),
        (("SF", "skyferry"), "Skyferry's own modules"),
    ]
    for prefixes, family in families:
        if module.startswith(prefixes):
            return family
    return "other packages"


def sections_of(binary: Path) -> list[tuple[str, int]]:
    """(name, bytes) of every section `size -A` lists."""
    sections = []
    size_a = subprocess.run(["size", "-A", str(binary)], capture_output=True, text=True, check=True).stdout
    for line in size_a.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit() and parts[0].startswith((".", "swift5_")):
            sections.append((parts[0], int(parts[1])))
    return sections


def main() -> int:
    parser = harness.argument_parser(__doc__)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--dynamic", action="store_true",
                        help="attribute only the dynamic symbol table (nm -D): for a stripped binary; Swift "
                             "executables on Linux export their global symbols, so this covers most of the code")
    args = harness.parse_arguments(parser)
    binary = Path(args.skyferry)

    with tempfile.TemporaryDirectory() as tmp:
        stripped = Path(tmp) / "stripped"
        subprocess.run(["strip", "-o", str(stripped), str(binary)], check=True)
        stripped_size = stripped.stat().st_size

    print(f"### `{binary.name}`: {binary.stat().st_size:,} bytes unstripped, {stripped_size:,} stripped\n")
    sections = sections_of(binary)
    removed_by_strip = (".debug", ".comment", ".symtab", ".strtab")
    debug = sum(size for name, size in sections if name.startswith(removed_by_strip))
    swift_meta = sum(size for name, size in sections if name.startswith("swift5_"))
    rows = [[f"`{name}`", f"{size:,}", f"{100 * size / stripped_size:.1f}%"]
            for name, size in sorted(sections, key=lambda s: -s[1])
            if size >= 100_000 and not name.startswith(removed_by_strip)]
    rows.append(["all `swift5_*` metadata sections", f"{swift_meta:,}", f"{100 * swift_meta / stripped_size:.1f}%"])
    print(harness.markdown_table(["section", "bytes", "share of stripped"], rows))
    print(f"\n(.debug*/.comment/.symtab/.strtab, removed by strip: {debug:,} bytes)\n")

    nm = subprocess.run(["nm", "-S", "--defined-only", "--size-sort"] + (["-D"] if args.dynamic else []) + [str(binary)],
                        capture_output=True, text=True, check=True).stdout
    modules: collections.Counter[str] = collections.Counter()
    kinds: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for line in nm.splitlines():
        parts = line.split(maxsplit=3)
        if len(parts) != 4:
            continue
        size, kind, symbol = int(parts[1], 16), parts[2], parts[3]
        if kind in "bB":  # .bss takes no file bytes
            continue
        module = module_of(symbol)
        modules[module] += size
        kinds[module]["code" if kind in "tTwW" else "data"] += size
    total = sum(modules.values())
    print(harness.markdown_table(
        [f"module (symbol sizes; {total:,} bytes attributed)", "bytes", "code", "data"],
        [[module, f"{size:,}", f"{kinds[module]['code']:,}", f"{kinds[module]['data']:,}"]
         for module, size in modules.most_common(args.top)]))
    families: collections.Counter[str] = collections.Counter()
    for module, size in modules.items():
        families[group(module)] += size
    print()
    print(harness.markdown_table(["family", "bytes", "share of attributed"],
                                 [[family, f"{size:,}", f"{100 * size / total:.1f}%"]
                                  for family, size in families.most_common()]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
