"""Azure time to first token: `skyferry agent --once` vs azure-identity, each a fresh process, against the
verifying fake Entra ID (Tests/e2e/fakes/fake_entra.py) and a fake OIDC issuer (fake_oidc.py), both on
127.0.0.1 HTTPS with their throwaway test CA, in this process.

One exchange, ending with an access token for https://vault.azure.net written to a file: the token file's
RS256 JWT (the fake issuer's, aud api://AzureADTokenExchange) → Entra's token endpoint (client credentials
with the JWT as assertion; the fake fetches the issuer's discovery document and JWKS and checks signature,
iss/sub/aud and time window) → a signed access token. azure-identity: WorkloadIdentityCredential from the
AKS environment (AZURE_AUTHORITY_HOST, REQUESTS_CA_BUNDLE), bench/azure_identity_write_token.py. The agent
trusts the test CA with --ca-bundle. Both run with a proxy nobody listens on (loopback excepted).
Runs are interleaved (alternating order) after warm-up runs; every output must be an access token the
fake issued (signature, audience, client id). Prints a markdown table (median, p90, min, max) and the
ratio of medians.

Usage: python bench/azure_time_to_token.py [--runs 30] [--warmup 2] [--skyferry PATH]
  --skyferry  default: $SKYFERRY_BIN, else <repo>/.build/release/skyferry, else .build/debug/skyferry
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import harness
from harness import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "Tests" / "e2e"))
from fakes.fake_entra import FakeEntra, FederatedCredential  # noqa: E402
from fakes.fake_oidc import FakeOIDCIssuer  # noqa: E402

CLIENT_ID = "3c9e1b52-7a4d-4f0e-8b61-2d5a9c0e7f14"
SUBJECT = "system:serviceaccount:shop:api"
RESOURCE = "https://vault.azure.net"


def check_output(output: Path, entra: FakeEntra) -> None:
    """The file holds an access token this fake Entra issued for RESOURCE and CLIENT_ID."""
    token = output.read_text()
    if token not in {issued.access_token for issued in entra.issued}:
        sys.exit(f"{output} does not hold an access token the fake Entra ID issued: {token[:40]!r}…")
    claims = entra.verify_access_token(token, RESOURCE)
    if claims["appid"] != CLIENT_ID:
        sys.exit(f"{output}: a token for appid {claims['appid']}, not {CLIENT_ID}")


def timed(args: list[str], env: dict[str, str], output: Path, entra: FakeEntra) -> float:
    output.unlink(missing_ok=True)
    elapsed = harness.time_process(args, env)
    check_output(output, entra)
    return elapsed


def skyferry_config(path: Path, token: Path, entra: FakeEntra, output: Path) -> Path:
    path.write_text(
        f"source:\n  tokenFile: {token}\n"
        "targets:\n  - name: bench\n    azure:\n"
        f"      tenantId: {entra.tenant_id}\n      clientId: {CLIENT_ID}\n      authorityHost: {entra.url}\n"
        f"      resources: [{RESOURCE}]\n"
        f"    outputs:\n      azureAccessTokenFile: {{path: {output}}}\n"
    )
    return path


def report(args: argparse.Namespace, workdir: Path, issuer: FakeOIDCIssuer, entra: FakeEntra) -> None:
    """Times both clients against the fakes and prints the table."""
    env = harness.isolated_env(workdir)
    token = workdir / "token.jwt"
    token.write_text(issuer.make_token(SUBJECT, lifetime=7200))
    ca = str(entra.ca_path)
    sky_out, py_out = workdir / "skyferry.token", workdir / "azure-identity.token"
    config = skyferry_config(workdir / "skyferry.yaml", token, entra, sky_out)
    sky_cmd = [str(args.skyferry), "agent", "--config", str(config), "--once", "--ca-bundle", ca,
               "--log-level", "error"]
    py_env = env | {"AZURE_TENANT_ID": entra.tenant_id, "AZURE_CLIENT_ID": CLIENT_ID,
                    "AZURE_FEDERATED_TOKEN_FILE": str(token), "AZURE_AUTHORITY_HOST": entra.url,
                    "REQUESTS_CA_BUNDLE": ca}
    py_cmd = [sys.executable, str(REPO_ROOT / "bench" / "azure_identity_write_token.py"),
              "--scope", RESOURCE + "/.default", "--output", str(py_out)]
    cases = {
        "skyferry agent --once": lambda: timed(sky_cmd, env, sky_out, entra),
        "azure-identity WorkloadIdentityCredential (python)": lambda: timed(py_cmd, py_env, py_out, entra),
    }
    samples = harness.interleaved(cases, args.runs, args.warmup)
    stats = {name: harness.summary(values).scaled(1000) for name, values in samples.items()}

    exchanges = 2 * (args.runs + args.warmup)
    if entra.rejections:
        rejection = entra.rejections[0]
        sys.exit(f"the fake Entra ID refused {len(entra.rejections)} requests, e.g. AADSTS{rejection.code}")
    if len(entra.issued) != exchanges:
        sys.exit(f"the fake Entra ID issued {len(entra.issued)} tokens for {exchanges} runs")

    print(f"\n### Azure time to first token ({args.runs} interleaved runs each, fresh process per run, "
          "verifying fake Entra ID + OIDC issuer on 127.0.0.1 HTTPS)\n")
    print(harness.markdown_table(["client", "median (ms)", "p90 (ms)", "min (ms)", "max (ms)"],
                                 [[name, *s.cells()] for name, s in stats.items()]))
    print(f"\n{harness.PERCENTILE_NOTE}")
    sky, py = stats.values()
    print(f"\nRatio of medians (azure-identity / skyferry): {py.median / sky.median:.1f}x")
    print(f"Ratio of p90s (azure-identity / skyferry): {py.p90 / sky.p90:.1f}x")
    print(f"\nThe fake verified and answered {exchanges} token requests (warm-ups included; each after fetching "
          "the issuer's discovery document and JWKS); none refused.")
    import azure.identity

    print(f"Binary {args.skyferry} (`version`: {harness.skyferry_version(args.skyferry, env)}); "
          f"azure-identity {azure.identity.__version__}; machine: {harness.machine()}")


def main() -> int:
    parser = harness.argument_parser(__doc__, runs=True, debug_fallback=True)
    args = harness.parse_arguments(parser)

    with tempfile.TemporaryDirectory(prefix="skyferry-azure-bench.") as tmp, \
            FakeOIDCIssuer(path="/id/skyferry-bench") as issuer, FakeEntra() as entra:
        entra.add_federated_credential(CLIENT_ID, FederatedCredential(issuer.issuer, SUBJECT))
        report(args, Path(tmp), issuer, entra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
