"""The tables. Times are timezone-aware UTC in Python and naive UTC in the database.

A customer may have several identities (an e-mail address, a Telegram chat, a CRM id from a
webhook source); complaints, messages and events hang off the customer and the complaint; the
outbox holds everything that must still be delivered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from store.columns import UTCDateTime as UTCDateTime
from store.columns import json_field, time_field
from store.folding import keep_search_text
from store.models_accounts import Agent as Agent
from store.models_accounts import ApiToken as ApiToken
from store.models_accounts import ConsoleSession as ConsoleSession


class Customer(SQLModel, table=True):
    __tablename__ = "customers"

    id: int | None = Field(default=None, primary_key=True)
    name: str = ""
    email: str = Field(default="", index=True)
    """Lower-cased: duplicates across channels are found by it."""
    phone: str = ""
    tier: str = ""
    created_at: datetime = time_field()
    erased_at: datetime | None = time_field(nullable=True)
    """Set when an admin erased the customer's personal data (statistics are kept)."""
    search_text: str = Field(default="", exclude=True)
    """Name, e-mail and phone folded for search (`store.folding`). Derived from the row, so
    left out of its dumps (the API's views, the privacy export), as on the other tables."""


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
    tags: list[str] | None = json_field()
    rule_set_version: int = 0
    routing_trace: list[dict[str, Any]] | None = json_field()
    created_at: datetime = time_field(index=True)
    updated_at: datetime = time_field()
    first_response_due: datetime | None = time_field(index=True, nullable=True)
    resolution_due: datetime | None = time_field(index=True, nullable=True)
    assignee: str = ""
    resolution_summary: str = ""
    survey_score: int | None = None
    survey_comment: str = ""
    survey_answered_at: datetime | None = time_field(nullable=True)
    next_update_due: datetime | None = time_field(index=True, nullable=True)
    """When the customer is next told of progress, unless someone writes to them first."""
    resolved_at: datetime | None = time_field(nullable=True)
    survey_due: datetime | None = time_field(index=True, nullable=True)
    close_due: datetime | None = time_field(index=True, nullable=True)
    """After the survey went out: closed then if it stays unanswered."""
    first_response_at: datetime | None = time_field(nullable=True)
    """When a person first wrote to the customer (the first-response target is met)."""
    escalation_level: int = 0
    root_cause: str = ""
    merged_into: str = ""
    """The number of the complaint this one was merged into (status "merged")."""
    escalate_due: datetime | None = time_field(index=True, nullable=True)
    """The deadline watched now: first response until a person answered, then resolution."""
    warn_due: datetime | None = time_field(index=True, nullable=True)
    search_text: str = Field(default="", exclude=True)
    """Subject and product folded for search (`store.folding`); the number is searched as it is."""


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
    created_at: datetime = time_field()
    search_text: str = Field(default="", exclude=True)
    """The text folded for search (`store.folding`)."""
    thread: str = Field(default="", exclude=True)
    """A customer's message: the transport ids it referred to (an e-mail's References, oldest
    first, bounded by channels.base.bounded_references), space-separated as in the header;
    an answer to it refers to these and to the message itself (outbox.notify.in_thread)."""
    reply_to: str = ""
    """A customer's message: where they asked answers to go, when not to their identity's
    address (an e-mail's Reply-To), else "" (`outbox.notify.Notifier.customer_address`).
    Personal data: in the privacy export, blanked by an erasure."""


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
    __table_args__ = (
        # the reports' satisfaction reads every answer given in a period, of any complaint
        # (store.queries.reports.survey_answers)
        sa.Index("ix_events_kind_at", "kind", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaints.id", index=True)
    at: datetime = time_field()
    actor: str
    kind: str
    detail: dict[str, Any] | None = json_field()


class OutboxItem(SQLModel, table=True):
    """One delivery still owed. `next_attempt_at` doubles as the lease of a claimed item."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("ix_outbox_due", "status", "next_attempt_at"),
        sa.Index("ix_outbox_lane_due", "status", "lane", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaints.id", index=True)
    message_id: int = Field(foreign_key="messages.id", index=True)
    channel: str
    address: str
    lane: str
    """The dispatcher's lane of `channel` and `address` (`store.queries.outbox.lane_key`), set
    when the delivery is queued, so each lane's first due delivery is one index lookup."""
    kind: str
    payload: dict[str, Any] | None = json_field()
    status: str = "pending"
    attempts: int = 0
    next_attempt_at: datetime = time_field()
    last_error: str = ""
    transport_id: str = ""
    sent_at: datetime | None = time_field(nullable=True)
    created_at: datetime = time_field()


class Department(SQLModel, table=True):
    __tablename__ = "departments"

    key: str = Field(primary_key=True)
    names: dict[str, str] | None = json_field()


class RuleSetVersion(SQLModel, table=True):
    """Every rule set the bot has routed with, so a complaint's routing can be explained later."""

    __tablename__ = "rule_sets"

    version: int | None = Field(default=None, primary_key=True)
    digest: str = Field(unique=True)
    source: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    origin: str = "settings"
    """settings (settings.toml at start), console, import or rollback."""
    created_at: datetime = time_field()
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
    received_at: datetime = time_field()
    reprocessed_at: datetime | None = time_field(nullable=True)


class Suppression(SQLModel, table=True):
    """Addresses that bounce: after enough bounces in a row, no automatic mail goes there until
    mail arrives from the address again (it works again)."""

    __tablename__ = "suppressions"

    channel: str = Field(primary_key=True)
    address: str = Field(primary_key=True)
    bounces: int = 0
    suppressed: bool = False
    last_reason: str = ""
    updated_at: datetime = time_field()


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
    asked: list[str] | None = json_field()
    """Fields already asked for this complaint (answered or skipped): never asked twice."""
    start_new: bool = False
    link_email: str = ""
    link_code_hash: str = ""
    link_expires_at: datetime | None = time_field(nullable=True)
    link_attempts: int = 0


class ActiveRules(SQLModel, table=True):
    """Which rule set version routes now (one row). `settings_digest` is the routing text of
    settings.toml as last seen at start: when the file changes, the file wins again; until
    then a version published from the console stays active."""

    __tablename__ = "active_rules"

    id: int = Field(default=1, primary_key=True)
    version: int = Field(foreign_key="rule_sets.version")
    settings_digest: str
    changed_at: datetime = time_field()
    changed_by: str = ""


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
    updated_at: datetime = time_field()
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
    proposed_at: datetime = time_field()
    decided_by: str = ""
    decided_at: datetime | None = time_field(nullable=True)
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
    window_start: datetime = time_field()
    window_end: datetime = time_field()
    count: int
    baseline: float
    created_at: datetime = time_field()


class AuditEvent(SQLModel, table=True):
    """Who changed an account or token, which login was refused, who exported or erased a
    customer. Accounts and customers appear by id only; never a password, token or personal data.
    """

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = time_field(index=True)
    actor: str
    """An account id, or "system" / "cli"."""
    action: str = Field(index=True)
    target: str = ""
    detail: dict[str, Any] | None = json_field()


SEARCHED: dict[type[SQLModel], tuple[str, ...]] = {
    Customer: ("name", "email", "phone"),
    Complaint: ("subject", "product", "model", "serial_number", "order_number"),
    Message: ("text",),
}
"""What the queue's search looks in, per table (folded into its `search_text`), besides a
complaint's number and its customer's addresses."""
for _model, _fields in SEARCHED.items():
    keep_search_text(_model, _fields)
