"""progress and survey due times

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 03:51:20.517981
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op



revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_update_due', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('survey_due', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('close_due', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_complaints_close_due'), ['close_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_next_update_due'), ['next_update_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_survey_due'), ['survey_due'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_survey_due'))
        batch_op.drop_index(batch_op.f('ix_complaints_next_update_due'))
        batch_op.drop_index(batch_op.f('ix_complaints_close_due'))
        batch_op.drop_column('close_due')
        batch_op.drop_column('survey_due')
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('next_update_due')

