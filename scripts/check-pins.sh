#!/usr/bin/env bash
# Fails unless every package in the resolved dependency graph is pinned in Package.swift with `exact:`
# at the version that resolved, and every pin is in the graph (issue 14, reproducible builds).
# Package.resolved stays out of git: this machine's package mirror gives no upstream commit ids.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
swift package resolve >/dev/null 2>&1
python3 - <<'PY'
import json, re, sys

def identity(url):
    name = url.rstrip("/").rsplit("/", 1)[-1]
    return (name[:-4] if name.endswith(".git") else name).lower()

manifest = open("Package.swift", encoding="utf-8").read()
pins = {}
for url, rule, version in re.findall(r'\.package\(url:\s*"([^"]+)",\s*(\w+):\s*"([^"]+)"', manifest):
    if rule != "exact":
        sys.exit(f"check-pins: {url} is declared with `{rule}:`, not `exact:`")
    pins[identity(url)] = version
resolved = {identity(p["location"]): p["state"].get("version") for p in json.load(open("Package.resolved"))["pins"]}
problems = []
for name, version in sorted(resolved.items()):
    if name not in pins:
        problems.append(f"{name} {version} is in the resolved graph but not pinned in Package.swift")
    elif pins[name] != version:
        problems.append(f"{name}: Package.swift pins {pins[name]}, the graph resolved {version}")
for name in sorted(set(pins) - set(resolved)):
    problems.append(f"{name} is pinned in Package.swift but no longer in the graph; remove its line")
if problems:
    print("check-pins: " + "\ncheck-pins: ".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"check-pins: all {len(pins)} packages pinned exactly")
PY
