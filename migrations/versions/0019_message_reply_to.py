"""message reply-to: a customer's message keeps the address it asked answers to go to (an
e-mail's Reply-To, RFC 5322 §3.6.2) when not its sender's, so the acknowledgement and every
later answer on the complaint go there; the messages stored before keep "" and are answered
at their sender's address, as before

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_to", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN, as 0016 does: a batch copy of messages would fail on the
    # rows other tables point at
    op.drop_column("messages", "reply_to")
