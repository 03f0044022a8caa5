"""Memory per agent as a node pays it: N agents from one binary, SDK clients polling both endpoints.

For each N (default 1 and 8), N `skyferry agent` processes started from the same binary (so the pages
of the binary and of the shared objects are shared between them, as between the pods of one node),
each serving the AWS container endpoint and the GCE metadata emulation, with 1 h credentials from the
fake STS and the verifying fake GCP (Tests/e2e/fakes), so no refresh falls into the run. Next to each
agent one client process polls both endpoints the way the SDKs in a pod do: botocore's
ContainerProvider (AWS_CONTAINER_CREDENTIALS_FULL_URI + the authorization token file) and google-auth's
compute_engine credentials (GCE_METADATA_HOST), one fetch of each every --interval seconds. After
--warm-up seconds of polling, the agents are sampled every second for --seconds, clients still
polling (steady state, not the moment after a refresh gave pages back), and the last sample is
reported per agent from /proc/PID/status and /proc/PID/smaps_rollup:
  VmRSS      resident pages, shared ones counted in full in every process;
  peak       VmHWM, the largest VmRSS so far (start-up included);
  PSS        proportional set size: a shared page counts 1/k in each of the k processes mapping it,
             so the PSS of the N agents sums to what they occupy together; what a node pays per pod;
  USS        private pages (Private_Clean + Private_Dirty): what stopping the agent frees;
  anonymous  heap, stacks, and the binary's relocated data (copy-on-write pages): never shared.
With --breakdown, the anonymous memory of one agent is split by mapping (/proc/PID/smaps): the brk
heap, glibc's per-thread malloc arenas, thread stacks, the binary's written data, other mappings.
With --cgroup DIR (an existing cgroup v2 directory, or v1 memory controller directory, that this user
may create children in), the agents of each run go into a child cgroup and its working set is
reported as the kubelet computes it: usage minus inactive file pages. Without it no cgroup is touched.

Usage: python bench/memory.py [--skyferry PATH] [--agents 1,8] [--interval 1] [--warm-up 20] [--seconds 10]
       [--breakdown] [--cgroup DIR]
Prints a markdown table.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import harness
from harness import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "Tests" / "e2e"))
from fakes.fake_gcp import DEFAULT_AUDIENCE, FakeGCP  # noqa: E402
from fakes.fake_sts import FakeSTS, success  # noqa: E402

ISSUER = "https://oidc.bench.test"
KID = "bench-key"
SERVICE_ACCOUNT = "sa@proj.iam.gserviceaccount.com"

# One SDK client per agent: both SDKs fetch from the agent's endpoints every `interval` seconds until
# stopped; every fetch must yield credentials (else the client exits non-zero, which fails the run).
CLIENT = r"""
import os, sys, time
import botocore.credentials
import google.auth.compute_engine
import google.auth.transport.requests

interval, count_file = float(sys.argv[1]), sys.argv[2]
aws = botocore.credentials.ContainerProvider(environ=dict(os.environ))
gcp = google.auth.compute_engine.Credentials()
request = google.auth.transport.requests.Request()
calls = 0
while True:
    assert aws.load().get_frozen_credentials().access_key
    gcp.refresh(request)
    assert gcp.token
    calls += 1
    with open(count_file, "w") as f:
        f.write(str(calls))
    time.sleep(interval)
"""


@dataclass
class Agent:
    process: object
    client: object
    log: Path
    calls: Path


def agent_config(work: Path, sts: FakeSTS, gcp: FakeGCP) -> tuple[Path, dict[str, str]]:
    """The agent's configuration (both endpoints, health) and the client's environment."""
    aws_listen, gcp_listen, health = (f"127.0.0.1:{harness.free_port()}" for _ in range(3))
    config = work / "skyferry.yaml"
    config.write_text(json.dumps({  # JSON is YAML
        "source": {"tokenFile": str(work.parent / "token.jwt")},
        "targets": [
            {"name": "aws", "aws": {"roleArn": "arn:aws:iam::123456789012:role/bench", "region": "us-east-1",
                                    "stsEndpoint": sts.url},
             "outputs": {"awsContainerEndpoint": {"listen": aws_listen, "authTokenFile": str(work / "auth-token")}}},
            {"name": "gcp", "gcp": {"audience": DEFAULT_AUDIENCE, "serviceAccount": SERVICE_ACCOUNT,
                                    "stsEndpoint": gcp.sts_url, "iamEndpoint": gcp.url},
             "outputs": {"gcpMetadataServer": {"listen": gcp_listen, "projectId": "bench-project"}}},
        ],
        "health": {"listen": health},
    }))
    client_env = harness.isolated_env(work) | {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": f"http://{aws_listen}/v1/credentials/aws",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(work / "auth-token"),
        "GCE_METADATA_HOST": gcp_listen, "GCE_METADATA_IP": gcp_listen,
        "READYZ": f"http://{health}/readyz",
    }
    return config, client_env


def start_agents(binary: Path, count: int, root: Path, sts: FakeSTS, gcp: FakeGCP,
                 interval: float) -> list[Agent]:
    agents = []
    try:
        for index in range(count):
            work = root / f"agent-{index}"
            work.mkdir()
            config, client_env = agent_config(work, sts, gcp)
            log = work / "agent.log"
            process = harness.start_process([binary, "agent", "--config", config, "--log-level", "warning"],
                                            env=harness.isolated_env(work), log=log)
            agents.append(Agent(process, None, log, work / "calls"))
            harness.wait_until(lambda: harness.http_ok(client_env["READYZ"]), f"agent {index}", process=process,
                               log=log)
            agents[-1].client = harness.start_process(
                [sys.executable, "-c", CLIENT, str(interval), work / "calls"], env=client_env,
                log=work / "client.log")
    except BaseException:
        stop_agents(agents)
        raise
    return agents


def stop_agents(agents: list[Agent]) -> None:
    for agent in agents:
        if agent.client is not None:
            harness.stop_process(agent.client)
        harness.stop_process(agent.process)


def calls(agent: Agent) -> int:
    try:
        return int(agent.calls.read_text() or 0)
    except (OSError, ValueError):
        return 0


# ------------------------------------------------------------------------------------------------ cgroup

class Cgroup:
    """A child cgroup of `parent` (v2, or the v1 memory controller) holding the agents of one run."""

    def __init__(self, parent: Path, name: str) -> None:
        self.path = parent / name
        self.path.mkdir()
        self.v2 = (self.path / "memory.current").exists()

    def add(self, pid: int) -> None:
        (self.path / "cgroup.procs").write_text(str(pid))

    def working_set_kib(self) -> int:
        usage = int((self.path / ("memory.current" if self.v2 else "memory.usage_in_bytes")).read_text())
        stat = dict(line.split() for line in (self.path / "memory.stat").read_text().splitlines())
        inactive = int(stat["inactive_file" if self.v2 else "total_inactive_file"])
        return max(0, usage - inactive) // 1024

    def remove(self) -> None:
        # The processes have exited; an empty cgroup can be removed.
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)


# ---------------------------------------------------------------------------------------------- breakdown

def anonymous_breakdown(pid: int, binary: Path) -> dict[str, int]:
    """Anonymous KiB of one process by kind of mapping (/proc/PID/smaps)."""
    kinds: dict[str, int] = {}
    entries: list[tuple[int, int, str, str, int]] = []  # start, end, perms, name, anonymous
    current: list | None = None
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if "-" in head[0] and len(head) >= 5 and ":" in head[3]:
            start, end = (int(x, 16) for x in head[0].split("-"))
            current = [start, end, head[1], head[5] if len(head) > 5 else "", 0]
            entries.append(current)
        elif head[0] == "Anonymous:" and current is not None:
            current[4] = int(head[1])
    binary_name = str(binary.resolve())
    for index, (start, end, perms, name, anonymous) in enumerate(entries):
        if not anonymous:
            continue
        size = end - start
        previous = entries[index - 1] if index else None
        guarded = previous is not None and previous[2].startswith("---") and previous[1] == start
        if name == "[heap]":
            kind = "brk heap (main arena)"
        elif name == "[stack]":
            kind = "main thread stack"
        elif name == binary_name:
            kind = "the binary's written data (.data, relocated .data.rel.ro, .bss)"
        elif name.startswith("/"):
            kind = "shared objects' written data"
        elif guarded and size >= 1 << 20:
            kind = "thread stacks"
        elif start % (64 << 20) == 0 or (index + 1 < len(entries) and entries[index + 1][2].startswith("---")
                                         and entries[index + 1][0] == end
                                         and (entries[index + 1][1] - start) == 64 << 20):
            kind = "malloc arenas (per-thread heaps)"
        else:
            kind = "other anonymous mappings (large allocations, runtime)"
        kinds[kind] = kinds.get(kind, 0) + anonymous
    return kinds


# -------------------------------------------------------------------------------------------------- main

def measure(binary: Path, count: int, args, sts: FakeSTS, gcp: FakeGCP, root: Path) -> dict:
    run_root = root / f"n{count}"
    run_root.mkdir()
    (run_root / "token.jwt").write_text((root / "token.jwt").read_text())
    cgroup = Cgroup(args.cgroup, f"skyferry-memory-{os.getpid()}-{count}") if args.cgroup else None
    agents = start_agents(binary, count, run_root, sts, gcp, args.interval)
    try:
        if cgroup:
            for agent in agents:
                cgroup.add(agent.process.pid)
        time.sleep(args.warm_up)
        calls_before = [calls(a) for a in agents]
        working_sets = []
        for _ in range(max(1, int(args.seconds))):
            time.sleep(1)
            samples = [harness.memory_kib(a.process.pid) for a in agents]
            if cgroup:
                working_sets.append(cgroup.working_set_kib())
        polled = [calls(a) - before for a, before in zip(agents, calls_before)]
        threads = [harness.thread_count(a.process.pid) for a in agents]
        breakdown = anonymous_breakdown(agents[0].process.pid, binary) if args.breakdown else {}
        for agent in agents:
            if agent.process.poll() is not None or agent.client.poll() is not None:
                sys.exit(f"an agent or its client exited during the run:\n{agent.log.read_text(errors='replace')}")
        if min(polled) < 1:
            sys.exit(f"a client did not poll during the measurement: {polled}")
    finally:
        stop_agents(agents)
        if cgroup:
            cgroup.remove()
    return {"count": count, "samples": samples, "threads": threads, "polled": polled,
            "working_set": working_sets[-1] if working_sets else None, "breakdown": breakdown}


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f}"


def cell(values: list[int]) -> str:
    """The mean, with the range across agents when there are several."""
    mean = statistics.fmean(values)
    return mib(mean) if len(values) == 1 else f"{mib(mean)} ({mib(min(values))}–{mib(max(values))})"


def main() -> int:
    parser = harness.argument_parser(__doc__)
    parser.add_argument("--agents", default="1,8", help="comma-separated numbers of agents, one run each")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between a client's fetches")
    parser.add_argument("--warm-up", type=float, default=20.0, help="seconds of polling before sampling")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of sampling (one sample a second)")
    parser.add_argument("--breakdown", action="store_true", help="split one agent's anonymous memory by mapping")
    parser.add_argument("--cgroup", type=Path, help="a cgroup directory to make a child cgroup in (optional)")
    args = harness.parse_arguments(parser)
    counts = [int(n) for n in args.agents.split(",")]
    if min(counts) < 1:
        parser.error("--agents: every number must be positive")

    now = int(time.time())
    token, jwks = harness.rsa_jwt({"iss": ISSUER, "sub": "system:serviceaccount:bench:bench",
                                   "aud": ["https:" + DEFAULT_AUDIENCE], "iat": now, "exp": now + 86400}, KID)
    results = []
    with tempfile.TemporaryDirectory(prefix="skyferry-memory-") as tmp, FakeSTS() as sts, \
            FakeGCP(jwks=jwks, issuer=ISSUER, service_accounts={SERVICE_ACCOUNT}) as gcp:
        root = Path(tmp)
        sts.script(success(duration_seconds=3600))
        (root / "token.jwt").write_text(token)
        for count in counts:
            results.append(measure(args.skyferry, count, args, sts, gcp, root))

    print(f"skyferry {args.skyferry} ({harness.skyferry_version(args.skyferry, dict(os.environ))}); "
          f"{harness.machine()}; one SDK client per agent polling both endpoints every {args.interval:g} s; "
          f"sampled after {args.warm_up:g} s of polling, over {args.seconds:g} s\n")
    rows = []
    for r in results:
        samples = r["samples"]
        rows.append([r["count"], cell([s.rss for s in samples]), cell([s.hwm for s in samples]),
                     cell([s.pss for s in samples]), cell([s.uss for s in samples]),
                     cell([s.anonymous for s in samples]),
                     mib(r["working_set"] / r["count"]) if r["working_set"] is not None else "—",
                     f"{min(r['threads'])}–{max(r['threads'])}", f"{min(r['polled'])}–{max(r['polled'])}"])
    print(harness.markdown_table(
        ["agents", "VmRSS", "peak (VmHWM)", "PSS", "USS", "anonymous", "cgroup working set / agent",
         "threads", "polls per client"], rows))
    print("\nMiB per agent: the mean, (min–max) across agents.")
    for r in results:
        if r["breakdown"]:
            total = sum(r["breakdown"].values())
            print(f"\nAnonymous memory of one agent of {r['count']}: {mib(total)} MiB\n")
            print(harness.markdown_table(["mapping", "MiB"], [[kind, f"{kib / 1024:.2f}"] for kind, kib in
                                                                sorted(r["breakdown"].items(), key=lambda i: -i[1])]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
