"""A message that can only open a complaint is routed before the writer's transaction, under
the assumption that its sender has no recent complaints; the transaction keeps that decision
only when the history it reads agrees, so a returning customer is still routed with theirs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from complaints.clock import ManualClock
from intake import opening as opening_module
from intake.receive import Intake
from store.database import Database
from store.queries.complaints import complaint_by_number
from tests.conftest import START
from tests.factories import make_inbound
from tests.store.test_store import make_intake


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'store.db'}", timedelta(seconds=5))
    db.upgrade()
    yield db
    db.close()


@pytest.fixture
def intake(database: Database) -> Intake:
    return make_intake(database, ManualClock(START))


@pytest.fixture
def routings(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The history of each time the router ran (the real router runs)."""
    seen: list[object] = []
    route = opening_module.route

    def counted(message: Any, history: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(history)
        return route(message, history, *args, **kwargs)

    monkeypatch.setattr(opening_module, "route", counted)
    return seen


async def test_a_first_complaint_is_routed_once(intake: Intake, routings: list[object]) -> None:
    await intake.receive(make_inbound("My kettle leaks.", external_id="m-1"))
    assert len(routings) == 1


async def test_a_repeat_within_30_days_is_routed_again_with_the_history(
    database: Database, intake: Intake, routings: list[object]
) -> None:
    first = await intake.receive(make_inbound("My kettle leaks.", external_id="m-1"))
    second = await intake.receive(make_inbound("The kettle's lid broke.", external_id="m-2"))
    assert len(routings) == 3  # the first once; the second ahead, then with its history
    tags = await database.read(lambda s: [_tags(s, n) for n in (first.complaint, second.complaint)])
    assert "repeat" not in tags[0] and "repeat" in tags[1]


def _tags(session: Session, number: str) -> list[str]:
    complaint = complaint_by_number(session, number)
    assert complaint is not None
    return complaint.tags or []


async def test_a_message_naming_a_complaint_is_not_routed_ahead(
    intake: Intake, routings: list[object]
) -> None:
    first = await intake.receive(make_inbound("My kettle leaks.", external_id="m-1"))
    await intake.receive(
        make_inbound(f"About {first.complaint}: still leaking.", external_id="m-2")
    )
    assert len(routings) == 1  # the follow-up opens nothing and is not routed at all
