"""At trace level, neither the token nor the issued secrets reach stdout or stderr."""

from __future__ import annotations

import json

import pytest

from e2e_support import FAST_REFRESH, read_credentials
from fakes.fake_sts import aws_error, http_status, success


def assert_no_secrets(result, secrets: dict[str, str]) -> None:
    output = result.stdout + result.stderr
    for name, value in secrets.items():
        assert value, name
        assert value not in output, f"{name} appears in the agent's output:\n{result}"


def token_secrets(token: str) -> dict[str, str]:
    signature = token.rsplit(".", 1)[-1]
    return {"token": token, "token signature": signature}


def assert_json_lines(result) -> None:
    for line in result.stderr.splitlines():
        if line.strip() and not line.startswith("skyferry: "):
            assert isinstance(json.loads(line), dict), f"not a JSON log line: {line!r}"


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_moto_success_at_trace_logs_no_secrets(ws, moto, log_format):
    result = ws.agent(ws.config(moto.url), "--log-level", "trace", "--log-format", log_format)
    assert result.returncode == 0, result
    assert result.stderr.strip(), "trace level should log something"
    creds = read_credentials(ws.output)
    assert_no_secrets(
        result,
        token_secrets(ws.token)
        | {"secret key": creds["aws_secret_access_key"], "session token": creds["aws_session_token"]},
    )
    if log_format == "json":
        assert_json_lines(result)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_retry_then_success_at_trace_logs_no_secrets(ws, fake_sts, log_format):
    fake_sts.script(http_status(503, "busy"), aws_error("Throttling"), success())
    result = ws.agent(
        ws.config(fake_sts.url, refresh=FAST_REFRESH), "--log-level", "trace", "--log-format", log_format
    )
    assert result.returncode == 0, result
    issued = fake_sts.issued[-1]
    assert_no_secrets(
        result,
        token_secrets(ws.token)
        | {"secret key": issued.secret_access_key, "session token": issued.session_token},
    )
    if log_format == "json":
        assert_json_lines(result)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_rejection_at_trace_logs_no_token(ws, fake_sts, log_format):
    fake_sts.script(aws_error("AccessDenied"))
    result = ws.agent(ws.config(fake_sts.url), "--log-level", "trace", "--log-format", log_format)
    assert result.returncode == 4, result
    assert_no_secrets(result, token_secrets(ws.token))


def test_expired_token_at_trace_logs_no_token(ws, fake_sts, make_jwt):
    ws.write_token(make_jwt(expired=True))
    result = ws.agent(ws.config(fake_sts.url), "--log-level", "trace")
    assert result.returncode == 3, result
    assert_no_secrets(result, token_secrets(ws.token))
