"""`skyferry credential-process`: the AWS CLI and boto3 run it from `credential_process = …`; its cache
means repeated and concurrent callers make one STS call per refresh window; failures print nothing
on stdout and one `skyferry: …` line on stderr."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from e2e_support import ACCOUNT, SESSION_NAME, TARGET_NAME, parse_expiration, write_config
from e2e_support import run as run_process
from fakes.fake_sts import FakeSTS, aws_error, http_status

EXPECTED_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/{SESSION_NAME}"
CACHE_NAME = re.compile(rf"credential-process-{TARGET_NAME}-[0-9a-f]+\.json")

BOTO3_WHOAMI = """
import boto3, json
session = boto3.Session()
sts = session.client("sts")
print(json.dumps({"arn": sts.get_caller_identity()["Arn"], "method": session.get_credentials().method}))
"""


def process_config(ws, metadata_url: str, sts_url: str, **overrides) -> Path:
    """gcpMetadata → AWS, and no outputs: credential-process needs none."""
    return ws.gcp_config(metadata_url, sts_url, outputs={}, **overrides)


def cli_env(ws, command: str, endpoint: str) -> dict[str, str]:
    """The isolated environment plus an AWS config whose default profile runs `command`."""
    aws_config = write_config(ws.root / "aws-config", f"[default]\nregion = us-east-1\ncredential_process = {command}\n")
    return ws.env | {"AWS_CONFIG_FILE": str(aws_config), "AWS_ENDPOINT_URL": endpoint}


def cache_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix == ".json") if directory.exists() else []


def assert_process_json(stdout: str) -> dict:
    """credential_process output: exactly the documented keys, Version 1, a UTC "Z" expiration."""
    assert stdout.endswith("\n") and stdout.count("\n") == 1, repr(stdout[:80])
    doc = json.loads(stdout)
    assert list(doc) == ["Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"]
    assert doc["Version"] == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", doc["Expiration"]), doc["Expiration"]
    return doc


def test_aws_cli_and_boto3_call_sts_with_one_exchange(ws, fake_metadata, verifying_sts, moto, aws_cli):
    cache = ws.root / "cache"
    config = process_config(ws, fake_metadata.url, verifying_sts.url)
    env = cli_env(ws, ws.credential_process_command(config, "--cache-dir", str(cache)), moto.url)

    for _ in range(2):
        cli = run_process([aws_cli, "sts", "get-caller-identity", "--output", "json"], env, timeout=60)
        assert cli.returncode == 0, cli
        assert json.loads(cli.stdout)["Arn"] == EXPECTED_ARN
    py = run_process([sys.executable, "-c", BOTO3_WHOAMI], env, timeout=60)
    assert py.returncode == 0, py
    assert json.loads(py.stdout) == {"arn": EXPECTED_ARN, "method": "custom-process"}

    # Three SDK processes, one token fetched and one exchange: the rest came from the cache.
    assert len(verifying_sts.arwwi_requests) == 1 and verifying_sts.rejections == []
    assert len(fake_metadata.identity_requests) == 1

    [entry] = cache_files(cache)
    assert CACHE_NAME.fullmatch(entry.name), entry.name
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.stat().st_mode) & 0o077 == 0, "the cache directory must be owner-only"

    # Called directly: the same cached credentials, in credential_process form.
    direct = ws.credential_process(config, "--cache-dir", str(cache))
    assert direct.returncode == 0, direct
    assert direct.stderr == "", "nothing on stderr at the default level when all is well"
    doc = assert_process_json(direct.stdout)
    issued = verifying_sts.issued[-1]
    assert (doc["AccessKeyId"], doc["SecretAccessKey"], doc["SessionToken"]) == (
        issued.access_key_id, issued.secret_access_key, issued.session_token)
    assert abs(parse_expiration(doc["Expiration"]) - parse_expiration(issued.expiration)) < 1
    assert len(verifying_sts.arwwi_requests) == 1


def test_concurrent_calls_make_exactly_one_exchange(ws, fake_metadata):
    with FakeSTS(latency_seconds=1.0) as sts:  # a slow STS keeps the first caller inside the lock
        cache = ws.root / "cache"
        config = process_config(ws, fake_metadata.url, sts.url)
        args = [str(ws.skyferry_bin), "credential-process", "--config", str(config), "--cache-dir", str(cache)]
        procs = [subprocess.Popen(args, env=ws.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(5)]
        outputs = []
        try:
            for proc in procs:
                out, err = proc.communicate(timeout=60)
                assert proc.returncode == 0, err
                outputs.append(assert_process_json(out))
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        assert len(sts.arwwi_requests) == 1, f"{len(sts.arwwi_requests)} exchanges for 5 concurrent callers"
        assert {o["AccessKeyId"] for o in outputs} == {sts.issued[0].access_key_id}


def test_no_cache_exchanges_every_time(ws, fake_metadata, fake_sts):
    config = process_config(ws, fake_metadata.url, fake_sts.url)
    keys = set()
    for _ in range(2):
        result = ws.credential_process(config, "--no-cache")
        assert result.returncode == 0, result
        keys.add(assert_process_json(result.stdout)["AccessKeyId"])
    assert len(fake_sts.arwwi_requests) == 2 and len(keys) == 2
    assert not (ws.env_home / ".cache").exists(), "--no-cache must not create a cache"


@pytest.mark.parametrize("xdg", [False, True], ids=["home", "xdg"])
def test_default_cache_directory(ws, fake_metadata, fake_sts, xdg):
    env = dict(ws.env)
    if xdg:
        env["XDG_CACHE_HOME"] = str(ws.root / "xdg")
        expected = ws.root / "xdg" / "skyferry"
    else:
        expected = ws.env_home / ".cache" / "skyferry"
    config = process_config(ws, fake_metadata.url, fake_sts.url)
    for _ in range(2):
        result = ws.credential_process(config, env=env)
        assert result.returncode == 0, result
    assert len(fake_sts.arwwi_requests) == 1
    [entry] = cache_files(expected)
    assert CACHE_NAME.fullmatch(entry.name)


@pytest.mark.parametrize(
    "remaining, lifetime, reused",
    [(1000, 3600, True), (900, 3600, False), (700, 1200, True), (500, 1200, False)],
    ids=["16min+-of-1h", "15min-of-1h", "more-than-half-of-20min", "less-than-half-of-20min"],
)
def test_cache_is_reused_while_more_than_min_16_minutes_or_half_the_lifetime_remains(
        ws, fake_metadata, fake_sts, remaining, lifetime, reused):
    """The cache entry is aged by editing its times (white-box: the cache file's issuedAt/expiration)."""
    cache = ws.root / "cache"
    config = process_config(ws, fake_metadata.url, fake_sts.url)
    first = ws.credential_process(config, "--cache-dir", str(cache))
    assert first.returncode == 0, first
    [entry] = cache_files(cache)
    doc = json.loads(entry.read_text())
    assert {"issuedAt", "expiration"} <= set(doc), f"cache format changed: {sorted(doc)}"
    now = time.time()
    doc["expiration"] = now + remaining
    doc["issuedAt"] = now + remaining - lifetime
    entry.write_text(json.dumps(doc))

    second = ws.credential_process(config, "--cache-dir", str(cache))
    assert second.returncode == 0, second
    assert len(fake_sts.arwwi_requests) == (1 if reused else 2)
    same = json.loads(second.stdout)["AccessKeyId"] == json.loads(first.stdout)["AccessKeyId"]
    assert same == reused


def test_failing_sts_the_cli_shows_the_error_and_gets_no_credentials(ws, fake_metadata, fake_sts, moto, aws_cli):
    fake_sts.script(aws_error("AccessDenied"))
    cache = ws.root / "cache"
    config = process_config(ws, fake_metadata.url, fake_sts.url)
    env = cli_env(ws, ws.credential_process_command(config, "--cache-dir", str(cache)), moto.url)

    cli = run_process([aws_cli, "sts", "get-caller-identity", "--output", "json"], env, timeout=60)
    assert cli.returncode != 0, cli
    assert cli.stdout == "", cli
    assert "custom-process" in cli.stderr and "AccessDenied" in cli.stderr, cli
    assert "skyferry: " in cli.stderr, cli
    assert cache_files(cache) == [], "a failure must not be cached"

    direct = ws.credential_process(config, "--cache-dir", str(cache))
    assert direct.returncode == 4, direct
    assert direct.stdout == ""
    assert direct.stderr.count("\n") == 1 and direct.failure_line.startswith(f'skyferry: target "{TARGET_NAME}"')


@pytest.mark.parametrize("case", ["config", "source", "rejected", "unavailable"])
def test_failure_exit_codes_match_agent_once(ws, fake_metadata, case):
    codes = {"config": 2, "source": 3, "rejected": 4, "unavailable": 5}
    with FakeSTS() as sts:
        metadata_url = fake_metadata.url
        refresh = None
        if case == "config":
            config = write_config(ws.root / "bad.yaml", "source: {gcpMetadata: {}}\ntargets: []\n")
        else:
            if case == "source":
                fake_metadata.status_override = 404
            elif case == "rejected":
                sts.script(aws_error("IDPRejectedClaim"))
            else:
                sts.script(http_status(503, "busy"))
                refresh = {"retryDeadlineSeconds": 2, "requestTimeoutSeconds": 2}
            config = process_config(ws, metadata_url, sts.url, refresh=refresh)
        result = ws.credential_process(config, "--cache-dir", str(ws.root / "cache"), timeout=30)
    assert result.returncode == codes[case], result
    assert result.stdout == "", result
    assert result.failure_line  # exactly one "skyferry: " line
    assert result.elapsed < 10


def test_target_is_chosen_with_target_flag(ws, fake_metadata, fake_sts):
    doc_text = process_config(ws, fake_metadata.url, fake_sts.url).read_text()
    second = doc_text.split("targets:\n", 1)[1].replace(f'name: "{TARGET_NAME}"', 'name: "other"').replace(
        '"skyferry-test"', '"other-session"')
    config = write_config(ws.root / "two.yaml", doc_text + second)

    ambiguous = ws.credential_process(config, "--no-cache")
    assert ambiguous.returncode == 2, ambiguous
    assert "--target" in ambiguous.failure_line

    chosen = ws.credential_process(config, "--no-cache", "--target", "other")
    assert chosen.returncode == 0, chosen
    assert fake_sts.arwwi_requests[-1].form["RoleSessionName"] == "other-session"

    unknown = ws.credential_process(config, "--no-cache", "--target", "nope")
    assert unknown.returncode == 2, unknown
    assert "nope" in unknown.failure_line


# --- cache hygiene: nothing in the cache is used unless this user alone wrote it -----------------------------


def plant(entry: Path, access_key_id: str) -> None:
    """Rewrite a cache entry with other keys and a far expiry: what an attacker's file would look like."""
    doc = json.loads(entry.read_text())
    now = time.time()
    doc.update(accessKeyID=access_key_id, issuedAt=now, expiration=now + 3600)
    entry.write_text(json.dumps(doc))


@pytest.mark.parametrize("tamper", ["owner-65534", "mode-0666"])
def test_a_cache_file_this_user_did_not_write_alone_is_not_used(ws, fake_metadata, fake_sts, tamper):
    cache = ws.root / "cache"
    config = process_config(ws, fake_metadata.url, fake_sts.url)
    first = ws.credential_process(config, "--cache-dir", str(cache))
    assert first.returncode == 0, first
    [entry] = cache_files(cache)
    plant(entry, "ASIAPLANTEDPLANTED")
    if tamper == "owner-65534":
        os.chown(entry, 65534, 65534)
        expected = "is owned by uid 65534"
    else:
        entry.chmod(0o666)
        expected = "has mode 0666"

    second = ws.credential_process(config, "--cache-dir", str(cache))
    assert second.returncode == 0, second  # the SDK still gets credentials: fresh ones
    doc = assert_process_json(second.stdout)
    assert doc["AccessKeyId"] != "ASIAPLANTEDPLANTED"
    assert doc["AccessKeyId"] == fake_sts.issued[-1].access_key_id
    assert len(fake_sts.arwwi_requests) == 2, "the planted entry must not save an exchange"
    assert str(entry) in second.stderr and expected in second.stderr, second
    assert json.loads(entry.read_text())["accessKeyID"] == "ASIAPLANTEDPLANTED", "someone else's file is not replaced"


def test_a_symlinked_lock_file_is_refused_and_its_target_not_created(ws, fake_metadata, fake_sts):
    cache = ws.root / "cache"
    config = process_config(ws, fake_metadata.url, fake_sts.url)
    first = ws.credential_process(config, "--cache-dir", str(cache))
    assert first.returncode == 0, first
    [entry] = cache_files(cache)
    lock = entry.with_name(entry.name + ".lock")
    assert lock.exists()
    lock.unlink()
    entry.unlink()
    victim = ws.root / "victim-created-by-skyferry"
    lock.symlink_to(victim)

    second = ws.credential_process(config, "--cache-dir", str(cache))
    assert second.returncode == 0, second
    assert_process_json(second.stdout)
    assert not victim.exists() and not victim.is_symlink(), "the symlink's target must not be created"
    assert str(lock) in second.stderr and "symbolic link" in second.stderr, second
    assert cache_files(cache) == [], "nothing is cached without the lock"
    assert len(fake_sts.arwwi_requests) == 2


def test_a_world_writable_cache_directory_is_not_used(ws, fake_metadata, fake_sts):
    cache = ws.root / "cache"
    cache.mkdir(mode=0o700)
    cache.chmod(0o777)
    config = process_config(ws, fake_metadata.url, fake_sts.url)
    for _ in range(2):
        result = ws.credential_process(config, "--cache-dir", str(cache))
        assert result.returncode == 0, result
        assert "has mode 0777" in result.stderr, result
    assert len(fake_sts.arwwi_requests) == 2 and list(cache.iterdir()) == []


def test_a_changed_role_is_never_served_from_the_old_roles_cache(ws, fake_metadata, fake_sts):
    """The cache is keyed on the target's settings, not on the configuration file's path."""
    cache = ws.root / "cache"
    config = process_config(ws, fake_metadata.url, fake_sts.url)
    first = ws.credential_process(config, "--cache-dir", str(cache))
    assert first.returncode == 0, first
    writer_arn = f"arn:aws:iam::{ACCOUNT}:role/writer"
    edited = config.read_text().replace("role/reader", "role/writer")
    assert writer_arn in edited
    config.write_text(edited)  # same path, another role

    second = ws.credential_process(config, "--cache-dir", str(cache))
    assert second.returncode == 0, second
    assert len(fake_sts.arwwi_requests) == 2, "the writer role's credentials must come from STS"
    assert fake_sts.arwwi_requests[-1].form["RoleArn"] == writer_arn
    assert json.loads(second.stdout)["AccessKeyId"] == fake_sts.issued[-1].access_key_id
    assert json.loads(second.stdout)["AccessKeyId"] != json.loads(first.stdout)["AccessKeyId"]
    assert len(cache_files(cache)) == 2

    # And back: the reader's entry is still there and still served.
    config.write_text(edited.replace("role/writer", "role/reader"))
    third = ws.credential_process(config, "--cache-dir", str(cache))
    assert json.loads(third.stdout)["AccessKeyId"] == json.loads(first.stdout)["AccessKeyId"]
    assert len(fake_sts.arwwi_requests) == 2
