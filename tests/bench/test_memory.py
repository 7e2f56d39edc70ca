"""bench/memory.py at a tiny size, and the memory setting it measures kept alike wherever the bot
is started for real."""

from __future__ import annotations

import re
from pathlib import Path

from tests.bench.test_bench_smoke import check_result, run_bench

ROOT = Path(__file__).resolve().parents[2]
THRESHOLD = re.compile(r"MALLOC_MMAP_THRESHOLD_=\D*(\d+)")


def test_memory_bench_reports_each_start_beside_the_baseline() -> None:
    out, result = run_bench("bench/memory.py", "--requests", "20", "--connections", "4")
    for label in ("baseline", "bot, first start (fits)", "bot, restart (loads model)"):
        assert f"{label}, started" in out
        assert f"{label}, after load" in out
    # the first start has a model cache of its own, empty: it fits, in child processes
    [child_peak] = re.findall(r"fit child processes of the first start: ([\d.]+) MB", out)
    assert float(child_peak) > 0, out
    check_result(result, "memory")


def test_run_bot_and_the_service_give_the_bot_the_same_malloc_threshold() -> None:
    """bench/memory.py measures the bot as run-bot starts it; the service must match."""
    script = THRESHOLD.findall((ROOT / "run-bot").read_text(encoding="utf-8"))
    unit = THRESHOLD.findall((ROOT / "deploy/complaint-bot.service").read_text(encoding="utf-8"))
    assert script == unit == ["131072"]
