"""STS failures: exit codes, retries, the one-line report, and outputs left untouched."""

from __future__ import annotations

import re

import pytest

from e2e_support import (
    FAST_REFRESH,
    GIVE_UP_BOUND_SECONDS,
    REQUEST_TIMEOUT_SECONDS,
    TARGET_NAME,
    agent_config,
    aws_code_pattern,
    read_credentials,
    snapshot_dir,
    to_yaml,
)
from fakes.fake_sts import (
    FakeSTS,
    KNOWN_ERRORS,
    VERIFICATION_KEY_MESSAGE,
    aws_error,
    garbage,
    hang,
    http_status,
    success,
)

EXIT_STS_REJECTED = 4
EXIT_STS_UNAVAILABLE = 5
EXIT_OUTPUT_FAILED = 6

GOOD_FILE = (
    "[default]\n"
    "aws_access_key_id = ASIA-PREVIOUS-GOOD-KEY\n"
    "aws_secret_access_key = previous/good+secret0000000000000000000\n"
    "aws_session_token = previous-good-session-token\n"
)


def prepare_output(ws, preexisting: bool) -> dict:
    """Optionally put a good credentials file in place; return a snapshot of the output dir."""
    if preexisting:
        ws.output.write_text(GOOD_FILE)
        ws.output.chmod(0o600)
    return snapshot_dir(ws.out_dir)


def assert_outputs_untouched(ws, before: dict) -> None:
    after = snapshot_dir(ws.out_dir)
    assert after == before, f"output directory changed on failure: {sorted(before)} -> {sorted(after)}"


# Rejections of the token itself may be retried once at once with a re-read token (the kubelet may
# have rotated it in between); nothing else that is permanent is retried.
TOKEN_REJECTIONS_RETRIED_ONCE = {"InvalidIdentityToken": 2, "ExpiredTokenException": 2}

PERMANENT = ["InvalidIdentityToken", "AccessDenied", "ExpiredTokenException", "IDPRejectedClaim", "InvalidParameterValue"]


@pytest.mark.parametrize("preexisting", [False, True], ids=["no-file", "good-file"])
@pytest.mark.parametrize("code", PERMANENT)
def test_permanent_rejection_exits_4_without_retry(ws, fake_sts, code, preexisting):
    before = prepare_output(ws, preexisting)
    fake_sts.script(aws_error(code))
    result = ws.agent(ws.config(fake_sts.url, refresh=FAST_REFRESH))

    assert result.returncode == EXIT_STS_REJECTED, result
    line = result.failure_line
    assert TARGET_NAME in line
    assert re.search(aws_code_pattern(code), line), line
    assert KNOWN_ERRORS[code][1] in line
    allowed = TOKEN_REJECTIONS_RETRIED_ONCE.get(code, 1)
    assert 1 <= len(fake_sts.requests) <= allowed, "a permanent rejection must not be retried with backoff"
    assert_outputs_untouched(ws, before)


RETRYABLE = {
    "Throttling": aws_error("Throttling"),
    "ThrottlingException": aws_error("ThrottlingException"),
    "IDPCommunicationError": aws_error("IDPCommunicationError"),
    "verification-key": aws_error("InvalidIdentityToken", message=VERIFICATION_KEY_MESSAGE),
    "InternalFailure-500": aws_error("InternalFailure"),
    "plain-503": http_status(503, "Service Unavailable"),
}


@pytest.mark.parametrize("name", list(RETRYABLE))
def test_retryable_failure_is_retried_then_exits_5(ws, fake_sts, name):
    before = prepare_output(ws, preexisting=False)
    reply = RETRYABLE[name]
    fake_sts.script(reply)
    result = ws.agent(ws.config(fake_sts.url, refresh=FAST_REFRESH))

    assert result.returncode == EXIT_STS_UNAVAILABLE, result
    line = result.failure_line
    assert TARGET_NAME in line
    if reply.kind == "error":
        assert re.search(aws_code_pattern(reply.code), line), line
    else:
        assert "503" in line
    assert len(fake_sts.requests) > 1, "a retryable failure must be retried"
    assert result.elapsed <= GIVE_UP_BOUND_SECONDS, f"gave up after {result.elapsed:.1f}s"
    assert_outputs_untouched(ws, before)


@pytest.mark.parametrize(
    "first",
    [http_status(503, "Service Unavailable"), aws_error("Throttling"), aws_error("IDPCommunicationError")],
    ids=["503", "Throttling", "IDPCommunicationError"],
)
def test_retry_then_success_writes_the_file(ws, fake_sts, first):
    fake_sts.script(first, success())
    result = ws.agent(ws.config(fake_sts.url, refresh=FAST_REFRESH))

    assert result.returncode == 0, result
    assert len(fake_sts.requests) == 2
    assert read_credentials(ws.output)["aws_access_key_id"] == fake_sts.issued[-1].access_key_id


@pytest.mark.parametrize("preexisting", [False, True], ids=["no-file", "good-file"])
def test_hanging_sts_times_out_and_exits_5_within_the_deadline(ws, fake_sts, preexisting):
    before = prepare_output(ws, preexisting)
    fake_sts.script(hang(GIVE_UP_BOUND_SECONDS + 20))
    result = ws.agent(ws.config(fake_sts.url, refresh=FAST_REFRESH))

    assert result.returncode == EXIT_STS_UNAVAILABLE, result
    assert TARGET_NAME in result.failure_line
    assert REQUEST_TIMEOUT_SECONDS <= result.elapsed <= GIVE_UP_BOUND_SECONDS, f"took {result.elapsed:.1f}s"
    assert len(fake_sts.requests) >= 2, "a timed-out request must be retried"
    assert_outputs_untouched(ws, before)


def test_connection_refused_exits_5_within_the_deadline(ws, closed_port_url):
    before = prepare_output(ws, preexisting=True)
    result = ws.agent(ws.config(closed_port_url, refresh=FAST_REFRESH))

    assert result.returncode == EXIT_STS_UNAVAILABLE, result
    assert TARGET_NAME in result.failure_line
    assert result.elapsed <= GIVE_UP_BOUND_SECONDS, f"took {result.elapsed:.1f}s"
    assert_outputs_untouched(ws, before)


MALFORMED = {
    "garbage-xml": garbage(),
    "html-200": garbage("<html><body>Login to the corporate proxy</body></html>"),
    "empty-200": garbage(""),
    "no-session-token": success(omit=("SessionToken",)),
    "no-credentials": success(omit=("Credentials",)),
}


@pytest.mark.parametrize("name", list(MALFORMED))
@pytest.mark.parametrize("preexisting", [False, True], ids=["no-file", "good-file"])
def test_unusable_success_response_exits_5(ws, fake_sts, name, preexisting):
    before = prepare_output(ws, preexisting)
    fake_sts.script(MALFORMED[name])
    result = ws.agent(ws.config(fake_sts.url, refresh=FAST_REFRESH))

    assert result.returncode == EXIT_STS_UNAVAILABLE, result
    assert TARGET_NAME in result.failure_line
    assert result.elapsed <= GIVE_UP_BOUND_SECONDS, f"took {result.elapsed:.1f}s"
    assert_outputs_untouched(ws, before)


def test_unwritable_output_exits_6(ws, fake_sts):
    blocker = ws.out_dir / "not-a-directory"
    blocker.write_text("a regular file where the output's parent directory should be\n")
    result = ws.agent(ws.config(fake_sts.url, output=blocker / "credentials"))

    assert result.returncode == EXIT_OUTPUT_FAILED, result
    assert TARGET_NAME in result.failure_line
    assert len(fake_sts.requests) == 1
    assert blocker.read_text().startswith("a regular file")


def test_once_writes_nothing_unless_every_target_succeeds(ws, fake_sts):
    """`--once` is all-or-nothing: a rejected second target leaves the first target's file unwritten."""
    before = prepare_output(ws, preexisting=True)
    with FakeSTS() as rejecting:
        rejecting.script(aws_error("AccessDenied"))
        doc = agent_config(ws.token_file, ws.output, fake_sts.url, name="first")
        second = agent_config(ws.token_file, ws.out_dir / "second", rejecting.url, name="second")
        doc["targets"] += second["targets"]
        result = ws.agent(ws.raw_config(to_yaml(doc) + "\n"))

        assert result.returncode == EXIT_STS_REJECTED, result
        assert "second" in result.failure_line
        assert len(rejecting.requests) == 1
    assert_outputs_untouched(ws, before)
