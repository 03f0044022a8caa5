"""Fixtures for driving the built `skyferry` binary against moto, the fake STS and the fake GCE
metadata server, on 127.0.0.1 only.

Environment:
  SKYFERRY_BIN   the binary under test (default: <repo>/.build/debug/skyferry)
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from e2e_support import (
    AUDIENCE,
    REPO_ROOT,
    SUBJECT,
    AgentProcess,
    AgentRun,
    agent_config,
    free_port,
    gcp_metadata_source,
    google_verifier,
    isolated_env,
    run,
    write_config,
)
from fakes.fake_metadata import FakeMetadata
from fakes.fake_sts import FakeSTS


# --- the binary --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def skyferry_bin() -> Path:
    path = Path(os.environ.get("SKYFERRY_BIN", REPO_ROOT / ".build" / "debug" / "skyferry"))
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"skyferry binary not found at {path}: run `swift build` or set SKYFERRY_BIN", pytrace=False)
    return path


# --- moto ---------------------------------------------------------------------------------------


def _venv_tool(name: str) -> str:
    """A console script from the interpreter's own venv, else from PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found; run scripts/install-deps.sh", pytrace=False)
    return found


@dataclasses.dataclass
class Moto:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, deadline_seconds: float = 30) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"moto_server exited with {process.returncode}:\n{log.read_text()}", pytrace=False)
        try:
            with opener.open(f"{url}/moto-api/", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(f"moto_server not ready at {url} after {deadline_seconds}s:\n{log.read_text()}", pytrace=False)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()  # by PID, never by name
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Moto]:
    """One moto_server (STS + S3 + IAM, no auth enforcement) for the whole session."""
    workdir = tmp_path_factory.mktemp("moto")
    log = workdir / "moto.log"
    port = free_port()
    env = isolated_env(workdir / "home", AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x")
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [_venv_tool("moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, process, log)
        yield Moto(url, port, process, log)
    finally:
        _stop(process)


# --- fake STS -----------------------------------------------------------------------------------


@pytest.fixture
def fake_sts() -> Iterator[FakeSTS]:
    """A fresh scriptable fake STS per test (answers success until scripted otherwise)."""
    with FakeSTS() as sts:
        yield sts


@pytest.fixture(scope="session")
def metadata_key() -> rsa.RSAPrivateKey:
    """The fake metadata server's signing key (its JWKS is what the verifying STS trusts)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def fake_metadata(metadata_key: rsa.RSAPrivateKey) -> Iterator[FakeMetadata]:
    """A fresh fake GCE metadata server per test, ready at once, handing out good tokens."""
    with FakeMetadata(key=metadata_key) as metadata:
        yield metadata


@pytest.fixture
def verifying_sts(fake_metadata: FakeMetadata, moto: Moto) -> Iterator[FakeSTS]:
    """An STS that verifies the metadata server's tokens like AWS, then lets moto answer (so the
    credentials work at moto); every other request is passed through to moto."""
    with FakeSTS(verifier=google_verifier(fake_metadata), relay_to=moto.url) as sts:
        yield sts


@pytest.fixture
def closed_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (connection refused)."""
    return f"http://127.0.0.1:{free_port()}"


# --- tokens -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


MakeJWT = Callable[..., str]


@pytest.fixture(scope="session")
def make_jwt(signing_key: rsa.RSAPrivateKey) -> MakeJWT:
    """make_jwt(lifetime=3600, expired=False, **claims) -> an RS256 service-account token.

    Claims mimic a Kubernetes projected token for sts.amazonaws.com; `expired=True` gives one whose
    exp is an hour in the past. Every token carries a fresh jti, so each is a unique string that
    tests can search logs for.
    """

    def factory(lifetime: int = 3600, expired: bool = False, **claims: Any) -> str:
        now = int(time.time())
        iat = now - 7200 if expired else now
        exp = now - 3600 if expired else now + lifetime
        payload: dict[str, Any] = {
            "iss": "https://oidc.skyferry.test/id/EXAMPLE0123456789",
            "sub": SUBJECT,
            "aud": [AUDIENCE],
            "iat": iat,
            "nbf": iat,
            "exp": exp,
            "jti": str(uuid.uuid4()),
            "kubernetes.io": {
                "namespace": "shop",
                "serviceaccount": {"name": "api", "uid": "8d5b4f0e-1c1d-4f6a-9a53-6f5c2b0f5e11"},
            },
        }
        payload.update(claims)
        return jwt.encode(payload, signing_key, algorithm="RS256", headers={"kid": "skyferry-test-key"})

    return factory


# --- per-test workspace -------------------------------------------------------------------------


@dataclasses.dataclass
class Workspace:
    """A fresh directory per test: token file, output directory, isolated HOME and environment."""

    root: Path
    token_file: Path
    out_dir: Path
    env: dict[str, str]
    skyferry_bin: Path
    token: str
    processes: list[AgentProcess] = dataclasses.field(default_factory=list)

    @property
    def output(self) -> Path:
        return self.out_dir / "credentials"

    @property
    def env_home(self) -> Path:
        """The isolated HOME the binary and the clients run with."""
        return Path(self.env["HOME"])

    def write_token(self, token: str) -> None:
        self.token = token
        self.token_file.write_text(token)

    def config(self, endpoint: str | None, **overrides: Any) -> Path:
        """Write the standard one-target config (see e2e_support.agent_config) and return its path."""
        doc = agent_config(self.token_file, overrides.pop("output", self.output), endpoint, **overrides)
        return write_config(self.root / "skyferry.yaml", doc)

    def raw_config(self, text: str) -> Path:
        return write_config(self.root / "skyferry.yaml", text)

    def gcp_config(self, metadata_endpoint: str | None, sts_endpoint: str | None, *,
                   startup_wait_seconds: int | None = None, service_account: str | None = "default",
                   audience: str = AUDIENCE, **overrides: Any) -> Path:
        """The one-target config with `source: gcpMetadata` (endpoint None: from GCE_METADATA_HOST)."""
        source = gcp_metadata_source(metadata_endpoint, audience=audience, service_account=service_account,
                                     startup_wait_seconds=startup_wait_seconds)
        return self.config(sts_endpoint, source=source, **overrides)

    def agent(self, config: Path, *extra: str, timeout: float = 60, env: dict[str, str] | None = None) -> AgentRun:
        """`skyferry agent --config CONFIG --once EXTRA…` with the isolated environment."""
        return run([str(self.skyferry_bin), "agent", "--config", str(config), "--once", *extra], env or self.env, timeout)

    def credential_process(self, config: Path, *extra: str, timeout: float = 60,
                           env: dict[str, str] | None = None) -> AgentRun:
        """`skyferry credential-process --config CONFIG EXTRA…` with the isolated environment."""
        return run([str(self.skyferry_bin), "credential-process", "--config", str(config), *extra], env or self.env, timeout)

    def credential_process_command(self, config: Path, *extra: str) -> str:
        """The `credential_process = …` value for an AWS config file."""
        return " ".join([str(self.skyferry_bin), "credential-process", "--config", str(config), *extra])

    def start_agent(self, config: Path | None, *extra: str, health: str | None = None,
                    env: dict[str, str] | None = None) -> AgentProcess:
        """`skyferry agent --config CONFIG EXTRA…` without --once (config None: no --config, e.g. with
        SKYFERRY_CONFIG_YAML in `env`); stopped (by PID) after the test."""
        config_args = ["--config", str(config)] if config is not None else []
        process = AgentProcess([str(self.skyferry_bin), "agent", *config_args, *extra], env if env is not None else self.env,
                               self.root / f"agent-{len(self.processes)}", health)
        self.processes.append(process)
        return process

    def client_env(self, credentials_file: Path, endpoint: str) -> dict[str, str]:
        """Environment for AWS CLI / boto3 reading the agent's file and talking to `endpoint`."""
        env = dict(self.env)
        env["AWS_SHARED_CREDENTIALS_FILE"] = str(credentials_file)
        env["AWS_ENDPOINT_URL"] = endpoint
        return env


@pytest.fixture
def ws(tmp_path: Path, skyferry_bin: Path, make_jwt: MakeJWT) -> Iterator[Workspace]:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    token_file = tmp_path / "token.jwt"
    token = make_jwt()
    token_file.write_text(token)
    workspace = Workspace(
        root=tmp_path,
        token_file=token_file,
        out_dir=out_dir,
        env=isolated_env(tmp_path / "home"),
        skyferry_bin=skyferry_bin,
        token=token,
    )
    try:
        yield workspace
    finally:
        for process in workspace.processes:
            process.stop()


@pytest.fixture(scope="session")
def aws_cli() -> str:
    return _venv_tool("aws")
