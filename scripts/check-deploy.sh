#!/usr/bin/env bash
# Checks the deployment artefacts, offline, in about ten seconds:
#   - hadolint on the Dockerfile (.hadolint.yaml);
#   - helm lint --strict, then helm template of charts/skyferry for several value sets
#     (helm-python-sdk: Helm 4 as a library, scripts/render_chart.py);
#   - manifests/skyferry.yaml must equal a fresh render (regenerate: scripts/render-manifests.sh);
#   - yamllint (.yamllint) on the rendered output, the chart's plain YAML and manifests/;
#   - kubernetes-validate --strict against Kubernetes 1.32 on every rendered manifest and example.
#     cert-manager's Issuer and Certificate are CRDs that kubernetes-validate has no schema for:
#     they are left out of that step explicitly (and only they).
# Needs the repo venv (scripts/install-deps.sh) and yamllint.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
venv="$repo_root/.venv"
kube_version=1.32.0
chart=charts/skyferry

log() { printf 'check-deploy: %s\n' "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

for tool in "$venv/bin/hadolint" "$venv/bin/kubernetes-validate" "$venv/bin/python"; do
    [[ -x $tool ]] || fail "$tool not found; run scripts/install-deps.sh"
done
command -v yamllint >/dev/null || fail "yamllint not found; run scripts/install-deps.sh"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

log "hadolint Dockerfile"
"$venv/bin/hadolint" Dockerfile

# Value sets: the defaults (the plain install) and the other branches of the templates.
declare -A variants=(
    [default]='{}'
    [helm-tls]='{"tls": {"source": "helm"}, "agent": {"nativeSidecars": false}}'
    [azure-usgov]='{"azure": {"cloud": "usgov", "authorityHost": "https://login.microsoftonline.us"}}'
    [network-policy]='{"networkPolicy": {"enabled": true, "from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}, {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}]}, "webhook": {"server": {"idleTimeoutSeconds": 30, "maxConnections": 500}}}'
    [pod-annotations-only]='{"webhook": {"serviceAccounts": {"enabled": false}}}'
    [cluster-issuer]='{"tls": {"certManager": {"issuerRef": {"name": "internal-ca", "kind": "ClusterIssuer", "group": "cert-manager.io"}}}, "webhook": {"replicas": 1, "excludeNamespaces": ["kube-system", "kube-public"], "nodeSelector": {"kubernetes.io/os": "linux"}, "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "infra", "effect": "NoSchedule"}]}, "imagePullSecrets": [{"name": "ghcr"}], "image": {"tag": "0.1.0-rc.1"}}'
)
log "helm lint --strict and render (${!variants[*]})"
for name in "${!variants[@]}"; do
    "$venv/bin/python" scripts/render_chart.py "$chart" --lint --values-json "${variants[$name]}" \
        --name skyferry --namespace skyferry --with-namespace --output "$out/$name.yaml" \
        || fail "chart does not lint or render with values $name"
done
# The schema must reject what it should.
if "$venv/bin/python" scripts/render_chart.py "$chart" --values-json '{"webhook": {"replicas": "two"}}' >/dev/null 2>&1; then
    fail "values.schema.json accepted webhook.replicas: \"two\""
fi

if "$venv/bin/python" scripts/render_chart.py "$chart" --values-json '{"networkPolicy": {"enabled": "yes"}}' >/dev/null 2>&1; then
    fail "values.schema.json accepted networkPolicy.enabled: \"yes\""
fi
if "$venv/bin/python" scripts/render_chart.py "$chart" --values-json '{"azure": {"cloud": "azure"}}' >/dev/null 2>&1; then
    fail "values.schema.json accepted azure.cloud: \"azure\""
fi
# azure.cloud reaches the webhook's configuration; authorityHost only when set.
"$venv/bin/python" - "$out/default.yaml" "$out/azure-usgov.yaml" <<'PY' || fail "azure settings do not reach webhook.yaml"
import sys, yaml
def config(path):
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    return yaml.safe_load(next(d for d in docs if d["kind"] == "ConfigMap")["data"]["webhook.yaml"])
assert config(sys.argv[1])["azure"] == {"cloud": "public"}, config(sys.argv[1])
assert config(sys.argv[2])["azure"] == {"cloud": "usgov", "authorityHost": "https://login.microsoftonline.us"}
PY
# The NetworkPolicy: absent by default, and when enabled it admits the webhook port only, from the given peers.
grep -q '^kind: NetworkPolicy$' "$out/default.yaml" && fail "the default render has a NetworkPolicy (networkPolicy.enabled defaults to false)"
"$venv/bin/python" - "$out/network-policy.yaml" <<'PY' || fail "the NetworkPolicy render is not the expected one"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
policy = next(d for d in docs if d["kind"] == "NetworkPolicy")
deployment = next(d for d in docs if d["kind"] == "Deployment")
assert policy["spec"]["podSelector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"], policy
assert policy["spec"]["policyTypes"] == ["Ingress"], policy
assert policy["spec"]["ingress"] == [{"ports": [{"port": "https", "protocol": "TCP"}], "from": [
    {"ipBlock": {"cidr": "10.0.0.0/8"}},
    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}]}], policy
config = next(d for d in docs if d["kind"] == "ConfigMap")["data"]["webhook.yaml"]
assert yaml.safe_load(config)["server"] == {"idleTimeoutSeconds": 30, "maxConnections": 500}, config
PY

# ServiceAccount annotations: exactly get, list and watch on serviceaccounts, the token mounted, readiness on
# /readyz; disabled, no RBAC and no token.
"$venv/bin/python" - "$out/default.yaml" "$out/pod-annotations-only.yaml" <<'PY' || fail "the RBAC or token mount is not the expected one"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
role = next(d for d in docs if d["kind"] == "ClusterRole")
assert role["rules"] == [{"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["get", "list", "watch"]}], role
binding = next(d for d in docs if d["kind"] == "ClusterRoleBinding")
account = next(d for d in docs if d["kind"] == "ServiceAccount")
assert binding["roleRef"]["name"] == role["metadata"]["name"], binding
assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account["metadata"]["name"],
                                "namespace": account["metadata"]["namespace"]}], binding
pod = next(d for d in docs if d["kind"] == "Deployment")["spec"]["template"]["spec"]
assert pod["automountServiceAccountToken"] is True, pod
container = pod["containers"][0]
assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", container
assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", container
off = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d]
assert not [d for d in off if d["kind"] in ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")], off
assert next(d for d in off if d["kind"] == "Deployment")["spec"]["template"]["spec"]["automountServiceAccountToken"] is False
config = yaml.safe_load(next(d for d in off if d["kind"] == "ConfigMap")["data"]["webhook.yaml"])
assert config["kubernetes"] == {"serviceAccounts": {"enabled": False}}, config
PY

log "manifests/skyferry.yaml is the chart's render"
scripts/render-manifests.sh "$out/plain-install.yaml"
if ! diff -u manifests/skyferry.yaml "$out/plain-install.yaml"; then
    fail "manifests/skyferry.yaml differs from the chart; run scripts/render-manifests.sh and commit"
fi

log "yamllint"
yamllint --strict -c .yamllint charts/skyferry manifests .yamllint .hadolint.yaml "$out"

log "kubernetes-validate --strict -k $kube_version"
k8s_files=("$out"/*.yaml manifests/examples/*.yaml manifests/examples/*/*.yaml)
for file in "${k8s_files[@]}"; do
    # Drop the CRD kinds (cert-manager), validate the rest; an empty stream would be an error.
    "$venv/bin/python" - "$file" "$out/validate.yaml" <<'PY'
import sys
import yaml

SKIPPED_GROUPS = ("cert-manager.io/",)  # CRDs: no schema in kubernetes-validate
documents = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kept = [d for d in documents if not str(d.get("apiVersion", "")).startswith(SKIPPED_GROUPS)]
skipped = sorted({f"{d['kind']}/{d['metadata']['name']}" for d in documents if d not in kept})
if skipped:
    print(f"check-deploy:   {sys.argv[1]}: not validated (CRD): {', '.join(skipped)}", file=sys.stderr)
if not kept:
    sys.exit(f"{sys.argv[1]}: no Kubernetes documents")
yaml.safe_dump_all(kept, open(sys.argv[2], "w"), sort_keys=False)
PY
    "$venv/bin/kubernetes-validate" --quiet --strict -k "$kube_version" "$out/validate.yaml" \
        || fail "$file is not valid for Kubernetes $kube_version"
done
log "OK: ${#k8s_files[@]} manifest files valid"
