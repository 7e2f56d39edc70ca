"""reopened rounds: a complaint reopened before this revision kept its earlier round's
resolved_at, resolution summary and survey score, comment and time, so the API and console
showed an open complaint as resolved and rated, and a complaint resolved again the first
round's score as the new one's. Reopening now blanks them (store.queries.complaints.
reopen_complaint); this does the same to the rows stored before. The earlier rounds stay on
the timeline (events and messages), which this does not touch. Nothing to undo: the blanked
values were no longer true of the complaint.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COMPLAINTS = sa.table(
    "complaints",
    sa.column("status", sa.String),
    sa.column("resolved_at", sa.DateTime),
    sa.column("resolution_summary", sa.String),
    sa.column("survey_score", sa.Integer),
    sa.column("survey_comment", sa.String),
    sa.column("survey_answered_at", sa.DateTime),
)
_SURVEY = {"survey_score": None, "survey_comment": "", "survey_answered_at": None}


def upgrade() -> None:
    c = _COMPLAINTS.c
    # open again (or rejected or merged after a reopening): no round of theirs stands
    op.execute(
        sa.update(_COMPLAINTS)
        .where(
            c.status.not_in(["resolved", "closed"]),
            sa.or_(c.resolved_at.is_not(None), c.survey_score.is_not(None), c.survey_comment != ""),
        )
        .values(resolved_at=None, resolution_summary="", **_SURVEY)
    )
    # resolved again: a survey answered before this resolution was the earlier round's
    op.execute(
        sa.update(_COMPLAINTS)
        .where(
            c.status.in_(["resolved", "closed"]),
            c.survey_answered_at.is_not(None),
            c.resolved_at.is_not(None),
            c.survey_answered_at < c.resolved_at,
        )
        .values(**_SURVEY)
    )


def downgrade() -> None:
    pass
