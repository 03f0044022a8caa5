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
import base64
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

REPO_ROOT = Path(__file__).resolve().parents[1]
FAKE_GCP = REPO_ROOT / "Tests" / "e2e" / "fakes" / "fake_gcp.py"
AUDIENCE = "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/providers/prov"
SERVICE_ACCOUNT = "bench@proj.iam.gserviceaccount.com"
ISSUER = "https://oidc.skyferry.bench"
RUN_TIMEOUT_SECONDS = 60
TOKEN_RE = re.compile(r"^fake-sa-access-token-\d+$")


def default_binary() -> Path:
    if os.environ.get("SKYFERRY_BIN"):
        return Path(os.environ["SKYFERRY_BIN"])
    release = REPO_ROOT / ".build" / "release" / "skyferry"
    return release if release.exists() else REPO_ROOT / ".build" / "debug" / "skyferry"


def b64url_uint(value: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


def make_token(workdir: Path) -> tuple[Path, Path]:
    """A JWT for the provider (aud https://iam…) and the issuer's JWKS."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "system:serviceaccount:shop:api", "aud": ["https:" + AUDIENCE],
              "iat": now, "nbf": now, "exp": now + 7200, "jti": str(uuid.uuid4())}
    token = workdir / "token.jwt"
    token.write_text(jwt.encode(claims, key, algorithm="RS256", headers={"kid": "bench"}))
    numbers = key.public_key().public_numbers()
    jwks = workdir / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{"kty": "RSA", "alg": "RS256", "kid": "bench",
                                          "n": b64url_uint(numbers.n), "e": b64url_uint(numbers.e)}]}))
    return token, jwks


def aws_keys() -> dict[str, str]:
    alnum = string.ascii_uppercase + string.digits
    return {
        "AWS_ACCESS_KEY_ID": "ASIA" + "".join(secrets.choice(alnum) for _ in range(16)),
        "AWS_SECRET_ACCESS_KEY": "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(40)),
        "AWS_SESSION_TOKEN": "IQoJb3JpZ2luBENCH" + "".join(secrets.choice(string.ascii_letters) for _ in range(200)),
    }


def start_fake(workdir: Path, jwks: Path, keys: dict[str, str], env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    log = (workdir / "fake-gcp.log").open("w")
    process = subprocess.Popen(
        [sys.executable, str(FAKE_GCP), "--jwks-file", str(jwks), "--issuer", ISSUER, "--audience", AUDIENCE,
         "--service-account", SERVICE_ACCOUNT,
         "--aws-key", f"{keys['AWS_ACCESS_KEY_ID']}:{keys['AWS_SECRET_ACCESS_KEY']}:{keys['AWS_SESSION_TOKEN']}",
         # google-auth-python appends x-goog-cloud-target-resource after signing; the agent signs it.
         "--unsigned-target-resource-ok"],
        stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, text=True, env=env,
    )
    line = process.stdout.readline() if process.stdout else ""
    match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
    if not match:
        process.kill()
        sys.exit(f"fake GCP did not start: {line!r} {(workdir / 'fake-gcp.log').read_text()}")
    return process, match.group(1)


def requests_seen(url: str) -> list[dict]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{url}/_fake/requests", timeout=5) as response:
        return json.loads(response.read())


def timed(args: list[str], env: dict[str, str], output: Path) -> float:
    output.unlink(missing_ok=True)
    started = time.perf_counter()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS,
                          stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args[:3])} exited {proc.returncode}:\n{proc.stderr}")
    token = output.read_text()
    if not TOKEN_RE.match(token):
        sys.exit(f"{output} holds {token!r}, not an impersonated access token from the fake")
    return elapsed


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(1, int(-(-p * len(ordered) // 100)))
    return ordered[rank - 1]


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--skyferry", type=Path, default=default_binary())
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be positive")
    if not os.access(args.skyferry, os.X_OK):
        sys.exit(f"no skyferry binary at {args.skyferry}; run `swift build -c release` or pass --skyferry")

    workdir = Path(tempfile.mkdtemp(prefix="skyferry-gcp-bench."))
    home = workdir / "home"
    home.mkdir()
    (workdir / "aws-config").touch()
    dead = "http://127.0.0.1:9"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": str(home),
        "AWS_CONFIG_FILE": str(workdir / "aws-config"), "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "none"),
        "AWS_EC2_METADATA_DISABLED": "true", "NO_GCE_CHECK": "true",
        "HTTPS_PROXY": dead, "HTTP_PROXY": dead, "NO_PROXY": "127.0.0.1,localhost",
        "https_proxy": dead, "http_proxy": dead, "no_proxy": "127.0.0.1,localhost",
    }
    keys = aws_keys()
    aws_env = env | keys | {"AWS_REGION": "us-east-1"}
    fake = None
    try:
        token, jwks = make_token(workdir)
        fake, url = start_fake(workdir, jwks, keys, env)
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
        samples: dict[tuple[str, str], list[float]] = {}
        for exchange, cases in exchanges.items():
            for _ in range(args.warmup):
                for cmd, case_env, output in cases.values():
                    timed(cmd, case_env, output)
            names = list(cases)
            for i in range(args.runs):
                for name in names if i % 2 == 0 else reversed(names):
                    cmd, case_env, output = cases[name]
                    samples.setdefault((exchange, name), []).append(timed(cmd, case_env, output))

        seen = requests_seen(url)
        refused = [r for r in seen if r["status"] >= 400]
        if refused:
            sys.exit(f"the fake refused {len(refused)} requests, e.g. {refused[0]['path']}: {refused[0]['outcome']}")

        print(f"\n### GCP time to credentials ({args.runs} interleaved runs each, fresh process per run, "
              "verifying fake GCP STS + IAM on 127.0.0.1)\n")
        print("| exchange | client | median (ms) | p90 (ms) | min (ms) | max (ms) |")
        print("|---|---|---:|---:|---:|---:|")
        for (exchange, name), values in samples.items():
            ms = [v * 1000 for v in values]
            print(f"| {exchange} | {name} | {statistics.median(ms):.1f} | {percentile(ms, 90):.1f} | "
                  f"{min(ms):.1f} | {max(ms):.1f} |")
        print()
        for exchange, cases in exchanges.items():
            sky_name, py_name = list(cases)
            ratio = statistics.median(samples[(exchange, py_name)]) / statistics.median(samples[(exchange, sky_name)])
            print(f"Ratio of medians, {exchange} (google-auth / skyferry): {ratio:.1f}x")
        sts = sum(1 for r in seen if r["path"] == "/v1/token")
        print(f"\nThe fake verified {sts} STS exchanges (JWT signatures and SigV4 recomputed with botocore) "
              "and the matching generateAccessToken calls; none refused.")
        version = subprocess.run([str(args.skyferry), "version"], env=env, capture_output=True, text=True,
                                 timeout=RUN_TIMEOUT_SECONDS).stdout.strip()
        import google.auth

        print(f"Binary {args.skyferry} (`version`: {version or '?'}); google-auth {google.auth.__version__}; "
              f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}")
    finally:
        if fake is not None:
            fake.terminate()
            try:
                fake.wait(timeout=5)
            except subprocess.TimeoutExpired:
                fake.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
