"""Erasing a customer's personal data: the content is replaced, the rows are kept.

Statistics (category, department, grade, channel, product, times, statuses, survey scores) and
every row other tables point at stay: identities and messages keep existing with their personal
content replaced, so reports and the dedupe of inbound messages still work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session

from admin.holdings import Holdings
from store.folding import blank_search_text
from store.models import Event, OutboxItem, Solution
from store.queries.chat import forget_chats
from store.queries.messages import delete_attachments
from store.queries.suppressions import forget_suppressions

ERASED = "[erased]"
ERASED_COMPLAINT_FIELDS = (
    "subject",
    "serial_number",
    "order_number",
    "desired_outcome",
    "survey_comment",
    "resolution_summary",
)
PERSONAL_DETAILS = frozenset(
    {
        # what someone wrote (possibly about the customer)
        "text",
        "solution",
        "explanation",
        "summary",
        "why",
        "note",
        "reason",
        # what the customer supplied: file names (attachments_dropped), and a complaint's
        # erased fields wherever an event repeats them (fields_edited: {field: {from, to}})
        "files",
        *ERASED_COMPLAINT_FIELDS,
    }
)
"""The one list of what is personal in an event's detail, at any depth: the value under such a
key is erased whole (a text, each item of a list, each value of a mapping). Everything else in
an event is the desk's own vocabulary (numbers, statuses, field names, agents, counts)."""


def erase(session: Session, found: Holdings, now: datetime) -> dict[str, int]:
    """Replace the personal content of everything the customer holds; how many rows were
    touched. The caller blanks the customer row itself."""
    deliveries = found.deliveries(session)
    _erase_deliveries(found, deliveries)
    forget_suppressions(session, addresses=found.addresses)
    forget_chats(session, chat_ids=found.chat_ids())
    for identity in found.identities:
        identity.address, identity.display_name = f"erased-{identity.id}", ""
    for message in found.messages:
        message.text = ERASED
        blank_search_text(message)  # "[erased]" is not searched either
        message.subject = ERASED if message.subject else ""
    attachments = delete_attachments(session, message_ids=found.message_ids)
    for complaint in found.complaints:
        for field in ERASED_COMPLAINT_FIELDS:
            setattr(complaint, field, "")
    events = _redact_events(found.events(session))
    solutions = found.solutions(session)
    _redact_solutions(solutions)
    return {
        "identities": len(found.identities),
        "complaints": len(found.complaints),
        "messages": len(found.messages),
        "attachments_deleted": attachments,
        "events_redacted": len(events),
        "solutions": len(solutions),
        "deliveries": len(deliveries),
    }


def _erase_deliveries(found: Holdings, deliveries: Sequence[OutboxItem]) -> None:
    """Blank what was said, hide where it went; what was still to be sent is not sent."""
    addressed_to = {(i.channel, i.address): i.id for i in found.identities}
    for item in deliveries:
        payload = dict(item.payload or {})
        for key in ("text", "subject"):
            if payload.get(key):
                payload[key] = ERASED
        item.payload = payload
        identity_id = addressed_to.get((item.channel, item.address))
        if identity_id is not None:
            item.address = f"erased-{identity_id}"
            if item.status == "pending":
                item.status, item.last_error = "cancelled", "the customer's data was erased"


def _redact_events(events: Sequence[Event]) -> list[Event]:
    """Erase the personal details (PERSONAL_DETAILS) of the events that hold any; those events."""
    redacted = []
    for event in events:
        detail = event.detail or {}
        cleaned = _redacted(detail)
        if cleaned != detail:
            event.detail = cleaned
            redacted.append(event)
    return redacted


def _redacted(value: Any, personal: bool = False) -> Any:
    """`value` with every personal part erased; `personal`: it sits under a personal key."""
    if isinstance(value, dict):
        return {
            key: _redacted(item, personal or key in PERSONAL_DETAILS) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redacted(item, personal) for item in value]
    if personal and value not in ("", None):
        return ERASED
    return value


def _redact_solutions(solutions: Sequence[Solution]) -> None:
    for solution in solutions:
        solution.description = ERASED if solution.description else ""
        solution.decision_reason = ERASED if solution.decision_reason else ""
