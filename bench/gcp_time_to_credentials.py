"""GCP time to credentials: `skyferry agent --once` vs google-auth, each a fresh process, against the
verifying fake GCP (Tests/e2e/fakes/fake_gcp.py, run stand-alone on 127.0.0.1).

Two exchanges, each ending with a service-account access token written to a file:
  - token file + impersonation: an RS256 JWT → STS (signature checked against the JWKS) → IAM
    generateAccessToken. google-auth: identity_pool.Credentials.
  - aws env source + impersonation: AWS keys from the environment → a SigV4-signed GetCallerIdentity
    (recomputed with botocore by the fake) → STS → IAM. google-auth: aws.Credentials.
Runs are interleaved (alternating order) after warm-up runs, and every output is checked. Prints a
markdown table (median, p90, min, max) and the ratio of medians per exchange.

Usage: python bench/gcp_time_to_credentials.py [--runs 30] [--skyferry PATH]
  --skyferry  default: $SKYFERRY_BIN, else <repo>/.build/release/skyferry, else .build/debug/skyferry
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import secrets
import string
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterator

import harness
from harness import REPO_ROOT

FAKE_GCP = REPO_ROOT / "Tests" / "e2e" / "fakes" / "fake_gcp.py"
AUDIENCE = "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/providers/prov"
SERVICE_ACCOUNT = "bench@proj.iam.gserviceaccount.com"
ISSUER = "https://oidc.skyferry.bench"
TOKEN_RE = re.compile(r"^fake-sa-access-token-\d+$")


def make_token(workdir: Path) -> tuple[Path, Path]:
    """A JWT for the provider (aud https://iam…) and the issuer's JWKS."""
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "system:serviceaccount:shop:api", "aud": ["https:" + AUDIENCE],
              "iat": now, "nbf": now, "exp": now + 7200, "jti": str(uuid.uuid4())}
    signed, keys = harness.rsa_jwt(claims, "bench")
    token = workdir / "token.jwt"
    token.write_text(signed)
    jwks = workdir / "jwks.json"
    jwks.write_text(json.dumps(keys))
    return token, jwks


def aws_keys() -> dict[str, str]:
    alnum = string.ascii_uppercase + string.digits
    return {
        "AWS_ACCESS_KEY_ID": "ASIA" + "".join(secrets.choice(alnum) for _ in range(16)),
        "AWS_SECRET_ACCESS_KEY": "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(40)),
        "AWS_SESSION_TOKEN": "IQoJb3JpZ2luBENCH" + "".join(secrets.choice(string.ascii_letters) for _ in range(200)),
    }


@contextlib.contextmanager
def fake_gcp(workdir: Path, jwks: Path, keys: dict[str, str], env: dict[str, str]) -> Iterator[str]:
    """Tests/e2e/fakes/fake_gcp.py stand-alone for the block; yields its URL."""
    log = workdir / "fake-gcp.log"
    with harness.running(
        [sys.executable, FAKE_GCP, "--jwks-file", jwks, "--issuer", ISSUER, "--audience", AUDIENCE,
         "--service-account", SERVICE_ACCOUNT,
         "--aws-key", f"{keys['AWS_ACCESS_KEY_ID']}:{keys['AWS_SECRET_ACCESS_KEY']}:{keys['AWS_SESSION_TOKEN']}",
         # google-auth-python appends x-goog-cloud-target-resource after signing; the agent signs it.
         "--unsigned-target-resource-ok"],
        env=env, log=log, stdout=subprocess.PIPE, text=True,
    ) as process:
        line = process.stdout.readline() if process.stdout else ""
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if not match:
            sys.exit(f"fake GCP did not start: {line!r} {log.read_text()}")
        yield match.group(1)


def requests_seen(url: str) -> list[dict]:
    status, body = harness.http_get(f"{url}/_fake/requests", timeout=5)
    if status != 200:
        sys.exit(f"the fake GCP did not list its requests (HTTP {status})")
    return json.loads(body)


def timed(args: list[str], env: dict[str, str], output: Path) -> float:
    output.unlink(missing_ok=True)
    elapsed = harness.time_process(args, env)
    token = output.read_text()
    if not TOKEN_RE.match(token):
        sys.exit(f"{output} holds {token!r}, not an impersonated access token from the fake")
    return elapsed


def skyferry_config(path: Path, source: str, fake: str, output: Path) -> Path:
    path.write_text(
        f"source:\n{source}"
        "targets:\n  - name: bench\n    gcp:\n"
        f"      audience: {AUDIENCE}\n      serviceAccount: {SERVICE_ACCOUNT}\n"
        f"      stsEndpoint: {fake}/v1/token\n      iamEndpoint: {fake}\n"
        f"    outputs:\n      gcpAccessTokenFile: {{path: {output}}}\n"
    )
    return path


def external_account(path: Path, fake: str, credential_source: dict, token_type: str) -> Path:
    path.write_text(json.dumps({
        "type": "external_account", "audience": AUDIENCE, "subject_token_type": token_type,
        "token_url": f"{fake}/v1/token",
        "service_account_impersonation_url": f"{fake}/v1/projects/-/serviceAccounts/{SERVICE_ACCOUNT}:generateAccessToken",
        "credential_source": credential_source,
    }, indent=2))
    return path


def report(args: argparse.Namespace, workdir: Path, env: dict[str, str], aws_env: dict[str, str], token: Path,
           url: str) -> None:
    """Times both exchanges against the fake at url and prints the table."""
    dead = harness.DEAD_PROXY
    out = {name: workdir / f"{name}.token" for name in ("sky-file", "ga-file", "sky-aws", "ga-aws")}
    sky_file = skyferry_config(workdir / "file.yaml", f"  tokenFile: {token}\n", url, out["sky-file"])
    sky_aws = skyferry_config(workdir / "aws.yaml", "  aws: {region: us-east-1}\n", url, out["sky-aws"])
    ga_file = external_account(workdir / "ga-file.json", url, {"file": str(token), "format": {"type": "text"}},
                               "urn:ietf:params:oauth:token-type:jwt")
    ga_aws = external_account(workdir / "ga-aws.json", url, {
        "environment_id": "aws1",
        "regional_cred_verification_url": "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15",
        "region_url": f"{dead}/latest/meta-data/placement/availability-zone",
        "url": f"{dead}/latest/meta-data/iam/security-credentials",
    }, "urn:ietf:params:aws:token-type:aws4_request")
    sky = [str(args.skyferry), "agent", "--once", "--log-level", "error", "--config"]
    helper = [sys.executable, str(REPO_ROOT / "bench" / "google_auth_write_token.py"), "--config"]
    exchanges = {
        "token file + impersonation": {
            "skyferry agent --once": (sky + [str(sky_file)], env, out["sky-file"]),
            "google-auth identity_pool (python)": (helper + [str(ga_file), "--output", str(out["ga-file"])], env,
                                                   out["ga-file"]),
        },
        "aws env source + impersonation": {
            "skyferry agent --once": (sky + [str(sky_aws)], aws_env, out["sky-aws"]),
            "google-auth aws (python)": (helper + [str(ga_aws), "--output", str(out["ga-aws"])], aws_env,
                                         out["ga-aws"]),
        },
    }
    stats: dict[tuple[str, str], harness.Summary] = {}
    for exchange, cases in exchanges.items():
        runs = harness.interleaved({name: (lambda c=case: timed(*c)) for name, case in cases.items()},
                                   args.runs, args.warmup)
        for name, values in runs.items():
            stats[(exchange, name)] = harness.summary(values).scaled(1000)

    seen = requests_seen(url)
    refused = [r for r in seen if r["status"] >= 400]
    if refused:
        sys.exit(f"the fake refused {len(refused)} requests, e.g. {refused[0]['path']}: {refused[0]['outcome']}")

    print(f"\n### GCP time to credentials ({args.runs} interleaved runs each, fresh process per run, "
          "verifying fake GCP STS + IAM on 127.0.0.1)\n")
    print(harness.markdown_table(["exchange", "client", "median (ms)", "p90 (ms)", "min (ms)", "max (ms)"],
                                 [[exchange, name, *st.cells()] for (exchange, name), st in stats.items()],
                                 align="llrrrr"))
    print(f"\n{harness.PERCENTILE_NOTE}\n")
    for exchange, cases in exchanges.items():
        sky_name, py_name = list(cases)
        ratio = stats[(exchange, py_name)].median / stats[(exchange, sky_name)].median
        print(f"Ratio of medians, {exchange} (google-auth / skyferry): {ratio:.1f}x")
    sts = sum(1 for r in seen if r["path"] == "/v1/token")
    print(f"\nThe fake verified {sts} STS exchanges (JWT signatures and SigV4 recomputed with botocore) "
          "and the matching generateAccessToken calls; none refused.")
    import google.auth

    print(f"Binary {args.skyferry} (`version`: {harness.skyferry_version(args.skyferry, env)}); "
          f"google-auth {google.auth.__version__}; machine: {harness.machine()}")


def main() -> int:
    parser = harness.argument_parser(__doc__, runs=True, debug_fallback=True)
    args = harness.parse_arguments(parser)

    keys = aws_keys()
    with tempfile.TemporaryDirectory(prefix="skyferry-gcp-bench.") as tmp:
        workdir = Path(tmp)
        env = harness.isolated_env(workdir) | {"NO_GCE_CHECK": "true"}
        aws_env = env | keys | {"AWS_REGION": "us-east-1"}
        token, jwks = make_token(workdir)
        with fake_gcp(workdir, jwks, keys, env) as url:
            report(args, workdir, env, aws_env, token, url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
