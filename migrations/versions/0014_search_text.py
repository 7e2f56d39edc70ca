"""search text: customers, complaints and messages keep their searched columns folded (case,
accents, traditional and simplified Chinese; store.folding), so the queue's search finds
"Martínez" by "martinez" and "陳美玲" by "陈美玲"; the rows stored before are folded here

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.folding import fold_rows

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCHED = {
    "customers": ("name", "email", "phone"),
    "complaints": ("subject", "product"),
    "messages": ("text",),
}
"""The searched columns as of this revision (store.models.SEARCHED)."""
BATCH = 1000


def upgrade() -> None:
    for table in SEARCHED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("search_text", sa.String(), nullable=False, server_default="")
            )
    connection = op.get_bind()
    for name, fields in SEARCHED.items():
        fold_rows(connection, name, fields, BATCH)


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 or newer): a batch copy of customers or
    # complaints would fail on the rows other tables point at
    for table in SEARCHED:
        op.drop_column(table, "search_text")
