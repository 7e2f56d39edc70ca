"""The tables. Times are timezone-aware UTC in Python and naive UTC in the database.

A customer may have several identities (an e-mail address, a Telegram chat, a CRM id from a
webhook source); complaints, messages and events hang off the customer and the complaint; the
outbox holds everything that must still be delivered.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no offset, and comparisons must agree."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use timezone-aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _time(*, index: bool = False, nullable: bool = False) -> Any:
    return Field(sa_column=sa.Column(UTCDateTime(), index=index, nullable=nullable))


def _json() -> Any:
    return Field(default=None, sa_column=sa.Column(sa.JSON(), nullable=True))


class Customer(SQLModel, table=True):
    __tablename__ = "customers"

    id: int | None = Field(default=None, primary_key=True)
    name: str = ""
    email: str = Field(default="", index=True)
    """Lower-cased: duplicates across channels are found by it."""
    phone: str = ""
    tier: str = ""
    created_at: datetime = _time()
    erased_at: datetime | None = _time(nullable=True)
    """Set when an admin erased the customer's personal data (statistics are kept)."""


class Identity(SQLModel, table=True):
    """One way to reach a customer: `channel` plus an `address` unique on that channel."""

    __tablename__ = "identities"
    __table_args__ = (sa.UniqueConstraint("channel", "address", name="uq_identity_address"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    channel: str
    address: str
    display_name: str = ""


class Complaint(SQLModel, table=True):
    __tablename__ = "complaints"

    id: int | None = Field(default=None, primary_key=True)
    number: str | None = Field(default=None, unique=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    identity_id: int = Field(foreign_key="identities.id")
    """Where replies go: the identity the complaint was opened from."""
    channel: str
    source: str = ""
    status: str = Field(default="new", index=True)
    grade: str
    category: str
    department: str = Field(index=True)
    language: str
    subject: str = ""
    product: str = ""
    model: str = ""
    serial_number: str = ""
    order_number: str = ""
    purchase_date: str = ""
    desired_outcome: str = ""
    tags: list[str] | None = _json()
    rule_set_version: int = 0
    routing_trace: list[dict[str, Any]] | None = _json()
    created_at: datetime = _time(index=True)
    updated_at: datetime = _time()
    first_response_due: datetime | None = _time(index=True, nullable=True)
    resolution_due: datetime | None = _time(index=True, nullable=True)
    assignee: str = ""
    resolution_summary: str = ""
    survey_score: int | None = None
    survey_comment: str = ""
    survey_answered_at: datetime | None = _time(nullable=True)
    next_update_due: datetime | None = _time(index=True, nullable=True)
    """When the customer is next told of progress, unless someone writes to them first."""
    resolved_at: datetime | None = _time(nullable=True)
    survey_due: datetime | None = _time(index=True, nullable=True)
    close_due: datetime | None = _time(index=True, nullable=True)
    """After the survey went out: closed then if it stays unanswered."""
    first_response_at: datetime | None = _time(nullable=True)
    """When a person first wrote to the customer (the first-response target is met)."""
    escalation_level: int = 0
    root_cause: str = ""
    merged_into: str = ""
    """The number of the complaint this one was merged into (status "merged")."""
    escalate_due: datetime | None = _time(index=True, nullable=True)
    """The deadline watched now: first response until a person answered, then resolution."""
    warn_due: datetime | None = _time(index=True, nullable=True)


class Message(SQLModel, table=True):
    """A message in either direction. Inbound ones carry the transport's dedupe key."""

    __tablename__ = "messages"
    __table_args__ = (
        sa.UniqueConstraint("channel", "external_id", name="uq_message_external"),
        sa.Index("ix_messages_identity_time", "identity_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaints.id", index=True)
    direction: str
    channel: str
    external_id: str | None = None
    identity_id: int | None = Field(default=None, foreign_key="identities.id")
    author: str = ""
    kind: str = ""
    subject: str = ""
    text: str = ""
    language: str = ""
    created_at: datetime = _time()


class Attachment(SQLModel, table=True):
    __tablename__ = "attachments"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="messages.id", index=True)
    filename: str
    content_type: str
    size: int
    data: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))


class Event(SQLModel, table=True):
    """The append-only timeline: who did what to a complaint, when, and why."""

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaints.id", index=True)
    at: datetime = _time()
    actor: str
    kind: str
    detail: dict[str, Any] | None = _json()


class OutboxItem(SQLModel, table=True):
    """One delivery still owed. `next_attempt_at` doubles as the lease of a claimed item."""

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaints.id", index=True)
    message_id: int = Field(foreign_key="messages.id", index=True)
    channel: str
    address: str
    kind: str
    payload: dict[str, Any] | None = _json()
    status: str = "pending"
    attempts: int = 0
    next_attempt_at: datetime = _time()
    last_error: str = ""
    transport_id: str = ""
    sent_at: datetime | None = _time(nullable=True)
    created_at: datetime = _time()


class Department(SQLModel, table=True):
    __tablename__ = "departments"

    key: str = Field(primary_key=True)
    names: dict[str, str] | None = _json()


class RuleSetVersion(SQLModel, table=True):
    """Every rule set the bot has routed with, so a complaint's routing can be explained later."""

    __tablename__ = "rule_sets"

    version: int | None = Field(default=None, primary_key=True)
    digest: str = Field(unique=True)
    source: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    origin: str = "settings"
    """settings (settings.toml at start), console, import or rollback."""
    created_at: datetime = _time()
    author: str = ""
    note: str = ""


class DeadLetter(SQLModel, table=True):
    """Input that could not be processed at all, kept whole with the reason so it can be
    reprocessed once the cause is fixed; also machine mail that refers to no complaint."""

    __tablename__ = "dead_letters"

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    reason: str
    raw: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))
    status: str = Field(default="kept", index=True)
    """kept (can be reprocessed), reprocessing (claimed by a run now), ignored (machine mail,
    nothing to do), reprocessed."""
    received_at: datetime = _time()
    reprocessed_at: datetime | None = _time(nullable=True)


class Suppression(SQLModel, table=True):
    """Addresses that bounce: after enough bounces in a row, no automatic mail goes there until
    mail arrives from the address again (it works again)."""

    __tablename__ = "suppressions"

    channel: str = Field(primary_key=True)
    address: str = Field(primary_key=True)
    bounces: int = 0
    suppressed: bool = False
    last_reason: str = ""
    updated_at: datetime = _time()


class Agent(SQLModel, table=True):
    """Someone who handles complaints; for now registered in settings.toml ([[agents]])."""

    __tablename__ = "agents"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    telegram_user_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger(), unique=True, nullable=True)
    )
    departments: list[str] | None = _json()
    senior: bool = False
    """Takes over when a customer asks for another handler (seed 001)."""
    role: str = "agent"
    """agent (works its departments' complaints), supervisor (also approves solutions and
    sees reports) or admin (configures everything, every department)."""
    email: str = ""
    """Where staff notices to this person go (hot-spot alerts) when they have no Telegram."""
    password_hash: str = ""
    """Empty: no console login (a Telegram-only agent)."""
    active: bool = True


class ChatState(SQLModel, table=True):
    """Where a Telegram conversation stands: the question awaiting an answer, the chosen
    language, a pending link to an e-mail address. Kept in the store so a restart or a second
    instance continues the same conversation."""

    __tablename__ = "telegram_chats"

    chat_id: int = Field(
        sa_column=sa.Column(sa.BigInteger(), primary_key=True, autoincrement=False)
    )
    """Telegram ids exceed 32 bits (groups are -100…), hence BIGINT."""
    language: str = ""
    complaint_id: int | None = Field(default=None, foreign_key="complaints.id")
    pending_field: str = ""
    asked: list[str] | None = _json()
    """Fields already asked for this complaint (answered or skipped): never asked twice."""
    start_new: bool = False
    link_email: str = ""
    link_code_hash: str = ""
    link_expires_at: datetime | None = _time(nullable=True)
    link_attempts: int = 0


class ActiveRules(SQLModel, table=True):
    """Which rule set version routes now (one row). `settings_digest` is the routing text of
    settings.toml as last seen at start: when the file changes, the file wins again; until
    then a version published from the console stays active."""

    __tablename__ = "active_rules"

    id: int = Field(default=1, primary_key=True)
    version: int = Field(foreign_key="rule_sets.version")
    settings_digest: str
    changed_at: datetime = _time()
    changed_by: str = ""


class ApiToken(SQLModel, table=True):
    """A bearer token for the HTTP API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agents.id", index=True)
    name: str = ""
    token_hash: str = Field(unique=True)
    created_at: datetime = _time()
    last_used_at: datetime | None = _time(nullable=True)
    revoked_at: datetime | None = _time(nullable=True)


class ConsoleSession(SQLModel, table=True):
    """A console login: the cookie holds the secret, the store its SHA-256 and the CSRF token."""

    __tablename__ = "console_sessions"

    token_hash: str = Field(primary_key=True)
    agent_id: int = Field(foreign_key="agents.id", index=True)
    csrf_token: str
    created_at: datetime = _time()
    expires_at: datetime = _time(index=True)


class CannedReply(SQLModel, table=True):
    """A standard script (seed 004) in one language; `{number}`, `{customer}`, `{agent}`,
    `{product}` and `{company}` are filled in when it is used."""

    __tablename__ = "canned_replies"
    __table_args__ = (sa.UniqueConstraint("key", "language", name="uq_canned_key_language"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str
    language: str
    title: str
    text: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    updated_at: datetime = _time()
    updated_by: str = ""


class Solution(SQLModel, table=True):
    """A proposed remedy (seed 002). Above the approval threshold it waits for a supervisor
    before the customer hears of it."""

    __tablename__ = "solutions"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaints.id", index=True)
    kind: str
    """return, exchange, repair, refund, discount, compensation or apology."""
    amount_cents: int | None = None
    currency: str = ""
    description: str = ""
    status: str = Field(default="proposed", index=True)
    """awaiting_approval, proposed (told to the customer), rejected."""
    proposed_by: str
    proposed_at: datetime = _time()
    decided_by: str = ""
    decided_at: datetime | None = _time(nullable=True)
    decision_reason: str = ""


class HotSpotAlert(SQLModel, table=True):
    """A category or product that got markedly more complaints than its baseline; one row per
    spot and window, so admins are told once."""

    __tablename__ = "hot_spot_alerts"
    __table_args__ = (
        sa.UniqueConstraint("dimension", "value", "window_start", name="uq_hot_spot_window"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dimension: str
    value: str
    window_start: datetime = _time()
    window_end: datetime = _time()
    count: int
    baseline: float
    created_at: datetime = _time()


class AuditEvent(SQLModel, table=True):
    """Who changed an account or token, which login was refused, who exported or erased a
    customer. Accounts and customers appear by id only; never a password, token or personal data.
    """

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _time(index=True)
    actor: str
    """An account id, or "system" / "cli"."""
    action: str = Field(index=True)
    target: str = ""
    detail: dict[str, Any] | None = _json()
