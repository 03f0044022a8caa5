#!/usr/bin/env bash
# Skyferry's test command: installs what it needs, builds, runs the Swift unit tests, lints the
# shell scripts, then runs the end-to-end suite (Tests/e2e) against the debug binary.
# Extra arguments go to pytest, e.g. `scripts/test.sh -k happy_path`.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

step() { printf '\n==> %s\n' "$*"; }

step "dependencies"
scripts/install-deps.sh

step "lint shell scripts"
shellcheck scripts/*.sh .ci/run

step "swift build"
swift build
bin_path="$(swift build --show-bin-path)"

step "swift test"
swift test

step "end-to-end tests"
export SKYFERRY_BIN="${SKYFERRY_BIN:-$bin_path/skyferry}"
export PYTHONDONTWRITEBYTECODE=1
# pytest prints its own summary line ("N passed, …"); its exit code is ours (5 = no tests ran).
.venv/bin/python -m pytest Tests/e2e -p no:cacheprovider "$@"
