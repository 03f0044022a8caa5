"""The webhook reading ServiceAccounts: admission latency with the cache warm, the cost of a miss, memory.

Starts the fake API server (Tests/e2e/fakes/fake_kube_api.py, loopback HTTPS) with --accounts
ServiceAccounts, then `skyferry webhook` (release binary by default) with `kubernetes.apiServer` on it:
  1. memory: the webhook's VmRSS and anonymous memory once /readyz says the list is done, against the
     same webhook with ServiceAccounts disabled (nothing cached);
  2. warm cache: the open loop of bench/webhook_latency.py (--rate requests/s, --clients keep-alive TLS
     connections), every pod naming a cached ServiceAccount (a hit on each request);
  3. misses: --misses pods one after another, each naming a ServiceAccount created while the watch is
     held back, so that each costs one direct GET to the API server; against the same pods as hits.

Usage: python bench/webhook_serviceaccounts.py [--skyferry PATH] [--accounts 10000] [--rate 500] [--seconds 20]
  [--clients 4] [--misses 200]
"""

from __future__ import annotations

import http.client
import json
import os
import ssl
import sys
import tempfile
import time
import uuid
from pathlib import Path

import harness
from harness import REPO_ROOT
from webhook_latency import FIXTURE, make_certificates, review_body, run_phase

sys.path.insert(0, str(REPO_ROOT / "Tests" / "e2e"))
from fakes.fake_kube_api import FakeKubeAPI  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/shop-reader"


def start_webhook(directory: Path, api: FakeKubeAPI | None, binary: Path, port: int):
    config = directory / "webhook.yaml"
    kubernetes = (f"kubernetes: {{apiServer: {api.url}, tokenFile: {api.token_path}, caFile: {api.ca_path}}}\n"
                  if api else "kubernetes: {serviceAccounts: {enabled: false}}\n")
    config.write_text(f'listen: "127.0.0.1:{port}"\ntls: {{certFile: {directory}/tls.crt, keyFile: {directory}/tls.key}}\n'
                      "agent: {image: ghcr.io/example/skyferry:0.1.0}\n" + kubernetes)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(directory), "NO_PROXY": "127.0.0.1",
           "no_proxy": "127.0.0.1"}
    return harness.running([binary, "webhook", "--config", config, "--log-level", "warning"], env=env,
                           log=directory / f"webhook-{port}.log")


def ready(port: int, ca: str) -> bool:
    return harness.http_ok(f"https://127.0.0.1:{port}/readyz", context=ssl.create_default_context(cafile=ca))


def sequential(port: int, ca: str, pods: list[dict]) -> list[float]:
    """One keep-alive connection, one request at a time: each admission's latency."""
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=ssl.create_default_context(cafile=ca),
                                             timeout=10)
    latencies = []
    for pod in pods:
        uid = str(uuid.uuid4())
        body = review_body(pod, uid)
        start = time.perf_counter()
        connection.request("POST", "/mutate", body=body, headers={"Content-Type": "application/json"})
        answer = json.loads(connection.getresponse().read())["response"]
        latencies.append(time.perf_counter() - start)
        assert answer["uid"] == uid and "patch" in answer, answer
    connection.close()
    return latencies


def main() -> int:
    parser = harness.argument_parser(__doc__)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--misses", type=int, default=200)
    args = harness.parse_arguments(parser)
    pod = json.loads(FIXTURE.read_text())
    pod["spec"]["serviceAccountName"] = "api"

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        ca = str(make_certificates(directory))
        api = FakeKubeAPI.create(directory / "kube")
        for index in range(args.accounts - 1):
            api.add(f"ns-{index % 100}", f"sa-{index}", {"skyferry.dev/aws-role-arn": ROLE})
        api.add("shop", "api", {"skyferry.dev/aws-role-arn": ROLE})
        api.up()
        rows = []
        try:
            plain_port = harness.free_port()
            with start_webhook(directory, None, args.skyferry, plain_port) as plain:
                harness.wait_until(lambda: ready(plain_port, ca), "webhook (ServiceAccounts disabled)", process=plain)
                time.sleep(1)
                rows.append(["disabled (pod annotations only)", "0", harness.memory_kib(plain.pid)])
            port = harness.free_port()
            started = time.perf_counter()
            with start_webhook(directory, api, args.skyferry, port) as server:
                harness.wait_until(lambda: ready(port, ca), "webhook /readyz", process=server, timeout=60)
                listed = time.perf_counter() - started
                time.sleep(1)
                rows.append(["enabled, list done", f"{args.accounts:,}", harness.memory_kib(server.pid)])
                print(f"{args.accounts:,} ServiceAccounts listed (pages of 500) and /readyz 200 after {listed:.2f} s")
                print(harness.markdown_table(["webhook", "ServiceAccounts cached", "VmRSS", "anonymous"],
                                             [[r[0], r[1], f"{r[2].rss / 1024:.1f} MiB", f"{r[2].anonymous / 1024:.1f} MiB"]
                                              for r in rows]))

                # webhook_latency's clients send the fixture, here naming the cached ServiceAccount.
                pod_file = directory / "pod.json"
                pod_file.write_text(json.dumps(pod))
                run_phase(port, ca, args.clients, 100, 2, pod_file)  # warm-up
                latencies, errors, elapsed = run_phase(port, ca, args.clients, args.rate, args.seconds, pod_file)
                st = harness.summary(latencies).scaled(1000)
                print(f"warm cache: {st.n} requests at {args.rate:.0f}/s target ({st.n / elapsed:.0f}/s achieved), "
                      f"{errors} errors")
                print(harness.markdown_table(["rate", "p50", "p90", "p99", "max"],
                                             [[f"{args.rate:.0f}/s", *st.cells(("median", "p90", "p99", "max"), "{:.2f} ms")]],
                                             align="rrrrr"))

                hits = sequential(port, ca, [pod] * args.misses)
                api.pause_watches()
                fresh = []
                for index in range(args.misses):
                    name = f"fresh-{index}"
                    api.add("shop", name, {"skyferry.dev/aws-role-arn": ROLE})
                    fresh.append(json.loads(json.dumps(pod)))
                    fresh[-1]["spec"]["serviceAccountName"] = name
                misses = sequential(port, ca, fresh)
                api.pause_watches(False)
                h, m = harness.summary(hits).scaled(1000), harness.summary(misses).scaled(1000)
                print(harness.markdown_table(["one at a time", "n", "p50", "p99", "max"], [
                    ["cache hit", h.n, *h.cells(("median", "p99", "max"), "{:.2f} ms")],
                    ["cache miss (direct GET)", m.n, *m.cells(("median", "p99", "max"), "{:.2f} ms")]]))
                print(f"a miss costs {m.median - h.median:.2f} ms more at the median")
        finally:
            api.down()
    return 0


if __name__ == "__main__":
    sys.exit(main())
