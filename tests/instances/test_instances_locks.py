"""The poller locks on PostgreSQL, in one process: a second holder waits while the first holds;
when the first one's connection is cut (as when its process dies or the server drops it), its
poller stops, the other takes the lock, and the first leads again once the other lets go."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import psycopg
import pytest

from channels.leading import Leading
from store.database import Database
from store.leadership import advisory_key
from store.pg_leadership import PostgresLeadership

RETRY = timedelta(milliseconds=200)
WITHIN = 10.0


@pytest.fixture
async def leaderships(shared_store: str) -> AsyncIterator[tuple[PostgresLeadership, ...]]:
    database = Database(shared_store)
    try:
        yield tuple(PostgresLeadership(database.writer.url, RETRY) for _ in range(2))
    finally:
        database.close()


def holder_of(url: str, name: str) -> int | None:
    """The backend pid that holds lock `name` of the store at `url`."""
    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute("SELECT current_schema()").fetchone()
        assert row is not None
        key = advisory_key(row[0], name) & 0xFFFFFFFFFFFFFFFF
        found = connection.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s AND objid = %s AND objsubid = 1",
            (key >> 32, key & 0xFFFFFFFF),
        ).fetchone()
        return None if found is None else int(found[0])


class Poller:
    """Counts its starts and stops, as a channel's poller would run and end."""

    def __init__(self) -> None:
        self.running = False
        self.starts = 0
        self.changed = asyncio.Event()

    async def start(self) -> None:
        self.running, self.starts = True, self.starts + 1
        self.changed.set()

    async def stop(self) -> None:
        self.running = False
        self.changed.set()

    async def until(self, running: bool, starts: int) -> None:
        async with asyncio.timeout(WITHIN):
            while (self.running, self.starts) != (running, starts):
                self.changed.clear()
                await self.changed.wait()


async def test_a_cut_connection_stops_the_poller_and_the_other_instance_takes_over(
    leaderships: tuple[PostgresLeadership, PostgresLeadership], shared_store: str
) -> None:
    one, two = leaderships
    poller = Poller()
    leading = Leading(one, "mailbox", poller.start, poller.stop)
    await leading.start()
    await poller.until(running=True, starts=1)
    holder = holder_of(shared_store, "mailbox")
    assert holder is not None

    async with contextlib.AsyncExitStack() as stack:
        other = asyncio.create_task(stack.enter_async_context(two.hold("mailbox")))
        done, _ = await asyncio.wait({other}, timeout=5 * RETRY.total_seconds())
        assert not done  # it waits while the lock is held
        with psycopg.connect(shared_store, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (holder,))
        await poller.until(running=False, starts=1)  # the holder noticed and stopped
        async with asyncio.timeout(WITHIN):
            lost = await other  # the other instance took over
        assert not lost.is_set() and not leading.leading.is_set()
        assert holder_of(shared_store, "mailbox") not in (None, holder)

    await poller.until(running=True, starts=2)  # the other let go: the first leads again
    await leading.stop()
    assert not poller.running
    assert holder_of(shared_store, "mailbox") is None
