"""Load on the agent's credential endpoints: requests/s and latency (p50/p90/p99) of
  - the AWS container endpoint  GET /v1/credentials/TARGET   (Authorization: the auth token file)
  - the GCE metadata emulation  GET /computeMetadata/v1/instance/service-accounts/default/token
                                (Metadata-Flavor: Google)
measured with wrk (Debian package `wrk`) on 127.0.0.1, plus the agent's VmRSS before, during (peak of
samples every 0.2 s) and after each load.

One long-running `skyferry agent` (no --once) serves both, against the fake STS and the verifying fake
GCP (Tests/e2e/fakes) with 1 h credentials, so no refresh happens during a run. Every response of a
run is checked by wrk's Lua script (non-200 answers are counted and reported).

Usage: python bench/endpoints_load.py [--skyferry PATH] [--threads 2] [--connections 16] [--duration 10]
  --skyferry  default: $SKYFERRY_BIN, else <repo>/.build/release/skyferry
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "Tests" / "e2e"))
from fakes.fake_gcp import DEFAULT_AUDIENCE, FakeGCP  # noqa: E402
from fakes.fake_sts import FakeSTS, success  # noqa: E402

ISSUER = "https://oidc.bench.test"
KID = "bench-key"
SERVICE_ACCOUNT = "sa@proj.iam.gserviceaccount.com"

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64url_uint(value: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


def vm_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def get(url: str, headers: dict[str, str]) -> tuple[int, bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=2) as response:
            return response.status, response.read()
    except Exception:  # noqa: BLE001 - not ready yet
        return 0, b""


def run_wrk(url: str, header: str, value: str, args: argparse.Namespace, pid: int, workdir: Path) -> dict:
    script = workdir / f"wrk-{uuid.uuid4().hex[:8]}.lua"
    script.write_text(LUA % {"header": header, "value": value})
    samples: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            samples.append(vm_rss_kib(pid))

    before = vm_rss_kib(pid)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    proc = subprocess.run(["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s",
                           "--latency", "-s", str(script), url], capture_output=True, text=True, check=True,
                          env={**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    stop.set()
    sampler.join()
    time.sleep(1)
    after = vm_rss_kib(pid)
    line = next(l for l in proc.stdout.splitlines() if l.startswith("JSON "))
    result = json.loads(line[5:])
    result.update(rps=result["requests"] / (result["duration_us"] / 1e6), rss_before=before,
                  rss_peak=max(samples or [before]), rss_after=after)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skyferry", default=os.environ.get("SKYFERRY_BIN", str(REPO / ".build" / "release" / "skyferry")))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install -y wrk (scripts/install-deps.sh)")

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()
    jwks = {"keys": [{"kty": "RSA", "alg": "RS256", "kid": KID, "n": b64url_uint(numbers.n), "e": b64url_uint(numbers.e)}]}
    now = int(time.time())
    token = jwt.encode({"iss": ISSUER, "sub": "system:serviceaccount:bench:bench", "aud": ["https:" + DEFAULT_AUDIENCE],
                        "iat": now, "exp": now + 86400}, key, algorithm="RS256", headers={"kid": KID})

    with tempfile.TemporaryDirectory(prefix="skyferry-endpoints-") as tmp, FakeSTS() as sts, \
            FakeGCP(jwks=jwks, issuer=ISSUER, service_accounts={SERVICE_ACCOUNT}) as gcp:
        workdir = Path(tmp)
        sts.script(success(duration_seconds=3600))
        (workdir / "token.jwt").write_text(token)
        aws_listen, gcp_listen, health = (f"127.0.0.1:{free_port()}" for _ in range(3))
        token_file = workdir / "auth-token"
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
            ],
            "health": {"listen": health},
        }))
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp, "HTTPS_PROXY": "http://127.0.0.1:9",
               "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost"}
        agent = subprocess.Popen([args.skyferry, "agent", "--config", str(config), "--log-level", "warning"], env=env,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(workdir / "agent.log", "wb"))
        try:
            deadline = time.time() + 20
            while get(f"http://{health}/readyz", {})[0] != 200:
                if time.time() > deadline or agent.poll() is not None:
                    sys.exit(f"agent not ready:\n{(workdir / 'agent.log').read_text()}")
                time.sleep(0.1)
            auth = token_file.read_text()
            aws_url = f"http://{aws_listen}/v1/credentials/aws"
            gcp_url = f"http://{gcp_listen}/computeMetadata/v1/instance/service-accounts/default/token"
            assert get(aws_url, {"Authorization": auth})[0] == 200
            assert get(gcp_url, {"Metadata-Flavor": "Google"})[0] == 200
            idle = vm_rss_kib(agent.pid)
            results = {
                "container endpoint `/v1/credentials/T`": run_wrk(aws_url, "Authorization", auth, args, agent.pid, workdir),
                "metadata `…/default/token`": run_wrk(gcp_url, "Metadata-Flavor", "Google", args, agent.pid, workdir),
            }
            exchanges = (len(sts.issued), len(gcp.issued))
        finally:
            agent.terminate()
            agent.wait(timeout=10)

    cpu = re.sub(r"\s+", " ", next((l.split(":", 1)[1] for l in Path("/proc/cpuinfo").read_text().splitlines()
                                    if l.startswith("model name")), platform.machine())).strip()
    print(f"skyferry {args.skyferry}; wrk -t{args.threads} -c{args.connections} -d{args.duration}s on 127.0.0.1; "
          f"{os.cpu_count()} CPUs ({cpu}); agent VmRSS idle before the loads: {idle / 1024:.1f} MiB; "
          f"exchanges during the runs: STS {exchanges[0]}, GCP {exchanges[1]} (no refresh due)\n")
    print("| endpoint | requests/s | p50 | p90 | p99 | max | non-200 / socket errors | VmRSS before → peak → after (MiB) |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for name, r in results.items():
        print(f"| {name} | {r['rps']:,.0f} | {r['p50'] / 1000:.2f} ms | {r['p90'] / 1000:.2f} ms | "
              f"{r['p99'] / 1000:.2f} ms | {r['max'] / 1000:.1f} ms | {r['non200']} / {r['errors']} | "
              f"{r['rss_before'] / 1024:.1f} → {r['rss_peak'] / 1024:.1f} → {r['rss_after'] / 1024:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
