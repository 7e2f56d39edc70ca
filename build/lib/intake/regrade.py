"""A later message of the customer may make a complaint graver ("…and sparks came out when I
unplugged it!"): the router reads the new text alone, and when it grades higher than the
complaint the grade is raised (never lowered), with new deadlines and a `regraded` event that
says why. Category and department stay: moving a case is an agent's correction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from complaints.workflow import FINISHED
from router import GRADES, CustomerHistory, Decision, RoutingInput, RuleSet, route
from scheduler.due import DueTimes
from store import queries
from store.models import Complaint


def graded(
    text: str, complaint: Complaint, now: datetime, rules: RuleSet, due: DueTimes
) -> Decision:
    """The router's decision on `text` alone, as a message of `complaint`'s customer."""
    return route(
        RoutingInput(text=text, received_at=now, language_hint=complaint.language),
        CustomerHistory(),
        rules,
        due.service_levels,
        complaint.language,
    )


def grades_higher(
    text: str, complaint: Complaint, now: datetime, rules: RuleSet, due: DueTimes
) -> bool:
    decision = graded(text, complaint, now, rules, due)
    return GRADES.index(decision.grade) > GRADES.index(complaint.grade)


def raise_grade_from(
    session: Session,
    complaint: Complaint,
    text: str,
    now: datetime,
    *,
    rules: RuleSet,
    due: DueTimes,
) -> bool:
    """Raise `complaint`'s grade to what `text` alone grades, when that is higher; True when
    it was raised."""
    if complaint.status in FINISHED or not text.strip():
        return False
    decision = graded(text, complaint, now, rules, due)
    if GRADES.index(decision.grade) <= GRADES.index(complaint.grade):
        return False
    before, complaint.grade = complaint.grade, decision.grade
    complaint.updated_at = now
    due.on_regraded(complaint, finished=False)
    fired = [step.rule for step in decision.trace if step.matched and step.rule != "language"]
    queries.add_event(
        session,
        complaint.id or 0,
        now,
        "router",
        "regraded",
        {
            "from": before,
            "to": decision.grade,
            "why": "a later message of the customer grades higher",
            "rules": fired,
            "tags": list(decision.tags),
        },
    )
    return True
