"""Reopening ends the round on SQLite and on PostgreSQL: the resolution and the survey's score,
comment and time are blank when read back (the root cause stays), the status change is on the
timeline, and a writer who moved the complaint meanwhile refuses it with nothing cleared."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from complaints.errors import ChangedMeanwhile
from store.database import Database
from store.queries.complaints import complaint_by_id, reopen_complaint
from store.queries.events import events_of_kind
from tests.conftest import START
from tests.store.test_queries import _open

ROUND = ("resolved_at", "resolution_summary", "survey_score", "survey_comment")


def _resolved_and_rated(session: Session) -> int:
    complaint_id = _open(session, "ana@example.com")
    found = complaint_by_id(session, complaint_id=complaint_id)
    assert found is not None
    found.status, found.root_cause = "closed", "POS terminal charged twice"
    found.resolved_at, found.resolution_summary = START, "Refunded."
    found.survey_score, found.survey_comment = 2, "slow"
    found.survey_answered_at = START + timedelta(days=7)
    return complaint_id


def test_a_reopening_blanks_the_round_on_every_store(any_store: Database) -> None:
    complaint_id = any_store.write_now(_resolved_and_rated)
    now = START + timedelta(days=9)

    def reopen(session: Session) -> None:
        found = complaint_by_id(session, complaint_id=complaint_id)
        assert found is not None
        reopen_complaint(session, found, actor="agent:Ana", why="phoned", now=now)

    any_store.write_now(reopen)

    def read(session: Session) -> tuple[object, ...]:
        found = complaint_by_id(session, complaint_id=complaint_id)
        assert found is not None
        changes = events_of_kind(session, complaint_id=complaint_id, kind="status_changed")
        return (
            found.status,
            *(getattr(found, key) for key in ROUND),
            found.survey_answered_at,
            found.root_cause,
            [(change.actor, (change.detail or {}).get("to")) for change in changes],
        )

    assert any_store.write_now(read) == (
        "reopened",
        None,
        "",
        None,
        "",
        None,
        "POS terminal charged twice",
        [("agent:Ana", "reopened")],
    )


def test_a_reopening_beaten_by_another_writer_clears_nothing(any_store: Database) -> None:
    complaint_id = any_store.write_now(_resolved_and_rated)

    def stale_reopen(session: Session) -> None:
        found = complaint_by_id(session, complaint_id=complaint_id)
        assert found is not None
        # what this writer read (nothing to flush); another closed it meanwhile
        set_committed_value(found, "status", "resolved")
        reopen_complaint(session, found, actor="customer", why="wrote again", now=START)

    with pytest.raises(ChangedMeanwhile):
        any_store.write_now(stale_reopen)

    def read(session: Session) -> tuple[object, ...]:
        found = complaint_by_id(session, complaint_id=complaint_id)
        assert found is not None
        return (found.status, found.survey_score, found.resolution_summary)

    assert any_store.write_now(read) == ("closed", 2, "Refunded.")
