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

import configparser
import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterator

import harness
from harness import REPO_ROOT

ROLE_ARN = "arn:aws:iam::123456789012:role/reader"


@contextlib.contextmanager
def moto(workdir: Path, env: dict[str, str]) -> Iterator[str]:
    """A moto_server on a free 127.0.0.1 port for the block; yields its URL."""
    port = harness.free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / "moto.log"
    with harness.running([Path(sys.executable).parent / "moto_server", "-H", "127.0.0.1", "-p", port],
                         env=env, log=log, stdout=subprocess.STDOUT) as process:
        harness.wait_until(lambda: harness.http_ok(f"{url}/moto-api/"), "moto_server", timeout=30,
                           process=process, log=log)
        yield url


def make_token(path: Path) -> None:
    now = int(time.time())
    claims = {
        "iss": "https://oidc.skyferry.bench", "sub": "system:serviceaccount:shop:api",
        "aud": ["sts.amazonaws.com"], "iat": now, "nbf": now, "exp": now + 7200, "jti": str(uuid.uuid4()),
    }
    path.write_text(harness.rsa_jwt(claims, "bench")[0])


def check_output(path: Path) -> None:
    ini = configparser.ConfigParser(interpolation=None)
    ini.read_string(path.read_text())
    keys = set(ini["default"])
    missing = {"aws_access_key_id", "aws_secret_access_key", "aws_session_token"} - keys
    if missing:
        sys.exit(f"{path} lacks {sorted(missing)}")


def timed(args: list[str], env: dict[str, str], output: Path) -> float:
    output.unlink(missing_ok=True)
    elapsed = harness.time_process(args, env)
    check_output(output)
    return elapsed


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
    parser = harness.argument_parser(__doc__, runs=True)
    parser.add_argument("--endpoint", help="a running moto (default: start one)")
    args = harness.parse_arguments(parser)

    with tempfile.TemporaryDirectory(prefix="skyferry-bench.") as tmp, contextlib.ExitStack() as peers:
        workdir = Path(tmp)
        env = harness.isolated_env(workdir)
        endpoint = args.endpoint or peers.enter_context(moto(workdir, env))
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
        cases = {
            "skyferry agent --once": lambda: timed(sky_cmd, env, sky_out),
            "boto3 helper (python)": lambda: timed(py_cmd, env, py_out),
        }
        samples = harness.interleaved(cases, args.runs, args.warmup)
        stats = {name: harness.summary(values).scaled(1000) for name, values in samples.items()}

        print(f"\n### Time to credentials ({args.runs} interleaved runs each, fresh process per run, moto on 127.0.0.1)\n")
        print(harness.markdown_table(["command", "median (ms)", "p90 (ms)", "min (ms)", "max (ms)"],
                                     [[name, *s.cells()] for name, s in stats.items()]))
        print(f"\n{harness.PERCENTILE_NOTE}")
        sky, py = stats.values()
        print(f"\nRatio of medians (boto3 / skyferry): {py.median / sky.median:.1f}x")
        print(f"Ratio of p90s (boto3 / skyferry): {py.p90 / sky.p90:.1f}x")

        size, stripped = binary_sizes(args.skyferry, workdir)
        print(f"\nBinary {args.skyferry}: {size / 2**20:.1f} MiB", end="")
        print(f", stripped {stripped / 2**20:.1f} MiB ({stripped} bytes)" if stripped else " (could not strip)")
        linked = dynamic_swift_libraries(args.skyferry)
        if linked:
            print(f"Dynamically linked Swift/Foundation libraries (not in the size above): {', '.join(linked)}")
        print(f"Machine: {harness.machine()}, `{args.skyferry.name} version`: {harness.skyferry_version(args.skyferry, env)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
