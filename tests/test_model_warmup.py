"""The test run's warm-up of the shipped triage model (tests/model_warmup.py): a worker that
starts while another warms up waits for it and loads its model instead of fitting too."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from admin.triage_cache import ModelCache
from admin.triage_fit import fitted_bytes, model_digest
from router.model import Example
from tests.model_warmup import LOCK_NAME, one_at_a_time, warm_up
from tests.router.shipped import loaded_or_fitted
from tests.router.test_model import EXAMPLES

WITHIN = 10.0
"""Seconds the waiting worker has to reach the lock."""


def wait_until_waiting(lock: Path) -> None:
    """Until a process or thread waits for `lock` (a "->" line of /proc/locks on its inode).
    The kernel tells no one when a wait begins, so this asks it, within a bound."""
    inode = f":{os.stat(lock).st_ino} "
    deadline = time.monotonic() + WITHIN
    while not any(
        "->" in line and inode in line for line in Path("/proc/locks").read_text().splitlines()
    ):
        assert time.monotonic() < deadline, "nobody waited for the warm-up's lock"
        time.sleep(0.02)


def test_a_worker_waits_for_the_warm_up_under_way_and_loads_its_model(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path / "complaint-bot" / "triage")
    fits: list[int] = []

    def counted(examples: Sequence[Example]) -> bytes:
        fits.append(len(examples))
        return fitted_bytes(examples)

    with ThreadPoolExecutor(1) as other_worker:
        with one_at_a_time(tmp_path):  # this worker warms up first
            waiting = other_worker.submit(
                warm_up, tmp_path, lambda: loaded_or_fitted(cache, EXAMPLES, counted)
            )
            wait_until_waiting(tmp_path / LOCK_NAME)
            mine = loaded_or_fitted(cache, EXAMPLES, counted)
        waiting.result(timeout=WITHIN)
    assert fits == [len(EXAMPLES)]  # this worker's fit alone: the other loaded it
    loaded = cache.load(model_digest(EXAMPLES))
    assert loaded is not None and loaded.trained.digest == mine.digest
