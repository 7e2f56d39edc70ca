"""`change_status` and `change_statuses` are compare-and-sets on the status their transaction
read: of two writers who read the same status, only the first moves it and writes its event;
the other is refused (`ChangedMeanwhile`) and writes nothing. On PostgreSQL the second one's
UPDATE waits for the first one's row lock, then finds the status changed; a read followed by a
write let both through, each with its `status_changed` event from the same status."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from complaints.clock import ManualClock
from complaints.errors import ChangedMeanwhile, StoreUnavailable
from store.database import Database
from store.queries.complaints import change_status, change_statuses, complaint_by_number
from tests.conftest import START, postgres_schema
from tests.factories import make_inbound
from tests.store.test_store import make_intake

NUMBER = "C-2026-000001"
WITHIN = 30.0


def _opened(url: str) -> Database:
    database = Database(url)
    database.upgrade()
    intake = make_intake(database, ManualClock(START))
    asyncio.run(intake.receive(make_inbound("My kettle broke.", external_id="m-1")))
    return database


def _status_events(database: Database) -> list[tuple[str, str]]:
    with database.writer.connect() as connection:
        details = connection.execute(
            sa.text("SELECT detail FROM events WHERE kind = 'status_changed' ORDER BY id")
        ).scalars()
        loaded = [json.loads(detail) if isinstance(detail, str) else detail for detail in details]
        return [(detail["from"], detail["to"]) for detail in loaded]


def _status(database: Database) -> str:
    with Session(database.writer) as session:
        found = complaint_by_number(session, NUMBER)
        assert found is not None
        return found.status


def test_a_status_read_before_a_colleagues_change_is_refused_and_writes_nothing(
    store_url: str,
) -> None:
    """Emma's page (her transaction's read) says "new"; Wang rejects it meanwhile; her
    "assigned" is refused, the complaint she holds shows what it is now, nothing of hers is
    written. (On SQLite a transaction that reads and writes holds the only write lock, so the
    read here ends before Wang's write: the object is what it read.)"""
    database = _opened(store_url)
    with Session(database.writer, expire_on_commit=False) as emma:
        hers = complaint_by_number(emma, NUMBER)
        assert hers is not None and hers.status == "new"
        emma.commit()
        with Session(database.writer) as wang:
            mine = complaint_by_number(wang, NUMBER)
            assert mine is not None
            assert change_status(wang, mine, "rejected", "agent:Wang", "not valid", START)
            wang.commit()
        with pytest.raises(ChangedMeanwhile) as refused:
            change_status(emma, hers, "assigned", "agent:Emma", "assigned", START)
        assert str(refused.value) == (
            f"{NUMBER} was changed by someone else meanwhile (it is now rejected): reload it "
            "and decide again"
        )
        assert hers.status == "rejected"  # reloaded: a second decision reads what it is now
        emma.commit()
    assert _status(database) == "rejected"
    assert _status_events(database) == [("new", "rejected")]
    database.close()


def _blocked_or_done(engine: sa.Engine, pid: int, by: int, done: Future[Any]) -> None:
    """Until backend `pid` waits for a lock `by` holds, or `done` finished (the old code's
    write did not wait: the outcome then shows what it overwrote). PostgreSQL tells no one
    when a session starts to wait, so this asks it, within a bound."""
    deadline = time.monotonic() + WITHIN
    with engine.connect() as connection:
        while not done.done():
            blocking = connection.execute(
                sa.text("SELECT pg_blocking_pids(:pid)"), {"pid": pid}
            ).scalar_one()
            if by in blocking:
                return
            assert time.monotonic() < deadline, f"backend {pid} never waited for {by}"
            time.sleep(0.02)


def _pid(session: Session) -> int:
    return int(session.connection().execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


Read = Callable[[Session], Any]
Write = Callable[[Session, Any], Any]


def _given(write: Callable[[], Any]) -> Any:
    """What `write` returns, or the refusal it raises."""
    try:
        return write()
    except ChangedMeanwhile as refused:
        return refused


def _race(database: Database, first: tuple[Read, Write], second: tuple[Read, Write]) -> Any:
    """Both read; then `first` writes and holds its transaction open while `second` writes and
    commits on another connection (waiting for `first`'s row lock); then `first` commits.
    What `second` gave."""
    engine = database.writer
    with Session(engine) as one, Session(engine) as two, ThreadPoolExecutor(1) as thread:
        one_pid, two_pid = _pid(one), _pid(two)
        mine, theirs = first[0](one), second[0](two)
        first[1](one, mine)

        def run() -> Any:
            given = _given(lambda: second[1](two, theirs))
            two.commit()
            return given

        raced = thread.submit(run)
        _blocked_or_done(engine, two_pid, one_pid, raced)
        one.commit()
        return raced.result(timeout=WITHIN)


def _complaint(session: Session) -> Any:
    return complaint_by_number(session, NUMBER)


def _reject(session: Session, complaint: Any) -> bool:
    return change_status(session, complaint, "rejected", "agent:Wang", "not valid", START)


def test_of_two_status_changes_at_once_on_postgresql_only_the_first_writes(
    postgres_admin_url: str,
) -> None:
    """Wang rejects while Emma takes the complaint up: both read "new"; hers waits for his
    lock and is refused when he commits."""
    with postgres_schema(postgres_admin_url) as url:
        database = _opened(url)

        def assign(session: Session, complaint: Any) -> bool:
            return change_status(session, complaint, "assigned", "agent:Emma", "assigned", START)

        given = _race(database, (_complaint, _reject), (_complaint, assign))
        assert isinstance(given, ChangedMeanwhile), given
        assert _status(database) == "rejected"
        assert _status_events(database) == [("new", "rejected")]
        database.close()


def test_a_batch_moves_only_what_still_is_in_its_source_status_on_postgresql(
    postgres_admin_url: str,
) -> None:
    """The dispatcher marks a complaint acknowledged (new → acknowledged) as Wang rejects it:
    the batch leaves his rejection as it is (a SELECT of the ids, then an UPDATE of those ids,
    overwrote it with "acknowledged")."""
    with postgres_schema(postgres_admin_url) as url:
        database = _opened(url)

        def complaint_id(session: Session) -> int:
            found = _complaint(session)
            return int(found.id)

        def acknowledge(session: Session, found: int) -> list[int]:
            return change_statuses(
                session,
                complaint_ids=[found],
                source="new",
                target="acknowledged",
                actor="system",
                why="acknowledgement delivered",
                now=START,
            )

        given = _race(database, (_complaint, _reject), (complaint_id, acknowledge))
        assert given == []
        assert _status(database) == "rejected"
        assert _status_events(database) == [("new", "rejected")]
        database.close()


@pytest.mark.parametrize("batched", [False, True])
def test_work_that_lost_a_status_race_runs_again_and_a_sender_retries_when_it_keeps_losing(
    tmp_path: Path, batched: bool
) -> None:
    """Intake's work (retry_on_conflict) that lost to another writer's change runs again on
    what the complaint is now; one that loses every run is "unavailable" (the sender's
    transport sends again), never refused, which would drop the customer's message. Work
    without retry_on_conflict (a person's action) hears the refusal itself."""
    database = Database(f"sqlite:///{tmp_path / 'store.db'}")
    database.upgrade()
    runs: list[int] = []

    def losing(times: int) -> Callable[[Session], str]:
        def work(session: Session) -> str:
            runs.append(1)
            if len(runs) <= times:
                raise ChangedMeanwhile("%(number)s changed", number=NUMBER)
            return "recorded"

        return work

    async def write(work: Callable[[Session], str], retry: bool) -> str:
        if batched:
            return await database.write_batched(work, retry_on_conflict=retry)
        return await database.write(work, retry_on_conflict=retry)

    assert asyncio.run(write(losing(2), retry=True)) == "recorded"
    assert len(runs) == 3
    runs.clear()
    with pytest.raises(StoreUnavailable):
        asyncio.run(write(losing(3), retry=True))
    assert len(runs) == 3
    runs.clear()
    with pytest.raises(ChangedMeanwhile):
        asyncio.run(write(losing(1), retry=False))
    assert len(runs) == 1
    database.close()
