"""Plain helpers shared by the end-to-end tests: configs, running the binary, reading its output."""

from __future__ import annotations

import configparser
import dataclasses
import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/reader"
SESSION_NAME = "skyferry-test"
TARGET_NAME = "shop-s3"
SUBJECT = "system:serviceaccount:shop:api"
AUDIENCE = "sts.amazonaws.com"

# Short knobs for tests that make the agent retry or time out (see the contract's `refresh:` key).
REQUEST_TIMEOUT_SECONDS = 2
RETRY_DEADLINE_SECONDS = 6
FAST_REFRESH = {
    "requestTimeoutSeconds": REQUEST_TIMEOUT_SECONDS,
    "retryDeadlineSeconds": RETRY_DEADLINE_SECONDS,
}
# Worst case for a run that gives up: the deadline, one more request timeout, process start-up.
GIVE_UP_BOUND_SECONDS = RETRY_DEADLINE_SECONDS + REQUEST_TIMEOUT_SECONDS + 3
SUBPROCESS_TIMEOUT_SECONDS = 60

# Every request that is not for 127.0.0.1/localhost hits a dead port (shared/reference/peers.md).
PROXY_SAFETY_NET = {
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost",
    # libcurl reads only the lower-case http_proxy; set both spellings of each.
    "https_proxy": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "no_proxy": "127.0.0.1,localhost",
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolated_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment built from scratch: no inherited AWS settings, fresh HOME, the proxy net."""
    home.mkdir(parents=True, exist_ok=True)
    aws_config = home / "aws-config"
    aws_config.touch()
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(home),
        "TMPDIR": str(home),
        "AWS_CONFIG_FILE": str(aws_config),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-such-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DEFAULT_REGION": "us-east-1",
        **PROXY_SAFETY_NET,
    }
    env.update(extra)
    return env


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)  # a plain YAML number (a quoted "0.5" is a string)
    return json.dumps(str(value))  # a double-quoted YAML scalar


def to_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML for nested dicts/lists of scalars (enough for agent configs)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(item, indent + 2))
            elif isinstance(item, dict):
                lines.append(f"{pad}{key}: {{}}")
            elif isinstance(item, list):
                lines.append(f"{pad}{key}: []")
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                body = to_yaml(item, indent + 2).splitlines()
                lines.append(f"{pad}- {body[0].lstrip()}")
                lines.extend(body[1:])
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    else:
        lines.append(f"{pad}{_scalar(value)}")
    return "\n".join(lines)


def agent_config(
    token_file: Path,
    output: Path,
    endpoint: str | None,
    *,
    name: str = TARGET_NAME,
    role_arn: str = ROLE_ARN,
    session_name: str | None = SESSION_NAME,
    region: str | None = "us-east-1",
    duration_seconds: int | None = 900,
    profile: str | None = None,
    mode: str | None = None,
    refresh: dict[str, Any] | None = None,
    source: dict[str, Any] | None = None,
    outputs: dict[str, Any] | None = None,
    health_listen: str | None = None,
) -> dict[str, Any]:
    """The contract's config document for one AWS target writing one credentials file.

    `source` replaces the `tokenFile` source (see `gcp_metadata_source`); `outputs` replaces the
    target's outputs (`{}` for none, as `credential-process` allows); `health_listen` adds
    `health: {listen: …}`.
    """
    aws: dict[str, Any] = {"roleArn": role_arn}
    if region is not None:
        aws["region"] = region
    if session_name is not None:
        aws["sessionName"] = session_name
    if duration_seconds is not None:
        aws["durationSeconds"] = duration_seconds
    if endpoint is not None:
        aws["stsEndpoint"] = endpoint
    out: dict[str, Any] = {"path": str(output)}
    if profile is not None:
        out["profile"] = profile
    if mode is not None:
        out["mode"] = mode
    target: dict[str, Any] = {"name": name, "aws": aws}
    if outputs is None:
        target["outputs"] = {"awsCredentialsFile": out}
    elif outputs:
        target["outputs"] = outputs
    doc: dict[str, Any] = {
        "source": source if source is not None else {"tokenFile": str(token_file)},
        "targets": [target],
    }
    if refresh is not None:
        doc["refresh"] = refresh
    if health_listen is not None:
        doc["health"] = {"listen": health_listen}
    return doc


def gcp_metadata_source(
    endpoint: str | None,
    *,
    audience: str = AUDIENCE,
    service_account: str | None = "default",
    startup_wait_seconds: int | None = None,
) -> dict[str, Any]:
    """`source: {gcpMetadata: …}` for the config document (endpoint None: from GCE_METADATA_HOST)."""
    settings: dict[str, Any] = {"audience": audience}
    if endpoint is not None:
        settings["endpoint"] = endpoint
    if service_account is not None:
        settings["serviceAccount"] = service_account
    if startup_wait_seconds is not None:
        settings["startupWaitSeconds"] = startup_wait_seconds
    return {"gcpMetadata": settings}


def write_config(path: Path, doc: dict[str, Any] | str) -> Path:
    path.write_text(doc if isinstance(doc, str) else to_yaml(doc) + "\n")
    return path


@dataclasses.dataclass
class AgentRun:
    """The outcome of one `skyferry …` process."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    elapsed: float

    @property
    def failure_lines(self) -> list[str]:
        """stderr lines that carry the final failure report (`skyferry: …`)."""
        return [line for line in self.stderr.splitlines() if line.startswith("skyferry: ")]

    @property
    def failure_line(self) -> str:
        lines = self.failure_lines
        assert len(lines) == 1, f"expected exactly one 'skyferry: ' line on stderr, got {len(lines)}:\n{self}"
        return lines[0]

    @property
    def failure_report(self) -> str:
        """The `skyferry: …` line plus any indented continuation lines under it (e.g. a list of
        configuration problems)."""
        lines = self.stderr.splitlines()
        start = lines.index(self.failure_line)
        report = [lines[start]]
        for line in lines[start + 1 :]:
            if not line[:1].isspace():
                break
            report.append(line)
        return "\n".join(report)

    def __str__(self) -> str:
        return (
            f"$ {' '.join(self.args)}\nexit {self.returncode} after {self.elapsed:.2f}s\n"
            f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"
        )


def aws_code_pattern(code: str) -> str:
    """Regex for an AWS error code as the failure line shows it: "(AccessDenied)" or
    "(AccessDenied, HTTP 403)"."""
    return rf"\({re.escape(code)}\b"


def run(args: list[str], env: dict[str, str], timeout: float = SUBPROCESS_TIMEOUT_SECONDS) -> AgentRun:
    started = time.monotonic()
    proc = subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    return AgentRun(args, proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)


def read_credentials(path: Path, profile: str = "default") -> dict[str, str]:
    """The keys of one profile of an AWS shared-credentials file (fails if the profile is absent)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(path.read_text())
    assert parser.has_section(profile), f"no [{profile}] in {path}:\n{path.read_text()}"
    return dict(parser.items(profile))


def snapshot_dir(directory: Path) -> dict[str, tuple[bytes, int]]:
    """Name -> (content, mode) of every regular file in a directory, to compare before/after."""
    result: dict[str, tuple[bytes, int]] = {}
    for entry in sorted(directory.iterdir()):
        result[entry.name] = (entry.read_bytes() if entry.is_file() else b"<dir>", entry.stat().st_mode & 0o7777)
    return result


def google_verifier(metadata: Any) -> Any:
    """What AWS STS checks for a Google ID token from `metadata` (a FakeMetadata): Google's
    signature, iss, aud = sts.amazonaws.com, exp. Returns a fakes.fake_sts.JWTVerifier."""
    from fakes.fake_metadata import GOOGLE_ISSUER
    from fakes.fake_sts import JWTVerifier

    return JWTVerifier(metadata.jwks(), audiences={AUDIENCE}, issuers={GOOGLE_ISSUER})


# --- long-running agents ------------------------------------------------------------------------


def wait_until(predicate: Callable[[], T], timeout: float, interval: float = 0.05, what: str = "condition",
               context: Callable[[], str] = lambda: "") -> T:
    """Poll `predicate` until it returns something truthy (returned); fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {what}\n{context()}")
        time.sleep(interval)


def http_get(url: str, timeout: float = 2) -> tuple[int, str]:
    """(status, body) of a GET on a loopback URL, never through a proxy; (0, error) if unreachable."""
    status, _headers, body = http_request(url, timeout=timeout)
    return status, body


def http_request(url: str, headers: dict[str, str] | None = None, method: str = "GET",
                 timeout: float = 5) -> tuple[int, dict[str, str], str]:
    """(status, response headers with lower-cased names, body) of a request to a loopback URL, with
    exactly the given request headers (plus urllib's Host, User-Agent, Accept-Encoding), never through
    a proxy; (0, {}, error) if unreachable."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with opener.open(request, timeout=timeout) as response:
            return (response.status, {k.lower(): v for k, v in response.headers.items()},
                    response.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return 0, {}, str(error)


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Prometheus text exposition -> {(name, labels): value}; comments skipped."""
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        assert match, f"not a Prometheus sample line: {line!r}"
        name, labels, value = match.groups()
        samples[(name, frozenset(_LABEL.findall(labels or "")))] = float(value)
    return samples


def metric(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


class AgentProcess:
    """A long-running `skyferry agent` (no --once); logs go to files so they can be read live."""

    def __init__(self, args: list[str], env: dict[str, str], log_dir: Path, health: str | None = None) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.args = args
        self.stdout_path = log_dir / "agent.stdout"
        self.stderr_path = log_dir / "agent.stderr"
        self.health = health  # "127.0.0.1:PORT" or None
        self.started = time.monotonic()
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def describe(self) -> str:
        state = "running" if self.alive() else f"exited {self.process.returncode}"
        return (f"$ {' '.join(self.args)}\n{state} after {time.monotonic() - self.started:.1f}s\n"
                f"--- stderr ---\n{self.stderr}")

    def wait_for(self, predicate: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
        def check() -> T:
            if not self.alive():
                raise AssertionError(f"agent exited while waiting for {what}\n{self.describe()}")
            return predicate()

        return wait_until(check, timeout, interval, what, self.describe)

    def wait_for_log(self, text: str, timeout: float) -> str:
        """The first stderr line containing `text`."""

        def find() -> str | None:
            return next((line for line in self.stderr.splitlines() if text in line), None)

        return self.wait_for(find, timeout, f"a log line containing {text!r}")

    def get(self, path: str) -> tuple[int, str]:
        assert self.health, "this agent has no health listener"
        return http_get(f"http://{self.health}{path}")

    def metrics(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        status, body = self.get("/metrics")
        assert status == 200, f"/metrics answered {status}: {body}"
        return parse_metrics(body)

    def signal(self, signum: int = signal.SIGTERM, timeout: float = 10) -> tuple[int, float]:
        """Send `signum`; (exit code, seconds until exit). Kills and fails after `timeout`."""
        started = time.monotonic()
        self.process.send_signal(signum)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"agent still running {timeout}s after signal {signum}\n{self.describe()}") from None
        return code, time.monotonic() - started

    def stop(self) -> None:
        """Make sure it is gone (by PID): SIGTERM, then SIGKILL."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def parse_expiration(text: str) -> float:
    """Unix time of an STS/credential_process Expiration ("…Z", with or without fractional seconds)."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.timestamp()
