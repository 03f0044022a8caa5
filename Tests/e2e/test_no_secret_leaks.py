"""At trace level, neither the token nor the issued secrets reach stdout or stderr: `agent --once`
with a token file or the GCE metadata server, `credential-process` (whose stdout is the credentials
by design: stderr only there), and the long-running agent through failed refreshes."""

from __future__ import annotations

import dataclasses
import json
import signal

import pytest

from e2e_support import FAST_REFRESH, AgentRun, read_credentials, wait_until
from fakes.fake_sts import aws_error, garbage, http_status, success


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


# --- gcpMetadata, credential-process, long-running --------------------------------------------------


def issued_secrets(sts) -> dict[str, str]:
    """Every secret key and session token the fake STS handed out."""
    found: dict[str, str] = {}
    for i, creds in enumerate(sts.issued):
        found[f"secret key #{i}"] = creds.secret_access_key
        found[f"session token #{i}"] = creds.session_token
    return found


def metadata_token_secrets(metadata) -> dict[str, str]:
    found: dict[str, str] = {}
    for i, token in enumerate(metadata.tokens):
        for name, value in token_secrets(token).items():
            found[f"{name} #{i}"] = value
    return found


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_gcp_metadata_once_at_trace_logs_no_secrets(ws, fake_metadata, fake_sts, log_format):
    outputs = {
        "awsCredentialsFile": {"path": str(ws.output)},
        "awsWebIdentityTokenFile": {"path": str(ws.out_dir / "token")},
    }
    result = ws.agent(ws.gcp_config(fake_metadata.url, fake_sts.url, outputs=outputs),
                      "--log-level", "trace", "--log-format", log_format)
    assert result.returncode == 0, result
    assert result.stderr.strip(), "trace level should log something"
    assert fake_metadata.tokens and fake_sts.issued
    assert_no_secrets(result, metadata_token_secrets(fake_metadata) | issued_secrets(fake_sts))
    if log_format == "json":
        assert_json_lines(result)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_credential_process_at_trace_logs_no_secrets_on_stderr(ws, fake_metadata, fake_sts, log_format):
    config = ws.gcp_config(fake_metadata.url, fake_sts.url, outputs={})
    cache = ws.root / "cache"
    flags = ("--cache-dir", str(cache), "--log-level", "trace", "--log-format", log_format)
    miss = ws.credential_process(config, *flags)
    hit = ws.credential_process(config, *flags)
    fake_sts.script(http_status(503, "busy"), aws_error("AccessDenied"))
    failed = ws.credential_process(config, "--no-cache", "--log-level", "trace", "--log-format", log_format)
    assert (miss.returncode, hit.returncode, failed.returncode) == (0, 0, 4), (miss, hit, failed)

    secrets = metadata_token_secrets(fake_metadata) | issued_secrets(fake_sts)
    issued = fake_sts.issued[0]
    for result in (miss, hit):
        # stdout is the credential_process document: the credentials belong there, and only there.
        assert issued.secret_access_key in result.stdout and issued.session_token in result.stdout
        assert_no_secrets(dataclasses.replace(result, stdout=""), secrets)
    assert_no_secrets(failed, secrets)
    if log_format == "json":
        for result in (miss, hit, failed):
            assert_json_lines(result)


def test_long_running_with_failures_at_trace_logs_no_secrets(ws, fake_metadata, fake_sts):
    """gcpMetadata + refreshes of 8 s credentials through 503, garbage and a rejection."""
    # The refresh at ~3 s meets a 503 and garbage, then succeeds; the next one (~6.5 s) is rejected.
    fake_sts.script(success(duration_seconds=8), http_status(503, "busy"), garbage(),
                    success(duration_seconds=8), aws_error("InvalidIdentityToken"))
    outputs = {
        "awsCredentialsFile": {"path": str(ws.output)},
        "awsWebIdentityTokenFile": {"path": str(ws.out_dir / "token")},
    }
    refresh = {"expiryMarginSeconds": 2, "backoffInitialSeconds": 0.2, "backoffMaxSeconds": 1}
    agent = ws.start_agent(ws.gcp_config(fake_metadata.url, fake_sts.url, outputs=outputs, refresh=refresh),
                           "--log-level", "trace")
    wait_until(lambda: len(fake_sts.requests) >= 5 or not agent.alive(), 20, what="five STS requests",
               context=agent.describe)
    code, _ = agent.signal(signal.SIGTERM)
    assert code == 0, agent.describe()
    result = AgentRun(agent.args, code, agent.stdout, agent.stderr, 0)
    assert "refresh failed" in result.stderr, "the failures must have been logged"
    assert len(fake_sts.issued) >= 2
    assert_no_secrets(result, metadata_token_secrets(fake_metadata) | issued_secrets(fake_sts))


def test_proxy_credentials_are_not_logged(ws, fake_sts):
    """A proxy URL may carry user:password; no log line at any level may show it. (NO_PROXY keeps
    the loopback STS direct, so the dead proxy is never used.)"""
    password = "Pr0xy-Passw0rd-e2e"
    env = dict(ws.env)
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        env[name] = f"http://proxy-user:{password}@127.0.0.1:9"
    ws.env = env
    config = ws.config(fake_sts.url)

    once = ws.agent(config, "--log-level", "trace")
    assert once.returncode == 0, once
    assert_no_secrets(once, {"proxy password": password})

    agent = ws.start_agent(config, "--log-level", "trace")
    agent.wait_for_log("credentials refreshed", 10)
    code, _ = agent.signal(signal.SIGTERM)
    assert code == 0, agent.describe()
    assert_no_secrets(AgentRun(agent.args, code, agent.stdout, agent.stderr, 0), {"proxy password": password})
