"""triage models: the versions of the learned category suggestion and their training data

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "triage_models",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("trained_at", sa.DateTime(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("corrections_up_to", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("version"),
        sa.UniqueConstraint("digest"),
    )


def downgrade() -> None:
    op.drop_table("triage_models")
