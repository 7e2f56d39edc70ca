"""Due work, done by periodic sweeps over indexed due-time columns rather than one timer per
complaint: the database is the only truth, so a bot that was down catches up at start and two
bots on one PostgreSQL never do the same row twice (`FOR UPDATE SKIP LOCKED`).

Each sweep takes up to `batch` due rows, and for each writes its events and outbox rows in the
same transaction that moves the row's due time on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from complaints.clock import Clock
from complaints.workflow import FINISHED
from outbox.templates import Replies
from outbox.texts import say, status_name
from router import GRADES, RuleSet, ServiceLevel
from scheduler.settings import EscalationSettings, SurveySettings
from store import queries
from store.database import Database
from store.models import Complaint, Identity

log = logging.getLogger(__name__)


class Sweeps:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        service_levels: Mapping[str, ServiceLevel],
        survey: SurveySettings,
        replies: Replies,
        can_send: Callable[[str, str], bool],
        on_queued: Callable[[], None] = lambda: None,
        batch: int = 500,
        escalation: EscalationSettings | None = None,
        rules: RuleSet | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.service_levels = service_levels
        self.survey = survey
        self.replies = replies
        self.can_send = can_send
        self.on_queued = on_queued
        self.batch = batch
        self.escalation = escalation or EscalationSettings()
        self.rules = rules

    async def run_all(self) -> dict[str, int]:
        """Every sweep once, each until nothing is due; how many rows each handled."""
        sweeps = {
            "warnings": self._warnings,
            "escalations": self._escalations,
            "progress": self._progress,
            "surveys": self._surveys,
            "closing": self._closing,
        }
        done = dict.fromkeys(sweeps, 0)
        for name, sweep in sweeps.items():
            while True:
                now = self.clock.now()
                handled = await self.database.write(
                    lambda session: sweep(session, now)  # noqa: B023 (awaited at once)
                )
                done[name] += handled
                if handled < self.batch:
                    break
        if any(done.values()):
            self.on_queued()
            log.info("sweeps: %s", done)
        return done

    def _due(
        self, session: Session, column: Any, now: datetime, *conditions: Any
    ) -> list[Complaint]:
        return list(
            session.exec(
                select(Complaint)
                .where(column <= now, *conditions)
                .order_by(column)
                .limit(self.batch)
                .with_for_update(skip_locked=True)
            )
        )

    # ---- deadlines ---------------------------------------------------------------------------

    def _warnings(self, session: Session, now: datetime) -> int:
        """Tell the department a deadline is near, so it is met rather than reported missed."""
        complaints = self._due(
            session, col(Complaint.warn_due), now, col(Complaint.status).not_in(FINISHED)
        )
        for complaint in complaints:
            complaint.warn_due = None
            target = self._department_contact(complaint)
            deadline = complaint.escalate_due or now
            what = _watched(complaint)
            text = (
                f"{complaint.number}: the {what} deadline is {deadline:%Y-%m-%d %H:%M} UTC "
                f"({complaint.grade}, owner: {complaint.assignee or 'nobody yet'})."
            )
            if target and self._notify(session, complaint, target, text, now):
                queries.add_event(
                    session,
                    complaint.id or 0,
                    now,
                    "system",
                    "deadline_warning",
                    {"deadline": what, "to": target},
                )
        return len(complaints)

    def _escalations(self, session: Session, now: datetime) -> int:
        """A missed deadline: an event, the grade one step up, and the next level told.

        The first miss goes to the department's supervisor, later ones to `[escalation]
        levels` in turn. After a missed first response the resolution deadline is watched;
        after a missed resolution nothing more is (the case is with management)."""
        complaints = self._due(
            session, col(Complaint.escalate_due), now, col(Complaint.status).not_in(FINISHED)
        )
        for complaint in complaints:
            missed = _watched(complaint)
            complaint.escalation_level += 1
            level, previous = complaint.escalation_level, complaint.grade
            if self.escalation.raise_grade:
                complaint.grade = GRADES[min(GRADES.index(previous) + 1, len(GRADES) - 1)]
            complaint.warn_due = None
            if missed == "first response" and complaint.resolution_due is not None:
                # Watch the resolution next; missed as well, it escalates again right away.
                complaint.escalate_due = max(complaint.resolution_due, now)
            else:
                complaint.escalate_due = None
            target = self._escalation_target(complaint, level)
            queries.add_event(
                session,
                complaint.id or 0,
                now,
                "system",
                "escalated",
                {
                    "missed": missed,
                    "level": level,
                    "grade_from": previous,
                    "grade_to": complaint.grade,
                    "to": target,
                },
            )
            text = (
                f"Escalation level {level}: {complaint.number} missed its {missed} deadline. "
                f"Grade {previous} -> {complaint.grade}; department {complaint.department}; "
                f"owner: {complaint.assignee or 'nobody yet'}."
            )
            if target:
                self._notify(session, complaint, target, text, now)
        return len(complaints)

    def _department_contact(self, complaint: Complaint) -> str:
        department = self.rules.departments.get(complaint.department) if self.rules else None
        if department is None:
            return ""
        if department.telegram_chat_id is not None:
            return f"telegram:{department.telegram_chat_id}"
        return department.supervisor

    def _escalation_target(self, complaint: Complaint, level: int) -> str:
        department = self.rules.departments.get(complaint.department) if self.rules else None
        chain = [department.supervisor] if department and department.supervisor else []
        chain += list(self.escalation.levels)
        return chain[min(level - 1, len(chain) - 1)] if chain else ""

    # ---- the customer --------------------------------------------------------------------------

    def _progress(self, session: Session, now: datetime) -> int:
        """Tell customers of open complaints where things stand, at their grade's interval."""
        complaints = self._due(
            session, col(Complaint.next_update_due), now, col(Complaint.status).not_in(FINISHED)
        )
        for complaint in complaints:
            level = self.service_levels[complaint.grade]
            complaint.next_update_due = now + level.progress_every
            language = complaint.language
            owner = say(language, "owner", name=complaint.assignee) if complaint.assignee else ""
            due = complaint.escalate_due or complaint.resolution_due or complaint.created_at
            text = say(
                language,
                "progress",
                number=complaint.number,
                status=status_name(language, complaint.status),
                owner=owner,
                due=self.replies.format_due(due, language),
            )
            if self._send(session, complaint, "progress", text, now):
                queries.add_event(session, complaint.id or 0, now, "system", "progress_sent", {})
        return len(complaints)

    def _surveys(self, session: Session, now: datetime) -> int:
        """Ask how satisfied the customer is, once per resolution."""
        complaints = self._due(
            session, col(Complaint.survey_due), now, Complaint.status == "resolved"
        )
        for complaint in complaints:
            complaint.survey_due = None
            complaint.close_due = now + self.survey.close_after
            text = say(complaint.language, "survey", number=complaint.number)
            if self._send(session, complaint, "survey", text, now):
                queries.add_event(session, complaint.id or 0, now, "system", "survey_sent", {})
        return len(complaints)

    def _closing(self, session: Session, now: datetime) -> int:
        """No answer to the survey in time: close the case, and thank the customer."""
        complaints = self._due(
            session, col(Complaint.close_due), now, Complaint.status == "resolved"
        )
        for complaint in complaints:
            complaint.close_due = None
            queries.change_status(session, complaint, "closed", "system", "no survey answer", now)
            self._send(
                session,
                complaint,
                "progress",
                say(complaint.language, "closed_thanks", number=complaint.number),
                now,
            )
        return len(complaints)

    # ---- delivery ------------------------------------------------------------------------------

    def _send(
        self, session: Session, complaint: Complaint, kind: str, text: str, now: datetime
    ) -> bool:
        identity = session.get(Identity, complaint.identity_id)
        if identity is None or not self.can_send(identity.channel, identity.address):
            return False
        queries.queue_message(
            session, complaint, identity.channel, identity.address, kind, text, now
        )
        return True

    def _notify(
        self, session: Session, complaint: Complaint, target: str, text: str, now: datetime
    ) -> bool:
        """Tell staff at `target` ("email:…" or "telegram:…"), outside the customer's thread."""
        channel, _, address = target.partition(":")
        if not self.can_send(channel, address):
            return False
        queries.queue_message(
            session, complaint, channel, address, "notification", text, now, to_customer=False
        )
        return True


def _watched(complaint: Complaint) -> str:
    """Which deadline `escalate_due` stands for: the first response until a person answered
    (and while it was not missed already), else the resolution."""
    if (
        complaint.first_response_at is None
        and complaint.escalate_due is not None
        and (complaint.escalate_due == complaint.first_response_due)
    ):
        return "first response"
    return "resolution"
