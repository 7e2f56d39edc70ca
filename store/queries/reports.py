"""What reports read, as plain tuples (they are bucketed in Python, so the same code runs on
SQLite and PostgreSQL): the facts of the complaints opened in a period, and the survey answers
given in a period (`survey_answers`, the one home of which answers satisfaction counts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from store.queries.tables import COMPLAINTS, EVENTS


class ReportRow(NamedTuple):
    """One complaint, as much of it as a report needs."""

    created_at: datetime
    category: str
    department: str
    grade: str
    channel: str
    product: str
    status: str
    first_response_due: datetime | None
    first_response_at: datetime | None
    resolution_due: datetime | None
    resolved_at: datetime | None


_COLUMNS = [getattr(COMPLAINTS.c, name) for name in ReportRow._fields]


def report_rows(
    session: Session, *, since: datetime, until: datetime, departments: Sequence[str] | None
) -> list[ReportRow]:
    """The complaints opened in [since, until) of `departments` (None: all). A complaint merged
    into another is left out: it is the same complaint, counted once, on the one it joined."""
    query = sa.select(*_COLUMNS).where(
        COMPLAINTS.c.created_at >= since,
        COMPLAINTS.c.created_at < until,
        COMPLAINTS.c.status != "merged",
    )
    if departments is not None:
        query = query.where(COMPLAINTS.c.department.in_(list(departments)))
    return [ReportRow(*row) for row in session.execute(query)]


COUNTED_ANSWER = "survey_answered"
"""The event of an answer to a survey round that was open (`intake.survey.record_survey`).
Not counted: `survey_late`, a score sent in reply to a survey whose round a reopening had
ended (`intake.survey_rounds`): that round was judged already, by its own answer or by its
reopening (the customer's complaint that it was not over, or the desk's), so counting it would
rate one round twice, or rate a round after it was found not to be over; the console's
timeline calls it "not counted"."""


def survey_answers(
    session: Session, *, since: datetime, until: datetime, departments: Sequence[str] | None
) -> list[int]:
    """The scores of every survey answer given in [since, until) to complaints of `departments`
    (None: all; a complaint's department as it is now, as `report_rows` filters), oldest first.

    An answer counts in the period it was given, whenever its complaint was opened, and each
    round of a reopened complaint counts its own answer: the score that reopened a complaint is
    still there after `reopen_complaint` blanked the round on the complaint (its event keeps
    it), and the next round's answer is another. A merged complaint's events moved to the one
    it joined (`move_timeline`), so its answers count there, once."""
    query = (
        sa.select(EVENTS.c.detail)
        .join(COMPLAINTS, COMPLAINTS.c.id == EVENTS.c.complaint_id)
        .where(
            EVENTS.c.kind == COUNTED_ANSWER,
            EVENTS.c.at >= since,
            EVENTS.c.at < until,
            COMPLAINTS.c.status != "merged",
        )
        .order_by(EVENTS.c.at, EVENTS.c.id)
    )
    if departments is not None:
        query = query.where(COMPLAINTS.c.department.in_(list(departments)))
    scores = ((detail or {}).get("score") for (detail,) in session.execute(query))
    return [score for score in scores if isinstance(score, int)]
