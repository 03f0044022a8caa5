#!/usr/bin/env bash
# Format guard: every Swift file is as `swift format` (configuration: .swift-format, 120 columns) leaves it,
# and no Swift line is longer than 120 columns (swift-format cannot break string literals or comments).
# Fix with: swift format format --in-place --parallel --recursive Package.swift Sources Tests Fuzz
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

swift format lint --strict --parallel --recursive Package.swift Sources Tests Fuzz

mapfile -t files < <(git ls-files '*.swift')
# Characters, not bytes (perl -CSD reads UTF-8): a line with "…" or "—" is as long as it looks.
long="$(perl -CSD -ne 'printf "%s:%d: %d columns\n", $ARGV, $., length($_) - 1 if length($_) - 1 > 120;
    close ARGV if eof' "${files[@]}")"
if [[ -n $long ]]; then
    printf '%s\n' "$long" >&2
    echo "check-format.sh: the lines above are longer than 120 columns" >&2
    exit 1
fi
echo "check-format.sh: ${#files[@]} Swift files formatted, none over 120 columns"
