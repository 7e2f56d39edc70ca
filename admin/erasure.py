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


def status_change(status: str, who: str) -> str:
    """How DETAILS names the status changes to `status` that `who` ("staff", "customer",
    "system") makes: whose words their reason is depends on both."""
    return f"status_changed to {status} by {who}"


PERSONAL, KEPT, PEER = "personal", "kept", "peer"
"""What an erasure does with a text of an event's detail: PERSONAL, a person's words (staff's
about the customer, or the customer's own) or what the customer supplied, erased whole (a
text, each text of a list or mapping; numbers such as an id stay); KEPT, the desk's own
vocabulary or words (statuses, field names, agents, counts, ids, the reasons the bot writes);
PEER, a peer's answer (a mail server's) that may quote the customer's address, which goes."""
DESK_KEYS = (
    "from", "to", "into", "of", "message", "channel", "source", "attachments", "automated",
    "attempts", "permanent", "bounces", "limit", "max_files", "category", "department",
    "grade", "language", "tags", "rule_set_version", "missed", "level", "grade_from",
    "grade_to", "deadline", "dimension", "value", "count", "baseline", "window_start",
    "told", "newest", "similarity", "score", "fields", "via", "into_customer", "kind",
    "amount", "solution", "rules", "status", "product", "model", "purchase_date",
)  # fmt: skip
"""Keys of any event that are the desk's own: numbers, ids, keys, statuses, agents, counts,
times, the rules that fired; registration fields kept as statistics."""
ANY_EVENT = "*"
DETAILS: Mapping[str, Mapping[str, str]] = {
    ANY_EVENT: {
        # a key of any event, at any depth. What someone wrote about the customer: a note
        # (`text`), a merge's `note`, a solution's `description`; older rows' `explanation`,
        # `summary`. What the customer supplied: file names (attachments_dropped), and a
        # complaint's erased fields wherever an event repeats them (fields_edited)
        **dict.fromkeys(("text", "note", "description", "explanation", "summary"), PERSONAL),
        "files": PERSONAL,
        **dict.fromkeys(ERASED_COMPLAINT_FIELDS, PERSONAL),
        # the desk's own (never a free text, `why` or `reason`: whose words those are depends
        # on the event, so each event kind below says it)
        **dict.fromkeys(DESK_KEYS, KEPT),
    },
    # the reason a person gives for a decision
    "corrected": {"why": PERSONAL},  # the agent's, for a correction
    "grade_corrected": {"why": PERSONAL},  # the same, when only the grade changed
    "solution_approved": {"why": PERSONAL},  # the supervisor's
    "solution_rejected": {"why": PERSONAL},
    # a proposal in the agents' chat is its text (one of the API or console: the solution's id)
    "solution_proposed": {"solution": PERSONAL, "why": PERSONAL},
    # reasons the bot writes in its own words
    "reply_withheld": {"why": KEPT},  # a channel's reason ("a courtesy message to …")
    "regraded": {"why": KEPT},
    "merge_took_over": {"why": KEPT},  # "taken from C-…, merged into it"
    # a mail server's answer, which may name the address
    "delivery_failed": {"reason": PEER},
    "delivery_delayed": {"reason": PEER},
    # A status change's reason, by the status it moved to and who moved it (`source_of`).
    # A person's words: the explanation told to the customer, the resolution's summary, a
    # proposal in the agents' chat (an API proposal's is its kind, which stays), the reason
    # the desk keeps for reopening a finished complaint
    status_change("rejected", "staff"): {"why": PERSONAL},
    status_change("resolved", "staff"): {"why": PERSONAL},
    status_change("solution_proposed", "staff"): {"why": PERSONAL},
    status_change("reopened", "staff"): {"why": PERSONAL},
    # the bot's words: "taken to resolve", "asked", "assigned", "merged into C-…"
    status_change("assigned", "staff"): {"why": KEPT},
    status_change("awaiting_customer", "staff"): {"why": KEPT},
    status_change("merged", "staff"): {"why": KEPT},
    # the customer's doing, in the bot's words: "survey score 2", "the customer wrote again",
    # "the customer disputes the rejection", "the customer answered", "asked for another
    # handler"; what the customer wrote is in their messages and survey comment, erased there
    status_change("reopened", "customer"): {"why": KEPT},
    status_change("closed", "customer"): {"why": KEPT},
    status_change("investigating", "customer"): {"why": KEPT},
    status_change("assigned", "customer"): {"why": KEPT},
    # the bot's own: "acknowledgement delivered", "no survey answer"
    status_change("acknowledged", "system"): {"why": KEPT},
    status_change("closed", "system"): {"why": KEPT},
}
"""THE list of what is personal in an event's detail, the one home of that rule: under
`ANY_EVENT`, keys that mean the same in every event, at any depth; under an event kind (a
status change's: `status_change(status, who)`), its own keys, which come first. A text under
a key in neither is erased (what no one decided about is treated as personal).
tests/web/test_erasure_staff_texts.py reads every event, detail key and status change the
code writes and fails while one is in neither, or a free text (`why`, `reason`) is decided
for every event at once."""
PEOPLE = ("agent:", "supervisor:", "admin:")
"""How the actor of an event a person of the desk caused begins."""


def source_of(kind: str, actor: str, detail: Mapping[str, Any]) -> str:
    """The name under which DETAILS decides an event: its kind, or for a status change the
    status it moved to and who moved it (the customer, a person of the desk, the bot)."""
    if kind != "status_changed":
        return kind
    who = "staff" if actor.startswith(PEOPLE) else actor if actor == "customer" else "system"
    return status_change(str(detail.get("to", "")), who)


def treatment(source: str, key: str) -> str | None:
    """What DETAILS says of `key` in the events named `source`; None when it says nothing."""
    return DETAILS.get(source, {}).get(key) or DETAILS[ANY_EVENT].get(key)


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
    """Erase the personal details of the events that hold any, as DETAILS says; those
    events. `kinds`: the customer's solutions' kinds, the desk's words wherever they stand."""
    redacted = []
    for event in events:
        detail = event.detail or {}
        source = source_of(event.kind, event.actor, detail)
        cleaned = {
            key: _cleaned(treatment(source, key), value, kinds, addresses)
            for key, value in detail.items()
        }
        if cleaned != detail:
            event.detail = cleaned
            redacted.append(event)
    return redacted


def _cleaned(decided: str | None, value: Any, kinds: set[str], addresses: Sequence[str]) -> Any:
    """`value`, a key's of an event decided `decided`, without what is personal in it."""
    if isinstance(value, str) and value in kinds:
        return value  # a solution's kind (an API proposal's reason): the desk's vocabulary
    if decided == PEER and isinstance(value, str):
        return _without(value, addresses)
    if decided in (KEPT, PEER):
        return _redacted(value)
    return _redacted(value, personal=True)  # PERSONAL, or not decided


def _redacted(value: Any, personal: bool = False) -> Any:
    """`value` with every personal part erased; `personal`: it sits under a personal key."""
    if isinstance(value, dict):
        return {
            key: _redacted(item, personal or DETAILS[ANY_EVENT].get(key) == PERSONAL)
            for key, item in value.items()
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
