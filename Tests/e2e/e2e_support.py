"""Plain helpers shared by the end-to-end tests: configs, running the binary, reading its output."""

from __future__ import annotations

import configparser
import dataclasses
import json
import os
import re
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

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
    if isinstance(value, int):
        return str(value)
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
