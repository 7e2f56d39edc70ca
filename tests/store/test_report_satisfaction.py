"""The reports' satisfaction on SQLite and on PostgreSQL: every survey answer given in the
period counts, dated when it was given, each round of a reopened complaint its own answer (a
low score that reopened the complaint does not vanish with the round `reopen_complaint` ends);
a late answer to an ended round (`survey_late`) does not count; the department filter is the
complaint's department now, as for every other figure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from admin.reports import Reports
from complaints.clock import ManualClock
from store import queries
from store.database import Database
from store.models import Agent
from store.queries.complaints import complaint_by_id, reopen_complaint
from tests.conftest import START
from tests.store.test_queries import _open

FIRST = START + timedelta(days=7)
"""The first round's answer: 2, which reopened the complaint."""
SECOND = START + timedelta(days=21)
"""The second round's answer: 5."""


def _answered(session: Session, complaint_id: int, score: int, at: datetime) -> None:
    """What `intake.survey.record_survey` leaves: the round's score and its event."""
    found = complaint_by_id(session, complaint_id=complaint_id)
    assert found is not None
    found.status, found.resolved_at = "closed", at - timedelta(days=1)
    found.survey_score, found.survey_answered_at = score, at
    queries.add_event(session, complaint_id, at, "customer", "survey_answered", {"score": score})


def _two_rounds(session: Session) -> int:
    """Answered 2 and reopened; resolved again, answered 5; then a late 4 to the first survey;
    beside it, a logistics complaint answered 1 in the first round's week."""
    complaint_id = _open(session, "ana@example.com", department="billing")
    _answered(session, complaint_id, 2, FIRST)
    found = complaint_by_id(session, complaint_id=complaint_id)
    assert found is not None
    reopen_complaint(session, found, actor="customer", why="survey score 2", now=FIRST)
    _answered(session, complaint_id, 5, SECOND)
    late = SECOND + timedelta(hours=1)
    queries.add_event(session, complaint_id, late, "customer", "survey_late", {"score": 4})
    other = _open(session, "bo@example.com", department="logistics")
    _answered(session, other, 1, FIRST + timedelta(hours=2))
    return complaint_id


async def _satisfaction(
    store: Database, since: str, until: str, departments: tuple[str, ...] = ()
) -> tuple[int, float | None, dict[int, int]]:
    role = "supervisor" if departments else "admin"
    reader = Agent(name="Ada", role=role, departments=list(departments))
    clock = ManualClock(datetime(2026, 6, 1, tzinfo=UTC))
    report = await Reports(store, clock, ZoneInfo("UTC")).report(reader, since, until)
    found = report.satisfaction
    return found.answered, found.mean, {k: v for k, v in found.distribution.items() if v}


async def test_each_round_counts_when_it_was_answered(any_store: Database) -> None:
    any_store.write_now(_two_rounds)
    # both rounds (and the logistics answer), the late answer left out
    assert await _satisfaction(any_store, "2026-03-01", "2026-04-01") == (
        3,
        2.67,
        {1: 1, 2: 1, 5: 1},
    )
    assert await _satisfaction(any_store, "2026-03-01", "2026-04-01", ("billing",)) == (
        2,
        3.5,
        {2: 1, 5: 1},
    )
    # the week of the first round only: the 2 that reopened the complaint still counts
    assert await _satisfaction(any_store, "2026-03-09", "2026-03-16", ("billing",)) == (
        1,
        2.0,
        {2: 1},
    )
    # the week of the second round only (with the late answer, which does not count)
    assert await _satisfaction(any_store, "2026-03-23", "2026-03-30") == (1, 5.0, {5: 1})
    assert await _satisfaction(any_store, "2026-03-09", "2026-03-16", ("logistics",)) == (
        1,
        1.0,
        {1: 1},
    )


async def test_an_answer_counts_in_its_own_period_not_the_complaints(any_store: Database) -> None:
    """The complaint was opened on 2026-03-02: a period after it holds its answers, a period
    around its opening but before its answers holds none."""
    any_store.write_now(_two_rounds)
    assert await _satisfaction(any_store, "2026-03-02", "2026-03-09") == (0, None, {})
    assert (await _satisfaction(any_store, "2026-03-09", "2026-03-30"))[0] == 3
