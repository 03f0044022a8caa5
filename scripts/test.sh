#!/usr/bin/env bash
# Skyferry's test command: installs what it needs, builds, runs the Swift unit tests, lints the
# shell scripts, runs each libFuzzer target briefly, then runs the end-to-end suite (Tests/e2e)
# against the debug binary.
# Extra arguments go to pytest, e.g. `scripts/test.sh -k happy_path`.
# SKYFERRY_FUZZ_SECONDS: seconds per fuzz target (default 15; 0 skips fuzzing).
# SKYFERRY_IMAGE_TEST: 1 (default) builds and runs the container image (scripts/image-test.sh,
#   18 CPU-minutes, 47 min wall on a loaded 2-core machine); 0 skips it.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

fuzz_seconds="${SKYFERRY_FUZZ_SECONDS:-15}"
if ! [[ $fuzz_seconds =~ ^[0-9]+$ ]]; then
    echo "test.sh: SKYFERRY_FUZZ_SECONDS must be a whole number of seconds, not '$fuzz_seconds'" >&2
    exit 2
fi

step() { printf '\n==> [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

step "dependencies"
scripts/install-deps.sh

step "lint shell scripts"
shellcheck scripts/*.sh .ci/run

step "Swift format (.swift-format, 120 columns)"
scripts/check-format.sh

step "deployment checks (Dockerfile, chart, manifests)"
scripts/check-deploy.sh

step "dependency pins (every package in the graph pinned exactly)"
scripts/check-pins.sh

# Warnings in our code are errors here (Package.swift reads the variable; the dependencies' warnings are
# not ours and stay suppressed). Build and test must see the same value, or the test build starts over.
step "swift build (warnings are errors)"
SKYFERRY_WARNINGS_AS_ERRORS=1 swift build
bin_path="$(SKYFERRY_WARNINGS_AS_ERRORS=1 swift build --show-bin-path)"

step "swift test"
SKYFERRY_WARNINGS_AS_ERRORS=1 swift test

# libFuzzer treats -max_total_time=0 as "forever", so 0 means skip here.
if [[ $fuzz_seconds -gt 0 ]]; then
    step "fuzz (${fuzz_seconds}s per target)"
    scripts/fuzz.sh "$fuzz_seconds"
else
    step "fuzz: skipped (SKYFERRY_FUZZ_SECONDS=0)"
fi

if [[ ${SKYFERRY_IMAGE_TEST:-1} != 0 ]]; then
    step "container image (scripts/image-test.sh)"
    scripts/image-test.sh
else
    step "container image: skipped (SKYFERRY_IMAGE_TEST=0)"
fi

step "benchmark harness self-test (bench/memory.py with two debug agents, bench/azure_time_to_token.py)"
SKYFERRY_BIN="$bin_path/skyferry" .venv/bin/python -m pytest bench/test_harness.py bench/test_memory.py \
    bench/test_azure_time_to_token.py \
    -p no:cacheprovider -q

step "end-to-end tests"
export SKYFERRY_BIN="${SKYFERRY_BIN:-$bin_path/skyferry}"
export PYTHONDONTWRITEBYTECODE=1
# pytest prints its own summary line ("N passed, …"); its exit code is ours (5 = no tests ran).
status=0
.venv/bin/python -m pytest Tests/e2e -p no:cacheprovider --durations=10 "$@" || status=$?
step "done (exit $status)"
exit "$status"
