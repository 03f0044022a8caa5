#!/usr/bin/env bash
# Benchmark: time to credentials of the release `skyferry agent --once` vs a boto3 helper script,
# both against a local moto (started and stopped by bench/time_to_credentials.py), plus the
# stripped binary size. Arguments go to the Python script (e.g. --runs 50).
# SKYFERRY_BIN=PATH benchmarks that binary instead of building the release one.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

scripts/install-deps.sh
if [[ -z ${SKYFERRY_BIN:-} ]]; then
    # What ships: the Swift runtime linked in (the image carries no toolchain).
    swift build -c release --static-swift-stdlib --product skyferry
    SKYFERRY_BIN="$(swift build -c release --show-bin-path)/skyferry"
fi
export SKYFERRY_BIN
exec .venv/bin/python bench/time_to_credentials.py "$@"
