"""agents, telegram chats, assignment and survey columns

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 03:09:27.262864
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op



revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('telegram_user_id', sa.BigInteger(), nullable=True),
    sa.Column('departments', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('telegram_user_id')
    )
    op.create_table('telegram_chats',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('language', sa.String(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('pending_field', sa.String(), nullable=False),
    sa.Column('asked', sa.JSON(), nullable=True),
    sa.Column('start_new', sa.Boolean(), nullable=False),
    sa.Column('link_email', sa.String(), nullable=False),
    sa.Column('link_code_hash', sa.String(), nullable=False),
    sa.Column('link_expires_at', sa.DateTime(), nullable=True),
    sa.Column('link_attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], ),
    sa.PrimaryKeyConstraint('chat_id')
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignee', sa.String(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('resolution_summary', sa.String(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('survey_score', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('survey_comment', sa.String(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('survey_answered_at', sa.DateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_column('survey_answered_at')
        batch_op.drop_column('survey_comment')
        batch_op.drop_column('survey_score')
        batch_op.drop_column('resolution_summary')
        batch_op.drop_column('assignee')

    op.drop_table('telegram_chats')
    op.drop_table('agents')
