"""search text of complaints: also their model, serial number and order number, which a desk
looks a complaint up by ("TW-8891"); the complaints stored before are folded again here

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 15:10:00
"""

from collections.abc import Sequence

from store.folding import fold_rows
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCHED = ("subject", "product", "model", "serial_number", "order_number")
"""The complaints' searched columns as of this revision (store.models.SEARCHED)."""
BEFORE = ("subject", "product")
"""As of 0014."""


def upgrade() -> None:
    fold_rows(op.get_bind(), "complaints", SEARCHED)


def downgrade() -> None:
    fold_rows(op.get_bind(), "complaints", BEFORE)
