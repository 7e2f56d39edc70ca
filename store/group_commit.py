"""The group commit's transactions, and running a transaction again that PostgreSQL aborted.

`commit_batch` runs the work of several callers (`Queued`) in ONE transaction, each in a
savepoint of its own, so one that fails rolls back alone and its caller hears its own error
while the others commit. It runs the work sorted by the keys each names (`Queued.order`:
intake's sender and dedupe key): two instances on one PostgreSQL whose batches hold the same
messages then take those rows' locks in the same order, and a consistent order forms no cycle.
Unsorted, each instance's batch held them in the order they arrived there, and PostgreSQL
broke the resulting deadlocks by failing one batch's caller as "unavailable".

A transaction PostgreSQL aborts to let another go on (a deadlock left by locks nobody orders,
a serialization failure) runs again from BEGIN, up to TRIES times in all, before its callers
hear that the store is unavailable: by then the other has moved on, and the new try waits for
it and sees its rows. An aborted batch runs again one by one, a transaction per caller: each
holds only its own locks, so it cannot form the same cycle again.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlmodel import Session

from complaints.errors import ChangedMeanwhile, StoreUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
TRIES = 3
"""How often a transaction aborted by a deadlock or a serialization failure is run in all."""
RUN_AGAIN = frozenset({"40P01", "40001"})
"""PostgreSQL's SQLSTATEs for "deadlock detected" and "could not serialize access"."""


@dataclass(eq=False)
class Queued:
    """One caller's work waiting for the next group commit, and what became of it."""

    work: Callable[[Session], Any]
    retry_on_conflict: bool
    order: tuple[str, ...]
    """The keys of the rows the work locks first (intake: the sender, the dedupe key)."""
    deadline: float
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    outcome: Any = None
    error: BaseException | None = field(default=None)


def unavailable(error: BaseException) -> bool:
    """The database cannot be reached or locked (rather than refusing this work)."""
    return isinstance(error, DBAPIError) and (
        isinstance(error, OperationalError) or error.connection_invalidated
    )


def commit_batch(engine: Engine, batch: list[Queued]) -> None:
    """Run `batch` as one transaction and keep each caller's outcome or error in its `Queued`."""
    batch.sort(key=lambda queued: queued.order)
    try:
        _commit_group(engine, batch)
    except Exception as error:  # nothing of the batch is stored
        if _run_again(error) or (len(batch) > 1 and not unavailable(error)):
            # A clash at COMMIT: who caused it fails alone. Aborted (a deadlock): each runs
            # again in a transaction of its own, which holds only its own locks, so it waits
            # for the other instance's instead of forming the same cycle again.
            _one_by_one(engine, batch)
        else:
            for queued in batch:
                queued.outcome, queued.error = None, error


def _run_again(error: BaseException) -> bool:
    """PostgreSQL aborted the transaction so that another could go on (deadlock, serialization
    failure): run from BEGIN again, it usually succeeds."""
    return isinstance(error, DBAPIError) and getattr(error.orig, "sqlstate", None) in RUN_AGAIN


def again_if_aborted(run: Callable[[], T]) -> T:
    """Call `run` (a whole transaction, from BEGIN to COMMIT), again when `_run_again` says so,
    up to TRIES times in all; then its last error is raised."""
    for attempt in range(1, TRIES):
        try:
            return run()
        except DBAPIError as error:
            if not _run_again(error):
                raise
            code = getattr(error.orig, "sqlstate", "")
            log.info(
                "transaction aborted by the database (%s); try %d of %d", code, attempt + 1, TRIES
            )
    return run()


def _commit_group(engine: Engine, batch: list[Queued]) -> None:
    """One transaction, a savepoint per queued work; raises only when the whole batch failed
    (BEGIN, COMMIT, or a deadlock), and then nothing of it is stored."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        for queued in batch:
            run = functools.partial(_in_savepoint, session, queued.work)
            _settle(queued, run, batched=True)


def _in_savepoint(session: Session, work: Callable[[Session], Any]) -> Any:
    """A failure rolls back this work's changes only. Leaving the savepoint flushes, so a
    constraint the work breaks fails here, not at COMMIT for the whole batch."""
    with session.begin_nested():
        return work(session)


def _one_by_one(engine: Engine, batch: list[Queued]) -> None:
    """A batch whose COMMIT failed (PostgreSQL: a deadlock or a clash with another writer)
    runs again, one transaction per caller, so only the one at fault fails; each is run again
    when aborted again (`again_if_aborted`)."""
    for queued in batch:
        alone = functools.partial(transaction, engine, queued.work)
        _settle(queued, functools.partial(again_if_aborted, alone), batched=False)


def _settle(queued: Queued, run: Callable[[], Any], *, batched: bool) -> None:
    """Keep what `run` returns, or the caller's own error to raise to it alone; with
    retry_on_conflict a clash with another writer runs it again (`conflicted`), now seeing
    what that writer committed.

    In a batch, a deadlock is raised instead: rolling back this work's savepoint would leave
    the batch's other locks held, the other transaction still waiting for them, and this work
    waiting for it again; the whole transaction rolls back and runs again, one by one. So is
    a lock that could not be had (or a lost connection): the next work of the batch would
    wait for the same lock again, each a whole budget (PostgreSQL sets lock_timeout once per
    transaction), so a batch of six waited six budgets; the whole batch is unavailable."""
    tries = 1
    while True:
        try:
            queued.outcome, queued.error = run(), None
            return
        except Exception as error:
            if batched and (_run_again(error) or unavailable(error)):
                raise
            queued.outcome, queued.error = None, error
            if not queued.retry_on_conflict:
                return
            if not conflicted(error, tries):
                queued.error = spent(error)
                return
            tries += 1


def conflicted(error: BaseException, tries: int) -> bool:
    """Whether work that failed with `error` after `tries` runs is run again: it met another
    writer's change made at the same moment, which a new run reads and decides on. A unique
    key another process wrote (PostgreSQL): run once more, it finds the row. A complaint whose
    status or handler another writer changed after this work read it (`ChangedMeanwhile`,
    intake's compare-and-sets): up to TRIES runs in all, each on the complaint as it is then
    (each loss means yet another change to that complaint committed in those milliseconds)."""
    if isinstance(error, IntegrityError):
        return tries < 2
    return isinstance(error, ChangedMeanwhile) and tries < TRIES


def spent(error: BaseException) -> BaseException:
    """What a caller whose work runs again on conflicts hears when its runs are spent: a
    complaint that kept changing under it is "unavailable, retry" (HTTP 503, SMTP 451,
    Telegram's next try), not a refusal, which would drop the customer's message."""
    if isinstance(error, ChangedMeanwhile):
        return StoreUnavailable("the complaint kept changing meanwhile; nothing was stored")
    return error


def answer(batch: list[Queued]) -> None:
    """On the callers' loop: hand each its result or its error (unless it stopped waiting)."""
    for queued in batch:
        if queued.future.done():
            continue
        if queued.error is not None:
            queued.future.set_exception(queued.error)
        else:
            queued.future.set_result(queued.outcome)


def transaction(bind: Engine | Connection, work: Callable[[Session], Any]) -> Any:
    with Session(bind, expire_on_commit=False) as session, session.begin():
        return work(session)
