"""escalation

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 03:55:59.500538
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op



revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_response_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalation_level', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('escalate_due', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('warn_due', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_complaints_escalate_due'), ['escalate_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_warn_due'), ['warn_due'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_warn_due'))
        batch_op.drop_index(batch_op.f('ix_complaints_escalate_due'))
        batch_op.drop_column('warn_due')
        batch_op.drop_column('escalate_due')
        batch_op.drop_column('escalation_level')
        batch_op.drop_column('first_response_at')

