"""APScheduler only triggers: a few periodic jobs run the sweeps, and the database decides what
is due, so a missed run is simply caught up by the next (`misfire_grace_time=None`) and a
restart loses nothing. Two instances may both run the jobs: the sweeps claim rows with
`FOR UPDATE SKIP LOCKED`. bot.py also runs the rule book's refresh here, every few seconds, so
each instance routes with the rules another one published."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler


class _ExpectedSkips(logging.Filter):
    """Drops APScheduler's warning that a run was skipped because the job's last run is still
    going: that is `max_instances=1` doing its job (a triage refresh fitting for minutes skips
    the runs due meanwhile, and the next run catches up), not a problem for whoever reads
    the warnings; it came once a minute for as long as a fit lasted."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in str(record.msg)


@contextlib.contextmanager
def periodic(jobs: Mapping[str, Callable[[], Awaitable[Any]]], every: timedelta) -> Iterator[None]:
    """Run each job now and then every `every`, never two runs of one job at once, until the
    block ends."""
    # APScheduler writes four INFO lines per run ("Running job", "executed successfully", ...)
    # that say nothing the jobs' own lines do not; its warnings (a run missed, a job that
    # raised) still show.
    apscheduler = logging.getLogger("apscheduler")
    apscheduler.setLevel(max(logging.WARNING, apscheduler.level))
    skips = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(each, _ExpectedSkips) for each in skips.filters):
        skips.addFilter(_ExpectedSkips())
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
