"""The engine, its sessions and the schema upgrade: the only place that knows which database runs.

SQLite (the default) allows one writer at a time, and writers that contend from a thread pool
wait on each other's locks with long tail latencies; so every write runs on one dedicated
thread, in order, and reads run beside it (WAL lets them). PostgreSQL gets a small pool of
writer threads instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlmodel import Session

from complaints.errors import StoreUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def engine_url(url: str) -> str:
    """Accept the usual `postgresql://` spelling and use the psycopg 3 driver for it."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


class Database:
    def __init__(
        self, url: str, busy_timeout: timedelta = timedelta(seconds=5), writers: int = 4
    ) -> None:
        self.url = engine_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            database = sa.engine.make_url(self.url).database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            self.writer = _sqlite_engine(self.url, busy_timeout, immediate=True)
            self.reader = _sqlite_engine(self.url, busy_timeout, immediate=False)
            writers = 1
        else:
            self.writer = self.reader = sa.create_engine(
                self.url,
                pool_pre_ping=True,
                hide_parameters=True,
                pool_size=writers + 2,
                connect_args={"connect_timeout": max(1, int(busy_timeout.total_seconds()))},
            )
        self._writes = ThreadPoolExecutor(writers, thread_name_prefix="store-write")
        self._reads = ThreadPoolExecutor(4, thread_name_prefix="store-read")

    async def write(self, work: Callable[[Session], T], *, retry_on_conflict: bool = False) -> T:
        """Run `work` in one transaction on a writer thread; it commits when `work` returns.

        With `retry_on_conflict`, a unique-key clash (another process wrote the same row at the
        same moment, on PostgreSQL) runs `work` once more, in a new transaction that now sees
        that row: how intake answers a copy of a message that arrived twice at once."""
        try:
            return await self._run(self._writes, self.writer, work)
        except IntegrityError:
            if not retry_on_conflict:
                raise
            return await self._run(self._writes, self.writer, work)

    async def read(self, work: Callable[[Session], T]) -> T:
        return await self._run(self._reads, self.reader, work)

    def write_now(self, work: Callable[[Session], T]) -> T:
        """The synchronous form, for start-up and command-line tools outside the event loop."""
        with _unavailable_on_connection_errors():
            return _transaction(self.writer, work)

    async def _run(
        self, pool: ThreadPoolExecutor, engine: Engine, work: Callable[[Session], T]
    ) -> T:
        loop = asyncio.get_running_loop()
        with _unavailable_on_connection_errors():
            return await loop.run_in_executor(pool, _transaction, engine, work)

    def upgrade(self) -> None:
        """Bring the schema to the newest migration; an upgrade never drops data."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with _unavailable_on_connection_errors(), self.writer.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        self._writes.shutdown(wait=True)
        self._reads.shutdown(wait=True)
        self.writer.dispose()
        self.reader.dispose()


@contextlib.contextmanager
def _unavailable_on_connection_errors() -> Iterator[None]:
    """Turn "cannot reach or lock the database" into `StoreUnavailable`; other errors pass."""
    try:
        yield
    except DBAPIError as error:
        if isinstance(error, OperationalError) or error.connection_invalidated:
            log.warning("database unavailable: %s", error.orig.__class__.__name__)
            raise StoreUnavailable(str(error.orig).strip()) from error
        raise


def _transaction(engine: Engine, work: Callable[[Session], Any]) -> Any:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        return work(session)


def _sqlite_engine(url: str, busy_timeout: timedelta, *, immediate: bool) -> Engine:
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_timeout.total_seconds()},
        hide_parameters=True,  # an error's text must not quote names, addresses, messages
    )

    @event.listens_for(engine, "connect")
    def _configure(connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE can be issued below.
        connection.isolation_level = None
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout.total_seconds() * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # A writer takes the write lock up front, so busy_timeout applies instead of a
        # deadlock-avoidance SQLITE_BUSY when a deferred transaction upgrades its lock.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
