"""What every benchmark in bench/ shares: statistics, tables, processes and /proc readers.

Statistics
  percentile(values, p)   p in [0, 100], linear interpolation between closest ranks (see below)
  summary(values)         Summary(n, median, p90, p99, min, max); .scaled(1000) for s → ms
  markdown_table(...)     a Markdown table (str); PERCENTILE_NOTE says how percentiles are computed

Processes (loopback only)
  argument_parser(), parse_arguments()  --skyferry [--runs --warmup], checked
  free_port(), PROXY_TO_NOWHERE, isolated_env(), default_skyferry(), require_executable(), skyferry_version()
  start_process(), stop_process(), running() (a context manager), wait_until(), http_get(), http_ok()
  time_process(args, env)           wall time of one fresh process, which must exit 0
  interleaved(cases, runs, warmup)  A/B/… runs, the order alternating from run to run

/proc (Linux; sizes in KiB)
  vm_rss_kib(pid), vm_hwm_kib(pid), smaps_rollup_kib(pid), memory_kib(pid) → Memory(rss, hwm, pss, uss, anonymous)
  cpu_seconds(pid), context_switches(pid), thread_count(pid)

Percentile definition. One definition for every number this directory publishes: linear
interpolation between closest ranks, i.e. Hyndman & Fan type 7, numpy's default
(`method="linear"`), R's default, Excel's PERCENTILE.INC and Python's
`statistics.quantiles(method="inclusive")`. For sorted x[0..n-1], h = (n - 1) * p / 100 and
percentile = x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]). Chosen because
  - its p50 is exactly `statistics.median` (the mean of the two middle values for even n), so the
    medians and ratios of medians the benchmarks have always published do not move; nearest-rank
    would have made the median the lower middle value;
  - it is monotone and continuous in p, and with the small samples of the time-to-credentials
    benches (30 runs) it does not jump a whole order statistic between neighbouring p;
  - anyone can reproduce it with numpy/R/a spreadsheet without reading this file.
Its cost: a percentile may lie between two observed values (never outside [min, max]).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import math
import os
import platform
import socket
import ssl
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

REPO_ROOT = Path(__file__).resolve().parents[1]
RUN_TIMEOUT_SECONDS = 60
PERCENTILE_NOTE = ("Percentiles by linear interpolation between closest ranks (Hyndman-Fan type 7, numpy's "
                   "default); the median is p50.")
# A proxy nobody listens on: anything that tries to leave loopback fails fast instead of reaching out.
DEAD_PROXY = "http://127.0.0.1:9"
PROXY_TO_NOWHERE = {
    "HTTPS_PROXY": DEAD_PROXY, "HTTP_PROXY": DEAD_PROXY, "NO_PROXY": "127.0.0.1,localhost",
    "https_proxy": DEAD_PROXY, "http_proxy": DEAD_PROXY, "no_proxy": "127.0.0.1,localhost",
}


# ---------------------------------------------------------------------------------------------- statistics

def percentile(values: Iterable[float], p: float) -> float:
    """The p-th percentile (0 ≤ p ≤ 100) by linear interpolation between closest ranks (type 7)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} outside [0, 100]")
    h = (len(ordered) - 1) * p / 100
    low = math.floor(h)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


@dataclass(frozen=True)
class Summary:
    n: int
    median: float
    p90: float
    p99: float
    min: float
    max: float

    def scaled(self, factor: float) -> "Summary":
        """The same summary with every value multiplied by factor (e.g. 1000 for seconds → ms)."""
        return Summary(self.n, self.median * factor, self.p90 * factor, self.p99 * factor, self.min * factor,
                       self.max * factor)

    def cells(self, fields: Sequence[str] = ("median", "p90", "min", "max"), fmt: str = "{:.1f}") -> list[str]:
        return [fmt.format(getattr(self, field)) for field in fields]


def summary(values: Iterable[float]) -> Summary:
    ordered = sorted(values)
    if not ordered:
        raise ValueError("summary of no values")
    # percentile(…, 50) equals statistics.median; the latter is used so that the median is exact.
    return Summary(len(ordered), statistics.median(ordered), percentile(ordered, 90), percentile(ordered, 99),
                   ordered[0], ordered[-1])


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]], align: str | None = None) -> str:
    """A Markdown table. align: one letter per column, l or r; default: the first left, the rest right."""
    align = align or "l" + "r" * (len(header) - 1)
    if len(align) != len(header):
        raise ValueError("one alignment letter per column")
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"row {row!r} has {len(row)} cells, the header {len(header)}")
        lines.append("| " + " | ".join(str(cell) for cell in row) + " |")
    return "\n".join(lines)


def machine() -> str:
    """CPUs, model, platform and Python, for the line under a table."""
    model = platform.machine()
    with contextlib.suppress(OSError):
        model = next((" ".join(line.split(":", 1)[1].split()) for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), model)
    return f"{os.cpu_count()} CPUs ({model}), {platform.platform()}, Python {platform.python_version()}"


# ----------------------------------------------------------------------------------------------- processes

def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def default_skyferry(debug_fallback: bool = False) -> Path:
    """$SKYFERRY_BIN, else <repo>/.build/release/skyferry (else, if asked and there is no release build, debug)."""
    if os.environ.get("SKYFERRY_BIN"):
        return Path(os.environ["SKYFERRY_BIN"])
    release = REPO_ROOT / ".build" / "release" / "skyferry"
    if debug_fallback and not release.exists():
        return REPO_ROOT / ".build" / "debug" / "skyferry"
    return release


def require_executable(binary: Path | str) -> None:
    if not os.access(binary, os.X_OK):
        sys.exit(f"no skyferry binary at {binary}; run `swift build -c release` or pass --skyferry")


def argument_parser(doc: str | None, runs: bool = False, debug_fallback: bool = False) -> argparse.ArgumentParser:
    """A parser with --skyferry (default_skyferry) and, if runs, --runs (30) and --warmup (2)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    if runs:
        parser.add_argument("--runs", type=int, default=30)
        parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--skyferry", type=Path, default=default_skyferry(debug_fallback))
    return parser


def parse_arguments(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """parse_args, then: --runs positive, --warmup not negative, --skyferry executable."""
    args = parser.parse_args()
    if getattr(args, "runs", 1) < 1:
        parser.error("--runs must be positive")
    if getattr(args, "warmup", 0) < 0:
        parser.error("--warmup must not be negative")
    require_executable(args.skyferry)
    return args


def isolated_env(workdir: Path) -> dict[str, str]:
    """PATH, a fresh HOME and empty AWS config under workdir, no EC2 metadata, PROXY_TO_NOWHERE."""
    (workdir / "home").mkdir(exist_ok=True)
    (workdir / "aws-config").touch()
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": str(workdir / "home"),
        "AWS_CONFIG_FILE": str(workdir / "aws-config"), "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "none"),
        "AWS_EC2_METADATA_DISABLED": "true", **PROXY_TO_NOWHERE,
    }


def skyferry_version(binary: Path | str, env: dict[str, str]) -> str:
    """`skyferry version`, or "?"."""
    proc = subprocess.run([str(binary), "version"], env=env, capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_SECONDS)
    return proc.stdout.strip() or "?"


def start_process(args: Sequence[str | os.PathLike], env: dict[str, str] | None = None, log: Path | None = None,
                  stdout: int | None = subprocess.DEVNULL, text: bool = False) -> subprocess.Popen:
    """A process with stdin closed and stderr to `log` (or discarded); stdout as given (PIPE, STDOUT=log…)."""
    err = log.open("wb") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen([str(a) for a in args], env=env, stdin=subprocess.DEVNULL, stderr=err,
                                stdout=err if stdout == subprocess.STDOUT else stdout, text=text)
    finally:
        if log:
            err.close()  # the child has its own descriptor


def stop_process(process: subprocess.Popen, timeout: float = 5) -> None:
    """SIGTERM, then SIGKILL if it has not exited within timeout seconds."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running(args: Sequence[str | os.PathLike], **kwargs) -> Iterator[subprocess.Popen]:
    """start_process(...) for the block, stopped at its end whatever happens."""
    process = start_process(args, **kwargs)
    try:
        yield process
    finally:
        stop_process(process)


def wait_until(ready: Callable[[], bool], what: str, timeout: float = 20, interval: float = 0.1,
               process: subprocess.Popen | None = None, log: Path | None = None) -> None:
    """Polls ready() until it is true; exits (naming `what`, with the log) on timeout or if process exits."""
    deadline = time.monotonic() + timeout
    while not ready():
        exited = process is not None and process.poll() is not None
        if exited or time.monotonic() > deadline:
            if process is not None and process.poll() is None:
                process.kill()
            detail = log.read_text(errors="replace") if log and log.exists() else ""
            sys.exit(f"{what} {'exited' if exited else f'not ready after {timeout:g} s'}\n{detail}")
        time.sleep(interval)


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy


def http_get(url: str, headers: dict[str, str] | None = None, timeout: float = 2) -> tuple[int, bytes]:
    """(status, body) of a GET without any proxy; (0, b"") if it could not be made."""
    try:
        with _OPENER.open(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as response:
            return response.status, response.read()
    except urllib.request.HTTPError as error:
        return error.code, b""
    except (OSError, http.client.HTTPException):
        return 0, b""


def http_ok(url: str, headers: dict[str, str] | None = None, context: ssl.SSLContext | None = None) -> bool:
    """True if GET url answers 200 (https with `context`)."""
    if context is None:
        return http_get(url, headers)[0] == 200
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPSConnection(parsed.hostname, parsed.port, context=context, timeout=2)
    try:
        connection.request("GET", parsed.path or "/", headers=headers or {})
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def time_process(args: Sequence[str | os.PathLike], env: dict[str, str], timeout: float = RUN_TIMEOUT_SECONDS) -> float:
    """Seconds from spawning a fresh process to its exit; exits this script if it fails."""
    args = [str(a) for a in args]
    started = time.perf_counter()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args[:3])} exited {proc.returncode}:\n{proc.stderr}")
    return elapsed


def interleaved(cases: dict[str, Callable[[], float]], runs: int, warmup: int = 2) -> dict[str, list[float]]:
    """warmup rounds of every case (discarded), then `runs` rounds, the order reversed every other round."""
    for _ in range(warmup):
        for case in cases.values():
            case()
    names = list(cases)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for i in range(runs):
        for name in names if i % 2 == 0 else reversed(names):
            samples[name].append(cases[name]())
    return samples


# ---------------------------------------------------------------------------------------------------- /proc

def _kib_fields(path: Path) -> dict[str, int]:
    fields = {}
    for line in path.read_text().splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) == 2 and parts[1] == "kB":
            fields[name] = int(parts[0])
    return fields


def vm_rss_kib(pid: int) -> int:
    """Resident set size now (VmRSS of /proc/PID/status)."""
    return _kib_fields(Path(f"/proc/{pid}/status"))["VmRSS"]


def vm_hwm_kib(pid: int) -> int:
    """Peak resident set size (VmHWM of /proc/PID/status)."""
    return _kib_fields(Path(f"/proc/{pid}/status"))["VmHWM"]


def smaps_rollup_kib(pid: int) -> dict[str, int]:
    """Every kB field of /proc/PID/smaps_rollup (Rss, Pss, Private_Clean, Private_Dirty, Anonymous, …)."""
    return _kib_fields(Path(f"/proc/{pid}/smaps_rollup"))


@dataclass(frozen=True)
class Memory:
    """KiB. uss = Private_Clean + Private_Dirty: what exiting the process would free."""
    rss: int
    hwm: int
    pss: int
    uss: int
    anonymous: int


def memory_kib(pid: int) -> Memory:
    status = _kib_fields(Path(f"/proc/{pid}/status"))
    rollup = smaps_rollup_kib(pid)
    return Memory(rss=status["VmRSS"], hwm=status["VmHWM"], pss=rollup["Pss"],
                  uss=rollup["Private_Clean"] + rollup["Private_Dirty"], anonymous=rollup["Anonymous"])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (utime + stime of /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def context_switches(pid: int) -> int:
    """Voluntary + involuntary context switches summed over the process's live threads."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        for line in (task / "status").read_text().splitlines():
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                total += int(line.split()[1])
    return total


def thread_count(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


# ------------------------------------------------------------------------------------------ test identities

def rsa_jwt(claims: dict, kid: str) -> tuple[str, dict]:
    """An RS256 JWT over claims signed by a fresh 2048-bit key, and the JWKS that verifies it."""
    import base64

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    def b64url_uint(value: int) -> str:
        return base64.urlsafe_b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()
    jwks = {"keys": [{"kty": "RSA", "alg": "RS256", "kid": kid, "n": b64url_uint(numbers.n),
                      "e": b64url_uint(numbers.e)}]}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid}), jwks
