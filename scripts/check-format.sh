#!/usr/bin/env bash
# Format guard: every Swift file is as `swift format` (configuration: .swift-format, 120 columns) leaves it,
# and no Swift line is longer than 120 bytes (swift-format cannot break string literals or comments).
# Fix with: swift format format --in-place --parallel --recursive Package.swift Sources Tests Fuzz
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

swift format lint --strict --parallel --recursive Package.swift Sources Tests Fuzz

mapfile -t files < <(git ls-files '*.swift')
# Counted in bytes, as awk and most editors' rulers on a byte stream do: a line with "…" or "—" needs the
# few bytes of room they take.
long="$(perl -ne 'printf "%s:%d: %d bytes\n", $ARGV, $., length($_) - 1 if length($_) - 1 > 120;
    close ARGV if eof' "${files[@]}")"
if [[ -n $long ]]; then
    printf '%s\n' "$long" >&2
    echo "check-format.sh: the lines above are longer than 120 bytes" >&2
    exit 1
fi
echo "check-format.sh: ${#files[@]} Swift files formatted, no line over 120 bytes"
