#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/) with -sanitize=fuzzer,address and runs each for a bounded time.
#   scripts/fuzz.sh [SECONDS_PER_TARGET [PRODUCT...]]   (default 30 s, every target; CI uses a short run)
# New interesting inputs go to a temporary directory; the committed corpus in Fuzz/corpus/ seeds every run.
# A crash leaves its input in .build-fuzz/artifacts/ and fails the script.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
seconds="${1:-30}"
shift $(( $# > 0 ? 1 : 0 ))  # what remains, if anything, names the products to run

# One line per target: PRODUCT, its corpus directory under Fuzz/corpus/, and leak detection (1 on, 0 off).
# Off for the webhook's targets: its process-lifetime statics (default resources, the handler) hold JSON
# values whose indirect-enum boxes are referenced through tagged payload bits, which LeakSanitizer cannot
# see: it reports them as leaked at exit. ARC cycles are what leak detection would find, and the JSON value
# type has no classes that could form one.
targets=(
    "FuzzConfiguration           configuration              1"
    "FuzzJWT                     jwt                        1"
    "FuzzSTSResponse             sts-response               1"
    "FuzzAdmissionReview         admission-review           0"
    "FuzzValidators              validators                 1"
    "FuzzCredentialDocuments     credential-documents       1"
    "FuzzWebhookConfiguration    webhook-configuration      0"
    "FuzzPodToAgentConfiguration pod-to-agent-configuration 0"
    "FuzzLoopbackRequests        loopback-requests          1"
)

# shellcheck disable=SC2054 # "fuzzer,address" is one compiler argument
flags=(--scratch-path .build-fuzz -c debug
       -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING -Xswiftc -use-ld=lld)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p .build-fuzz/artifacts

for entry in "${targets[@]}"; do
    read -r product corpus leaks <<<"$entry"
    if [[ $# -gt 0 && " $* " != *" $product "* ]]; then continue; fi
    printf '==> fuzz %s for %ss\n' "$product" "$seconds"
    swift build "${flags[@]}" --product "$product" 2>&1 | grep -E "error|Compiling|Build" | tail -n 3
    mkdir -p "$work/$corpus"
    # -rss_limit_mb bounds memory; -timeout flags any single input that takes over 10 s (a hang).
    # SWIFT_BACKTRACE: the Swift runtime's crash backtracer reads the stack in ways ASan reports as an error of
    # its own, burying the failed precondition's message; libFuzzer prints the stack anyway.
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="detect_leaks=$leaks" \
    .build-fuzz/debug/"$product" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -detect_leaks="$leaks" \
        -artifact_prefix=.build-fuzz/artifacts/"$product"- -print_final_stats=1 \
        "$work/$corpus" "Fuzz/corpus/$corpus" >"$work/$product.log" 2>&1 || true
    grep -E "^(Done|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)|Precondition failed|Fatal error" \
        "$work/$product.log" || true
    if compgen -G ".build-fuzz/artifacts/$product-*" >/dev/null; then
        echo "fuzz: $product crashed; inputs in .build-fuzz/artifacts/" >&2
        exit 1
    fi
done
echo "fuzz: no crashes"
