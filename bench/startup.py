"""Start-up cost of the release binary: `skyferry version` CPU time, and exec -> /readyz 200.

  1. `skyferry version`, N runs: wall time and user+system CPU time of each child (getrusage);
  2. `skyferry agent` with the health server against the fake STS on 127.0.0.1: time from exec until
     GET /readyz answers 200 (the first exchange done and its output written), polled every 5 ms;
     N runs, each a fresh process and a fresh output directory.

Usage: python bench/startup.py [--skyferry PATH] [--runs 20] [--warmup 2]
Prints a markdown table (median, p90, min, max; percentiles as harness.PERCENTILE_NOTE says).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness
from harness import REPO_ROOT
from idle_agent import jwt

sys.path.insert(0, str(REPO_ROOT / "Tests" / "e2e"))
from fakes.fake_sts import FakeSTS, success  # noqa: E402


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def version_once(binary: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one `skyferry version`."""
    cpu_before, start = children_cpu(), time.perf_counter()
    subprocess.run([str(binary), "version"], check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start, children_cpu() - cpu_before


def ready_once(binary: Path, work: Path, sts: FakeSTS) -> float:
    """Seconds from exec until /readyz answers 200."""
    work.mkdir()
    health = harness.free_port()
    (work / "token").write_text(jwt())
    (work / "config.yaml").write_text(f"""
source: {{tokenFile: {work / 'token'}}}
targets:
  - name: s3
    aws: {{roleArn: "arn:aws:iam::123456789012:role/bench", stsEndpoint: "{sts.url}"}}
    outputs: {{awsCredentialsFile: {{path: {work / 'out' / 'credentials'}}}}}
health: {{listen: "127.0.0.1:{health}"}}
""")
    url = f"http://127.0.0.1:{health}/readyz"
    log = work / "agent.log"
    start = time.perf_counter()
    with harness.running([binary, "agent", "--config", work / "config.yaml", "--log-level", "warning"],
                         env=harness.isolated_env(work), log=log) as agent:
        harness.wait_until(lambda: harness.http_get(url, timeout=1)[0] == 200, "agent (/readyz)", timeout=15,
                           interval=0.005, process=agent, log=log)
        return time.perf_counter() - start


def main() -> int:
    parser = harness.argument_parser(__doc__, runs=True)
    parser.set_defaults(runs=20)
    args = harness.parse_arguments(parser)

    walls, cpus, ready = [], [], []
    with FakeSTS() as sts, tempfile.TemporaryDirectory(prefix="skyferry-startup-") as tmp:
        root = Path(tmp)
        env = harness.isolated_env(root)
        sts.script(success(duration_seconds=3600))
        for index in range(args.warmup + args.runs):
            wall, cpu = version_once(args.skyferry, env)
            seconds = ready_once(args.skyferry, root / str(index), sts)
            if index >= args.warmup:
                walls.append(wall)
                cpus.append(cpu)
                ready.append(seconds)

    print(f"### Start-up ({args.runs} runs each after {args.warmup} discarded, `{args.skyferry}`)\n")
    print(f"{harness.skyferry_version(args.skyferry, env)}; {harness.machine()}\n")
    fields = ("median", "p90", "min", "max")
    print(harness.markdown_table(["measure", "median ms", "p90 ms", "min ms", "max ms"], [
        ["`skyferry version` wall", *harness.summary(walls).scaled(1000).cells(fields)],
        ["`skyferry version` CPU (user+sys)", *harness.summary(cpus).scaled(1000).cells(fields)],
        ["exec → `/readyz` 200 (one STS exchange, file written)", *harness.summary(ready).scaled(1000).cells(fields)],
    ]))
    print(f"\n{harness.PERCENTILE_NOTE} CPU time comes from getrusage (kernel accounting, ms resolution or better).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
