"""An invalid configuration exits 2, names the offending key, and touches nothing."""

from __future__ import annotations

import pytest

from e2e_support import AgentRun, agent_config, run, snapshot_dir, to_yaml

EXIT_CONFIG_INVALID = 2


def mutate(doc: dict, change: str) -> dict:
    target = doc["targets"][0]
    if change == "unknown-top-level-key":
        doc["sauce"] = {"tokenFile": "/dev/null"}
    elif change == "unknown-nested-key":
        target["aws"]["roleArm"] = target["aws"].pop("roleArn")
    elif change == "http-non-loopback-endpoint":
        target["aws"]["stsEndpoint"] = "http://sts.example.com"
    elif change == "bad-role-arn":
        target["aws"]["roleArn"] = "arn:aws:iam::12:role/x"
    elif change == "duration-too-short":
        target["aws"]["durationSeconds"] = 100
    elif change == "duration-too-long":
        target["aws"]["durationSeconds"] = 43201
    elif change == "missing-token-file-key":
        del doc["source"]["tokenFile"]
    elif change == "bad-mode":
        target["outputs"]["awsCredentialsFile"]["mode"] = "rw-------"
    elif change == "empty-targets":
        doc["targets"] = []
    else:
        raise AssertionError(change)
    return doc


# change -> the key the message must name
CASES = {
    "unknown-top-level-key": "sauce",
    "unknown-nested-key": "roleArm",
    "http-non-loopback-endpoint": "stsEndpoint",
    "bad-role-arn": "roleArn",
    "duration-too-short": "durationSeconds",
    "duration-too-long": "durationSeconds",
    "missing-token-file-key": "tokenFile",
    "bad-mode": "mode",
    "empty-targets": "targets",
}


@pytest.mark.parametrize("change", list(CASES))
def test_invalid_config_exits_2_and_names_the_key(ws, fake_sts, change):
    doc = mutate(agent_config(ws.token_file, ws.output, fake_sts.url), change)
    before = snapshot_dir(ws.out_dir)
    result = ws.agent(ws.raw_config(to_yaml(doc) + "\n"))

    assert result.returncode == EXIT_CONFIG_INVALID, result
    assert CASES[change] in result.failure_report
    assert fake_sts.requests == []
    assert snapshot_dir(ws.out_dir) == before


@pytest.mark.parametrize(
    "text",
    ["source: [unclosed\n", "- just\n- a list\n", ""],
    ids=["yaml-syntax-error", "not-a-mapping", "empty-file"],
)
def test_unparseable_config_exits_2(ws, fake_sts, text):
    result = ws.agent(ws.raw_config(text))
    assert result.returncode == EXIT_CONFIG_INVALID, result
    assert result.failure_report
    assert fake_sts.requests == []


def test_missing_config_file_exits_2(ws):
    missing = ws.root / "no-such-config.yaml"
    result = ws.agent(missing)
    assert result.returncode == EXIT_CONFIG_INVALID, result
    assert str(missing) in result.failure_line


# --- input limits: one size cap for files and SKYFERRY_CONFIG_YAML; nesting bounded before libyaml ------------

MAX_CONFIG_BYTES = 64 * 1024


def run_inline(ws, text: str) -> AgentRun:
    """`skyferry agent --once` with the configuration in SKYFERRY_CONFIG_YAML, as the webhook injects it."""
    return run([str(ws.skyferry_bin), "agent", "--once"], ws.env | {"SKYFERRY_CONFIG_YAML": text})


def padded(text: str, size: int) -> str:
    """A valid configuration grown to `size` bytes with a comment."""
    return text + "#" + "x" * (size - len(text.encode()) - 2) + "\n"


@pytest.mark.parametrize("via", ["file", "env"])
def test_a_configuration_over_the_cap_exits_2_whatever_it_holds(ws, fake_sts, via):
    valid = to_yaml(agent_config(ws.token_file, ws.output, fake_sts.url)) + "\n"
    at_cap, over = padded(valid, MAX_CONFIG_BYTES), padded(valid, MAX_CONFIG_BYTES + 1)
    assert len(at_cap.encode()) == MAX_CONFIG_BYTES and len(over.encode()) == MAX_CONFIG_BYTES + 1
    agent = (lambda text: ws.agent(ws.raw_config(text))) if via == "file" else (lambda text: run_inline(ws, text))

    result = agent(over)
    assert result.returncode == EXIT_CONFIG_INVALID, result
    assert f"the limit is {MAX_CONFIG_BYTES} bytes" in result.failure_line
    assert fake_sts.requests == [] and not ws.output.exists()

    accepted = agent(at_cap)
    assert accepted.returncode == 0, accepted


@pytest.mark.parametrize("via", ["file", "env"])
def test_deep_nesting_exits_2_quickly_naming_the_limit_and_line(ws, fake_sts, via):
    levels = 30_000  # 60 kB: under the size cap; a full libyaml load of it takes ~5 s (quadratic in depth)
    text = "source:\n  tokenFile: " + "[" * levels + "]" * levels + "\n"
    result = ws.agent(ws.raw_config(text)) if via == "file" else run_inline(ws, text)
    assert result.returncode == EXIT_CONFIG_INVALID, result
    assert "deeper than 64 levels (at line 2)" in result.failure_line, result
    assert result.elapsed < 3, f"took {result.elapsed:.1f} s"
    assert fake_sts.requests == []
