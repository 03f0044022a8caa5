"""Lint and render a Helm chart offline with helm-python-sdk (Helm 4 as a library; no helm binary).

    render_chart.py CHART [--lint] [--values-json JSON] [--name NAME] [--namespace NS]
                          [--with-namespace] [--output FILE]

--lint runs `helm lint --strict` for Kubernetes 1.32 first and fails on any finding above info.
The output is one multi-document YAML stream, like `helm template`: documents sorted in Helm's
install order, each headed by its template's path; --with-namespace prepends the Namespace (Helm
does not render it, a plain `kubectl apply` needs it). NOTES.txt is rendered too and must not fail.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import helm_python
import yaml

# Helm's InstallOrder (pkg/release/util/kind_sorter.go), the kinds this chart uses and a few more.
INSTALL_ORDER = [
    "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
    "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
    "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
    "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
    "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
    "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
    # cert-manager's kinds (Helm puts unknown kinds last, by kind name): the issuer first.
    "ClusterIssuer", "Issuer", "Certificate",
]


def lint(chart: Path, values: dict, namespace: str) -> None:
    report = helm_python.lint(chart, values, strict=True, namespace=namespace, kube_version="v1.32.0")
    problems = [m for m in report.get("messages", []) if m.get("severity", 0) > 1]
    for message in report.get("messages", []):
        print(f"helm lint: [{message.get('severity')}] {message.get('path')}: {message.get('error')}", file=sys.stderr)
    for error in report.get("errors") or []:
        print(f"helm lint: {error}", file=sys.stderr)
    if problems or report.get("errors"):
        sys.exit(f"helm lint --strict failed for {chart}")


def render(chart_path: Path, values: dict, name: str, namespace: str, with_namespace: bool) -> str:
    chart = helm_python.Chart.load(chart_path)
    rendered = chart.render(values, name=name, namespace=namespace, is_install=True)
    documents: list[tuple[int, str, str, str]] = []
    for template, text in rendered.items():
        if not template.endswith((".yaml", ".yml")):
            continue  # NOTES.txt: rendering it was the check
        for part in text.split("\n---\n"):
            body = part.strip("\n")
            if body.startswith("---"):
                body = body[3:].lstrip("\n")
            parsed = yaml.safe_load(body) if body.strip() else None
            if not parsed:
                continue
            kind = parsed.get("kind", "")
            order = INSTALL_ORDER.index(kind) if kind in INSTALL_ORDER else len(INSTALL_ORDER)
            documents.append((order, kind, parsed["metadata"]["name"], f"# Source: {template}\n{body}\n"))
    documents.sort(key=lambda d: d[:3])
    out = []
    if with_namespace:
        out.append(
            "# The release namespace (not rendered by Helm).\n"
            f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {namespace}\n"
            "  labels:\n    pod-security.kubernetes.io/enforce: restricted\n"
        )
    out.extend(d[3] for d in documents)
    return "---\n" + "---\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chart", type=Path)
    parser.add_argument("--lint", action="store_true")
    parser.add_argument("--values-json", default="{}", help="values overriding values.yaml, as JSON")
    parser.add_argument("--name", default="skyferry")
    parser.add_argument("--namespace", default="skyferry")
    parser.add_argument("--with-namespace", action="store_true")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    values = json.loads(args.values_json)
    if args.lint:
        lint(args.chart, values, args.namespace)
    try:
        stream = render(args.chart, values, args.name, args.namespace, args.with_namespace)
    except helm_python.errors.HelmError as error:  # schema violations, template errors
        sys.exit(f"render {args.chart} with {args.values_json}: {error}")
    if args.output:
        args.output.write_text(stream)
    else:
        sys.stdout.write(stream)


if __name__ == "__main__":
    main()
