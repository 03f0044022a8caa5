"""Helpers for the `skyferry doctor` end-to-end tests: running it, and reading its JSON report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from e2e_support import AgentRun, run

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2


def doctor(ws: Any, config: Path, *extra: str, env: dict[str, str] | None = None, timeout: float = 60) -> AgentRun:
    """`skyferry doctor --config CONFIG EXTRA…` with the workspace's isolated environment."""
    return run([str(ws.skyferry_bin), "doctor", "--config", str(config), *extra], env or ws.env, timeout)


def doctor_json(ws: Any, config: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[AgentRun, dict[str, Any]]:
    result = doctor(ws, config, "--output", "json", *extra, env=env)
    assert result.returncode in (EXIT_OK, EXIT_FAILED), result
    return result, json.loads(result.stdout)


def step(report: dict[str, Any], check: str, target: int = 0) -> dict[str, Any]:
    """The step named `check` of the report's `target`-th target (or of the agent-wide checks)."""
    steps = report["agent"] if target < 0 else report["targets"][target]["steps"]
    matches = [s for s in steps if s["check"] == check]
    assert matches, f"no {check!r} step in {[s['check'] for s in steps]}"
    return matches[0]


def statuses(report: dict[str, Any], target: int = 0) -> dict[str, str]:
    return {s["check"]: s["status"] for s in report["targets"][target]["steps"]}


def assert_no_secrets(result: AgentRun, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in result.stdout and secret not in result.stderr, "doctor printed a token or credential"
