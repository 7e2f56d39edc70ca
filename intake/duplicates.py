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

from sqlmodel import Session

from complaints.addresses import CONTACT_IN_TEXT
from complaints.duplicates import SUSPECTED, TAG
from intake.settings import DuplicateSettings
from router.text import FoldedText, has_cjk
from store import queries
from store.queries.complaints import complaint_by_id
from store.queries.duplicates import duplicate_candidates

# ---- similarity ------------------------------------------------------------------------------


def shingles(text: str) -> frozenset[str]:
    """What two texts are compared by: their folded words, and for Chinese (which has no
    spaces) character pairs, so "冰箱不制冷" and "冰箱不制冷了" still overlap. E-mail
    addresses and phone numbers are left out: "call me at +34 612 345 678" in one of them
    says how to reach the person, not what happened, and its four numbers would otherwise
    outweigh the words the two share."""
    folded = FoldedText.of(CONTACT_IN_TEXT.sub(" ", text))
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
    emails: tuple[str, ...]
    """The e-mail addresses this message gave (the sender's, or their e-mail identity)."""


def flag_duplicates(
    session: Session, new: NewComplaint, settings: DuplicateSettings, now: datetime
) -> list[dict[str, Any]]:
    """Compare a complaint just opened with the same person's recent complaints on other
    channels; tag both of each alike pair. Returns the new complaint's events, for intake to
    record with the rest of its timeline; the other complaints' events are written here."""
    if not new.customer_known and not new.emails:
        return []  # a first-time sender without an e-mail address has nothing to compare
    events: list[dict[str, Any]] = []
    tagged = False
    for other_id, other_number, subject, other_text in duplicate_candidates(
        session,
        customer_id=new.customer_id,
        complaint_id=new.id,
        channel=new.channel,
        since=now - settings.window,
        new_customer_emails=None if new.customer_known else new.emails,
    ):
        score = round(similarity(new.text, f"{subject}\n{other_text}"), 3)
        if score < settings.similarity:
            continue
        other = complaint_by_id(session, complaint_id=other_id)
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
        complaint = complaint_by_id(session, complaint_id=new.id)
        assert complaint is not None
        if TAG not in (complaint.tags or []):
            complaint.tags = [*(complaint.tags or []), TAG]
    return events
