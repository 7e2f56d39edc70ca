"""events by kind and time: the reports' satisfaction counts every survey answer given in a
period, whenever its complaint was opened (store.queries.reports.survey_answers), so it reads
the `survey_answered` events of a period without scanning every complaint's timeline

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 01:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_events_kind_at", "events", ["kind", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_events_kind_at", table_name="events")
