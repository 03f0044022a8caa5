"""Self-test of bench/memory.py: .venv/bin/python -m pytest -q bench/test_memory.py

The mapping breakdown runs on this Python process; the benchmark itself runs with two agents and
seconds instead of minutes, against $SKYFERRY_BIN (else the release build, else the debug build);
without a binary that test is skipped.
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
import memory  # noqa: E402


def test_anonymous_breakdown_accounts_for_the_anonymous_memory_of_this_process() -> None:
    held = bytearray(8 << 20)  # 8 MiB touched: a large allocation of its own mapping
    held[::4096] = b"x" * len(held[::4096])
    kinds = memory.anonymous_breakdown(os.getpid(), Path(sys.executable))
    total = harness.smaps_rollup_kib(os.getpid())["Anonymous"]
    assert sum(kinds.values()) == pytest.approx(total, rel=0.05)
    assert kinds.get("other anonymous mappings (large allocations, runtime)", 0) >= 8 << 10
    assert "brk heap (main arena)" in kinds
    del held


def test_memory_benchmark_with_two_agents() -> None:
    binary = harness.default_skyferry(debug_fallback=True)
    if not os.access(binary, os.X_OK):
        pytest.skip(f"no skyferry binary at {binary}")
    proc = subprocess.run([sys.executable, str(BENCH / "memory.py"), "--skyferry", str(binary), "--agents", "1,2",
                           "--interval", "0.2", "--warm-up", "2", "--seconds", "2", "--breakdown"],
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line.split(" | ") for line in proc.stdout.splitlines() if line.startswith(("| 1 |", "| 2 |"))]
    assert [row[0] for row in rows] == ["| 1", "| 2"], proc.stdout
    for row in rows:
        rss, pss, anonymous = (float(cell.split()[0]) for cell in (row[1], row[3], row[5]))
        assert 0 < anonymous <= pss <= rss, row
        polls = row[8].rstrip(" |").split("–")
        assert int(polls[0]) >= 1, row
    assert "Anonymous memory of one agent of 1" in proc.stdout
