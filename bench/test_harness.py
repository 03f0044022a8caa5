"""Self-test of bench/harness.py; needs no Swift binary: .venv/bin/python -m pytest -q bench/test_harness.py"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402


def test_percentile_interpolates_between_closest_ranks() -> None:
    values = [4.0, 1.0, 3.0, 2.0]  # sorted 1 2 3 4; h = 3p/100
    assert harness.percentile(values, 0) == 1.0
    assert harness.percentile(values, 100) == 4.0
    assert harness.percentile(values, 50) == 2.5
    assert harness.percentile(values, 90) == pytest.approx(3.7)
    assert harness.percentile(values, 99) == pytest.approx(3.97)
    assert harness.percentile([7.0], 90) == 7.0
    ten = list(range(1, 11))  # h = 9p/100
    assert harness.percentile(ten, 90) == pytest.approx(9.1)
    assert harness.percentile(ten, 25) == pytest.approx(3.25)


def test_percentile_matches_statistics_quantiles_inclusive() -> None:
    values = [0.031, 0.029, 0.044, 0.027, 0.035, 0.030, 0.052, 0.028, 0.033, 0.041, 0.026]
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    assert [harness.percentile(values, 10 * i) for i in range(1, 10)] == pytest.approx(deciles)
    assert harness.percentile(values, 50) == statistics.median(values)


def test_percentile_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        harness.percentile([], 50)
    with pytest.raises(ValueError):
        harness.percentile([1.0], 101)


def test_summary_exact() -> None:
    s = harness.summary([5.0, 1.0, 4.0, 2.0, 3.0])
    assert s == harness.Summary(n=5, median=3.0, p90=pytest.approx(4.6), p99=pytest.approx(4.96), min=1.0, max=5.0)
    even = harness.summary([1, 2, 3, 4])
    assert (even.n, even.median, even.min, even.max) == (4, 2.5, 1, 4)
    ms = harness.summary([0.001, 0.003]).scaled(1000)
    assert (ms.median, ms.min, ms.max) == pytest.approx((2.0, 1.0, 3.0))
    assert ms.cells(("median", "max"), "{:.2f} ms") == ["2.00 ms", "3.00 ms"]


def test_markdown_table() -> None:
    table = harness.markdown_table(["command", "median (ms)"], [["a", "1.0"], ["b", 2]])
    assert table == "| command | median (ms) |\n|---|---:|\n| a | 1.0 |\n| b | 2 |"
    assert harness.markdown_table(["x", "y"], [], align="rr").splitlines()[1] == "|---:|---:|"
    with pytest.raises(ValueError):
        harness.markdown_table(["x", "y"], [["only one"]])


def test_interleaved_alternates_the_order() -> None:
    calls: list[str] = []

    def case(name: str):
        return lambda: calls.append(name) or 1.0

    samples = harness.interleaved({"A": case("A"), "B": case("B")}, runs=3, warmup=1)
    assert calls == ["A", "B", "A", "B", "B", "A", "A", "B"]
    assert samples == {"A": [1.0, 1.0, 1.0], "B": [1.0, 1.0, 1.0]}


def test_memory_and_cpu_of_this_process() -> None:
    pid = os.getpid()
    sum(i * i for i in range(200_000))  # some CPU time
    memory = harness.memory_kib(pid)
    assert memory.rss > 0 and memory.hwm >= memory.rss
    assert 0 < memory.pss <= memory.rss
    assert 0 < memory.uss <= memory.rss
    assert memory.anonymous > 0
    assert harness.vm_rss_kib(pid) > 0 and harness.vm_hwm_kib(pid) > 0
    assert harness.cpu_seconds(pid) > 0
    assert harness.thread_count(pid) >= 1 and harness.context_switches(pid) >= 0


def test_processes_ports_and_timing(tmp_path: Path) -> None:
    port = harness.free_port()
    assert 0 < port < 65536
    elapsed = harness.time_process([sys.executable, "-c", "pass"], env=dict(os.environ))
    assert 0 < elapsed < 30
    with pytest.raises(SystemExit):
        harness.time_process([sys.executable, "-c", "raise SystemExit(3)"], env=dict(os.environ))
    marker = tmp_path / "ready"
    log = tmp_path / "child.log"
    script = f"import pathlib, sys, time; print('hello', file=sys.stderr, flush=True); pathlib.Path({str(marker)!r}).touch(); time.sleep(60)"
    with harness.running([sys.executable, "-c", script], log=log) as child:
        harness.wait_until(marker.exists, "child", timeout=20, process=child, log=log)
        assert child.poll() is None
    assert child.poll() is not None  # stopped at the end of the block
    assert log.read_text() == "hello\n"
    with pytest.raises(SystemExit, match="quitter exited"):
        quitter = harness.start_process([sys.executable, "-c", "pass"])
        harness.wait_until(lambda: False, "quitter", timeout=20, process=quitter)
    assert harness.http_get(f"http://127.0.0.1:{harness.free_port()}/")[0] == 0
