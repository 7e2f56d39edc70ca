"""Which instance does what only one may do, when several bot processes share one PostgreSQL
database: PostgreSQL advisory locks, scoped to the schema the store lives in.

- `startup_lock`: start-up's store work (the schema upgrade, the settings' rule set, departments
  and agents) runs in one instance at a time; two instances started together on an empty
  database would otherwise both create alembic_version, and one would crash. The second waits,
  then finds the schema current.
- `PostgresLeadership` (channels.base.Leadership): one instance polls Telegram, one polls each
  IMAP mailbox. The lock is session-level, held on a dedicated connection kept open: when the
  holder dies its connection drops and PostgreSQL frees the lock; the others try every
  `retry_every` and the first to try takes over. The holder checks its connection as often, so
  it stops polling when the connection is gone (the server may then give the lock away).

SQLite is served by one process, so `SoleLeadership` holds every lock at once, and start-up
needs no lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import psycopg
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from complaints.errors import StoreUnavailable
from store.database import Database

log = logging.getLogger(__name__)

STARTUP = "store-startup"
KEEPALIVE = (
    "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3"
)
"""On the holder's connection: the server drops it within about 25 s when the holder's machine
vanishes without closing it (a kill -9 closes it at once), so the lock is freed that soon."""


def advisory_key(schema: str, name: str) -> int:
    """The 64-bit key of lock `name` for the store in `schema`: two deployments in one database
    but different schemas do not share locks (PostgreSQL's advisory locks are per database)."""
    digest = hashlib.blake2b(f"{schema}/{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextlib.contextmanager
def startup_lock(database: Database) -> Iterator[None]:
    """Hold the start-up lock for the block (PostgreSQL); on SQLite, nothing to hold.

    Waits as long as the instance that holds it takes: its migration must finish first. If that
    instance dies its connection drops, and this one goes on. The lock's connection is closed,
    not returned to the pool, so the lock can never outlive the block."""
    if database.is_sqlite:
        yield
        return
    try:
        connection = database.writer.connect()
    except OperationalError as error:
        raise StoreUnavailable(str(error.orig).strip()) from error
    with connection:
        try:
            automatic = connection.execution_options(isolation_level="AUTOCOMMIT")
            schema = automatic.execute(sa.text("SELECT current_schema()")).scalar_one()
            key = {"key": advisory_key(schema, STARTUP)}
            if not automatic.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), key).scalar():
                log.info("store: another instance is upgrading the store; waiting for it")
                automatic.execute(sa.text("SELECT pg_advisory_lock(:key)"), key)
            yield
        finally:
            connection.invalidate()


class SoleLeadership:
    """One process on SQLite: every lock is held at once and never lost."""

    @contextlib.asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[asyncio.Event]:
        yield asyncio.Event()


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


def leadership_for(
    database: Database, retry_every: timedelta
) -> SoleLeadership | PostgresLeadership:
    """The leadership that fits the store."""
    if database.is_sqlite:
        return SoleLeadership()
    return PostgresLeadership(database.writer.url, retry_every)
