"""Outbound proxies: loopback, link-local and metadata peers are never proxied, whatever NO_PROXY says
(the container-credentials Authorization header must not reach a proxy in clear text); other HTTPS
hosts are; proxy credentials are never logged; and a header value with CR/LF is refused, never sent.
A recording proxy on 127.0.0.1 answers 502 to everything: nothing leaves the machine."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from e2e_support import FAST_REFRESH, GIVE_UP_BOUND_SECONDS
from fakes.recording_proxy import RecordingProxy
from gcp_support import register

pytest_plugins = ["conftest_gcp"]

PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
PROXY_USER = "proxy-user"
PROXY_PASSWORD = "Pr0xy-" + os.urandom(6).hex()
UNREACHABLE_STS = "https://sts.skyferry-test.invalid"


@pytest.fixture
def proxy() -> Iterator[RecordingProxy]:
    with RecordingProxy() as fake:
        yield fake


def proxied(env: dict[str, str], proxy: RecordingProxy) -> dict[str, str]:
    """Every proxy variable set to the recording proxy (with credentials), NO_PROXY empty."""
    env = dict(env)
    for name in PROXY_VARIABLES:
        env[name] = proxy.url_with_credentials(PROXY_USER, PROXY_PASSWORD)
    env["NO_PROXY"] = ""
    env["no_proxy"] = ""
    return env


def assert_no_proxy_secret(result) -> None:
    assert PROXY_PASSWORD not in result.stdout + result.stderr, "the proxy password was logged"


def test_moto_sts_on_loopback_is_never_proxied(ws, moto, proxy):
    result = ws.agent(ws.config(moto.url), "--log-level", "trace", env=proxied(ws.env, proxy))
    assert result.returncode == 0, result
    assert proxy.requests == []
    assert_no_proxy_secret(result)


def test_container_credentials_token_and_gcp_sts_on_loopback_are_never_proxied(gws, fake_gcp, fake_container, proxy):
    register(fake_gcp, fake_container.credentials)
    env = gws.aws_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=fake_container.full_uri,
                      AWS_CONTAINER_AUTHORIZATION_TOKEN=fake_container.expected_token)
    result = gws.agent(gws.aws_config(fake_gcp), "--log-level", "trace", env=proxied(env, proxy))
    assert result.returncode == 0, result
    assert fake_container.authorizations == [fake_container.expected_token]
    assert proxy.requests == [], "the container-credentials Authorization header went to the proxy"
    assert_no_proxy_secret(result)


def test_fake_metadata_on_loopback_is_never_proxied(ws, fake_metadata, verifying_sts, proxy):
    result = ws.agent(ws.gcp_config(fake_metadata.url, verifying_sts.url), env=proxied(ws.env, proxy))
    assert result.returncode == 0, result
    assert len(fake_metadata.identity_requests) == 1
    assert proxy.requests == []


def test_a_non_loopback_https_sts_goes_through_the_proxy(ws, proxy):
    config = ws.config(UNREACHABLE_STS, refresh=FAST_REFRESH)
    result = ws.agent(config, "--log-level", "trace", env=proxied(ws.env, proxy), timeout=GIVE_UP_BOUND_SECONDS * 4)
    assert result.returncode != 0, result
    targets = [(r.method, r.target) for r in proxy.requests]
    assert targets and set(targets) == {("CONNECT", "sts.skyferry-test.invalid:443")}, targets
    assert all(r.headers.get("proxy-authorization", "").startswith("Basic ") for r in proxy.requests)
    assert_no_proxy_secret(result)


def test_an_env_token_with_crlf_is_refused_and_never_sent(gws, fake_gcp, fake_container):
    register(fake_gcp, fake_container.credentials)
    env = gws.aws_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=fake_container.full_uri,
                      AWS_CONTAINER_AUTHORIZATION_TOKEN=fake_container.expected_token + "\r\nX-Evil: 1")
    result = gws.agent(gws.aws_config(fake_gcp), env=env)
    assert result.returncode != 0, result
    line = result.failure_line
    assert "AWS_CONTAINER_AUTHORIZATION_TOKEN" in line and "control character (CR)" in line, line
    assert fake_container.expected_token not in result.stderr and "X-Evil" not in result.stderr
    assert fake_container.requests == [], "the container endpoint was called"
    assert fake_gcp.sts_requests == []


def test_a_token_file_with_a_line_break_inside_is_refused_and_its_newline_trimmed(gws, fake_gcp, fake_container):
    register(fake_gcp, fake_container.credentials)
    token_file = gws.root / "eks-pod-identity-token"
    token_file.write_text(fake_container.expected_token + "\nX-Evil: 1\n")
    env = gws.aws_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=fake_container.full_uri,
                      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(token_file))
    result = gws.agent(gws.aws_config(fake_gcp), env=env)
    assert result.returncode != 0, result
    line = result.failure_line
    assert str(token_file) in line and "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" in line and "(LF)" in line, line
    assert fake_container.requests == []

    token_file.write_text(fake_container.expected_token + "\n")
    result = gws.agent(gws.aws_config(fake_gcp), env=env)
    assert result.returncode == 0, result
    assert fake_container.authorizations == [fake_container.expected_token]
