"""Footprint of the long-running sidecar: idle resident memory, CPU time per refresh, idle wake-ups.

Runs the release `skyferry agent` (no --once) with the health server, against the fake STS on
127.0.0.1, and reads /proc:
  1. idle:    credentials lasting 1 h, so nothing is due. VmRSS after 10 s; then voluntary + involuntary
              context switches of all threads over 60 s (wake-ups per minute).
  2. refresh: credentials lasting 20 s (refresh every ~10 s); CPU time (utime+stime) per refresh over ~60 s.

Usage: python bench/idle_agent.py [--skyferry PATH] [--idle-seconds 60] [--refresh-seconds 60]
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness
from harness import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "Tests" / "e2e"))
from fakes.fake_sts import FakeSTS, success  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def jwt() -> str:
    def seg(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    now = int(time.time())
    return seg({"alg": "RS256", "kid": "k"}) + "." + seg({"iss": "https://oidc.example", "sub": "system:serviceaccount:b:b",
                                                          "aud": "sts.amazonaws.com", "iat": now, "exp": now + 86400}) + ".c2ln"


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
    env = dict(os.environ, HTTPS_PROXY=harness.DEAD_PROXY, HTTP_PROXY=harness.DEAD_PROXY, NO_PROXY="127.0.0.1,localhost")
    log = work / "agent.log"
    process = harness.start_process([binary, "agent", "--config", work / "config.yaml", "--log-level", "warning"],
                                    env=env, log=log)
    # Ready = the first credentials written; no HTTP request, so the idle figure is the agent's own.
    harness.wait_until((work / "out" / "credentials").exists, "agent (writing credentials)", timeout=15,
                       interval=0.05, process=process, log=log)
    return process


def serve_requests(health_port: int, count: int = 10) -> None:
    for _ in range(count):
        for path in ("/readyz", "/metrics"):
            status = harness.http_get(f"http://127.0.0.1:{health_port}{path}")[0]
            assert status == 200, (path, status)


def main() -> int:
    parser = harness.argument_parser(__doc__)
    parser.add_argument("--idle-seconds", type=int, default=60)
    parser.add_argument("--refresh-seconds", type=int, default=60)
    args = harness.parse_arguments(parser)

    with FakeSTS() as sts, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sts.script(success(duration_seconds=3600))
        (work / "idle").mkdir()
        health_port = harness.free_port()
        agent = start_agent(args.skyferry, work / "idle", sts, health_port)
        try:
            time.sleep(10)
            rss = harness.vm_rss_kib(agent.pid)
            serve_requests(health_port)
            time.sleep(1)
            rss_served = harness.vm_rss_kib(agent.pid)
            time.sleep(10)  # idle worker threads exit (their counts would leave the per-thread sum)
            before, cpu_before = harness.context_switches(agent.pid), harness.cpu_seconds(agent.pid)
            time.sleep(args.idle_seconds)
            wakeups = (harness.context_switches(agent.pid) - before) * 60 / args.idle_seconds
            idle_cpu = (harness.cpu_seconds(agent.pid) - cpu_before) * 60 / args.idle_seconds
            threads = harness.thread_count(agent.pid)
        finally:
            harness.stop_process(agent)

        sts.script(success(duration_seconds=20))
        (work / "refresh").mkdir()
        agent = start_agent(args.skyferry, work / "refresh", sts, harness.free_port())
        try:
            issued_before, cpu_before = len(sts.issued), harness.cpu_seconds(agent.pid)
            time.sleep(args.refresh_seconds)
            refreshes = len(sts.issued) - issued_before
            cpu_per_refresh_ms = (harness.cpu_seconds(agent.pid) - cpu_before) * 1000 / max(refreshes, 1)
        finally:
            harness.stop_process(agent)

    print("### Long-running agent footprint (release build, health server on, fake STS on 127.0.0.1)\n")
    print(harness.markdown_table(["measure", "value"], [
        ["idle VmRSS 10 s after the first refresh (no request served yet)", f"{rss / 1024:.1f} MiB"],
        ["VmRSS once the health server has answered 20 requests", f"{rss_served / 1024:.1f} MiB"],
        ["threads", threads],
        ["wake-ups (context switches, all threads) per idle minute", f"{wakeups:.0f}"],
        ["CPU per idle minute", f"{idle_cpu * 1000:.0f} ms"],
        [f"CPU per refresh (20 s credentials, {refreshes} refreshes in {args.refresh_seconds} s)",
         f"{cpu_per_refresh_ms:.1f} ms"],
    ]))
    print(f"\nNote: clock ticks are {1000 // CLOCK_TICKS} ms, so CPU figures are coarse.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
