"""`set_if_unchanged`, the compare-and-set that a change of handler and a registration edit
are written with: of two transactions that read the same value, only the first writes. On
PostgreSQL (where writers run at once; SQLite has one) the second one's UPDATE waits for the
first one's row lock and then finds the row changed; a read followed by a write would let both
through, the second overwriting the first."""

from __future__ import annotations

import asyncio
import threading

from sqlmodel import Session

from complaints.clock import ManualClock
from store.database import Database
from store.queries.complaints import complaint_by_number, set_if_unchanged
from tests.conftest import START, postgres_schema
from tests.factories import make_inbound
from tests.store.test_store import make_intake


def _opened(database: Database) -> str:
    intake = make_intake(database, ManualClock(START))
    asyncio.run(intake.receive(make_inbound("My kettle broke.", external_id="m-1")))
    return "C-2026-000001"


def _two_takers(url: str) -> tuple[bool, bool, str]:
    """Wang and Emma read the complaint (nobody holds it); Wang writes first and commits only
    after Emma's write has been sent; what each got, and who holds it."""
    database = Database(url)
    database.upgrade()
    number = _opened(database)
    engine = database.writer
    emma_result: list[bool] = []
    with Session(engine) as wang, Session(engine) as emma:
        mine = complaint_by_number(wang, number)
        hers = complaint_by_number(emma, number)
        assert mine is not None and hers is not None
        assert mine.assignee == hers.assignee == ""
        wang_result = set_if_unchanged(wang, mine, {"assignee": ("", "Wang")})

        def emma_takes() -> None:
            emma_result.append(set_if_unchanged(emma, hers, {"assignee": ("", "Emma")}))
            emma.commit()

        racing = threading.Thread(target=emma_takes)
        racing.start()
        racing.join(0.5)
        assert racing.is_alive()  # her UPDATE waits for Wang's row lock
        wang.commit()
        racing.join(10)
        assert not racing.is_alive()
    with Session(engine) as after:
        found = complaint_by_number(after, number)
        assert found is not None
        holder = found.assignee
    database.close()
    return wang_result, emma_result[0], holder


def test_of_two_takers_on_postgresql_only_the_first_writes(postgres_admin_url: str) -> None:
    with postgres_schema(postgres_admin_url) as url:
        assert _two_takers(url) == (True, False, "Wang")
