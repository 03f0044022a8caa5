"""Source `gcpMetadata` → AWS: Google ID tokens from a (fake) GCE metadata server, verified by an STS
that checks them like AWS does, and the `awsWebIdentityTokenFile` output read by boto3 and the AWS CLI."""

from __future__ import annotations

import json
import stat
import sys
import urllib.parse

import pytest

from doctor_support import EXIT_FAILED, doctor_json, step
from e2e_support import ACCOUNT, AUDIENCE, SESSION_NAME, TARGET_NAME, google_verifier, read_credentials, snapshot_dir
from e2e_support import run as run_process
from fakes.fake_metadata import DEFAULT_EMAIL, FakeMetadata
from fakes.fake_sts import UNVERIFIABLE_TOKEN_MESSAGE, FakeSTS

EXIT_SOURCE_FAILED = 3
EXIT_STS_REJECTED = 4
EXPECTED_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/{SESSION_NAME}"
IDENTITY_PATH = "/computeMetadata/v1/instance/service-accounts/default/identity"

BOTO3_WHOAMI = """
import boto3, json
session = boto3.Session()
sts = session.client("sts")
print(json.dumps({"arn": sts.get_caller_identity()["Arn"], "method": session.get_credentials().method}))
"""


def mode_of(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def both_outputs(ws) -> dict:
    return {
        "awsCredentialsFile": {"path": str(ws.output)},
        "awsWebIdentityTokenFile": {"path": str(ws.out_dir / "token"), "mode": "0600"},
    }


def test_metadata_token_exchanged_and_cli_and_boto3_get_the_assumed_role(ws, fake_metadata, verifying_sts, moto, aws_cli):
    result = ws.agent(ws.gcp_config(fake_metadata.url, verifying_sts.url, outputs=both_outputs(ws)))
    assert result.returncode == 0, result

    # What the metadata server was asked, and that the STS really verified its token.
    [request] = fake_metadata.identity_requests
    assert request.path == IDENTITY_PATH
    assert request.query == {"audience": AUDIENCE, "format": "full"}
    assert request.headers.get("metadata-flavor") == "Google"
    assert "x-forwarded-for" not in request.headers
    assert len(verifying_sts.arwwi_requests) == 1 and verifying_sts.rejections == []
    assert verifying_sts.arwwi_requests[0].form["WebIdentityToken"] == fake_metadata.tokens[-1]

    # The web-identity token output is the raw JWT: no newline, owner-only.
    token_file = ws.out_dir / "token"
    assert token_file.read_bytes() == fake_metadata.tokens[-1].encode()
    assert mode_of(token_file) == 0o600
    assert mode_of(ws.output) == 0o600
    assert sorted(p.name for p in ws.out_dir.iterdir()) == ["credentials", "token"], "left temporary files behind"

    creds = read_credentials(ws.output)
    assert creds["aws_access_key_id"] == verifying_sts.issued[-1].access_key_id

    env = ws.client_env(ws.output, moto.url)
    cli = run_process([aws_cli, "sts", "get-caller-identity", "--output", "json"], env, timeout=60)
    assert cli.returncode == 0, cli
    assert json.loads(cli.stdout)["Arn"] == EXPECTED_ARN

    py = run_process([sys.executable, "-c", BOTO3_WHOAMI], env, timeout=60)
    assert py.returncode == 0, py
    assert json.loads(py.stdout) == {"arn": EXPECTED_ARN, "method": "shared-credentials-file"}


def test_boto3_and_cli_use_the_web_identity_token_file_output(ws, fake_metadata, verifying_sts, aws_cli):
    """AWS_WEB_IDENTITY_TOKEN_FILE pointing at the agent's output: the SDKs exchange it themselves at
    the verifying STS (which accepts it: it is the Google token, unmodified)."""
    token_file = ws.out_dir / "token"
    result = ws.agent(ws.gcp_config(fake_metadata.url, verifying_sts.url,
                                    outputs={"awsWebIdentityTokenFile": {"path": str(token_file), "mode": "0600"}}))
    assert result.returncode == 0, result
    assert token_file.read_bytes() == fake_metadata.tokens[-1].encode()
    assert not ws.output.exists(), "only the configured output may be written"

    env = dict(ws.env)
    env.update(
        AWS_WEB_IDENTITY_TOKEN_FILE=str(token_file),
        AWS_ROLE_ARN=f"arn:aws:iam::{ACCOUNT}:role/reader",
        AWS_ROLE_SESSION_NAME="webid-sdk",
        AWS_ENDPOINT_URL_STS=verifying_sts.url,  # not --endpoint-url: the credential provider ignores it
    )
    expected = f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/webid-sdk"
    py = run_process([sys.executable, "-c", BOTO3_WHOAMI], env, timeout=60)
    assert py.returncode == 0, py
    assert json.loads(py.stdout) == {"arn": expected, "method": "assume-role-with-web-identity"}

    cli = run_process([aws_cli, "sts", "get-caller-identity", "--output", "json"], env, timeout=60)
    assert cli.returncode == 0, cli
    assert json.loads(cli.stdout)["Arn"] == expected

    # The agent's exchange, then one per SDK process, each verified; nothing went around the fake.
    arwwi = verifying_sts.arwwi_requests
    assert len(arwwi) == 3 and verifying_sts.rejections == []
    assert {r.form["WebIdentityToken"] for r in arwwi} == {fake_metadata.tokens[-1]}
    assert {r.form["RoleSessionName"] for r in arwwi[1:]} == {"webid-sdk"}


@pytest.mark.parametrize(
    "token_mode, message",
    [
        ("tampered", UNVERIFIABLE_TOKEN_MESSAGE),
        ("wrong-key", UNVERIFIABLE_TOKEN_MESSAGE),
        ("wrong-aud", "Incorrect token audience"),
    ],
    ids=["tampered", "wrong-key", "wrong-aud"],
)
def test_token_the_sts_cannot_verify_exits_4(ws, metadata_key, token_mode, message):
    before = snapshot_dir(ws.out_dir)
    with FakeMetadata(key=metadata_key, token_mode=token_mode) as metadata, \
            FakeSTS(verifier=google_verifier(metadata)) as sts:
        result = ws.agent(ws.gcp_config(metadata.url, sts.url, outputs=both_outputs(ws)))
        assert result.returncode == EXIT_STS_REJECTED, result
        assert TARGET_NAME in result.failure_line
        assert "(InvalidIdentityToken" in result.failure_line
        assert message in result.failure_line
        assert sts.issued == [] and 1 <= len(sts.rejections) <= 2  # at most one retry with a fresh token
    assert snapshot_dir(ws.out_dir) == before, "nothing may be written when the exchange is rejected"


def test_expired_token_from_the_metadata_server_fails_before_sts(ws, metadata_key, fake_sts):
    with FakeMetadata(key=metadata_key, token_mode="expired") as metadata:
        result = ws.agent(ws.gcp_config(metadata.url, fake_sts.url))
    assert result.returncode == EXIT_SOURCE_FAILED, result
    assert "expir" in result.failure_line.lower()
    assert fake_sts.requests == []


@pytest.mark.parametrize("not_ready_mode", ["refuse", "503"])
def test_metadata_server_down_longer_than_startup_wait_fails_clearly(ws, metadata_key, fake_sts, not_ready_mode):
    wait = 3
    with FakeMetadata(key=metadata_key, not_ready_seconds=120, not_ready_mode=not_ready_mode) as metadata:
        result = ws.agent(ws.gcp_config(metadata.url, fake_sts.url, startup_wait_seconds=wait), timeout=30)
        authority = metadata.authority
    assert result.returncode == EXIT_SOURCE_FAILED, result
    assert result.failure_line.startswith(
        f'skyferry: target "{TARGET_NAME}": reading the identity token failed: '
        f"the GCE metadata server at {authority} did not answer within {wait} s"
    ), result.failure_line
    assert fake_sts.requests == []
    assert not ws.output.exists()
    # It waited for the metadata server as long as configured (and not much longer).
    assert wait - 0.3 <= result.elapsed <= wait + 3, f"gave up after {result.elapsed:.2f}s (startupWaitSeconds {wait})"


def test_doctor_asks_a_metadata_server_that_is_not_ready_once_and_says_so(ws, metadata_key, fake_sts):
    # The doctor makes one request (no startup wait), so its message must not claim a wait it never made.
    with FakeMetadata(key=metadata_key, not_ready_seconds=120, not_ready_mode="503") as metadata:
        result, report = doctor_json(ws, ws.gcp_config(metadata.url, fake_sts.url, startup_wait_seconds=30))
        authority = metadata.authority
    assert result.returncode == EXIT_FAILED, result
    source = step(report, "source")
    assert source["status"] == "fail", source
    assert source["detail"].startswith(
        f"the GCE metadata server at {authority} is not ready (one request, last: HTTP 503)."
    ), source["detail"]
    assert "within" not in source["detail"]
    assert result.elapsed < 15, f"the doctor took {result.elapsed:.2f}s"
    assert fake_sts.requests == []


@pytest.mark.parametrize("not_ready_mode", ["refuse", "503"])
def test_metadata_server_ready_after_two_seconds_is_waited_for(ws, metadata_key, fake_sts, not_ready_mode):
    with FakeMetadata(key=metadata_key, not_ready_seconds=2, not_ready_mode=not_ready_mode) as metadata:
        result = ws.agent(ws.gcp_config(metadata.url, fake_sts.url, startup_wait_seconds=15), timeout=30)
        assert result.returncode == 0, result
        assert 1.9 <= result.elapsed <= 8, f"took {result.elapsed:.2f}s"
        assert len(metadata.tokens) == 1
        if not_ready_mode == "503":
            assert len(metadata.identity_requests) >= 2, "the 503s must have been retried"
    assert fake_sts.requests[0].form["WebIdentityToken"] == metadata.tokens[0]
    assert read_credentials(ws.output)["aws_access_key_id"] == fake_sts.issued[-1].access_key_id


@pytest.mark.parametrize(
    "status, service_account",
    [(404, "nobody@fake-project.iam.gserviceaccount.com"), (403, "default"), (400, "default")],
    ids=["404-unknown-service-account", "403", "400"],
)
def test_metadata_refusal_fails_at_once(ws, metadata_key, fake_sts, status, service_account):
    override = None if status == 404 else status
    with FakeMetadata(key=metadata_key, status_override=override) as metadata:
        result = ws.agent(ws.gcp_config(metadata.url, fake_sts.url, startup_wait_seconds=15,
                                        service_account=service_account))
        assert len(metadata.identity_requests) == 1, "a refusal must not be retried"
    assert result.returncode == EXIT_SOURCE_FAILED, result
    assert f"HTTP {status}" in result.failure_line
    assert result.elapsed < 3, f"took {result.elapsed:.2f}s"
    assert fake_sts.requests == []


def test_named_service_account_is_requested(ws, fake_metadata, fake_sts):
    result = ws.agent(ws.gcp_config(fake_metadata.url, fake_sts.url, service_account=DEFAULT_EMAIL))
    assert result.returncode == 0, result
    [request] = fake_metadata.identity_requests
    # The binary percent-encodes "@" (%40); Google's own clients send it as is. Both are valid paths.
    assert urllib.parse.unquote(request.path) == f"/computeMetadata/v1/instance/service-accounts/{DEFAULT_EMAIL}/identity"


def test_gce_metadata_host_is_used_without_an_endpoint(ws, fake_metadata, fake_sts):
    env = ws.env | {"GCE_METADATA_HOST": fake_metadata.authority}
    result = ws.agent(ws.gcp_config(None, fake_sts.url, startup_wait_seconds=2), env=env)
    assert result.returncode == 0, result
    assert len(fake_metadata.identity_requests) == 1
