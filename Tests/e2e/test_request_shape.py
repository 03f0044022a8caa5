"""What the agent sends to STS, and that it writes exactly the credentials STS returned."""

from __future__ import annotations

import re

from e2e_support import ROLE_ARN, SESSION_NAME, read_credentials


def test_sends_an_unsigned_form_post_with_the_token_file_contents(ws, fake_sts):
    result = ws.agent(ws.config(fake_sts.url, duration_seconds=1800))
    assert result.returncode == 0, result

    assert len(fake_sts.requests) == 1
    request = fake_sts.requests[0]
    assert request.method == "POST"
    assert request.path == "/"
    assert request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    assert "authorization" not in request.headers
    assert "x-amz-security-token" not in request.headers
    assert request.form == {
        "Action": "AssumeRoleWithWebIdentity",
        "Version": "2011-06-15",
        "RoleArn": ROLE_ARN,
        "RoleSessionName": SESSION_NAME,
        "WebIdentityToken": ws.token,
        "DurationSeconds": "1800",
    }


def test_writes_exactly_the_credentials_sts_returned(ws, fake_sts):
    result = ws.agent(ws.config(fake_sts.url))
    assert result.returncode == 0, result

    issued = fake_sts.issued[-1]
    written = read_credentials(ws.output)
    assert written["aws_access_key_id"] == issued.access_key_id
    assert written["aws_secret_access_key"] == issued.secret_access_key
    assert written["aws_session_token"] == issued.session_token
    assert ws.token not in ws.output.read_text()


def test_default_session_name_is_valid_for_sts(ws, fake_sts):
    result = ws.agent(ws.config(fake_sts.url, session_name=None))
    assert result.returncode == 0, result
    session = fake_sts.requests[0].form.get("RoleSessionName", "")
    assert re.fullmatch(r"[\w+=,.@-]{2,64}", session), f"RoleSessionName {session!r} breaks STS's rule"


def test_token_file_is_read_at_exchange_time(ws, fake_sts, make_jwt):
    config = ws.config(fake_sts.url)
    ws.write_token(make_jwt())
    assert ws.agent(config).returncode == 0
    first = ws.token
    ws.write_token(make_jwt())
    assert ws.agent(config).returncode == 0
    assert [r.form["WebIdentityToken"] for r in fake_sts.requests] == [first, ws.token]
