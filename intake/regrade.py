"""A later message of the customer may make a complaint graver ("…and sparks came out when I
unplugged it!"): the router reads the new text alone, and when it grades higher than the
complaint the grade is raised (never lowered), with new deadlines and a `regraded` event that
says why, and the department's group (where new complaints are posted) is told. Category and
department stay: moving a case is an agent's correction.

Every channel's follow-up reaches this through `intake.follow_up.continue_complaint`, the one
caller: a message that joins an open complaint, or reopens a finished one."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from complaints.workflow import FINISHED
from intake.opening import clip
from outbox.notify import Notifier
from router import GRADES, CustomerHistory, Decision, RoutingInput, RuleSet, route
from scheduler.due import DueTimes
from store import queries
from store.models import Complaint
from store.queries.events import events_of_kind


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
    notifier: Notifier,
) -> bool:
    """Raise `complaint`'s grade to what `text` alone grades, when that is higher; True when
    it was raised. The new deadlines count from the complaint's latest reopening, if any (the
    fresh start `DueTimes.on_reopened` gave it), else from its opening (`clock_started`)."""
    if complaint.status in FINISHED or not text.strip():
        return False
    decision = graded(text, complaint, now, rules, due)
    if GRADES.index(decision.grade) <= GRADES.index(complaint.grade):
        return False
    before, complaint.grade = complaint.grade, decision.grade
    complaint.updated_at = now
    changes = events_of_kind(session, complaint_id=complaint.id or 0, kind="status_changed")
    due.on_regraded(complaint, finished=False, status_changes=changes)
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
    _tell_department(session, notifier, complaint, before, text, now)
    return True


def _tell_department(
    session: Session,
    notifier: Notifier,
    complaint: Complaint,
    before: str,
    text: str,
    now: datetime,
) -> None:
    """Tell the department's group, as a new complaint is posted there (`intake.opening`):
    the agents who read it at its first grade learn of the graver one, and a reply to the
    notice answers the customer."""
    group = notifier.department_group(complaint.department)
    if group is None:
        return
    notifier.tell_staff(
        session,
        complaint,
        group,
        "regraded",
        now,
        grade_from=before,
        grade_to=complaint.grade,
        text=clip(text),
    )
