"""At `--log-level trace`, the GCP flows log no secret: not the subject token (JWT, or the signed
GetCallerIdentity and its signature), not the STS or service-account access tokens, not the AWS
secret keys, session tokens, container authorization token or IMDS session token — on success and
on the failures that carry the most context."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from e2e_support import AgentProcess, AgentRun
from fakes.fake_aws_metadata import random_credentials
from fakes.fake_gcp import decode_aws_subject_token, google_error, http_status, verify
from gcp_support import InProcessMoto, aws_env_credentials, register

pytest_plugins = ["conftest_gcp"]

LOG_FORMATS = pytest.mark.parametrize("log_format", ["text", "json"])


def trace(gws, config, log_format: str, env=None):
    return gws.agent(config, "--log-level", "trace", "--log-format", log_format, env=env)


def assert_no_secrets(result, secrets: dict[str, str]) -> None:
    output = result.stdout + result.stderr
    for name, value in secrets.items():
        assert value, f"empty secret {name}"
        assert value not in output, f"{name} appears in the agent's output:\n{result}"


def assert_logged(result, log_format: str) -> None:
    assert result.stderr.strip(), "trace level should log something"
    if log_format == "json":
        for line in result.stderr.splitlines():
            if line.strip() and not line.startswith("skyferry: "):
                assert isinstance(json.loads(line), dict), f"not a JSON log line: {line!r}"


def jwt_secrets(token: str, name: str = "subject JWT") -> dict[str, str]:
    return {name: token, f"{name} signature": token.rsplit(".", 1)[-1]}


def gcp_token_secrets(gcp) -> dict[str, str]:
    return {f"issued {t.kind} token {t.token}": t.token for t in gcp.issued}


def aws_secrets(creds, name: str = "aws") -> dict[str, str]:
    return {f"{name} secret key": creds.secret_access_key, f"{name} session token": creds.session_token}


def aws_subject_token_secrets(gcp) -> dict[str, str]:
    found: dict[str, str] = {}
    for i, request in enumerate(gcp.sts_requests):
        token = request.form["subject_token"]
        doc = decode_aws_subject_token(token)
        auth = next(h["value"] for h in doc["headers"] if h["key"].lower() == "authorization")
        found[f"subject token #{i}"] = token
        found[f"subject token #{i} (decoded)"] = urllib.parse.unquote(token)
        found[f"subject token #{i} signature"] = auth.rsplit("Signature=", 1)[1]
    return found


@LOG_FORMATS
def test_token_file_with_impersonation(gws, fake_gcp, log_format):
    outputs = gws.outputs(access_token=True, external_account=True)
    result = trace(gws, gws.config(fake_gcp, outputs=outputs), log_format)
    assert result.returncode == 0, result
    assert_logged(result, log_format)
    assert len(fake_gcp.issued) == 2
    assert_no_secrets(result, jwt_secrets(gws.token) | gcp_token_secrets(fake_gcp))


@LOG_FORMATS
def test_aws_env_source(gws, fake_gcp, log_format):
    creds = random_credentials()
    register(fake_gcp, creds)
    outputs = gws.outputs(access_token=True, external_account=True)
    result = trace(gws, gws.aws_config(fake_gcp, outputs=outputs), log_format,
                   env=gws.aws_env(**aws_env_credentials(creds)))
    assert result.returncode == 0, result
    assert_logged(result, log_format)
    assert_no_secrets(result, aws_secrets(creds) | aws_subject_token_secrets(fake_gcp) | gcp_token_secrets(fake_gcp))


@LOG_FORMATS
def test_aws_web_identity_source(gws, fake_gcp_with_moto, inprocess_moto, make_jwt, log_format):
    gcp = fake_gcp_with_moto
    wi = make_jwt()
    (gws.root / "aws-token.jwt").write_text(wi)
    env = gws.aws_env(AWS_ROLE_ARN="arn:aws:iam::123456789012:role/gcp-federation",
                      AWS_WEB_IDENTITY_TOKEN_FILE=str(gws.root / "aws-token.jwt"),
                      AWS_ENDPOINT_URL_STS=inprocess_moto.url)
    result = trace(gws, gws.aws_config(gcp), log_format, env=env)
    assert result.returncode == 0, result
    [verification] = gcp.aws_verifications
    issued = InProcessMoto.lookup(verification.access_key_id)
    assert issued is not None
    assert_no_secrets(result, jwt_secrets(wi, "web identity JWT")
                      | {"moto secret key": issued.secret_access_key, "moto session token": issued.session_token}
                      | aws_subject_token_secrets(gcp) | gcp_token_secrets(gcp))


@LOG_FORMATS
def test_aws_container_source(gws, fake_gcp, fake_container, log_format):
    register(fake_gcp, fake_container.credentials)
    token_file = gws.root / "pod-identity-token"
    token_file.write_text(fake_container.expected_token)
    env = gws.aws_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=fake_container.full_uri,
                      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(token_file))
    result = trace(gws, gws.aws_config(fake_gcp), log_format, env=env)
    assert result.returncode == 0, result
    assert_no_secrets(result, {"container authorization token": fake_container.expected_token}
                      | aws_secrets(fake_container.credentials) | aws_subject_token_secrets(fake_gcp)
                      | gcp_token_secrets(fake_gcp))


@LOG_FORMATS
def test_aws_imds_source(gws, fake_gcp, fake_imds, log_format):
    register(fake_gcp, fake_imds.credentials)
    env = gws.aws_env(imds=True, AWS_EC2_METADATA_SERVICE_ENDPOINT=fake_imds.url)
    result = trace(gws, gws.aws_config(fake_gcp, region=None), log_format, env=env)
    assert result.returncode == 0, result
    assert_no_secrets(result, aws_secrets(fake_imds.credentials) | aws_subject_token_secrets(fake_gcp)
                      | gcp_token_secrets(fake_gcp))
    # The IMDSv2 session tokens (they grant metadata access for hours) stay out of the logs too.
    sessions = [r.headers["x-aws-ec2-metadata-token"] for r in fake_imds.requests if "x-aws-ec2-metadata-token" in r.headers]
    assert sessions
    assert_no_secrets(result, {f"IMDS session token {i}": s for i, s in enumerate(sessions)})


# --- failures ----------------------------------------------------------------------------------------


@LOG_FORMATS
def test_iam_refusal_logs_neither_the_federated_token_nor_the_jwt(gws, fake_gcp, log_format):
    fake_gcp.script_iam(google_error(403))
    result = trace(gws, gws.config(fake_gcp), log_format)
    assert result.returncode == 4, result
    assert fake_gcp.issued_tokens("sts")
    assert_no_secrets(result, jwt_secrets(gws.token) | gcp_token_secrets(fake_gcp))


@LOG_FORMATS
def test_sts_refusal_and_retries_log_no_subject_token(gws, fake_gcp, make_jwt, log_format):
    gws.write_token(make_jwt())  # wrong aud → invalid_grant, re-read and retried once
    result = trace(gws, gws.config(fake_gcp), log_format)
    assert result.returncode == 4, result
    assert_no_secrets(result, jwt_secrets(gws.token))


@LOG_FORMATS
def test_aws_signature_refusal_logs_no_secret(gws, fake_gcp, log_format):
    creds = random_credentials()
    fake_gcp.register_aws_credentials(creds.access_key_id, "wrong-secret", creds.session_token)
    result = trace(gws, gws.aws_config(fake_gcp), log_format, env=gws.aws_env(**aws_env_credentials(creds)))
    assert result.returncode == 4, result
    assert_no_secrets(result, aws_secrets(creds) | aws_subject_token_secrets(fake_gcp))


@LOG_FORMATS
def test_transient_failures_then_success_log_no_secret(gws, fake_gcp, log_format):
    fake_gcp.script_sts(http_status(503), verify())
    fake_gcp.script_iam(http_status(503), verify())
    creds = random_credentials()
    register(fake_gcp, creds)
    result = trace(gws, gws.aws_config(fake_gcp), log_format, env=gws.aws_env(**aws_env_credentials(creds)))
    assert result.returncode == 0, result
    assert_no_secrets(result, aws_secrets(creds) | aws_subject_token_secrets(fake_gcp) | gcp_token_secrets(fake_gcp))


@LOG_FORMATS
def test_long_running_agent_with_an_aws_source(gws, fake_gcp, fake_container, log_format):
    """Without --once the service lifecycle logs its services at debug: the AWS chain, holding the
    environment and cached credentials, must not print them."""
    register(fake_gcp, fake_container.credentials)
    env_creds = random_credentials()
    env = gws.aws_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=fake_container.full_uri,
                      AWS_CONTAINER_AUTHORIZATION_TOKEN=fake_container.expected_token,
                      # Not used (the container wins only without these), but present in the environment:
                      AWS_SESSION_TOKEN=env_creds.session_token)
    config = gws.aws_config(fake_gcp, outputs=gws.outputs(access_token=True, external_account=True))
    agent = AgentProcess([str(gws.ws.skyferry_bin), "agent", "--config", str(config), "--log-level", "trace",
                          "--log-format", log_format], env, gws.root / "agent")
    try:
        agent.wait_for(lambda: gws.access_token_file.exists(), timeout=10, what="the access token file")
        code, _ = agent.signal()
    finally:
        agent.stop()
    assert code == 0, agent.describe()
    result = AgentRun(agent.args, code, agent.stdout, agent.stderr, 0)
    assert_logged(result, log_format)
    assert_no_secrets(result, {"container authorization token": fake_container.expected_token,
                               "unused env session token": env_creds.session_token}
                      | aws_secrets(fake_container.credentials) | aws_subject_token_secrets(fake_gcp)
                      | gcp_token_secrets(fake_gcp))
