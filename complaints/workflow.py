"""The complaint's status workflow: which status may follow which, and the event that records
every change (seed 003's flow: receive, acknowledge, assign, investigate, propose a solution,
resolve, archive; seed 002: a complaint found not valid is rejected with an explanation).

    new → acknowledged → assigned → investigating → solution_proposed → awaiting_customer
        → resolved → closed;   resolved/closed/rejected → reopened → (work again);
    any open status → rejected;   any open status or reopened → merged (into another
    complaint, which carries on; nothing follows merged)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session

from complaints.errors import ComplaintBotError
from store import queries
from store.models import Complaint

OPEN_WORK = frozenset({"assigned", "investigating", "solution_proposed", "awaiting_customer"})
ALLOWED: Mapping[str, frozenset[str]] = {
    "new": frozenset({"acknowledged", "assigned", "rejected", "merged"}),
    "acknowledged": frozenset({"assigned", "investigating", "rejected", "merged"}),
    "assigned": frozenset({"investigating", "solution_proposed", "resolved", "rejected", "merged"}),
    "investigating": frozenset(
        {"solution_proposed", "awaiting_customer", "resolved", "rejected", "merged"}
    ),
    "solution_proposed": frozenset({"awaiting_customer", "investigating", "resolved", "merged"}),
    "awaiting_customer": frozenset({"investigating", "solution_proposed", "resolved", "merged"}),
    "resolved": frozenset({"closed", "reopened"}),
    "closed": frozenset({"reopened"}),
    "rejected": frozenset({"reopened"}),
    "reopened": frozenset(
        {"assigned", "investigating", "solution_proposed", "resolved", "rejected", "merged"}
    ),
    "merged": frozenset(),
}
STATUSES = tuple(ALLOWED)


class IllegalTransition(ComplaintBotError):
    """The status cannot change that way; the message says what is allowed."""


def check(current: str, target: str) -> None:
    if target not in ALLOWED:
        raise IllegalTransition(f"unknown status {target!r}; statuses: {', '.join(STATUSES)}")
    allowed = ALLOWED.get(current, frozenset())
    if target not in allowed:
        choices = ", ".join(sorted(allowed)) or "nothing"
        raise IllegalTransition(
            f"a complaint that is {current} cannot become {target} (from {current}: {choices})"
        )


def change_status(
    session: Session, complaint: Complaint, target: str, actor: str, why: str, now: datetime
) -> bool:
    """Move `complaint` to `target` with an event; False when it already is there."""
    if complaint.status == target:
        return False
    check(complaint.status, target)
    queries.add_event(
        session,
        complaint.id or 0,
        now,
        actor,
        "status_changed",
        {"from": complaint.status, "to": target, "why": why},
    )
    complaint.status, complaint.updated_at = target, now
    return True
