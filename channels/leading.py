"""Run a poller only while this instance leads it: the Telegram long poll and the IMAP poller
are each run by one instance at a time when several share a PostgreSQL store.

`Leading` waits for the lock (`Leadership.hold`), starts the poller, and stops it when the hold
is lost or the channel stops; after a loss it waits for the lock again, so an instance whose
database connection came back takes over again when the other one is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from channels.base import Leadership

log = logging.getLogger(__name__)

START_RETRY = 5.0
"""Seconds before a poller that failed to start is tried again (its lock released meanwhile,
so another instance may take it)."""


class Leading:
    """`start()` and `stop()` of a poller, run while this instance holds the lock `name`."""

    def __init__(
        self,
        leadership: Leadership,
        name: str,
        start: Callable[[], Awaitable[None]],
        stop: Callable[[], Awaitable[None]],
    ) -> None:
        """`name` is the lock and appears in the log: no personal data in it."""
        self.leadership = leadership
        self.name = name
        self._start = start
        self._stop = stop
        self._task: asyncio.Task[None] | None = None
        self.leading = asyncio.Event()
        """Set while this instance holds the lock and its poller runs."""

    async def start(self) -> None:
        """Begin competing for the lock in the background; returns at once."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._lead(), name=f"leading {self.name}")

    async def stop(self) -> None:
        """Stop the poller if it runs and give the lock up."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _lead(self) -> None:
        while True:
            async with self.leadership.hold(self.name) as lost:
                if await self._run_until(lost):
                    log.warning("%s: lost the lock (database connection); stopped", self.name)
                    continue
            await asyncio.sleep(START_RETRY)

    async def _run_until(self, lost: asyncio.Event) -> bool:
        """Run the poller until the hold is lost (True) or it failed to start (False)."""
        try:
            await self._start()
        except Exception as error:
            # e.g. Telegram unreachable: let go of the lock, so a healthier instance may lead
            log.warning("%s: could not start (%s); trying again", self.name, type(error).__name__)
            with contextlib.suppress(Exception):
                await self._stop()
            return False
        log.info("%s: this instance leads", self.name)
        self.leading.set()
        try:
            await lost.wait()
        finally:
            self.leading.clear()
            await self._stop()
        return True
