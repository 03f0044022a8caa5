"""Load on the agent's credential endpoints: requests/s and latency (p50/p90/p99) of
  - the AWS container endpoint  GET /v1/credentials/TARGET   (Authorization: the auth token file)
  - the GCE metadata emulation  GET /computeMetadata/v1/instance/service-accounts/default/token
                                (Metadata-Flavor: Google)
  - the Azure managed-identity endpoint  GET /msi/token?api-version=2019-08-01&resource=https://vault.azure.net
                                (X-IDENTITY-HEADER: the secret file)
measured with wrk (Debian package `wrk`) on 127.0.0.1, plus the agent's VmRSS before, during (peak of
samples every 0.2 s) and after each load.

One long-running `skyferry agent` (no --once) serves all three, against the fake STS, the verifying fake
GCP and the verifying fake Entra ID on loopback HTTPS (Tests/e2e/fakes) with 1 h credentials, so no refresh happens during a run. Every response of a
run is checked by wrk's Lua script (non-200 answers are counted and reported).

Usage: python bench/endpoints_load.py [--skyferry PATH] [--threads 2] [--connections 16] [--duration 10]
  --skyferry  default: $SKYFERRY_BIN, else <repo>/.build/release/skyferry
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import harness
from harness import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "Tests" / "e2e"))
from fakes.fake_entra import FakeEntra, FederatedCredential  # noqa: E402
from fakes.fake_gcp import DEFAULT_AUDIENCE, FakeGCP  # noqa: E402
from fakes.fake_sts import FakeSTS, success  # noqa: E402

ISSUER = "https://oidc.bench.test"
KID = "bench-key"
SERVICE_ACCOUNT = "sa@proj.iam.gserviceaccount.com"
SUBJECT = "system:serviceaccount:bench:bench"
AZURE_CLIENT_ID = "3c9e1b52-7a4d-4f0e-8b61-2d5a9c0e7f14"
AZURE_AUDIENCE = "api://AzureADTokenExchange"
VAULT = "https://vault.azure.net"

# wrk: fixed headers; count non-200 answers; print latency percentiles (µs) and totals as JSON.
LUA = r"""
wrk.method = "GET"
wrk.headers["%(header)s"] = "%(value)s"
bad = 0  -- a global: done() reads each thread's copy with thread:get
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local non200 = 0
  for _, t in ipairs(threads) do non200 = non200 + (t:get("bad") or 0) end
  io.write(string.format('JSON {"requests": %%d, "duration_us": %%d, "errors": %%d, "non200": %%d, ' ..
    '"p50": %%d, "p90": %%d, "p99": %%d, "max": %%d, "mean": %%.1f}\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status,
    non200, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


def run_wrk(url: str, header: str, value: str, args: argparse.Namespace, pid: int, workdir: Path) -> dict:
    script = workdir / f"wrk-{uuid.uuid4().hex[:8]}.lua"
    script.write_text(LUA % {"header": header, "value": value})
    samples: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            samples.append(harness.vm_rss_kib(pid))

    before = harness.vm_rss_kib(pid)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    proc = subprocess.run(["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s",
                           "--latency", "-s", str(script), url], capture_output=True, text=True, check=True,
                          env={**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    stop.set()
    sampler.join()
    time.sleep(1)
    after = harness.vm_rss_kib(pid)
    line = next(l for l in proc.stdout.splitlines() if l.startswith("JSON "))
    result = json.loads(line[5:])
    result.update(rps=result["requests"] / (result["duration_us"] / 1e6), rss_before=before,
                  rss_peak=max(samples or [before]), rss_after=after)
    return result


def main() -> int:
    parser = harness.argument_parser(__doc__)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10)
    args = harness.parse_arguments(parser)
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install -y wrk (scripts/install-deps.sh)")


    now = int(time.time())
    token, jwks = harness.rsa_jwt({"iss": ISSUER, "sub": SUBJECT,
                                   "aud": ["https:" + DEFAULT_AUDIENCE], "iat": now, "exp": now + 86400}, KID)
    azure_token, azure_jwks = harness.rsa_jwt({"iss": ISSUER, "sub": SUBJECT, "aud": AZURE_AUDIENCE, "iat": now,
                                               "exp": now + 86400}, KID)

    with tempfile.TemporaryDirectory(prefix="skyferry-endpoints-") as tmp, FakeSTS() as sts, \
            FakeGCP(jwks=jwks, issuer=ISSUER, service_accounts={SERVICE_ACCOUNT}) as gcp, FakeEntra() as entra:
        workdir = Path(tmp)
        entra.trust_issuer_keys(ISSUER, azure_jwks)
        entra.add_federated_credential(AZURE_CLIENT_ID, FederatedCredential(ISSUER, SUBJECT))
        (workdir / "azure.jwt").write_text(azure_token)
        sts.script(success(duration_seconds=3600))
        (workdir / "token.jwt").write_text(token)
        aws_listen, gcp_listen, azure_listen, health = (f"127.0.0.1:{harness.free_port()}" for _ in range(4))
        token_file = workdir / "auth-token"
        secret_file = workdir / "identity-header"
        config = workdir / "skyferry.yaml"
        config.write_text(json.dumps({  # JSON is YAML
            "source": {"tokenFile": str(workdir / "token.jwt")},
            "targets": [
                {"name": "aws", "aws": {"roleArn": "arn:aws:iam::123456789012:role/bench", "region": "us-east-1",
                                        "stsEndpoint": sts.url},
                 "outputs": {"awsContainerEndpoint": {"listen": aws_listen, "authTokenFile": str(token_file)}}},
                {"name": "gcp", "gcp": {"audience": DEFAULT_AUDIENCE, "serviceAccount": SERVICE_ACCOUNT,
                                        "stsEndpoint": gcp.sts_url, "iamEndpoint": gcp.url},
                 "outputs": {"gcpMetadataServer": {"listen": gcp_listen, "projectId": "bench-project"}}},
                {"name": "azure", "source": {"tokenFile": str(workdir / "azure.jwt")},
                 "azure": {"tenantId": entra.tenant_id, "clientId": AZURE_CLIENT_ID, "authorityHost": entra.url,
                           "resources": [VAULT]},
                 "outputs": {"azureManagedIdentityEndpoint": {"listen": azure_listen,
                                                              "secretFile": str(secret_file)}}},
            ],
            "health": {"listen": health},
        }))
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp, "HTTPS_PROXY": harness.DEAD_PROXY,
               "HTTP_PROXY": harness.DEAD_PROXY, "NO_PROXY": "127.0.0.1,localhost"}
        log = workdir / "agent.log"
        with harness.running([args.skyferry, "agent", "--config", config, "--log-level", "warning",
                              "--ca-bundle", entra.ca_path], env=env, log=log) as agent:
            harness.wait_until(lambda: harness.http_ok(f"http://{health}/readyz"), "agent", process=agent, log=log)
            auth = token_file.read_text()
            aws_url = f"http://{aws_listen}/v1/credentials/aws"
            gcp_url = f"http://{gcp_listen}/computeMetadata/v1/instance/service-accounts/default/token"
            assert harness.http_ok(aws_url, {"Authorization": auth})
            assert harness.http_ok(gcp_url, {"Metadata-Flavor": "Google"})
            secret = secret_file.read_text()
            azure_url = f"http://{azure_listen}/msi/token?api-version=2019-08-01&resource={VAULT}"
            assert harness.http_ok(azure_url, {"X-IDENTITY-HEADER": secret})
            idle = harness.vm_rss_kib(agent.pid)
            results = {
                "container endpoint `/v1/credentials/T`": run_wrk(aws_url, "Authorization", auth, args, agent.pid, workdir),
                "metadata `…/default/token`": run_wrk(gcp_url, "Metadata-Flavor", "Google", args, agent.pid, workdir),
                "managed identity `/msi/token`": run_wrk(azure_url, "X-IDENTITY-HEADER", secret, args, agent.pid,
                                                         workdir),
            }
            exchanges = (len(sts.issued), len(gcp.issued), len(entra.issued))

    print(f"skyferry {args.skyferry}; wrk -t{args.threads} -c{args.connections} -d{args.duration}s on 127.0.0.1; "
          f"{harness.machine()}; agent VmRSS idle before the loads: {idle / 1024:.1f} MiB; "
          f"exchanges during the runs: STS {exchanges[0]}, GCP {exchanges[1]}, Entra {exchanges[2]} (no refresh due)\n")
    print(harness.markdown_table(
        ["endpoint", "requests/s", "p50", "p90", "p99", "max", "non-200 / socket errors",
         "VmRSS before → peak → after (MiB)"],
        [[name, f"{r['rps']:,.0f}", f"{r['p50'] / 1000:.2f} ms", f"{r['p90'] / 1000:.2f} ms", f"{r['p99'] / 1000:.2f} ms",
          f"{r['max'] / 1000:.1f} ms", f"{r['non200']} / {r['errors']}",
          f"{r['rss_before'] / 1024:.1f} → {r['rss_peak'] / 1024:.1f} → {r['rss_after'] / 1024:.1f}"]
         for name, r in results.items()],
        align="lrrrrrrl"))
    print("\nLatency percentiles are wrk's own (its HdrHistogram), not harness.percentile: wrk keeps no raw samples.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
