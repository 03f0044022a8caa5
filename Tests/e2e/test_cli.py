"""The command line outside `agent`."""

from __future__ import annotations

from e2e_support import run


def test_version_prints_a_version(ws):
    result = run([str(ws.skyferry_bin), "version"], ws.env, timeout=30)
    assert result.returncode == 0, result
    assert result.stdout.strip(), result
