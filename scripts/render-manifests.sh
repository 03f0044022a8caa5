#!/usr/bin/env bash
# Regenerates manifests/skyferry.yaml, the plain install, from charts/skyferry with its default
# values (release "skyferry" in namespace "skyferry", TLS from cert-manager).
# scripts/check-deploy.sh fails when the committed file differs from a fresh render.
#   scripts/render-manifests.sh            write manifests/skyferry.yaml
#   scripts/render-manifests.sh FILE       write FILE instead (what the check compares)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
output="${1:-$repo_root/manifests/skyferry.yaml}"
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
{
    echo "# Skyferry's webhook, rendered from charts/skyferry (release skyferry, namespace skyferry)."
    echo "# Do not edit: regenerate with scripts/render-manifests.sh. Needs cert-manager (TLS)."
    echo "#   kubectl apply -f manifests/skyferry.yaml"
    "$repo_root/.venv/bin/python" "$repo_root/scripts/render_chart.py" "$repo_root/charts/skyferry" \
        --name skyferry --namespace skyferry --with-namespace
} >"$tmp"
mv "$tmp" "$output"
trap - EXIT
