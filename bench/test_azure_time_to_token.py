"""Self-test of bench/azure_time_to_token.py: .venv/bin/python -m pytest -q bench/test_azure_time_to_token.py

Two interleaved runs (one warm-up) against $SKYFERRY_BIN (else the release build, else the debug build), the
fakes in the benchmark's own process; without a binary the test is skipped. The benchmark itself checks every
run's token against the fake Entra ID and exits non-zero if one is wrong.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import harness  # noqa: E402


def test_azure_time_to_token_with_two_runs() -> None:
    binary = harness.default_skyferry(debug_fallback=True)
    if not os.access(binary, os.X_OK):
        pytest.skip(f"no skyferry binary at {binary}")
    proc = subprocess.run([sys.executable, str(BENCH / "azure_time_to_token.py"), "--skyferry", str(binary),
                           "--runs", "2", "--warmup", "1"], capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line.split(" | ") for line in proc.stdout.splitlines() if line.startswith("| ")][1:]
    assert [row[0] for row in rows] == ["| skyferry agent --once",
                                        "| azure-identity WorkloadIdentityCredential (python)"], proc.stdout
    for row in rows:
        median, p90, low, high = (float(cell.rstrip(" |")) for cell in row[1:])
        assert 0 < low <= median <= p90 <= high, row
    assert "Ratio of medians (azure-identity / skyferry): " in proc.stdout
    assert "The fake verified and answered 6 token requests" in proc.stdout
