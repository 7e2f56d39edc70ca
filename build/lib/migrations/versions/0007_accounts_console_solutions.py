"""accounts, console, solutions, canned replies, hot spots, active rules

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 04:29:57.565808
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("language", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", "language", name="uq_canned_key_language"),
    )
    op.create_table(
        "hot_spot_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("window_end", sa.DateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dimension", "value", "window_start", name="uq_hot_spot_window"),
    )
    op.create_table(
        "active_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("settings_digest", sa.String(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version"],
            ["rule_sets.version"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_agent_id"), ["agent_id"], unique=False)

    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
        ),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_console_sessions_agent_id"), ["agent_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_console_sessions_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "solutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("proposed_by", sa.String(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("solutions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_solutions_complaint_id"), ["complaint_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_solutions_status"), ["status"], unique=False)

    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(), nullable=False, server_default=sa.text("'agent'"))
        )
        batch_op.add_column(sa.Column("email", sa.String(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("password_hash", sa.String(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("root_cause", sa.String(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("merged_into", sa.String(), nullable=False, server_default="")
        )

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("rule_sets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author", sa.String(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("note", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:

    with op.batch_alter_table("rule_sets", schema=None) as batch_op:
        batch_op.drop_column("note")
        batch_op.drop_column("author")

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("erased_at")

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_column("merged_into")
        batch_op.drop_column("root_cause")

    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("active")
        batch_op.drop_column("password_hash")
        batch_op.drop_column("email")
        batch_op.drop_column("role")

    with op.batch_alter_table("solutions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_solutions_status"))
        batch_op.drop_index(batch_op.f("ix_solutions_complaint_id"))

    op.drop_table("solutions")
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_sessions_expires_at"))
        batch_op.drop_index(batch_op.f("ix_console_sessions_agent_id"))

    op.drop_table("console_sessions")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_agent_id"))

    op.drop_table("api_tokens")
    op.drop_table("active_rules")
    op.drop_table("hot_spot_alerts")
    op.drop_table("canned_replies")
