"""Time to credentials: `skyferry agent --once` vs a boto3 helper, each a fresh process, at moto.

Both read the same token file, exchange it at the same moto STS on 127.0.0.1 and write an AWS
shared-credentials file. Runs are interleaved (alternating which goes first) after warm-up runs,
and every run's output is checked. Prints a markdown table (median, p90, min, max), the ratio of
medians, and the release binary's size, stripped and not.

Usage: python bench/time_to_credentials.py [--runs 30] [--skyferry PATH] [--endpoint URL]
  --skyferry  default: $SKYFERRY_BIN, else <repo>/.build/release/skyferry
  --endpoint  a running moto; default: start one on a free 127.0.0.1 port (stopped at exit)
"""

from __future__ import annotations

import argparse
import configparser
import os
import platform
import shutil
import socket
import statistics
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
ROLE_ARN = "arn:aws:iam::123456789012:role/reader"
RUN_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto(workdir: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    moto_server = Path(sys.executable).parent / "moto_server"
    log = (workdir / "moto.log").open("wb")
    process = subprocess.Popen(
        [str(moto_server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"moto_server exited: {(workdir / 'moto.log').read_text()}")
        try:
            opener.open(f"{url}/moto-api/", timeout=1).close()
            return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    sys.exit("moto_server did not become ready")


def make_token(path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {
        "iss": "https://oidc.skyferry.bench", "sub": "system:serviceaccount:shop:api",
        "aud": ["sts.amazonaws.com"], "iat": now, "nbf": now, "exp": now + 7200, "jti": str(uuid.uuid4()),
    }
    path.write_text(jwt.encode(claims, key, algorithm="RS256", headers={"kid": "bench"}))


def check_output(path: Path) -> None:
    ini = configparser.ConfigParser(interpolation=None)
    ini.read_string(path.read_text())
    keys = set(ini["default"])
    missing = {"aws_access_key_id", "aws_secret_access_key", "aws_session_token"} - keys
    if missing:
        sys.exit(f"{path} lacks {sorted(missing)}")


def timed(args: list[str], env: dict[str, str], output: Path) -> float:
    output.unlink(missing_ok=True)
    started = time.perf_counter()
    proc = subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{args[0]} exited {proc.returncode}:\n{proc.stderr}")
    check_output(output)
    return elapsed


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, int(-(-p * len(ordered) // 100)))
    return ordered[rank - 1]


def binary_sizes(binary: Path, workdir: Path) -> tuple[int, int | None]:
    stripped = workdir / "skyferry.stripped"
    strip = shutil.which("strip")
    if strip is None:
        return binary.stat().st_size, None
    proc = subprocess.run([strip, "-o", str(stripped), str(binary)], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        print(f"strip failed: {proc.stderr.strip()}", file=sys.stderr)
        return binary.stat().st_size, None
    return binary.stat().st_size, stripped.stat().st_size


def dynamic_swift_libraries(binary: Path) -> list[str]:
    """Swift runtime / Foundation shared libraries the binary loads (empty if static or no ldd)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    proc = subprocess.run([ldd, str(binary)], capture_output=True, text=True, timeout=60)
    names = [line.split()[0] for line in proc.stdout.splitlines() if line.strip()]
    return [n for n in names if n.startswith(("libswiftCore", "libFoundation", "lib_FoundationICU"))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--skyferry", type=Path,
        default=Path(os.environ.get("SKYFERRY_BIN", REPO_ROOT / ".build" / "release" / "skyferry")),
    )
    parser.add_argument("--endpoint", help="a running moto (default: start one)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be positive")
    if not os.access(args.skyferry, os.X_OK):
        sys.exit(f"no skyferry binary at {args.skyferry}; run `swift build -c release` or pass --skyferry")

    workdir = Path(tempfile.mkdtemp(prefix="skyferry-bench."))
    home = workdir / "home"
    home.mkdir()
    (workdir / "aws-config").touch()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": str(home),
        "AWS_CONFIG_FILE": str(workdir / "aws-config"), "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost",
        "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9", "no_proxy": "127.0.0.1,localhost",
    }
    moto = None
    try:
        if args.endpoint:
            endpoint = args.endpoint
        else:
            moto, endpoint = start_moto(workdir, env)
        token = workdir / "token.jwt"
        make_token(token)
        sky_out = workdir / "skyferry-credentials"
        py_out = workdir / "boto3-credentials"
        config = workdir / "skyferry.yaml"
        config.write_text(
            f"source:\n  tokenFile: {token}\n"
            "targets:\n  - name: bench\n    aws:\n"
            f"      roleArn: {ROLE_ARN}\n      region: us-east-1\n      sessionName: skyferry-bench\n"
            f"      stsEndpoint: {endpoint}\n"
            f"    outputs:\n      awsCredentialsFile: {{path: {sky_out}}}\n"
        )
        sky_cmd = [str(args.skyferry), "agent", "--config", str(config), "--once", "--log-level", "error"]
        py_cmd = [
            sys.executable, str(REPO_ROOT / "bench" / "boto3_write_credentials.py"),
            "--token-file", str(token), "--role-arn", ROLE_ARN, "--session-name", "boto3-bench",
            "--endpoint", endpoint, "--output", str(py_out),
        ]
        cases = {"skyferry agent --once": (sky_cmd, sky_out), "boto3 helper (python)": (py_cmd, py_out)}
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.warmup):
            for cmd, out in cases.values():
                timed(cmd, env, out)
        names = list(cases)
        for i in range(args.runs):
            for name in names if i % 2 == 0 else reversed(names):
                cmd, out = cases[name]
                samples[name].append(timed(cmd, env, out))

        print(f"\n### Time to credentials ({args.runs} interleaved runs each, fresh process per run, moto on 127.0.0.1)\n")
        print("| command | median (ms) | p90 (ms) | min (ms) | max (ms) |")
        print("|---|---:|---:|---:|---:|")
        for name, values in samples.items():
            ms = [v * 1000 for v in values]
            print(
                f"| {name} | {statistics.median(ms):.1f} | {percentile(ms, 90):.1f} | {min(ms):.1f} | {max(ms):.1f} |"
            )
        sky, py = samples[names[0]], samples[names[1]]
        print(f"\nRatio of medians (boto3 / skyferry): {statistics.median(py) / statistics.median(sky):.1f}x")
        print(f"Ratio of p90s (boto3 / skyferry): {percentile(py, 90) / percentile(sky, 90):.1f}x")

        size, stripped = binary_sizes(args.skyferry, workdir)
        print(f"\nBinary {args.skyferry}: {size / 2**20:.1f} MiB", end="")
        print(f", stripped {stripped / 2**20:.1f} MiB ({stripped} bytes)" if stripped else " (could not strip)")
        linked = dynamic_swift_libraries(args.skyferry)
        if linked:
            print(f"Dynamically linked Swift/Foundation libraries (not in the size above): {', '.join(linked)}")
        version = subprocess.run(
            [str(args.skyferry), "version"], env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS
        ).stdout.strip()
        print(f"Machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}, "
              f"`{args.skyferry.name} version`: {version or '?'}")
    finally:
        if moto is not None:
            moto.terminate()
            try:
                moto.wait(timeout=5)
            except subprocess.TimeoutExpired:
                moto.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
