"""APScheduler only triggers: a few periodic jobs run the sweeps, and the database decides what
is due, so a missed run is simply caught up by the next (`misfire_grace_time=None`) and a
restart loses nothing. Two instances may both run the jobs: the sweeps claim rows with
`FOR UPDATE SKIP LOCKED`. bot.py also runs the rule book's refresh here, every few seconds, so
each instance routes with the rules another one published."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler


@contextlib.contextmanager
def periodic(jobs: Mapping[str, Callable[[], Awaitable[Any]]], every: timedelta) -> Iterator[None]:
    """Run each job now and then every `every`, never two runs of one job at once, until the
    block ends."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    for name, run in jobs.items():
        scheduler.add_job(
            run,
            "interval",
            seconds=every.total_seconds(),
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            id=name,
        )
    scheduler.start()
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)
