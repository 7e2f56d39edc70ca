"""Trying routing rules before publishing them: a dry run on one pasted message, and a backtest
that replays a draft rule set over recent complaints.

Both call the same pure `route` that intake calls and change nothing. A backtest rebuilds each
complaint's routing input from the store the way intake built it: the first inbound message's
subject and text, the channel, the language the complaint was recorded in (given as the
channel's hint, so detection gives the same answer), the customer's tier, whether that message
had attachments, and the customer's earlier complaints (for `repeat`). It compares the draft's
decision with the active rules' decision on that same input, so what it lists are the
complaints the draft would route differently, not the ones staff corrected by hand since.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from admin.rule_book import RuleBook, check, with_rules
from complaints.errors import TrialRefused
from router import (
    HISTORY_WINDOW,
    CustomerHistory,
    Decision,
    RoutingInput,
    RuleSet,
    ServiceLevel,
    route,
)
from router.language import SUPPORTED
from store.database import Database

MAX_BACKTEST = 5000
"""The most complaints one backtest replays; it runs in the request, so it is bounded."""

_COMPLAINTS = SQLModel.metadata.tables["complaints"]
_MESSAGES = SQLModel.metadata.tables["messages"]
_ATTACHMENTS = SQLModel.metadata.tables["attachments"]
_CUSTOMERS = SQLModel.metadata.tables["customers"]


async def rule_set_to_try(
    book: RuleBook, rules: Sequence[Mapping[str, Any]] | None = None, version: int | None = None
) -> RuleSet:
    """The rules a dry run or backtest tries: the active tables with `rules` as their rule list
    (a draft, validated: RuleError says what is wrong), a stored `version`, or the active rules."""
    if rules is not None:
        return check(with_rules(await book.tables(), rules), "the draft")
    if version is not None:
        return replace(check(await book.tables(version), f"version {version}"), version=version)
    return book.current


@dataclass(frozen=True)
class TrialMessage:
    """A message to dry-run, with what the router would know of its sender."""

    text: str
    subject: str = ""
    channel: str = "webhook"
    language: str = ""
    """A supported language to take as the channel's hint; empty: detected from the text."""
    tier: str = ""
    has_attachment: bool = False
    earlier_complaints: int = 0
    """How many complaints the sender made before, taken as made a day ago (for `repeat`)."""


def dry_run(
    message: TrialMessage,
    rules: RuleSet,
    service_levels: Mapping[str, ServiceLevel],
    now: datetime,
    default_language: str = "en",
) -> Decision:
    """The decision `rules` would take on `message` now, with its full trace."""
    if message.language and message.language not in SUPPORTED:
        raise TrialRefused(f"language must be one of {', '.join(SUPPORTED)}, or empty to detect")
    if not message.text.strip() and not message.subject.strip():
        raise TrialRefused("paste the message's text (or subject) to see how it routes")
    if message.earlier_complaints < 0:
        raise TrialRefused("earlier_complaints cannot be negative")
    routed = RoutingInput(
        text=message.text,
        received_at=now,
        subject=message.subject,
        channel=message.channel,
        language_hint=message.language,
        tier=message.tier,
        has_attachment=message.has_attachment,
    )
    history = CustomerHistory(message.tier, (now - timedelta(days=1),) * message.earlier_complaints)
    return route(routed, history, rules, service_levels, default_language)


@dataclass(frozen=True)
class Routing:
    category: str
    department: str
    grade: str

    @classmethod
    def of(cls, decision: Decision) -> Routing:
        return cls(decision.category, decision.department, decision.grade)


@dataclass(frozen=True)
class Changed:
    """A complaint the draft would route differently from the active rules."""

    number: str
    routed_by: int
    """The rule set version that routed it when it arrived."""
    before: Routing
    after: Routing


@dataclass(frozen=True)
class Backtest:
    examined: int
    active_version: int
    changed: tuple[Changed, ...]


@dataclass(frozen=True)
class _Replay:
    """One stored complaint's routing input."""

    number: str
    routed_by: int
    message: RoutingInput
    history: CustomerHistory


async def backtest(
    database: Database,
    active: RuleSet,
    draft: RuleSet,
    service_levels: Mapping[str, ServiceLevel],
    last: int = 200,
) -> Backtest:
    """Replay the `last` complaints under `active` and `draft`; list those whose category,
    department or grade differ. Reads only."""
    if not 1 <= last <= MAX_BACKTEST:
        raise TrialRefused(f"last must be between 1 and {MAX_BACKTEST}")
    replays = await database.read(lambda session: _replays(session, last))

    def compare() -> tuple[Changed, ...]:
        changed = []
        for replay in replays:
            before = Routing.of(route(replay.message, replay.history, active, service_levels))
            after = Routing.of(route(replay.message, replay.history, draft, service_levels))
            if before != after:
                changed.append(Changed(replay.number, replay.routed_by, before, after))
        return tuple(changed)

    # Routing thousands of messages takes a while: off the event loop, so the bot keeps serving.
    return Backtest(len(replays), active.version, await asyncio.to_thread(compare))


def _replays(session: Session, last: int) -> list[_Replay]:
    """The newest `last` complaints that have an inbound message, rebuilt as intake saw them."""
    connection = session.connection()
    recent = sa.select(_COMPLAINTS.c.id).order_by(_COMPLAINTS.c.id.desc()).limit(last).subquery()
    first_inbound = (
        sa.select(sa.func.min(_MESSAGES.c.id))
        .where(_MESSAGES.c.direction == "in", _MESSAGES.c.complaint_id.in_(sa.select(recent.c.id)))
        .group_by(_MESSAGES.c.complaint_id)
    )
    has_attachment = (
        sa.select(_ATTACHMENTS.c.id)
        .where(_ATTACHMENTS.c.message_id == _MESSAGES.c.id)
        .exists()
        .label("has_attachment")
    )
    rows = connection.execute(
        sa.select(
            _COMPLAINTS.c.id,
            _COMPLAINTS.c.number,
            _COMPLAINTS.c.channel,
            _COMPLAINTS.c.language,
            _COMPLAINTS.c.customer_id,
            _COMPLAINTS.c.created_at,
            _COMPLAINTS.c.rule_set_version,
            _CUSTOMERS.c.tier,
            _MESSAGES.c.subject,
            _MESSAGES.c.text,
            has_attachment,
        )
        .join(_MESSAGES, _MESSAGES.c.complaint_id == _COMPLAINTS.c.id)
        .join(_CUSTOMERS, _CUSTOMERS.c.id == _COMPLAINTS.c.customer_id)
        .where(_MESSAGES.c.id.in_(first_inbound))
        .order_by(_COMPLAINTS.c.id.desc())
    ).all()
    if not rows:
        return []
    customers = sa.select(_COMPLAINTS.c.customer_id).where(
        _COMPLAINTS.c.id.in_(sa.select(recent.c.id))
    )
    earlier = _complaint_times(session, customers, min(row.created_at for row in rows))
    return [
        _Replay(
            row.number,
            row.rule_set_version,
            RoutingInput(
                text=row.text,
                received_at=row.created_at,
                subject=row.subject,
                channel=row.channel,
                language_hint=row.language,
                has_attachment=bool(row.has_attachment),
            ),
            CustomerHistory(
                row.tier,
                tuple(
                    at
                    for complaint_id, at in earlier[row.customer_id]
                    if complaint_id < row.id and at >= row.created_at - HISTORY_WINDOW
                ),
            ),
        )
        for row in rows
    ]


def _complaint_times(
    session: Session, customers: sa.Select[tuple[int]], oldest: datetime
) -> dict[int, list[tuple[int, datetime]]]:
    """Per customer, (id, created_at) of their complaints that may count for `repeat`."""
    times: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    rows = session.connection().execute(
        sa.select(_COMPLAINTS.c.customer_id, _COMPLAINTS.c.id, _COMPLAINTS.c.created_at).where(
            _COMPLAINTS.c.customer_id.in_(customers),
            _COMPLAINTS.c.created_at >= oldest - HISTORY_WINDOW,
        )
    )
    for customer_id, complaint_id, at in rows:
        times[customer_id].append((complaint_id, at))
    return times
