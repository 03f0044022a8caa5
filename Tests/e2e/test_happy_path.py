"""The agent exchanges the token at moto, and real AWS clients accept the file it writes."""

from __future__ import annotations

import json
import stat
import sys

from e2e_support import ACCOUNT, SESSION_NAME, read_credentials
from e2e_support import run as run_process

EXPECTED_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/{SESSION_NAME}"

BOTO3_WHOAMI = """
import boto3, json, os
session = boto3.Session()
sts = session.client("sts", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
print(json.dumps({"arn": sts.get_caller_identity()["Arn"], "method": session.get_credentials().method}))
"""


def mode_of(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_aws_cli_and_boto3_get_the_assumed_role_from_the_written_file(ws, moto, aws_cli):
    result = ws.agent(ws.config(moto.url))
    assert result.returncode == 0, result
    assert result.stdout == "", "logs belong on stderr"

    creds = read_credentials(ws.output)
    assert creds["aws_access_key_id"].startswith("ASIA")
    assert creds["aws_secret_access_key"] and creds["aws_session_token"]
    assert mode_of(ws.output) == 0o600

    env = ws.client_env(ws.output, moto.url)
    cli = run_process([aws_cli, "sts", "get-caller-identity", "--output", "json"], env, timeout=60)
    assert cli.returncode == 0, cli
    assert json.loads(cli.stdout)["Arn"] == EXPECTED_ARN

    py = run_process([sys.executable, "-c", BOTO3_WHOAMI], env, timeout=60)
    assert py.returncode == 0, py
    assert json.loads(py.stdout) == {"arn": EXPECTED_ARN, "method": "shared-credentials-file"}


def test_named_profile_is_used_by_aws_cli(ws, moto, aws_cli):
    result = ws.agent(ws.config(moto.url, profile="skyferry", session_name="named-profile"))
    assert result.returncode == 0, result
    assert read_credentials(ws.output, "skyferry")["aws_access_key_id"].startswith("ASIA")

    env = ws.client_env(ws.output, moto.url) | {"AWS_PROFILE": "skyferry"}
    cli = run_process([aws_cli, "sts", "get-caller-identity", "--output", "json"], env, timeout=60)
    assert cli.returncode == 0, cli
    assert json.loads(cli.stdout)["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/named-profile"


def test_configured_mode_0640_is_applied(ws, moto):
    result = ws.agent(ws.config(moto.url, mode="0640"))
    assert result.returncode == 0, result
    assert mode_of(ws.output) == 0o640
    assert read_credentials(ws.output)["aws_access_key_id"].startswith("ASIA")


def test_a_second_run_replaces_the_file_with_fresh_credentials(ws, moto):
    config = ws.config(moto.url)
    first = ws.agent(config)
    assert first.returncode == 0, first
    before = read_credentials(ws.output)

    second = ws.agent(config)
    assert second.returncode == 0, second
    after = read_credentials(ws.output)
    assert after["aws_access_key_id"] != before["aws_access_key_id"]
    assert mode_of(ws.output) == 0o600
    assert sorted(p.name for p in ws.out_dir.iterdir()) == ["credentials"], "left temporary files behind"
