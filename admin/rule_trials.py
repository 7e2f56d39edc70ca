"""Trying routing rules before publishing them: a dry run on one pasted message, and a backtest
that replays a draft rule set over recent complaints.

Both call the same pure `route` that intake calls and change nothing. A backtest rebuilds each
complaint's routing input from the store the way intake built it: the first inbound message's
subject and text, the channel, the language the complaint was recorded in (given as the
channel's hint, so detection gives the same answer), the customer's tier, whether that message
had attachments, and the customer's earlier complaints (for `repeat`). It compares the draft's
decision with the active rules' decision on that same input, so what it lists are the
complaints the draft would route differently, not the ones staff corrected by hand since.

Both route with the triage model in force, so where no rule sets the category the trace (dry
run) and the routing (backtest) show what the model would decide.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from admin.rule_book import RuleBook, check
from admin.rule_tables import with_rules
from complaints.errors import TrialRefused
from complaints.languages import SUPPORTED
from router import (
    HISTORY_WINDOW,
    CustomerHistory,
    Decision,
    RoutingInput,
    RuleSet,
    ServiceLevel,
    route,
)
from router.model import CategoryModel
from store.database import Database
from store.queries.backtests import opening_messages, recent_customers_complaint_times

MAX_BACKTEST = 5000
"""The most complaints one backtest replays; it runs in the request, so it is bounded."""


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
    *,
    model: CategoryModel | None = None,
) -> Decision:
    """The decision `rules` (and `model`, the triage model) would take on `message` now, with
    its full trace."""
    if message.language and message.language not in SUPPORTED:
        raise TrialRefused(
            "language must be one of %(languages)s, or empty to detect",
            languages=", ".join(SUPPORTED),
        )
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
    return route(routed, history, rules, service_levels, default_language, model=model)


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
    *,
    model: CategoryModel | None = None,
) -> Backtest:
    """Replay the `last` complaints under `active` and `draft`; list those whose category,
    department or grade differ. Reads only."""
    if not 1 <= last <= MAX_BACKTEST:
        raise TrialRefused("last must be between 1 and %(most)s", most=MAX_BACKTEST)
    replays = await database.read(lambda session: _replays(session, last))

    def compare() -> tuple[Changed, ...]:
        changed = []
        for replay in replays:
            message, history = replay.message, replay.history
            before = Routing.of(route(message, history, active, service_levels, model=model))
            after = Routing.of(route(message, history, draft, service_levels, model=model))
            if before != after:
                changed.append(Changed(replay.number, replay.routed_by, before, after))
        return tuple(changed)

    # Routing thousands of messages takes a while: off the event loop, so the bot keeps serving.
    return Backtest(len(replays), active.version, await asyncio.to_thread(compare))


def _replays(session: Session, last: int) -> list[_Replay]:
    """The newest `last` complaints that have an inbound message, rebuilt as intake saw them."""
    rows = opening_messages(session, last=last)
    if not rows:
        return []
    oldest = min(row.created_at for row in rows)
    earlier = recent_customers_complaint_times(session, last=last, since=oldest - HISTORY_WINDOW)
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
                    for complaint_id, at in earlier.get(row.customer_id, ())
                    if complaint_id < row.id and at >= row.created_at - HISTORY_WINDOW
                ),
            ),
        )
        for row in rows
    ]
