"""`PostgresLeadership`: which instance polls Telegram and each IMAP mailbox when several bot
processes share one PostgreSQL database (see store.leadership for the whole picture). A module of
its own so that a bot on SQLite never imports psycopg."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import psycopg
import sqlalchemy as sa

from store.leadership import KEEPALIVE, advisory_key

log = logging.getLogger(__name__)


class PostgresLeadership:
    """Advisory locks on dedicated connections (see the module's docstring)."""

    def __init__(self, url: sa.URL, retry_every: timedelta) -> None:
        """`url` is the store's (SQLAlchemy's form, any driver name)."""
        self._conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.retry_every = retry_every.total_seconds()
        self._lost: set[str] = set()
        """Locks whose hold was lost: competing for them again waits a little (below)."""

    @contextlib.asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[asyncio.Event]:
        connection = await self._acquire(name)
        lost = asyncio.Event()
        watch = asyncio.create_task(self._watch(connection, lost), name=f"lock watch {name}")
        try:
            yield lost
        finally:
            if lost.is_set():
                self._lost.add(name)
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
            with contextlib.suppress(psycopg.Error, OSError):
                await connection.close()  # frees the lock

    async def _acquire(self, name: str) -> psycopg.AsyncConnection:
        """A connection that holds lock `name`, trying every `retry_every` until it does."""
        told = False
        connection: psycopg.AsyncConnection | None = None
        if name in self._lost:
            # This instance's connection just failed: give a healthy instance the first try.
            self._lost.discard(name)
            await asyncio.sleep(2 * self.retry_every)
        try:
            while True:
                try:
                    if connection is None or connection.closed:
                        connection = await self._connect()
                    if await _try_lock(connection, name):
                        held, connection = connection, None
                        return held
                    if not told:
                        log.info(
                            "%s: another instance holds the lock; trying every %g s",
                            name,
                            self.retry_every,
                        )
                except (psycopg.Error, OSError) as error:
                    if connection is not None:
                        await connection.close()
                        connection = None
                    if not told:
                        log.warning(
                            "%s: cannot reach the store to take the lock (%s); trying every %g s",
                            name,
                            type(error).__name__,
                            self.retry_every,
                        )
                told = True
                await asyncio.sleep(self.retry_every)
        finally:
            if connection is not None:
                await connection.close()

    async def _connect(self) -> psycopg.AsyncConnection:
        timeout = max(1, round(self.retry_every))
        connection = await psycopg.AsyncConnection.connect(
            self._conninfo, autocommit=True, connect_timeout=timeout
        )
        await connection.execute(KEEPALIVE)
        return connection

    async def _watch(self, connection: psycopg.AsyncConnection, lost: asyncio.Event) -> None:
        """Set `lost` when the holding connection stops answering."""
        while True:
            await asyncio.sleep(self.retry_every)
            try:
                async with asyncio.timeout(self.retry_every):
                    await connection.execute("SELECT 1")
            except (psycopg.Error, OSError, TimeoutError):
                lost.set()
                return


async def _try_lock(connection: psycopg.AsyncConnection, name: str) -> bool:
    cursor = await connection.execute("SELECT current_schema()")
    schema = (await cursor.fetchone() or ("",))[0]
    key = advisory_key(str(schema), name)
    cursor = await connection.execute("SELECT pg_try_advisory_lock(%s)", (key,))
    row = await cursor.fetchone()
    return bool(row and row[0])
