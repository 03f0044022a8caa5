"""Footprint of the long-running sidecar: idle resident memory, CPU time per refresh, idle wake-ups.

Runs the release `skyferry agent` (no --once) with the health server, against the fake STS on
127.0.0.1, and reads /proc:
  1. idle:    credentials lasting 1 h, so nothing is due. VmRSS after 10 s; then voluntary + involuntary
              context switches of all threads over 60 s (wake-ups per minute).
  2. refresh: credentials lasting 20 s (refresh every ~10 s); CPU time (utime+stime) per refresh over ~60 s.

Usage: python bench/idle_agent.py [--skyferry PATH] [--idle-seconds 60] [--refresh-seconds 60]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "Tests" / "e2e"))
from fakes.fake_sts import FakeSTS, success  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def jwt() -> str:
    def seg(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    now = int(time.time())
    return seg({"alg": "RS256", "kid": "k"}) + "." + seg({"iss": "https://oidc.example", "sub": "system:serviceaccount:b:b",
                                                          "aud": "sts.amazonaws.com", "iat": now, "exp": now + 86400}) + ".c2ln"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def context_switches(pid: int) -> int:
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        for line in (task / "status").read_text().splitlines():
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                total += int(line.split()[1])
    return total


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def start_agent(binary: str, work: Path, sts: FakeSTS, health_port: int) -> subprocess.Popen:
    (work / "token").write_text(jwt())
    (work / "config.yaml").write_text(f"""
source: {{tokenFile: {work / 'token'}}}
targets:
  - name: s3
    aws: {{roleArn: "arn:aws:iam::123456789012:role/bench", stsEndpoint: "{sts.url}"}}
    outputs: {{awsCredentialsFile: {{path: {work / 'out' / 'credentials'}}}}}
health: {{listen: "127.0.0.1:{health_port}"}}
""")
    env = dict(os.environ, HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", NO_PROXY="127.0.0.1,localhost")
    process = subprocess.Popen([binary, "agent", "--config", str(work / "config.yaml"), "--log-level", "warning"],
                               env=env, stdout=subprocess.DEVNULL, stderr=open(work / "agent.log", "w"))
    # Ready = the first credentials written; no HTTP request, so the idle figure is the agent's own.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if (work / "out" / "credentials").exists():
            return process
        time.sleep(0.05)
    process.kill()
    raise SystemExit("agent did not write credentials:\n" + (work / "agent.log").read_text())


def serve_requests(health_port: int, count: int = 10) -> None:
    for _ in range(count):
        for path in ("/readyz", "/metrics"):
            with urllib.request.urlopen(f"http://127.0.0.1:{health_port}{path}", timeout=2) as r:
                assert r.status == 200, (path, r.status)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skyferry", default=os.environ.get("SKYFERRY_BIN", str(REPO / ".build" / "release" / "skyferry")))
    parser.add_argument("--idle-seconds", type=int, default=60)
    parser.add_argument("--refresh-seconds", type=int, default=60)
    args = parser.parse_args()

    with FakeSTS() as sts, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sts.script(success(duration_seconds=3600))
        (work / "idle").mkdir()
        health_port = free_port()
        agent = start_agent(args.skyferry, work / "idle", sts, health_port)
        try:
            time.sleep(10)
            rss = rss_kib(agent.pid)
            serve_requests(health_port)
            time.sleep(1)
            rss_served = rss_kib(agent.pid)
            time.sleep(10)  # idle worker threads exit (their counts would leave the per-thread sum)
            before, cpu_before = context_switches(agent.pid), cpu_seconds(agent.pid)
            time.sleep(args.idle_seconds)
            wakeups = (context_switches(agent.pid) - before) * 60 / args.idle_seconds
            idle_cpu = (cpu_seconds(agent.pid) - cpu_before) * 60 / args.idle_seconds
            threads = len(list(Path(f"/proc/{agent.pid}/task").iterdir()))
        finally:
            agent.terminate()
            agent.wait(5)

        sts.script(success(duration_seconds=20))
        (work / "refresh").mkdir()
        agent = start_agent(args.skyferry, work / "refresh", sts, free_port())
        try:
            issued_before, cpu_before = len(sts.issued), cpu_seconds(agent.pid)
            time.sleep(args.refresh_seconds)
            refreshes = len(sts.issued) - issued_before
            cpu_per_refresh_ms = (cpu_seconds(agent.pid) - cpu_before) * 1000 / max(refreshes, 1)
        finally:
            agent.terminate()
            agent.wait(5)

    print("### Long-running agent footprint (release build, health server on, fake STS on 127.0.0.1)\n")
    print("| measure | value |\n|---|---:|")
    print(f"| idle VmRSS 10 s after the first refresh (no request served yet) | {rss / 1024:.1f} MiB |")
    print(f"| VmRSS once the health server has answered 20 requests | {rss_served / 1024:.1f} MiB |")
    print(f"| threads | {threads} |")
    print(f"| wake-ups (context switches, all threads) per idle minute | {wakeups:.0f} |")
    print(f"| CPU per idle minute | {idle_cpu * 1000:.0f} ms |")
    print(f"| CPU per refresh (20 s credentials, {refreshes} refreshes in {args.refresh_seconds} s) | {cpu_per_refresh_ms:.1f} ms |")
    print(f"\nNote: clock ticks are {1000 // CLOCK_TICKS} ms, so CPU figures are coarse.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
