"""An agent corrects what the router decided (category, department, grade) or the complaint's
registration details. Each correction is recorded with who and why; a new grade brings new
deadlines (scheduler.due), counted from the complaint's latest reopening if it was reopened.

A correction may move a complaint only to a department the person works for: moved elsewhere,
it would leave their sight at once, so they could neither check nor undo the move. Such a
correction is refused whole, before anything is written; a supervisor or admin who works for
both departments makes it instead.

A move keeps the complaint's handler only if they work for the new department: one who does
not could no longer see it nor answer its customer, while its new department's agents could
not take it from them. So the handler is cleared (an "assigned" event from them to nobody) and
the complaint waits in its new department's queue, its stage kept for whoever takes it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from sqlmodel import Session

from complaints.access import StaffMember, sees
from complaints.dates import purchase_date
from complaints.errors import ChangedMeanwhile, ComplaintBotError, IllegalTransition, NotAllowed
from complaints.fields import EDITABLE_FIELDS
from complaints.workflow import FINISHED
from router import GRADES, RuleSet
from scheduler.due import DueTimes
from staff.taking import hand_over
from store import queries
from store.models import Complaint
from store.queries.accounts import agent_named
from store.queries.complaints import set_if_unchanged
from store.queries.events import events_of_kind


@dataclass(frozen=True)
class Correction:
    category: str | None = None
    grade: str | None = None
    department: str | None = None
    reason: str = ""

    def checked(self, rules: RuleSet) -> Correction:
        """The correction with its department filled in (a new category brings its own unless
        one is given); refused before anything is written when a value is unknown."""
        if self.grade is not None and self.grade not in GRADES:
            raise ComplaintBotError("grade must be one of %(grades)s", grades=", ".join(GRADES))
        if self.category is not None and self.category not in rules.categories:
            raise ComplaintBotError(
                "unknown category '%(category)s'; categories: %(known)s",
                category=self.category,
                known=", ".join(rules.categories),
            )
        if self.department is not None and self.department not in rules.departments:
            raise ComplaintBotError(
                "unknown department '%(department)s'; departments: %(known)s",
                department=self.department,
                known=", ".join(rules.departments),
            )
        if self.department is None and self.category is not None:
            department = rules.categories[self.category].department
            return Correction(self.category, self.grade, department, self.reason)
        return self

    def check_reach(self, person: StaffMember, complaint: Complaint) -> None:
        """Refuse (NotAllowed) a move to a department `person` does not work for."""
        target = self.department
        if target is None or target == complaint.department or sees(person, target):
            return
        raise NotAllowed(
            "%(number)s cannot be moved to %(department)s: you do not work for %(department)s, "
            "so you could not see or undo the move; nothing was changed. Leave a note saying "
            "where it belongs, or ask a supervisor or admin who works for %(department)s to "
            "move it",
            number=complaint.number or "",
            department=target,
        )


def correct_routing(
    session: Session,
    complaint: Complaint,
    correction: Correction,
    actor: str,
    now: datetime,
    due: DueTimes,
) -> str:
    """Apply `correction` with its event; a one-line summary ("" when nothing changed).

    The write is a compare-and-set on the values this transaction read: of two people who
    correct the same complaint at the same moment, the second is refused (409) with nothing
    written, where a read, then a write, let both through (the timeline saying the grade went
    from what it no longer was, the deadlines counted for the loser's grade)."""
    changes: dict[str, dict[str, str]] = {}
    for name in ("category", "department", "grade"):
        value = getattr(correction, name)
        if value is not None and getattr(complaint, name) != value:
            changes[name] = {"from": getattr(complaint, name), "to": value}
    if not changes:
        return ""
    written = {name: (change["from"], change["to"]) for name, change in changes.items()}
    if not set_if_unchanged(session, complaint, written):
        raise _corrected_meanwhile(session, complaint)
    if "grade" in changes:
        changes_of_status = events_of_kind(
            session, complaint_id=complaint.id or 0, kind="status_changed"
        )
        due.on_regraded(
            complaint, finished=complaint.status in FINISHED, status_changes=changes_of_status
        )
    complaint.updated_at = now
    only_grade = set(changes) == {"grade"}
    queries.add_event(
        session,
        complaint.id or 0,
        now,
        actor,
        "grade_corrected" if only_grade else "corrected",
        {**changes["grade"], "why": correction.reason}
        if only_grade
        else {**changes, "why": correction.reason},
    )
    if "department" in changes:
        _free_if_out_of_reach(session, complaint, actor, now)
    return "; ".join(f"{key} {value['from']} → {value['to']}" for key, value in changes.items())


def _corrected_meanwhile(session: Session, complaint: Complaint) -> ChangedMeanwhile:
    """The refusal of a correction another person's beat, with what the complaint is now."""
    session.refresh(complaint)
    return ChangedMeanwhile(
        "%(number)s was corrected by someone else meanwhile (it is now %(category)s, "
        "%(grade)s, %(department)s): reload it and decide again",
        number=complaint.number or "",
        category=complaint.category,
        grade=complaint.grade,
        department=complaint.department,
    )


def _free_if_out_of_reach(
    session: Session, complaint: Complaint, actor: str, now: datetime
) -> None:
    """Clear the handler when they do not work for the complaint's (new) department."""
    holder = complaint.assignee or ""
    if not holder:
        return
    person = agent_named(session, name=holder)
    if person is not None and sees(person, complaint.department):
        return
    hand_over(session, complaint, "")
    queries.add_event(
        session, complaint.id or 0, now, actor, "assigned", {"from": holder, "to": ""}
    )


def check_editable(fields: Mapping[str, str]) -> None:
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise ComplaintBotError(
            "cannot edit %(fields)s; editable: %(editable)s",
            fields=", ".join(unknown),
            editable=", ".join(EDITABLE_FIELDS),
        )


def edit_fields(
    session: Session,
    complaint: Complaint,
    fields: Mapping[str, str],
    actor: str,
    now: datetime,
    was: Mapping[str, str] | None = None,
) -> list[str]:
    """Fill in or fix registration details, with their event; the names of those changed.
    A purchase date must be a date (complaints.dates); it is stored as ISO.

    `was` holds the values the person's form was loaded with: a field still holding its `was`
    value is not theirs to write (a colleague may have changed it since), and a field they
    changed that someone else changed meanwhile is refused (409: saving would overwrite theirs
    unseen), nothing written. The write is a compare-and-set on the values this transaction
    read, so two saves at the same moment cannot both overwrite the same field."""
    was = {key: value.strip() for key, value in (was or {}).items()}
    fields = {
        key: value.strip()
        for key, value in fields.items()
        if key not in was or value.strip() != was[key]
    }
    if fields.get("purchase_date"):
        fields["purchase_date"] = purchase_date(fields["purchase_date"], now.date())
        if not fields["purchase_date"]:
            raise ComplaintBotError(
                "%(registration_field)s must be a date such as 2026-03-02 (YYYY-MM-DD), "
                "not after today",
                registration_field="purchase_date",
            )
    for key, value in fields.items():
        current = getattr(complaint, key) or ""
        if key in was and current not in (was[key], value):
            _refuse_edited(key, current)
    changes = {
        key: {"from": getattr(complaint, key), "to": value}
        for key, value in fields.items()
        if getattr(complaint, key) != value
    }
    if not changes:
        return []
    written = {key: (change["from"], change["to"]) for key, change in changes.items()}
    if not set_if_unchanged(session, complaint, written):  # a colleague saved meanwhile
        session.refresh(complaint)
        for key in changes:
            current = getattr(complaint, key) or ""
            if current != (changes[key]["from"] or ""):
                _refuse_edited(key, current)
        first = next(iter(changes))  # unreachable: the update compared only these fields
        _refuse_edited(first, getattr(complaint, first) or "")
    complaint.updated_at = now
    queries.add_event(session, complaint.id or 0, now, actor, "fields_edited", changes)
    return list(changes)


def _refuse_edited(key: str, current: str) -> NoReturn:
    raise IllegalTransition(
        "someone else changed %(registration_field)s while you were editing it (it is now "
        "'%(value)s'); nothing was saved: check it and save again",
        registration_field=key,
        value=current,
    )
