"""Start-up cost of the release binary: `skyferry version` CPU time, and exec -> /readyz 200.

  1. `skyferry version`, N runs: wall time and user+system CPU time of each child (getrusage);
  2. `skyferry agent` with the health server against the fake STS on 127.0.0.1: time from exec until
     GET /readyz answers 200 (the first exchange done and its output written), polled every 5 ms;
     N runs, each a fresh process and a fresh output directory.

Usage: python bench/startup.py [--skyferry PATH] [--runs 20]
Prints a markdown table (median, p90, min).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "Tests" / "e2e"))
sys.path.insert(0, str(REPO / "bench"))
from fakes.fake_sts import FakeSTS, success  # noqa: E402
from idle_agent import free_port, jwt  # noqa: E402

ENV = dict(os.environ, HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9",
           NO_PROXY="127.0.0.1,localhost")
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def version_runs(binary: str, runs: int) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for _ in range(runs):
        cpu_before, start = children_cpu(), time.perf_counter()
        subprocess.run([binary, "version"], check=True, stdout=subprocess.DEVNULL, env=ENV)
        walls.append(time.perf_counter() - start)
        cpus.append(children_cpu() - cpu_before)
    return walls, cpus


def ready_once(binary: str, work: Path, sts: FakeSTS) -> float:
    health = free_port()
    (work / "token").write_text(jwt())
    (work / "config.yaml").write_text(f"""
source: {{tokenFile: {work / 'token'}}}
targets:
  - name: s3
    aws: {{roleArn: "arn:aws:iam::123456789012:role/bench", stsEndpoint: "{sts.url}"}}
    outputs: {{awsCredentialsFile: {{path: {work / 'out' / 'credentials'}}}}}
health: {{listen: "127.0.0.1:{health}"}}
""")
    start = time.perf_counter()
    process = subprocess.Popen([binary, "agent", "--config", str(work / "config.yaml"), "--log-level", "warning"],
                               env=ENV, stdout=subprocess.DEVNULL, stderr=open(work / "agent.log", "w"))
    try:
        while time.perf_counter() - start < 15:
            try:
                with NO_PROXY.open(f"http://127.0.0.1:{health}/readyz", timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - start
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.005)
        raise SystemExit("agent not ready in 15 s:\n" + (work / "agent.log").read_text())
    finally:
        process.terminate()
        process.wait(5)


def row(name: str, values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
    return f"| {name} | {statistics.median(ms):.1f} | {p90:.1f} | {ms[0]:.1f} |"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skyferry",
                        default=os.environ.get("SKYFERRY_BIN", str(REPO / ".build" / "release" / "skyferry")))
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    walls, cpus = version_runs(args.skyferry, args.runs)
    ready = []
    with FakeSTS() as sts, tempfile.TemporaryDirectory() as tmp:
        sts.script(success(duration_seconds=3600))
        for index in range(args.runs):
            work = Path(tmp) / str(index)
            work.mkdir()
            ready.append(ready_once(args.skyferry, work, sts))

    print(f"### Start-up ({args.runs} runs each, `{args.skyferry}`)\n")
    print("| measure | median ms | p90 ms | min ms |\n|---|---:|---:|---:|")
    print(row("`skyferry version` wall", walls))
    print(row("`skyferry version` CPU (user+sys)", cpus))
    print(row("exec → `/readyz` 200 (one STS exchange, file written)", ready))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
