"""The long-running agent's `awsContainerEndpoint` output, consumed by boto3 and the AWS CLI through
`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (peers.md §2b):
GetCallerIdentity at moto, 401/403/404/503, one long-lived boto3 client across rotations of 20 s
credentials, `skyferry probe`, `SKYFERRY_CONFIG_YAML`, `agent --once` refusing endpoint outputs, the
token file, and no secrets in a trace log.
"""

from __future__ import annotations

import json
import re
import socket
import stat
import sys
import time
from pathlib import Path

import pytest

from e2e_support import (
    ACCOUNT,
    SESSION_NAME,
    TARGET_NAME,
    free_port,
    http_request,
    parse_expiration,
    run,
    to_yaml,
    agent_config,
)
from fakes.fake_sts import hang, success

MARGIN = 3
CREDENTIALS_PATH = f"/v1/credentials/{TARGET_NAME}"
ROTATION_SECONDS = 20  # the fake STS's credential lifetime in the rotation test
CLIENT_SECONDS = 46  # how long the one boto3 client keeps calling (refresh at ~10 s of 20 s: >= 4 keys)


class Endpoint:
    """One agent with a container endpoint and a health listener."""

    def __init__(self, ws, sts_url: str, *, refresh: dict | None = None, token_mode: str | None = None,
                 extra: tuple[str, ...] = (), via_env: bool = False, server: dict | None = None) -> None:
        self.ws = ws
        self.listen = f"127.0.0.1:{free_port()}"
        self.health = f"127.0.0.1:{free_port()}"
        self.token_file = ws.root / "agent-token"
        output: dict = {"listen": self.listen, "authTokenFile": str(self.token_file)}
        if token_mode is not None:
            output["authTokenFileMode"] = token_mode
        doc = agent_config(ws.token_file, ws.output, sts_url, outputs={"awsContainerEndpoint": output},
                           refresh=refresh, health_listen=self.health)
        if server is not None:
            doc["server"] = server
        self.config_text = to_yaml(doc) + "\n"
        if via_env:
            env = dict(ws.env, SKYFERRY_CONFIG_YAML=self.config_text)
            self.agent = ws.start_agent(None, *extra, health=self.health, env=env)
        else:
            self.agent = ws.start_agent(ws.raw_config(self.config_text), *extra, health=self.health)
        self.agent.wait_for(lambda: self.agent.get("/healthz")[0] == 200, 15, "/healthz to answer 200")
        self.agent.wait_for(lambda: self.token_file.exists(), 5, "the auth token file")

    @property
    def url(self) -> str:
        return f"http://{self.listen}{CREDENTIALS_PATH}"

    @property
    def auth_token(self) -> str:
        return self.token_file.read_text()

    def get(self, path: str = CREDENTIALS_PATH, authorization: str | None = "<the token>") -> tuple[int, dict, str]:
        headers = {}
        if authorization == "<the token>":
            headers["Authorization"] = self.auth_token
        elif authorization is not None:
            headers["Authorization"] = authorization
        return http_request(f"http://{self.listen}{path}", headers)

    def wait_ready(self, timeout: float = 15) -> dict:
        def fetch():
            status, _, body = self.get()
            return json.loads(body) if status == 200 else None

        return self.agent.wait_for(fetch, timeout, "the container endpoint to serve credentials")

    def client_env(self, endpoint_url: str, token_file: Path | None = None) -> dict[str, str]:
        env = dict(self.ws.env)
        env.update({
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": self.url,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file or self.token_file),
            "AWS_ENDPOINT_URL": endpoint_url,
        })
        return env

    def probe(self, url: str | None = None) -> int:
        args = [str(self.ws.skyferry_bin), "probe"] + ([url] if url is not None else [])
        return run(args, self.ws.env, timeout=15).returncode


BOTO3_WHOAMI = r"""
import json, boto3
from botocore.config import Config
session = boto3.Session()
creds = session.get_credentials()
frozen = creds.get_frozen_credentials()
identity = session.client("sts", config=Config(retries={"max_attempts": 1})).get_caller_identity()
print(json.dumps({"method": creds.method, "access_key": frozen.access_key, "arn": identity["Arn"],
                  "account": identity["Account"]}))
"""

# One session and one client for the whole run, as a long-lived service holds them. botocore's
# container provider refreshes within 15 min of Expiration, i.e. before every call with 20 s
# credentials; the key each call was signed with is read from its Authorization header.
BOTO3_LONG_LIVED = r"""
import json, sys, time
import boto3
from botocore.config import Config
seconds = float(sys.argv[1])
session = boto3.Session()
client = session.client("sts", config=Config(retries={"max_attempts": 1}))
signed_with = []
client.meta.events.register("before-send.sts.*", lambda request, **kw: signed_with.append(
    request.headers["Authorization"].decode().split("Credential=")[1].split("/")[0]))
calls = []
deadline = time.time() + seconds
while time.time() < deadline:
    started = time.time()
    try:
        arn = client.get_caller_identity()["Arn"]
        calls.append({"time": started, "key": signed_with[-1], "ok": True, "arn": arn})
    except Exception as error:
        calls.append({"time": started, "key": signed_with[-1] if signed_with else None, "ok": False,
                      "error": repr(error)})
    time.sleep(0.5)
print(json.dumps({"client_id": id(client), "calls": calls, "method": session.get_credentials().method}))
"""


def assert_token_file(path: Path, mode: int = 0o600) -> str:
    data = path.read_bytes()
    assert re.fullmatch(rb"[0-9a-f]{64}", data), f"not 64 hex characters without a newline: {data!r}"
    assert stat.S_IMODE(path.stat().st_mode) == mode, oct(path.stat().st_mode)
    return data.decode()


def test_boto3_and_the_aws_cli_call_get_caller_identity_at_moto(ws, moto, aws_cli):
    endpoint = Endpoint(ws, moto.url)
    assert_token_file(endpoint.token_file)
    served = endpoint.wait_ready()
    assert set(served) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "AccountId"}, served
    assert served["AccountId"] == ACCOUNT
    assert parse_expiration(served["Expiration"]) > time.time() + 60
    assert not ws.output.exists(), "only the endpoint output is configured"
    assert endpoint.probe(f"http://{endpoint.health}/readyz") == 0

    env = endpoint.client_env(moto.url)
    cli = run([aws_cli, "sts", "get-caller-identity", "--output", "json"], env, timeout=60)
    assert cli.returncode == 0, cli
    arn = json.loads(cli.stdout)["Arn"]
    assert arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/{SESSION_NAME}", arn

    py = run([sys.executable, "-c", BOTO3_WHOAMI], env, timeout=60)
    assert py.returncode == 0, py
    whoami = json.loads(py.stdout)
    assert whoami["method"] == "container-role"
    assert whoami["access_key"] == served["AccessKeyId"]
    assert whoami["arn"] == arn and whoami["account"] == ACCOUNT


def test_missing_and_wrong_tokens_and_unknown_paths_are_refused(ws, moto):
    endpoint = Endpoint(ws, moto.url)
    endpoint.wait_ready()

    status, headers, body = endpoint.get(authorization=None)
    assert status == 401 and json.loads(body)["code"] == "Unauthorized", (status, body)
    assert headers["content-type"].startswith("application/json")
    for wrong in ["0" * 64, endpoint.auth_token[:-1], endpoint.auth_token + "0", "Bearer " + endpoint.auth_token]:
        status, _, body = endpoint.get(authorization=wrong)
        assert status == 403 and json.loads(body)["code"] == "Forbidden", (wrong, status, body)
        assert endpoint.auth_token not in body
    for path in ["/v1/credentials/other-target", "/v1/credentials/", "/", "/latest/meta-data/"]:
        status, _, body = endpoint.get(path)
        assert status == 404 and json.loads(body)["code"] == "NotFound", (path, status, body)

    # boto3 with a stale token file: the 403 reaches the caller as a credentials error.
    stale = ws.root / "stale-token"
    stale.write_text("f" * 64)
    py = run([sys.executable, "-c", BOTO3_WHOAMI], endpoint.client_env(moto.url, stale), timeout=60)
    assert py.returncode != 0, py
    assert "403" in py.stderr, py


def test_503_before_the_first_exchange_succeeds_and_probe_reports_not_ready(ws, fake_sts, closed_port_url):
    fake_sts.script(hang(30))
    endpoint = Endpoint(ws, fake_sts.url, refresh={"expiryMarginSeconds": MARGIN, "requestTimeoutSeconds": 20})
    endpoint.agent.wait_for(lambda: fake_sts.requests, 5, "the first exchange to be in flight")

    status, headers, body = endpoint.get()
    assert status == 503, (status, body)
    assert headers["content-type"].startswith("application/json")
    error = json.loads(body)
    assert set(error) == {"code", "message"} and "no credentials yet" in error["message"], error
    # Authorization is still checked first.
    assert endpoint.get(authorization=None)[0] == 401
    assert endpoint.get(authorization="nope")[0] == 403

    assert endpoint.probe(f"http://{endpoint.health}/readyz") == 1
    assert endpoint.probe(f"http://{endpoint.health}/healthz") == 0
    assert endpoint.probe(closed_port_url + "/readyz") == 1


def test_one_long_lived_boto3_client_keeps_working_across_rotations(ws, fake_sts, moto):
    fake_sts.script(success(duration_seconds=ROTATION_SECONDS))
    endpoint = Endpoint(ws, fake_sts.url, refresh={"expiryMarginSeconds": MARGIN})
    endpoint.wait_ready()

    py = run([sys.executable, "-c", BOTO3_LONG_LIVED, str(CLIENT_SECONDS)], endpoint.client_env(moto.url),
             timeout=CLIENT_SECONDS + 60)
    assert py.returncode == 0, py
    outcome = json.loads(py.stdout)
    calls = outcome["calls"]
    assert outcome["method"] == "container-role"
    failed = [c for c in calls if not c["ok"]]
    assert not failed, failed[:3]
    assert len(calls) >= CLIENT_SECONDS, len(calls)

    issued = {c.access_key_id: parse_expiration(c.expiration) for c in fake_sts.issued}
    keys: list[str] = []
    for call in calls:
        assert call["key"] in issued, f"signed with a key the STS never issued: {call}"
        assert issued[call["key"]] > call["time"], f"signed with expired credentials: {call}"
        if not keys or keys[-1] != call["key"]:
            keys.append(call["key"])
    assert len(keys) == len(set(keys)), f"went back to an older key: {keys}"
    assert len(keys) >= 4, f"the one client used only {len(keys)} keys (need >= 3 rotations):\n{endpoint.agent.describe()}"
    assert endpoint.agent.alive()


def test_config_from_skyferry_config_yaml_and_a_custom_token_file_mode(ws, moto):
    endpoint = Endpoint(ws, moto.url, token_mode="0640", via_env=True)
    assert "--config" not in endpoint.agent.args
    assert_token_file(endpoint.token_file, 0o640)
    assert endpoint.wait_ready()["AccountId"] == ACCOUNT
    assert endpoint.probe(f"http://{endpoint.health}/readyz") == 0


def test_a_restart_writes_a_new_token_and_the_old_one_is_refused(ws, moto):
    first = Endpoint(ws, moto.url)
    first.wait_ready()
    old = first.auth_token
    first.agent.stop()
    second = Endpoint(ws, moto.url)
    second.wait_ready()
    assert second.auth_token != old
    assert second.get(authorization=old)[0] == 403


def test_agent_once_refuses_an_endpoint_output(ws, moto):
    output = {"listen": f"127.0.0.1:{free_port()}", "authTokenFile": str(ws.root / "agent-token")}
    result = ws.agent(ws.config(moto.url, outputs={"awsContainerEndpoint": output}))
    assert result.returncode == 2, result
    assert "awsContainerEndpoint" in result.failure_line and "--once" in result.failure_line, result
    assert not (ws.root / "agent-token").exists()


def test_no_secrets_in_a_trace_log_while_clients_fetch(ws, fake_sts, moto, aws_cli):
    fake_sts.script(success(duration_seconds=12))
    endpoint = Endpoint(ws, fake_sts.url, refresh={"expiryMarginSeconds": MARGIN}, extra=("--log-level", "trace"))
    endpoint.wait_ready()
    env = endpoint.client_env(moto.url)
    for _ in range(2):
        assert run([aws_cli, "sts", "get-caller-identity"], env, timeout=60).returncode == 0
        assert run([sys.executable, "-c", BOTO3_WHOAMI], env, timeout=60).returncode == 0
    endpoint.get(authorization="wrong-" + endpoint.auth_token[:8])
    endpoint.get(authorization=None)
    # Across a refresh (12 s credentials: at ~6 s).
    endpoint.agent.wait_for(lambda: len(fake_sts.issued) >= 3, 25, "two refreshes")
    assert run([sys.executable, "-c", BOTO3_WHOAMI], env, timeout=60).returncode == 0

    stderr = endpoint.agent.stderr
    assert "trace" in stderr or "debug" in stderr, "trace level should log something"
    secrets = {"auth token": endpoint.auth_token, "web identity token": ws.token,
               "token signature": ws.token.rsplit(".", 1)[-1]}
    for n, creds in enumerate(fake_sts.issued):
        secrets[f"secret key {n}"] = creds.secret_access_key
        secrets[f"session token {n}"] = creds.session_token
    for name, value in secrets.items():
        assert value and value not in stderr, f"{name} appears in the agent's log"
        assert value not in endpoint.agent.stdout, f"{name} appears on the agent's stdout"


def test_a_taken_port_is_named_with_what_to_do(ws, moto):
    """Another container of the pod already listening on the endpoint's port: the agent exits and says where."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        listen = f"127.0.0.1:{taken.getsockname()[1]}"
        output = {"listen": listen, "authTokenFile": str(ws.root / "agent-token")}
        agent = ws.start_agent(ws.raw_config(to_yaml(agent_config(ws.token_file, ws.output, moto.url,
                                                                  outputs={"awsContainerEndpoint": output})) + "\n"))
        returncode = agent.process.wait(timeout=15)
    assert returncode != 0, agent.describe()
    assert f"cannot listen on {listen}" in agent.stderr and "another process already listens there" in agent.stderr, agent.stderr
