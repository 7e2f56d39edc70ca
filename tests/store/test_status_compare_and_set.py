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
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from complaints.clock import ManualClock
from complaints.errors import ChangedMeanwhile
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
