"""Erasing a customer's personal data: the content is replaced, the rows are kept.

Statistics (category, department, grade, channel, product, times, statuses, survey scores) and
every row other tables point at stay: identities and messages keep existing with their personal
content replaced, so reports and the dedupe of inbound messages still work.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session

from admin.holdings import Holdings
from router.stored_trace import WORDS_ERASED, without_words
from store.folding import blank_search_text
from store.models import Event, OutboxItem, Solution
from store.queries.chat import forget_chats
from store.queries.messages import delete_attachments
from store.queries.suppressions import forget_suppressions

ERASED = WORDS_ERASED
ERASED_COMPLAINT_FIELDS = (
    "subject",
    "serial_number",
    "order_number",
    "desired_outcome",
    "survey_comment",
    "resolution_summary",
    "root_cause",
)
PERSONAL_DETAILS = frozenset(
    {
        # what someone wrote about the customer, in whichever event holds it: a note (`text`),
        # a merge's `note`, a solution's `description`; older rows' `explanation`, `summary`
        "text",
        "note",
        "description",
        "explanation",
        "summary",
        # what the customer supplied: file names (attachments_dropped), and a complaint's
        # erased fields wherever an event repeats them (fields_edited: {field: {from, to}})
        "files",
        *ERASED_COMPLAINT_FIELDS,
    }
)
"""The one list of keys that are personal in any event's detail, at any depth: the text under
such a key is erased whole (a text, each item of a list, each value of a mapping); numbers (an
id) are kept. Everything else in an event is the desk's own vocabulary (numbers, statuses,
field names, agents, counts, the reasons the system writes), but for `WRITTEN_BY_STAFF`,
`WRITTEN_STATUS_REASONS` and `PEER_REASONS` below.
tests/web/test_erasure_staff_texts.py reads the code that writes events and fails when a detail
key is in none of these lists nor in its list of keys reviewed as not personal."""
WRITTEN_BY_STAFF: Mapping[str, frozenset[str]] = {
    # event kind → its keys whose text a person wrote (the same key in other events is the
    # system's: a status change's `why` is, but for WRITTEN_STATUS_REASONS)
    "corrected": frozenset({"why"}),  # the agent's reason for the correction
    "grade_corrected": frozenset({"why"}),  # the same, when only the grade changed
    "solution_approved": frozenset({"why"}),  # the supervisor's reason
    "solution_rejected": frozenset({"why"}),
    # a proposal in the agents' chat is its text; one of the API or console is the solution's id
    "solution_proposed": frozenset({"solution", "why"}),  # and an approval's reason
}
WRITTEN_BY_SYSTEM: Mapping[str, frozenset[str]] = {
    # event kind → its keys of free text (`why`, `reason`) that only the system writes, in its
    # own words: kept. A free-text key of an event kind in neither this nor WRITTEN_BY_STAFF
    # fails tests/web/test_erasure_staff_texts.py until it is decided.
    "status_changed": frozenset({"why"}),  # but for WRITTEN_STATUS_REASONS
    "reply_withheld": frozenset({"why"}),
    "regraded": frozenset({"why"}),
    "merge_took_over": frozenset({"why"}),  # "taken from C-…, merged into it"
}
WRITTEN_STATUS_REASONS = frozenset({"rejected", "resolved", "solution_proposed"})
"""Statuses whose change by a person has their own words as its `why` (the explanation to the
customer, the resolution's summary, the proposal), unless it is a solution's kind."""
PEOPLE = ("agent:", "supervisor:", "admin:")
"""How the actor of an event a person caused begins."""
PEER_REASONS = frozenset({"delivery_failed", "delivery_delayed"})
"""Events whose `reason` may quote a peer's answer (a mail server names the address): the
customer's addresses are erased from it, the rest of the diagnosis is kept."""


def erase(session: Session, found: Holdings, now: datetime) -> dict[str, int]:
    """Replace the personal content of everything the customer holds; how many rows were
    touched. The caller blanks the customer row itself."""
    addresses = _addresses(found)
    deliveries = found.deliveries(session)
    _erase_deliveries(found, deliveries, addresses)
    forget_suppressions(session, addresses=found.addresses)
    forget_chats(session, chat_ids=found.chat_ids())
    for identity in found.identities:
        identity.address, identity.display_name = erased_address(identity.id or 0), ""
    for message in found.messages:
        message.text = ERASED
        blank_search_text(message)  # "[erased]" is not searched either
        message.subject = ERASED if message.subject else ""
        message.thread = ""  # ids of the customer's mails: some clients put names in them
        message.reply_to = ""
    attachments = delete_attachments(session, message_ids=found.message_ids)
    for complaint in found.complaints:
        for field in ERASED_COMPLAINT_FIELDS:
            setattr(complaint, field, "")
        complaint.routing_trace = without_words(complaint.routing_trace or [])
    solutions = found.solutions(session)
    kinds = {solution.kind for solution in solutions}
    events = _redact_events(found.events(session), kinds, addresses)
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


def erased_address(identity_id: int) -> str:
    """What an erased identity's address becomes: unique per identity (the address column is a
    key), and no one's."""
    return f"erased-{identity_id}"


def is_erased_address(address: str) -> bool:
    """Whether `address` is what an erasure left (shown as "[erased]" in the reader's
    language)."""
    return ERASED_ADDRESS.fullmatch(address) is not None


ERASED_ADDRESS = re.compile(r"erased-\d+")


def _addresses(found: Holdings) -> list[str]:
    """The customer's addresses as a peer may quote them (`shop:c-1` as `c-1`), longest first."""
    quoted = {address for _, address in found.addresses}
    quoted |= {address.split(":", 1)[1] for address in quoted if ":" in address}
    return sorted((a for a in quoted if len(a) > 2), key=len, reverse=True)


def _without(text: str, addresses: Sequence[str]) -> str:
    for address in addresses:
        text = re.sub(re.escape(address), ERASED, text, flags=re.IGNORECASE)
    return text


def _erase_deliveries(
    found: Holdings, deliveries: Sequence[OutboxItem], addresses: Sequence[str]
) -> None:
    """Blank what was said, hide where it went; what was still to be sent is not sent."""
    addressed_to = {**found.answered_at, **{(i.channel, i.address): i.id for i in found.identities}}
    for item in deliveries:
        payload = dict(item.payload or {})
        for key in ("text", "subject"):
            if payload.get(key):
                payload[key] = ERASED
        for key in ("in_reply_to", "references"):  # the customer's mails' ids (as on messages)
            payload.pop(key, None)
        item.payload = payload
        item.last_error = _without(item.last_error or "", addresses)
        identity_id = addressed_to.get((item.channel, item.address))
        if identity_id is not None:
            item.address = erased_address(identity_id)
            if item.status == "pending":
                item.status, item.last_error = "cancelled", "the customer's data was erased"


def _redact_events(
    events: Sequence[Event], kinds: set[str], addresses: Sequence[str]
) -> list[Event]:
    """Erase the personal details of the events that hold any; those events."""
    redacted = []
    for event in events:
        detail = event.detail or {}
        cleaned = _redacted(detail)
        cleaned = {
            key: ERASED if _written(event, key, value, kinds) else value
            for key, value in cleaned.items()
        }
        if event.kind in PEER_REASONS and isinstance(cleaned.get("reason"), str):
            cleaned["reason"] = _without(cleaned["reason"], addresses)
        if cleaned != detail:
            event.detail = cleaned
            redacted.append(event)
    return redacted


def _written(event: Event, key: str, value: Any, kinds: set[str]) -> bool:
    """Whether `value`, under `key` of `event`, is a text a person wrote (WRITTEN_BY_STAFF,
    WRITTEN_STATUS_REASONS)."""
    if not isinstance(value, str) or not value or value == ERASED:
        return False
    if key in WRITTEN_BY_STAFF.get(event.kind, ()):
        return True
    return (
        event.kind == "status_changed"
        and key == "why"
        and event.actor.startswith(PEOPLE)
        and (event.detail or {}).get("to") in WRITTEN_STATUS_REASONS
        and value not in kinds
    )


def _redacted(value: Any, personal: bool = False) -> Any:
    """`value` with every personal part erased; `personal`: it sits under a personal key."""
    if isinstance(value, dict):
        return {
            key: _redacted(item, personal or key in PERSONAL_DETAILS) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redacted(item, personal) for item in value]
    if personal and isinstance(value, str) and value:
        return ERASED
    return value


def _redact_solutions(solutions: Sequence[Solution]) -> None:
    for solution in solutions:
        solution.description = ERASED if solution.description else ""
        solution.decision_reason = ERASED if solution.decision_reason else ""
