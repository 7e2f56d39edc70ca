"""Group commit: the writer commits every caller waiting for it in one transaction, a savepoint
each; a caller whose work fails hears its own error and changes nothing, the others commit, and
nobody is answered before the commit. On SQLite and again on PostgreSQL (several writers)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from complaints.clock import ManualClock
from complaints.errors import UnknownComplaint
from config import load_settings
from store.database import Database
from store.models import Complaint, Customer, Suppression
from tests.conftest import START, write_settings
from tests.factories import make_inbound
from tests.store.test_store import make_intake

WRITERS = 2
"""Writer threads on PostgreSQL in these tests (SQLite always has one)."""


class BadMessage(Exception):
    """What a caller's own work raises in these tests."""


@pytest.fixture
async def database(store_url: str) -> AsyncIterator[Database]:
    db = Database(store_url, timedelta(seconds=5), writers=WRITERS)
    db.upgrade()
    yield db
    db.close()


class Commits:
    """Counts the writer's COMMITs, and whether one has happened yet."""

    def __init__(self, database: Database) -> None:
        self.count = 0
        event.listen(database.writer, "commit", self._committed)

    def _committed(self, _connection: Any) -> None:
        self.count += 1


@asynccontextmanager
async def writer_held(database: Database) -> AsyncIterator[Callable[[], None]]:
    """Occupy every writer thread until the returned `release` is called, so that everything
    queued meanwhile meets in the next batch."""
    threads = 1 if database.is_sqlite else WRITERS
    gate, started = threading.Event(), threading.Semaphore(0)

    def hold(_session: Session) -> None:
        started.release()
        gate.wait(10)

    holders = [asyncio.ensure_future(database.write(hold)) for _ in range(threads)]
    for _ in range(threads):
        assert await asyncio.to_thread(started.acquire, timeout=10), "a writer did not start"
    try:
        yield gate.set
    finally:
        gate.set()
        for holder in holders:
            holder.cancel()


def suppress(address: str, *, fail: bool = False) -> Callable[[Session], str]:
    """Work that stores one row, then raises BadMessage when `fail`: its row must not stay."""

    def work(session: Session) -> str:
        session.add(Suppression(channel="email", address=address, updated_at=START))
        session.flush()
        if fail:
            raise BadMessage(address)
        return address

    return work


def stored(database: Database) -> set[str]:
    with Session(database.reader) as session:
        return {row.address for row in session.exec(select(Suppression))}


async def test_waiting_callers_commit_together_and_a_failing_one_fails_alone(
    database: Database,
) -> None:
    await database.write(suppress("taken@example.com"))
    commits = Commits(database)
    answered_after: dict[str, int] = {}

    async def caller(work: Callable[[Session], str], name: str) -> str:
        result = await database.write_batched(work)
        answered_after[name] = commits.count
        return result

    async with writer_held(database) as release:
        callers = [
            asyncio.ensure_future(caller(suppress("a@example.com"), "a")),
            asyncio.ensure_future(caller(suppress("bad@example.com", fail=True), "bad")),
            asyncio.ensure_future(caller(suppress("taken@example.com"), "clash")),
            asyncio.ensure_future(caller(suppress("b@example.com"), "b")),
        ]
        await asyncio.sleep(0)  # let every caller queue its work
        release()
        async with asyncio.timeout(10):
            outcomes = await asyncio.gather(*callers, return_exceptions=True)

    assert outcomes[0] == "a@example.com" and outcomes[3] == "b@example.com"
    assert isinstance(outcomes[1], BadMessage)
    assert isinstance(outcomes[2], IntegrityError)
    assert stored(database) == {"taken@example.com", "a@example.com", "b@example.com"}
    assert commits.count == 1, "the four callers' work took more than one transaction"
    assert answered_after == {"a": 1, "b": 1}, "a caller was answered before the commit"


async def test_a_unique_clash_runs_the_work_again_when_asked(database: Database) -> None:
    calls: list[int] = []

    def clashing_once(session: Session) -> str:
        calls.append(1)
        if len(calls) == 1:
            session.add(Suppression(channel="email", address="taken@example.com"))
            session.flush()
        return "second try"

    await database.write(suppress("taken@example.com"))
    assert await database.write_batched(clashing_once, retry_on_conflict=True) == "second try"
    with pytest.raises(IntegrityError):
        await database.write_batched(suppress("taken@example.com"))
    assert len(calls) == 2


async def test_an_intake_message_that_fails_in_a_batch_fails_alone(database: Database) -> None:
    intake = make_intake(database, ManualClock(START))
    inbounds = [
        make_inbound("The kettle leaks.", external_id="m-0", customer="c-0"),
        # names a complaint that does not exist: refused, after its new customer was stored
        replace(
            make_inbound("Still broken.", external_id="m-1", customer="c-1"),
            complaint_number="C-2026-999999",
        ),
        make_inbound("The parcel never came.", external_id="m-2", customer="c-2"),
    ]
    async with writer_held(database) as release:
        sent = [asyncio.ensure_future(intake.receive(inbound)) for inbound in inbounds]
        await asyncio.sleep(0)
        release()
        async with asyncio.timeout(10):
            outcomes = await asyncio.gather(*sent, return_exceptions=True)
    assert isinstance(outcomes[1], UnknownComplaint)
    good = [outcome for n, outcome in enumerate(outcomes) if n != 1]
    assert all(not isinstance(outcome, BaseException) and outcome.created for outcome in good)
    with Session(database.reader) as session:
        numbers = set(session.exec(select(Complaint.number)))
        customers = session.exec(select(sa.func.count()).select_from(Customer)).one()
    assert numbers == {outcome.complaint for outcome in good}  # type: ignore[union-attr]
    assert customers == 2, "the refused message's new customer was stored"


def test_sqlite_syncs_every_commit_unless_told_otherwise(tmp_path: Any) -> None:
    def synchronous(database: Database) -> int:
        with database.writer.connect() as connection:
            return int(connection.exec_driver_sql("PRAGMA synchronous").scalar_one())

    full = Database(f"sqlite:///{tmp_path / 'full.db'}")
    normal = Database(f"sqlite:///{tmp_path / 'normal.db'}", synchronous="normal")
    try:
        assert (synchronous(full), synchronous(normal)) == (2, 1)  # FULL, NORMAL
    finally:
        full.close()
        normal.close()
    with pytest.raises(ValueError, match="synchronous"):
        Database(f"sqlite:///{tmp_path / 'x.db'}", synchronous="off")  # type: ignore[arg-type]


def test_the_settings_default_to_full_and_refuse_other_values(tmp_path: Any) -> None:
    assert load_settings(write_settings(tmp_path)).synchronous == "full"
    normal = write_settings(tmp_path, {"store": {"synchronous": "normal"}})
    assert load_settings(normal).synchronous == "normal"
    with pytest.raises(Exception, match="synchronous"):
        load_settings(write_settings(tmp_path, {"store": {"synchronous": "off"}}))
