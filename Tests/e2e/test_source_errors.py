"""A bad service-account token fails with exit 3 before any STS request."""

from __future__ import annotations

import base64
import json

import pytest

from e2e_support import TARGET_NAME, snapshot_dir

EXIT_SOURCE_FAILED = 3


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_token(payload: object) -> str:
    header = b64url(json.dumps({"alg": "RS256", "kid": "x"}).encode())
    return f"{header}.{b64url(json.dumps(payload).encode())}.{b64url(b'signature')}"


MALFORMED = {
    "not-a-jwt": "not-a-jwt",
    "two-segments": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0",
    "bad-base64": "abc.d$f.ghi",
    "payload-not-json": "eyJhbGciOiJSUzI1NiJ9." + b64url(b"not json") + ".c2ln",
    "payload-not-object": unsigned_token(["sub", "exp"]),
}


def assert_failed_before_sts(result, fake_sts, ws, before) -> None:
    assert result.returncode == EXIT_SOURCE_FAILED, result
    assert TARGET_NAME in result.failure_line
    assert fake_sts.requests == [], "no STS request may be made with a bad token"
    assert snapshot_dir(ws.out_dir) == before


def test_missing_token_file(ws, fake_sts):
    before = snapshot_dir(ws.out_dir)
    ws.token_file.unlink()
    result = ws.agent(ws.config(fake_sts.url))
    assert_failed_before_sts(result, fake_sts, ws, before)
    assert str(ws.token_file) in result.failure_line


@pytest.mark.parametrize("content", ["", "\n"], ids=["empty", "newline-only"])
def test_empty_token_file(ws, fake_sts, content):
    before = snapshot_dir(ws.out_dir)
    ws.write_token(content)
    result = ws.agent(ws.config(fake_sts.url))
    assert_failed_before_sts(result, fake_sts, ws, before)


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_token(ws, fake_sts, name):
    before = snapshot_dir(ws.out_dir)
    ws.write_token(MALFORMED[name])
    result = ws.agent(ws.config(fake_sts.url))
    assert_failed_before_sts(result, fake_sts, ws, before)


def test_expired_token(ws, fake_sts, make_jwt):
    ws.output.write_text("[default]\naws_access_key_id = ASIA-PREVIOUS-GOOD-KEY\n")
    before = snapshot_dir(ws.out_dir)
    ws.write_token(make_jwt(expired=True))
    result = ws.agent(ws.config(fake_sts.url))
    assert_failed_before_sts(result, fake_sts, ws, before)
    assert "expir" in result.failure_line.lower()
