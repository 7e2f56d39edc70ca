"""The same complaint sent by two channels, flagged on both at intake (staff.merge merges them).

Flagging is only a hint (a tag and an event on each complaint), so it may cast a wider net than
"the same customer record": a customer who wrote once by the shop's webhook with their e-mail
address and once by e-mail is two customer records until someone links them. Merging is the
human decision: the source complaint's timeline joins the target's, the source becomes
"merged" (the scheduler leaves it alone) and the customer is told once.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from complaints.addresses import EMAIL
from complaints.duplicates import SUSPECTED, TAG
from complaints.workflow import FINISHED
from intake.settings import DuplicateSettings
from router.text import FoldedText, has_cjk
from store import queries
from store.models import Complaint

NOT_COMPARED = tuple(FINISHED - {"resolved"})
"""A complaint in these statuses is over (or gone): a new one is not its duplicate."""


# ---- similarity ------------------------------------------------------------------------------


def shingles(text: str) -> frozenset[str]:
    """What two texts are compared by: their folded words, and for Chinese (which has no
    spaces) character pairs, so "冰箱不制冷" and "冰箱不制冷了" still overlap."""
    folded = FoldedText.of(text)
    marks = set(folded.word_set)
    run: list[str] = []
    for char in f"{folded.folded} ":
        if has_cjk(char):
            run.append(char)
            continue
        if len(run) == 1:
            marks.add(run[0])
        marks.update(a + b for a, b in itertools.pairwise(run))
        run = []
    return frozenset(marks)


def similarity(first: str, second: str) -> float:
    """Jaccard overlap of the two texts' shingles: 1 for the same words, 0 for none shared."""
    a, b = shingles(first), shingles(second)
    return len(a & b) / len(a | b) if a and b else 0.0


# ---- flagging at intake ----------------------------------------------------------------------


def _statements() -> tuple[Any, Any, Any]:
    """The three statements flagging runs, built once so SQLAlchemy compiles them once: the
    person's e-mail addresses; their recent complaints by customer; and those of the other
    customer records that share one of the addresses (both lookups indexed)."""
    complaints, messages = queries.COMPLAINTS, queries.MESSAGES
    customers, identities = queries.CUSTOMERS, queries.IDENTITIES
    customer: Any = sa.bindparam("customer")
    emails = sa.union(
        sa.select(customers.c.email).where(customers.c.id == customer, customers.c.email != ""),
        sa.select(identities.c.address).where(
            identities.c.customer_id == customer, identities.c.channel == EMAIL
        ),
    )
    first_inbound = (
        sa.select(sa.func.min(messages.c.id))
        .where(messages.c.complaint_id == complaints.c.id, messages.c.direction == "in")
        .correlate(complaints)
        .scalar_subquery()
    )
    recent = (
        sa.select(complaints.c.id, complaints.c.number, messages.c.subject, messages.c.text)
        .join(messages, messages.c.id == first_inbound)
        .where(
            complaints.c.created_at >= sa.bindparam("since"),
            complaints.c.id != sa.bindparam("complaint"),
            complaints.c.channel != sa.bindparam("channel"),
            complaints.c.status.not_in(NOT_COMPARED),
        )
    )
    addresses: Any = sa.bindparam("emails", expanding=True)
    sharing = sa.union(
        sa.select(identities.c.customer_id).where(
            identities.c.channel == EMAIL, identities.c.address.in_(addresses)
        ),
        sa.select(customers.c.id).where(customers.c.email.in_(addresses)),
    )
    return (
        emails,
        recent.where(complaints.c.customer_id == customer),
        recent.where(complaints.c.customer_id.in_(sharing), complaints.c.customer_id != customer),
    )


_EMAILS, _SAME_CUSTOMER, _SAME_ADDRESS = _statements()


def _candidates(session: Session, new: NewComplaint, since: datetime) -> list[Any]:
    """Recent open complaints on other channels of the same person, with their first inbound
    message: the cost grows with the person's complaints, not with the desk's."""
    connection = session.connection()
    values = {
        "customer": new.customer_id,
        "since": since,
        "complaint": new.id,
        "channel": new.channel,
    }
    found = list(connection.execute(_SAME_CUSTOMER, values))
    emails = [email for (email,) in connection.execute(_EMAILS, values)]
    if emails:
        found += connection.execute(_SAME_ADDRESS, {**values, "emails": emails})
    return found


@dataclass(frozen=True)
class NewComplaint:
    """What flagging needs of the complaint intake has just opened."""

    id: int
    number: str
    customer_id: int
    channel: str
    text: str
    """Its subject and first message."""
    customer_known: bool
    """The customer wrote before (else only a shared e-mail address can find a duplicate)."""
    has_email: bool


def flag_duplicates(
    session: Session, new: NewComplaint, settings: DuplicateSettings, now: datetime
) -> list[dict[str, Any]]:
    """Compare a complaint just opened with the same person's recent complaints on other
    channels; tag both of each alike pair. Returns the new complaint's events, for intake to
    record with the rest of its timeline; the other complaints' events are written here."""
    if not new.customer_known and not new.has_email:
        return []  # a first-time sender without an e-mail address has nothing to compare
    events: list[dict[str, Any]] = []
    tagged = False
    for other_id, other_number, subject, other_text in _candidates(
        session, new, now - settings.window
    ):
        score = round(similarity(new.text, f"{subject}\n{other_text}"), 3)
        if score < settings.similarity:
            continue
        other = session.get(Complaint, other_id)
        assert other is not None
        if TAG not in (other.tags or []):
            other.tags = [*(other.tags or []), TAG]
        tagged = True
        queries.add_event(
            session, other_id, now, "system", SUSPECTED, {"of": new.number, "similarity": score}
        )
        events.append(
            {
                "complaint_id": new.id,
                "at": now,
                "actor": "system",
                "kind": SUSPECTED,
                "detail": {"of": other_number, "similarity": score},
            }
        )
    if tagged:
        complaint = session.get(Complaint, new.id)
        assert complaint is not None
        if TAG not in (complaint.tags or []):
            complaint.tags = [*(complaint.tags or []), TAG]
    return events
