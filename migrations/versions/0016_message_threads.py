"""message threads: a customer's message keeps the Message-IDs it referred to (its References,
oldest first, bounded), so every answer on the complaint carries the whole conversation in its
References (RFC 5322 §3.6.4) and mail clients thread it; the messages stored before keep ""
and are answered as before, by their own Message-ID alone

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 or newer), as 0014 does: a batch copy of
    # messages would fail on the rows other tables point at
    op.drop_column("messages", "thread")
