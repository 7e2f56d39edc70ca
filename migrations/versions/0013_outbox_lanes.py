"""the outbox's lane of each delivery, indexed with its due time, so the dispatcher finds the
other lanes' due deliveries without reading past a stuck lane's backlog

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 05:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lane", sa.String(), nullable=False, server_default=""))
    # store.queries.outbox.lane_key(lane_of(channel, address)): "email:", or for a webhook
    # callback the source's prefix of its address, "webhook:shop:" ("webhook:" without one).
    position = "instr" if op.get_bind().dialect.name == "sqlite" else "strpos"
    op.execute(
        "UPDATE outbox SET lane = channel || ':' || CASE WHEN channel = 'webhook'"
        f" THEN substr(address, 1, {position}(address, ':')) ELSE '' END"
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_lane_due", ["status", "lane", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_lane_due")
        batch_op.drop_column("lane")
