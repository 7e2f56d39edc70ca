"""The engine, its sessions and the schema upgrade: the only place that knows which database runs.

SQLite (the default) allows one writer at a time, and writers that contend from a thread pool
wait on each other's locks with long tail latencies; so every write runs on one dedicated
thread, in order, and reads run beside it (WAL lets them). PostgreSQL gets a small pool of
writer threads instead.

Intake writes through `write_batched`, a group commit: the writer takes every piece of work
waiting for it and runs them in ONE transaction, each in a savepoint of its own, so one that
fails rolls back alone and its caller hears its own error while the others commit; every caller
is answered only after that commit (store.group_commit). Under load a batch of dozens costs
one BEGIN, one COMMIT (one fsync: SQLite runs with `synchronous=FULL` by default, so what was
acknowledged survives a power cut) and one wake-up of the event loop, instead of one each.

Every transaction asked for through `write` or `read` has a budget of `busy_timeout` from the
moment it is asked for, spent waiting for a thread and then for the database's locks: it waits
for a lock only for what is left (SQLite's busy_timeout, PostgreSQL's lock_timeout, set per
transaction), and one whose turn came after its budget was spent tries the lock once, without
waiting, and fails with `StoreUnavailable` if it is taken. So when another process holds the
store locked, every caller hears so within about busy_timeout, instead of each waiting for all
the ones queued before it. PostgreSQL's lock_timeout bounds each wait for a lock, not their
sum: a statement that begins once the budget is partly spent waits only for what is left
(`_postgres_lock_wait_left`), or a transaction that first waited for a row another one held
(the same customer's messages in batches side by side) waited a whole budget again for the
locked table, a budget more for each batch queued on that row.

A transaction PostgreSQL aborts to break a deadlock runs again before anyone hears that the
store is unavailable (store.group_commit).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar

import sqlalchemy as sa
from psycopg.pq import TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from complaints.errors import ChangedMeanwhile, StoreUnavailable
from store.columns import JSON_COLUMNS
from store.direct import direct_savepoints
from store.group_commit import (
    Queued,
    again_if_aborted,
    answer,
    commit_batch,
    conflicted,
    spent,
    transaction,
    unavailable,
)
from store.schema import upgrade_schema

log = logging.getLogger(__name__)
T = TypeVar("T")
READY_TIMEOUT = timedelta(seconds=1)
"""The readiness probe's budget (or busy_timeout, if shorter): a probe answers quickly."""
Synchronous = Literal["full", "normal"]
"""SQLite's `synchronous` pragma: "full" syncs the log at every commit (an acknowledged
message survives a power cut); "normal" only at checkpoints (faster, may lose the last commits
in a power cut, never corrupts)."""
SYNCHRONOUS: tuple[Synchronous, ...] = ("full", "normal")


def engine_url(url: str) -> str:
    """Accept the usual `postgresql://` spelling and use the psycopg 3 driver for it."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def without_password(text: str, url: str) -> str:
    """`text` (the store's URL, or a driver's message about it) with the URL's password masked,
    wherever it stands: in a URL's userinfo, or quoted by the driver on its own."""
    password = sa.engine.make_url(engine_url(url)).password
    if password:
        text = text.replace(str(password), "***")
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", text)


class Database:
    def __init__(
        self,
        url: str,
        busy_timeout: timedelta = timedelta(seconds=5),
        writers: int = 4,
        synchronous: Synchronous = "full",
    ) -> None:
        if synchronous not in SYNCHRONOUS:
            raise ValueError(
                f"[store] synchronous must be one of {SYNCHRONOUS}, not {synchronous!r}"
            )
        self.url = engine_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            database = sa.engine.make_url(self.url).database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            self.writer = _sqlite_engine(self.url, busy_timeout, synchronous, immediate=True)
            self.reader = _sqlite_engine(self.url, busy_timeout, synchronous, immediate=False)
            writers = 1
        else:
            self.writer = self.reader = sa.create_engine(
                self.url,
                pool_pre_ping=True,
                hide_parameters=True,
                pool_size=writers + 2,
                connect_args={"connect_timeout": max(1, int(busy_timeout.total_seconds()))},
                **JSON_COLUMNS,
            )
            event.listen(self.writer, "begin", _postgres_lock_timeout)
            event.listen(self.writer, "before_cursor_execute", _postgres_lock_wait_left)
        direct_savepoints(self.writer)
        self.busy_timeout = busy_timeout
        self._writes = ThreadPoolExecutor(writers, thread_name_prefix="store-write")
        self._reads = ThreadPoolExecutor(4, thread_name_prefix="store-read")
        self._probes = ThreadPoolExecutor(1, thread_name_prefix="store-probe")
        self._queued: list[Queued] = []
        self._queue_lock = threading.Lock()
        self._drain_pending = False

    async def write(self, work: Callable[[Session], T], *, retry_on_conflict: bool = False) -> T:
        """Run `work` in one transaction on a writer thread; it commits when `work` returns.

        With `retry_on_conflict`, a clash with another writer at the same moment (on
        PostgreSQL: a unique key another process wrote, or a complaint whose status or
        handler changed after `work` read it, `ChangedMeanwhile`) runs `work` again, in a new
        transaction that sees the other's change (`store.group_commit.conflicted`): how
        intake answers a copy of a message that arrived twice at once, and never loses a
        customer's message to a status change made at the same moment (`spent`)."""
        tries = 1
        while True:
            try:
                return await self._run(self._writes, self.writer, work)
            except (IntegrityError, ChangedMeanwhile) as error:
                if not (retry_on_conflict and conflicted(error, tries)):
                    given = spent(error) if retry_on_conflict else error
                    raise given from (None if given is error else error)
                tries += 1

    async def write_batched(
        self,
        work: Callable[[Session], T],
        *,
        retry_on_conflict: bool = False,
        order: tuple[str, ...] = (),
    ) -> T:
        """Run `work` in the writer's next group commit, in a savepoint of its own; return its
        result once that commit is done, or raise its own error (the others still commit).

        The work must touch the database only through its session (it may run again, after
        a clash with another writer with `retry_on_conflict`, as in `write`, or with the whole batch
        after a deadlock), and it shares the transaction with strangers: no session-wide
        settings. `order` names the rows it locks first (the batch runs sorted by it; work
        naming none first, as queued)."""
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + self.busy_timeout.total_seconds()
        queued = Queued(work, retry_on_conflict, order, deadline, loop, loop.create_future())
        with self._queue_lock:
            self._queued.append(queued)
            start, self._drain_pending = not self._drain_pending, True
        if start:
            self._writes.submit(self._drain)
        with _unavailable_on_connection_errors():
            return await queued.future  # type: ignore[no-any-return]

    def _drain(self) -> None:
        """On a writer thread: commit everything queued so far as one transaction, then answer.

        Work queued while this batch runs waits for the next drain, which is already submitted
        (on SQLite behind this one on the single writer thread, so batches grow with load)."""
        with self._queue_lock:
            batch, self._queued, self._drain_pending = self._queued, [], False
        if not batch:
            return
        # The batch waits for a lock only for what is left of its oldest caller's budget, so
        # nobody waits much longer than busy_timeout on a store another process holds.
        _budget.deadline = min(queued.deadline for queued in batch)
        try:
            commit_batch(self.writer, batch)
        finally:
            _budget.deadline = None
        by_loop: dict[asyncio.AbstractEventLoop, list[Queued]] = defaultdict(list)
        for queued in batch:
            by_loop[queued.loop].append(queued)
        for loop, answered in by_loop.items():
            with contextlib.suppress(RuntimeError):  # that loop has closed: nobody waits
                loop.call_soon_threadsafe(answer, answered)

    async def read(self, work: Callable[[Session], T]) -> T:
        return await self._run(self._reads, self.reader, work)

    def write_now(self, work: Callable[[Session], T]) -> T:
        """The synchronous form, for start-up and command-line tools outside the event loop. On
        PostgreSQL on a connection of its own, closed afterwards rather than pooled: start-up
        moves the triage model (15 MB) through these, and libpq keeps its buffers as large as
        the largest message for the connection's life, in the pool the process's (15 MB of the
        serving bot's resident memory, bench/memory.py --postgres)."""
        with _unavailable_on_connection_errors():
            if self.is_sqlite:
                return transaction(self.writer, work)
            with self.writer.connect() as connection:
                connection.detach()  # closed, not returned to the pool, when the block ends
                return transaction(connection, work)

    async def _run(
        self, pool: ThreadPoolExecutor, engine: Engine, work: Callable[[Session], T]
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + self.busy_timeout.total_seconds()
        with _unavailable_on_connection_errors():
            return await loop.run_in_executor(pool, _budgeted, deadline, engine, work)

    async def unready(self) -> str | None:
        """Why the store cannot take a write now, or None when it can: the readiness check.

        It asks for the write lock (BEGIN IMMEDIATE on SQLite; on PostgreSQL the lock an INSERT
        into complaints takes) and rolls back, within READY_TIMEOUT or busy_timeout if shorter.
        The reason names the kind of failure only, never the driver's text (it may name hosts
        and users)."""
        budget = min(READY_TIMEOUT, self.busy_timeout).total_seconds()
        deadline = time.monotonic() + budget
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._probes, self._probe, deadline, budget)
        except DBAPIError as error:
            if _is_lock_wait(error):
                return f"the store is locked by another connection (waited {budget:g} s)"
            return f"the store cannot be reached ({error.orig.__class__.__name__})"
        return None

    def _probe(self, deadline: float, budget: float) -> None:
        _budget.deadline = deadline
        try:
            with self.writer.connect() as connection, connection.begin() as transaction:
                if not self.is_sqlite:
                    milliseconds = max(1, int(budget * 1000))
                    connection.exec_driver_sql(f"SET LOCAL statement_timeout = {milliseconds}")
                    connection.exec_driver_sql("LOCK TABLE complaints IN ROW EXCLUSIVE MODE")
                transaction.rollback()
        finally:
            _budget.deadline = None

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (store.schema)."""
        with _unavailable_on_connection_errors(), self.writer.begin() as connection:
            upgrade_schema(connection)

    def close(self) -> None:
        self._writes.shutdown(wait=True)
        self._reads.shutdown(wait=True)
        self._probes.shutdown(wait=True)
        self.writer.dispose()
        self.reader.dispose()


@contextlib.contextmanager
def _unavailable_on_connection_errors() -> Iterator[None]:
    """Turn "cannot reach or lock the database" into `StoreUnavailable`; other errors pass."""
    try:
        yield
    except DBAPIError as error:
        if unavailable(error):
            log.warning("database unavailable: %s", error.orig.__class__.__name__)
            raise StoreUnavailable(str(error.orig).strip()) from error
        raise


class _Budget(threading.local):
    deadline: float | None = None
    """When the transaction this thread runs must give up waiting (time.monotonic)."""


_budget = _Budget()


def _budgeted(deadline: float, engine: Engine, work: Callable[[Session], Any]) -> Any:
    """`_transaction` on a pool thread; the begin listeners cap its lock wait at what is left
    of the budget, so one whose wait for the thread spent it tries the lock once and fails at
    once if the lock is taken (but still runs when the store is free: a slow turn under load
    is not a locked store)."""
    _budget.deadline = deadline
    try:
        return again_if_aborted(functools.partial(transaction, engine, work))
    finally:
        _budget.deadline = None


def _lock_wait_ms(default: timedelta) -> int:
    """How long the transaction beginning on this thread may wait for a lock, in ms (at least
    1: to PostgreSQL a lock_timeout of 0 means no limit)."""
    if _budget.deadline is None:
        return int(default.total_seconds() * 1000)
    return max(1, int((_budget.deadline - time.monotonic()) * 1000))


def _is_lock_wait(error: DBAPIError) -> bool:
    """SQLite's "database is locked/busy" or PostgreSQL's lock or statement timeout."""
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in {"55P03", "57014"}
    return any(word in str(error.orig).lower() for word in ("locked", "busy"))


def _sqlite_engine(
    url: str, busy_timeout: timedelta, synchronous: Synchronous, *, immediate: bool
) -> Engine:
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_timeout.total_seconds()},
        hide_parameters=True,  # an error's text must not quote names, addresses, messages
        **JSON_COLUMNS,
    )

    @event.listens_for(engine, "connect")
    def _configure(connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE can be issued below.
        connection.isolation_level = None
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout.total_seconds() * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # Wait for the lock only for what is left of this transaction's budget.
        connection.exec_driver_sql(f"PRAGMA busy_timeout={_lock_wait_ms(busy_timeout)}")
        # A writer takes the write lock up front, so busy_timeout applies instead of a
        # deadlock-avoidance SQLITE_BUSY when a deferred transaction upgrades its lock.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


LOCK_WAIT = "lock_timeout_ms"
"""The key, in a PostgreSQL connection's info, of the lock_timeout its transaction set last."""
LOCK_WAIT_SLACK_MS = 50
"""How far the budget left may fall below the lock_timeout in force before a statement sets
it again: a transaction that runs without waiting never pays the extra round trip."""


def _postgres_lock_timeout(connection: Any) -> None:
    """A budgeted transaction on PostgreSQL waits for a lock only for what is left of its
    budget; start-up and command-line work (no budget) waits as long as it must."""
    if _budget.deadline is not None:
        wait = _lock_wait_ms(timedelta())
        connection.info[LOCK_WAIT] = wait
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {wait}")


def _postgres_lock_wait_left(
    connection: Any, cursor: Any, _statement: str, _parameters: Any, _context: Any, _many: bool
) -> None:
    """Before a budgeted transaction's statement: lower lock_timeout to the budget left when
    it has fallen well below the one in force (lock_timeout limits each wait, not the sum).
    Not in a transaction PostgreSQL has failed: there only ROLLBACK TO SAVEPOINT may run."""
    in_force = connection.info.get(LOCK_WAIT)
    if _budget.deadline is None or in_force is None:
        return
    left = _lock_wait_ms(timedelta())
    if left >= in_force - LOCK_WAIT_SLACK_MS:
        return
    if cursor.connection.info.transaction_status != TransactionStatus.INTRANS:
        return
    cursor.execute(f"SET LOCAL lock_timeout = {left}")
    connection.info[LOCK_WAIT] = left
