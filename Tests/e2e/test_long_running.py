"""The long-running agent (no --once): rotation of short-lived credentials, outages shorter and longer
than the lifetime, /healthz /readyz /metrics, clock skew, and graceful shutdown.

The fake STS issues credentials of 12–30 s so that several refresh periods fit in a test; the agent
is configured with `expiryMarginSeconds: 3` (the default 60 would make such credentials never
"ready") and short backoffs.
"""

from __future__ import annotations

import configparser
import dataclasses
import signal
import threading
import time

import pytest

from e2e_support import TARGET_NAME, free_port, metric, parse_expiration, read_credentials
from fakes.fake_sts import FakeSTS, aws_error, garbage, hang, http_status, success

MARGIN = 3
OUTAGE_REFRESH = {
    "expiryMarginSeconds": MARGIN,
    "requestTimeoutSeconds": 2,
    "backoffInitialSeconds": 0.5,
    "backoffMaxSeconds": 2,
}
WARNING_STILL_VALID = "refresh failed; last good credentials are still valid"
ERROR_NONE_VALID = "refresh failed and no valid credentials remain"
STOP_SECONDS = 2  # SIGTERM/SIGINT → exit within this


def start(ws, sts: FakeSTS, refresh: dict, *extra: str):
    """A long-running agent on the standard target with a health listener; waits for /healthz."""
    health = f"127.0.0.1:{free_port()}"
    agent = ws.start_agent(ws.config(sts.url, health_listen=health, refresh=refresh), *extra, health=health)
    agent.wait_for(lambda: agent.get("/healthz") == (200, "ok\n"), 15, "/healthz to answer 200 ok")
    return agent


def key_in_file(path) -> str | None:
    try:
        return read_credentials(path)["aws_access_key_id"]
    except (FileNotFoundError, AssertionError, KeyError, configparser.Error):
        return None


def issued_expirations(sts: FakeSTS) -> dict[str, float]:
    return {c.access_key_id: parse_expiration(c.expiration) for c in sts.issued}


@dataclasses.dataclass
class Observation:
    time: float
    key: str
    expiration: float


class FileReader(threading.Thread):
    """Reads the credentials file every 50 ms, as an SDK would, and notes every bad read: missing,
    partial (not the INI with all three keys, or keys that do not belong together) or expired (by
    the Expiration the fake STS issued for that key)."""

    def __init__(self, path, sts: FakeSTS, interval: float = 0.05) -> None:
        super().__init__(daemon=True, name="credentials-reader")
        self.path = path
        self.sts = sts
        self.interval = interval
        self.problems: list[str] = []
        self.changes: list[Observation] = []  # first sighting of each key
        self.reads = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.interval):
            self.check_once()

    def check_once(self) -> None:
        now = time.time()
        self.reads += 1
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            self.problems.append(f"{now:.2f}: file missing")
            return
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text)
            section = dict(parser.items("default"))
            key = section["aws_access_key_id"]
            secret, token = section["aws_secret_access_key"], section["aws_session_token"]
        except (configparser.Error, KeyError) as error:
            self.problems.append(f"{now:.2f}: partial or unparsable file ({error!r}): {text[:80]!r}")
            return
        issued = {c.access_key_id: c for c in self.sts.issued}
        creds = issued.get(key)
        if creds is None or (creds.secret_access_key, creds.session_token) != (secret, token):
            self.problems.append(f"{now:.2f}: credentials the STS did not issue together (key {key})")
            return
        expiration = parse_expiration(creds.expiration)
        if expiration <= now:
            self.problems.append(f"{now:.2f}: expired credentials (key {key} expired {now - expiration:.1f}s ago)")
        if not self.changes or self.changes[-1].key != key:
            self.changes.append(Observation(now, key, expiration))

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=5)


def test_20s_credentials_rotate_and_a_reader_never_sees_a_bad_file(ws, fake_sts):
    fake_sts.script(success(duration_seconds=20))
    agent = start(ws, fake_sts, {"expiryMarginSeconds": MARGIN})
    agent.wait_for(lambda: key_in_file(ws.output), 10, "the first credentials file")

    reader = FileReader(ws.output, fake_sts)
    reader.start()
    readiness: list[tuple[int, str]] = []
    deadline = time.monotonic() + 42
    try:
        while time.monotonic() < deadline:
            assert agent.alive(), agent.describe()
            readiness.append(agent.get("/readyz"))
            time.sleep(0.5)
    finally:
        reader.stop()

    assert reader.problems == [], "\n".join(reader.problems[:20])
    assert reader.reads > 500
    assert len(reader.changes) >= 4, f"file replaced {len(reader.changes) - 1} times in 42 s:\n{agent.describe()}"
    for previous, current in zip(reader.changes, reader.changes[1:]):
        left = previous.expiration - current.time
        # Refresh at half the 20 s lifetime ±10 % (9–11 s left), never closer than 5 s to expiry;
        # slack for the whole-second Expiration and the 50 ms polling.
        assert 7.5 <= left <= 11.5, f"replaced {left:.1f}s before the old credentials expired"
    assert all(r == (200, "ready\n") for r in readiness), [r for r in readiness if r[0] != 200][:3]
    assert "issued lifetime is shorter than common SDK refresh windows" in agent.stderr

    # /metrics, with this target's label.
    samples = agent.metrics()
    successes = metric(samples, "skyferry_refreshes_total", target=TARGET_NAME, result="success")
    assert successes is not None and len(reader.changes) <= successes <= len(fake_sts.issued), samples
    for result in ("source_error", "rejected", "unavailable", "output_error"):
        assert metric(samples, "skyferry_refreshes_total", target=TARGET_NAME, result=result) == 0, result
    expiry = metric(samples, "skyferry_credentials_expiry_seconds", target=TARGET_NAME)
    assert expiry is not None and 0 < expiry <= 20, expiry
    count = metric(samples, "skyferry_sts_request_duration_seconds_count", target=TARGET_NAME)
    assert count is not None and count >= successes
    assert metric(samples, "skyferry_sts_request_duration_seconds_bucket", target=TARGET_NAME, le="+Inf") == count
    assert metric(samples, "skyferry_sts_request_duration_seconds_sum", target=TARGET_NAME) is not None
    last = metric(samples, "skyferry_last_success_timestamp_seconds", target=TARGET_NAME)
    assert last is not None and time.time() - 13 <= last <= time.time() + 1, last
    assert metric(samples, "skyferry_consecutive_failures", target=TARGET_NAME) == 0
    skew = metric(samples, "skyferry_clock_skew_seconds", target=TARGET_NAME)
    assert skew is not None and abs(skew) <= 2, skew
    # Per-target series carry this target only; the connection series are per server kind (bounded labels).
    targets = {dict(labels)["target"] for (_, labels) in samples if labels and "target" in dict(labels)}
    assert targets == {TARGET_NAME}, targets
    servers = {dict(labels)["server"] for (_, labels) in samples if labels and "server" in dict(labels)}
    assert servers <= {"awsContainerEndpoint", "gcpMetadataServer", "imds", "health"}, servers

    # SIGTERM: prompt exit 0, and the file left valid.
    code, took = agent.signal(signal.SIGTERM)
    assert code == 0, agent.describe()
    assert took <= STOP_SECONDS, f"took {took:.2f}s to stop"
    reader.check_once()
    assert reader.problems == [], reader.problems
    assert key_in_file(ws.output) in issued_expirations(fake_sts)


def test_outage_shorter_than_the_lifetime_keeps_the_last_good_credentials(ws, fake_sts):
    """503s, hangs and garbage for 20 s of a 30 s lifetime (refresh due at ~15 s): the file and
    readiness hold, a warning is logged, and fresh credentials follow the recovery."""
    fake_sts.script(success(duration_seconds=30))
    agent = start(ws, fake_sts, OUTAGE_REFRESH)
    first_key = agent.wait_for(lambda: key_in_file(ws.output), 10, "the first credentials file")
    started = fake_sts.requests[0].time
    fake_sts.script(*[reply for _ in range(30) for reply in (http_status(503, "busy"), hang(5), garbage())])

    outage_end = started + 20
    readiness: list[tuple[int, str]] = []
    during = None
    while time.time() < outage_end:
        assert agent.alive(), agent.describe()
        assert key_in_file(ws.output) == first_key, "the last good credentials must stay in place"
        readiness.append(agent.get("/readyz"))
        if time.time() > started + 18 and during is None:
            during = agent.metrics()
        time.sleep(0.25)
    outage_requests = fake_sts.requests[1:]
    fake_sts.script(success(duration_seconds=30))

    fresh = agent.wait_for(lambda: (k := key_in_file(ws.output)) != first_key and k, 8, "fresh credentials after recovery")
    assert fresh == fake_sts.issued[-1].access_key_id
    assert all(r == (200, "ready\n") for r in readiness), [r for r in readiness if r[0] != 200][:3]
    assert agent.get("/readyz") == (200, "ready\n")
    assert len(outage_requests) >= 2, "the failed refresh must be retried during the outage"
    # Backoff: never at once (≥ half of backoffInitialSeconds), never more than the cap apart
    # (backoffMaxSeconds, plus requestTimeoutSeconds for a hung request, plus slack).
    gaps = [b.time - a.time for a, b in zip(outage_requests, outage_requests[1:])]
    assert all(0.2 <= gap <= 2 + 2 + 0.75 for gap in gaps), [round(g, 2) for g in gaps]
    assert WARNING_STILL_VALID in agent.stderr
    warning = agent.wait_for_log(WARNING_STILL_VALID, 1)
    assert "warning" in warning and f"target.name={TARGET_NAME}" in warning
    assert ERROR_NONE_VALID not in agent.stderr

    assert during is not None
    assert metric(during, "skyferry_refreshes_total", target=TARGET_NAME, result="unavailable") >= 1
    assert metric(during, "skyferry_consecutive_failures", target=TARGET_NAME) >= 1
    after = agent.metrics()
    assert metric(after, "skyferry_consecutive_failures", target=TARGET_NAME) == 0
    assert metric(after, "skyferry_refreshes_total", target=TARGET_NAME, result="success") >= 2


def test_outage_past_expiry_is_not_ready_logs_an_error_and_recovers(ws, fake_sts):
    """A rejection at the refresh (~7.5 s of 15 s), then 503s until 22 s: /readyz turns 503 near
    expiry, an error is logged, the process keeps running and recovers when the STS does."""
    fake_sts.script(success(duration_seconds=15))
    agent = start(ws, fake_sts, OUTAGE_REFRESH)
    first_key = agent.wait_for(lambda: key_in_file(ws.output), 10, "the first credentials file")
    started = fake_sts.requests[0].time
    fake_sts.script(aws_error("AccessDenied"), http_status(503, "busy"))

    not_ready: list[str] = []
    during = None
    while time.time() < started + 22:
        assert agent.alive(), agent.describe()
        assert key_in_file(ws.output) == first_key, "the last credentials must stay in place"
        status, body = agent.get("/readyz")
        if status == 503:
            not_ready.append(body)
        else:
            assert (status, body) == (200, "ready\n")
        if time.time() > started + 20 and during is None:
            during = agent.metrics()
        time.sleep(0.25)
    requests = fake_sts.requests
    fake_sts.script(success(duration_seconds=15))

    fresh = agent.wait_for(lambda: (k := key_in_file(ws.output)) != first_key and k, 8, "fresh credentials after recovery")
    assert fresh == fake_sts.issued[-1].access_key_id
    agent.wait_for(lambda: agent.get("/readyz") == (200, "ready\n"), 3, "/readyz 200 after recovery")

    assert not_ready, "/readyz must answer 503 once the credentials are (nearly) expired"
    assert all(body.startswith(f"{TARGET_NAME}: credentials exp") for body in not_ready), not_ready[:3]
    stderr = agent.stderr
    assert WARNING_STILL_VALID in stderr, "the first failure (credentials still valid) is a warning"
    error = agent.wait_for_log(ERROR_NONE_VALID, 1)
    assert " error " in f" {error} "
    assert during is not None
    assert metric(during, "skyferry_refreshes_total", target=TARGET_NAME, result="rejected") >= 1
    assert metric(during, "skyferry_refreshes_total", target=TARGET_NAME, result="unavailable") >= 1
    assert metric(during, "skyferry_consecutive_failures", target=TARGET_NAME) >= 2
    assert metric(during, "skyferry_credentials_expiry_seconds", target=TARGET_NAME) < 0
    assert metric(agent.metrics(), "skyferry_consecutive_failures", target=TARGET_NAME) == 0

    # A rejection needs an operator: it is retried after at least 10 s, not with the fast backoff.
    rejected = 1  # requests[0] was the first success, requests[1] the AccessDenied
    assert len(requests) > rejected + 1, "the rejected refresh was never retried during the outage"
    gap = requests[rejected + 1].time - requests[rejected].time
    assert gap >= 10 - 0.2, f"a rejection was retried after {gap:.1f}s (expected >= 10 s)"


def test_before_the_first_credentials_not_ready_and_sigterm_stops_an_inflight_exchange(ws, fake_sts):
    fake_sts.script(hang(30))
    agent = start(ws, fake_sts, {"expiryMarginSeconds": MARGIN, "requestTimeoutSeconds": 20})
    agent.wait_for(lambda: fake_sts.requests, 5, "the first exchange to be in flight")
    status, body = agent.get("/readyz")
    assert (status, body) == (503, f"{TARGET_NAME}: no credentials yet\n")
    samples = agent.metrics()
    assert metric(samples, "skyferry_credentials_expiry_seconds", target=TARGET_NAME) == -1

    code, took = agent.signal(signal.SIGTERM)
    assert code == 0, agent.describe()
    assert took <= STOP_SECONDS, f"took {took:.2f}s to stop during an exchange"
    assert not ws.output.exists()


def test_sigterm_during_a_hanging_refresh_leaves_the_file_intact(ws, fake_sts):
    fake_sts.script(success(duration_seconds=12), hang(30))
    agent = start(ws, fake_sts, {"expiryMarginSeconds": MARGIN, "requestTimeoutSeconds": 20})
    first_key = agent.wait_for(lambda: key_in_file(ws.output), 10, "the first credentials file")
    before = ws.output.read_bytes()
    agent.wait_for(lambda: len(fake_sts.requests) >= 2, 10, "the refresh to be in flight")

    code, took = agent.signal(signal.SIGTERM)
    assert code == 0, agent.describe()
    assert took <= STOP_SECONDS, f"took {took:.2f}s to stop during a refresh"
    assert ws.output.read_bytes() == before and key_in_file(ws.output) == first_key
    assert sorted(p.name for p in ws.out_dir.iterdir()) == ["credentials"], "left temporary files behind"


@pytest.mark.parametrize("offset", [300, -300], ids=["sts-ahead", "sts-behind"])
def test_clock_skew_is_logged_and_exported(ws, offset):
    with FakeSTS(date_offset_seconds=offset) as sts:
        agent = start(ws, sts, {"expiryMarginSeconds": MARGIN})
        line = agent.wait_for_log("clock.skew=", 10)
        assert " warning " in f" {line} " and f"target.name={TARGET_NAME}" in line, line
        skew = int(line.split("clock.skew=", 1)[1].split()[0].rstrip("s"))
        assert abs(skew - offset) <= 2, line
        agent.wait_for(lambda: key_in_file(ws.output), 10, "the credentials file")
        gauge = metric(agent.metrics(), "skyferry_clock_skew_seconds", target=TARGET_NAME)
        assert gauge is not None and abs(gauge - offset) <= 2, gauge

        code, took = agent.signal(signal.SIGINT)
        assert code == 0, agent.describe()
        assert took <= STOP_SECONDS, f"took {took:.2f}s to stop on SIGINT"


def test_small_skew_is_not_logged(ws):
    with FakeSTS(date_offset_seconds=30) as sts:
        agent = start(ws, sts, {"expiryMarginSeconds": MARGIN})
        agent.wait_for(lambda: key_in_file(ws.output), 10, "the credentials file")
        gauge = metric(agent.metrics(), "skyferry_clock_skew_seconds", target=TARGET_NAME)
        assert gauge is not None and abs(gauge - 30) <= 2, gauge
        assert "clock.skew=" not in agent.stderr, "30 s is within clockSkewWarningSeconds (60)"


@pytest.mark.parametrize(
    "lifetime, fraction, expected_left",
    [(20, 0.3, 14), (10, 0.9, 5)],
    ids=["lifetimeFraction-0.3", "capped-5s-before-expiry"],
)
def test_refresh_follows_lifetime_fraction_but_never_within_5s_of_expiry(ws, fake_sts, lifetime, fraction, expected_left):
    fake_sts.script(success(duration_seconds=lifetime))
    agent = start(ws, fake_sts, {"expiryMarginSeconds": 2, "lifetimeFraction": fraction, "jitterFraction": 0})
    first = agent.wait_for(lambda: key_in_file(ws.output), 10, "the first credentials file")
    expires = issued_expirations(fake_sts)[first]
    second = agent.wait_for(lambda: (k := key_in_file(ws.output)) != first and k, lifetime, "the first refresh",
                            interval=0.02)
    left = expires - time.time()
    assert second in issued_expirations(fake_sts)
    # Expiration has whole seconds (up to 1 s early); 0.3 s for polling and process scheduling.
    assert expected_left - 1.3 <= left <= expected_left + 0.3, f"refreshed {left:.2f}s before expiry"
