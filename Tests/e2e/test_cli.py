"""The command line outside `agent`."""

from __future__ import annotations

import re
from pathlib import Path

from e2e_support import run


def test_version_prints_a_version(ws):
    result = run([str(ws.skyferry_bin), "version"], ws.env, timeout=30)
    assert result.returncode == 0, result
    assert result.stdout.strip(), result


def test_help_lists_every_documented_exit_code(ws):
    """`skyferry --help` (generated from `CommandExitStatus`) states each row of docs/configuration.md's table."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    table = page.split("### Exit codes", 1)[1]
    rows = re.findall(r"^\| `(\d+)` \| (.+?) \|$", table, flags=re.MULTILINE)
    assert [code for code, _ in rows] == ["0", "1", "2", "3", "4", "5", "6", "7", "64"], rows
    result = run([str(ws.skyferry_bin), "--help"], ws.env, timeout=30)
    assert result.returncode == 0, result
    text = " ".join(result.stdout.split())
    for code, meaning in rows:
        assert f"{code} {meaning}" in text, (code, meaning, text)
