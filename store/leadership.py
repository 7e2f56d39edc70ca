"""Which instance does what only one may do, when several bot processes share one PostgreSQL
database: PostgreSQL advisory locks, scoped to the schema the store lives in.

- `startup_lock`: start-up's store work (the schema upgrade, the settings' rule set, departments
  and agents) runs in one instance at a time; two instances started together on an empty
  database would otherwise both create alembic_version, and one would crash. The second waits,
  then finds the schema current.
- `PostgresLeadership` (store.pg_leadership; channels.base.Leadership): one instance polls
  Telegram, one polls each IMAP mailbox. The lock is session-level, held on a dedicated
  connection kept open: when the holder dies its connection drops and PostgreSQL frees the
  lock; the others try every
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
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from complaints.errors import StoreUnavailable
from store.database import Database

if TYPE_CHECKING:
    from store.pg_leadership import PostgresLeadership

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
def advisory_lock(
    database: Database,
    name: str,
    waiting_message: str,
    *,
    logger: logging.Logger = log,
    timeout: timedelta | None = None,
) -> Iterator[bool]:
    """Hold the advisory lock `name` of this store for the block (PostgreSQL; on SQLite,
    nothing to hold); yields whether another instance held it first. `waiting_message` is
    logged to `logger` (the caller's) before waiting for it.

    The lock is session-level on a connection of its own, closed rather than returned to the
    pool, so it can never outlive the block; if the holder dies its connection drops and this
    one goes on. `timeout` bounds the wait (`lock_timeout`, on this connection only): past it,
    StoreUnavailable."""
    if database.is_sqlite:
        yield False
        return
    try:
        connection = database.writer.connect()
    except OperationalError as error:
        raise StoreUnavailable(str(error.orig).strip()) from error
    with connection:
        try:
            automatic = connection.execution_options(isolation_level="AUTOCOMMIT")
            schema = automatic.execute(sa.text("SELECT current_schema()")).scalar_one()
            key = {"key": advisory_key(schema, name)}
            taken = automatic.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), key).scalar()
            if not taken:
                logger.info(waiting_message)
                _wait(automatic, key, name, timeout)
            yield not taken
        finally:
            connection.invalidate()


def _wait(
    connection: sa.Connection, key: dict[str, int], name: str, timeout: timedelta | None
) -> None:
    """Wait for the lock `key`, at most `timeout` when one is given."""
    if timeout is not None:
        milliseconds = int(timeout.total_seconds() * 1000)
        connection.execute(sa.text(f"SET lock_timeout = {milliseconds}"))
    try:
        connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), key)
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        raise StoreUnavailable(
            f"another instance has held the store's lock {name} for over {timeout}; if it is "
            "stuck, stop it (its lock is then freed) and start this instance again"
        ) from error


@contextlib.contextmanager
def startup_lock(database: Database) -> Iterator[None]:
    """Hold the start-up lock for the block (PostgreSQL); on SQLite, nothing to hold.

    Waits as long as the instance that holds it takes: its migration must finish first. If that
    instance dies its connection drops, and this one goes on."""
    with advisory_lock(
        database, STARTUP, "store: another instance is upgrading the store; waiting for it"
    ):
        yield


class SoleLeadership:
    """One process on SQLite: every lock is held at once and never lost."""

    @contextlib.asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[asyncio.Event]:
        yield asyncio.Event()


def leadership_for(
    database: Database, retry_every: timedelta
) -> SoleLeadership | PostgresLeadership:
    """The leadership that fits the store. psycopg is imported only for PostgreSQL: a bot on
    SQLite does not carry it (about 7 MB resident)."""
    if database.is_sqlite:
        return SoleLeadership()
    from store.pg_leadership import PostgresLeadership

    return PostgresLeadership(database.writer.url, retry_every)
