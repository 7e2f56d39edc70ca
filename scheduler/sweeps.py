"""Due work, done by periodic sweeps over indexed due-time columns rather than one timer per
complaint: the database is the only truth, so a bot that was down catches up at start and two
bots on one PostgreSQL never do the same row twice (`FOR UPDATE SKIP LOCKED`).

A complaint whose clock is stopped (complaints.workflow.CLOCK_STOPPED: finished, or waiting for
the customer) is passed by; a wait ends when they answer
(scheduler.due.DueTimes.on_customer_answered).

Each sweep takes up to `batch` due rows, and for each writes its events and outbox rows in the
same transaction that moves the row's due time on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from datetime import datetime

from sqlmodel import Session

from complaints.clock import Clock
from complaints.errors import ChangedMeanwhile
from complaints.workflow import CLOCK_STOPPED
from observe.metrics import Metrics
from outbox.late_acknowledgement import LateAcknowledgements
from outbox.next_step import standing
from outbox.notify import Notifier
from outbox.reply_limit import ReplyLimit
from outbox.staff_texts import StaffWord
from outbox.templates import Replies
from router import raised
from scheduler.due import FIRST_RESPONSE, DueTimes, watched
from scheduler.settings import EscalationSettings
from store import queries
from store.database import Database
from store.models import Complaint
from store.queries.due import DueColumn, claim_due

log = logging.getLogger(__name__)


class Sweeps:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        notifier: Notifier,
        due: DueTimes,
        replies: Replies,
        *,
        escalation: EscalationSettings,
        batch: int = 500,
        on_queued: Callable[[], None] = lambda: None,
        metrics: Metrics | None = None,
        reply_limit: ReplyLimit | None = None,
    ) -> None:
        """`reply_limit`: intake's hourly limit of answers to one sender, which a withheld
        acknowledgement sent late is held to as well (none: no limit)."""
        self.late = LateAcknowledgements(notifier, replies, reply_limit or ReplyLimit())
        self.database = database
        self.clock = clock
        self.notifier = notifier
        self.due = due
        self.replies = replies
        self.escalation = escalation
        self.batch = batch
        self.on_queued = on_queued
        self.metrics = metrics or Metrics()
        self._breaches: list[tuple[str, str]] = []
        """(deadline, grade) of the misses the current transaction escalates: counted once it
        committed."""

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
            started = time.perf_counter()
            while True:
                now = self.clock.now()
                self._breaches.clear()
                handled = await self.database.write(
                    lambda session: sweep(session, now)  # noqa: B023 (awaited at once)
                )
                for deadline, grade in self._breaches:
                    self.metrics.sla_breaches.labels(deadline, grade).inc()
                done[name] += handled
                if handled < self.batch:
                    break
            self.metrics.sweep_seconds.labels(name).observe(time.perf_counter() - started)
            self.metrics.sweep_rows.labels(name).inc(done[name])
        if any(done.values()):
            self.on_queued()
            log.info("sweeps: %s", done)
        return done

    def _due(
        self,
        session: Session,
        column: DueColumn,
        now: datetime,
        *,
        statuses: Collection[str] = (),
        not_statuses: Collection[str] = CLOCK_STOPPED,
    ) -> list[Complaint]:
        return claim_due(
            session,
            column=column,
            now=now,
            limit=self.batch,
            statuses=statuses,
            not_statuses=() if statuses else not_statuses,
        )

    # ---- deadlines ---------------------------------------------------------------------------

    def _warnings(self, session: Session, now: datetime) -> int:
        """Tell the department a deadline is near, so it is met rather than reported missed.
        A deadline already past (the bot was down over the warning and the deadline) gets no
        warning: the escalation sweep reports it missed."""
        complaints = self._due(session, "warn_due", now)
        for complaint in complaints:
            self.due.after_warning(complaint)
            if complaint.escalate_due is not None and complaint.escalate_due <= now:
                continue
            target = self.notifier.department_contact(complaint.department)
            deadline = complaint.escalate_due or now
            what = watched(complaint)
            overdue = complaint.resolution_due
            key = "deadline_warning"
            if what != FIRST_RESPONSE and overdue is not None and deadline > overdue:
                key = "deadline_overdue"
            told = target and self.notifier.tell_staff(
                session,
                complaint,
                target,
                key,
                now,
                deadline=self._deadline_name(what),
                due=f"{deadline:%Y-%m-%d %H:%M}",
                overdue=f"{overdue:%Y-%m-%d %H:%M}" if overdue else "",
                grade=complaint.grade,
                owner=self._owner(complaint),
            )
            if told:
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
        after a missed resolution the case escalates again, one level further each time,
        until it is finished (scheduler.due.DueTimes.after_escalation says when)."""
        complaints = self._due(session, "escalate_due", now)
        for complaint in complaints:
            missed = watched(complaint)
            self._breaches.append((missed.replace(" ", "_"), complaint.grade))
            complaint.escalation_level += 1
            level, previous = complaint.escalation_level, complaint.grade
            if self.escalation.raise_grade:
                complaint.grade = raised(previous)
            self.due.after_escalation(complaint, missed, now)
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
            if target:
                self.notifier.tell_staff(
                    session,
                    complaint,
                    target,
                    "escalated" if complaint.grade != previous else "escalated_same_grade",
                    now,
                    level=level,
                    deadline=self._deadline_name(missed),
                    grade_from=previous,
                    grade_to=complaint.grade,
                    department=complaint.department,
                    owner=self._owner(complaint),
                )
        return len(complaints)

    def _deadline_name(self, deadline: str) -> StaffWord:
        """ "first response" or "resolution", in the language of the notice it fills."""
        return StaffWord("deadline." + deadline.replace(" ", "_"))

    def _owner(self, complaint: Complaint) -> str | StaffWord:
        return complaint.assignee or StaffWord("nobody_yet")

    def _escalation_target(self, complaint: Complaint, level: int) -> str:
        """The first miss goes to the department's supervisor, later ones to `[escalation]
        levels` in turn (the last one again when the chain runs out)."""
        department = self.notifier.rules().departments.get(complaint.department)
        chain = [department.supervisor] if department and department.supervisor else []
        chain += list(self.escalation.levels)
        return chain[min(level - 1, len(chain) - 1)] if chain else ""

    # ---- the customer --------------------------------------------------------------------------

    def _progress(self, session: Session, now: datetime) -> int:
        """Tell customers of open complaints where things stand, at their grade's interval
        (in the desk's working hours when the grade counts working time: `DueTimes`), but not
        in the very words of an update sent within the grade's `repeat_unchanged`: nothing new
        is no news to send. A complaint whose acknowledgement the hourly limit withheld gets
        that acknowledgement instead, once the limit allows (outbox.late_acknowledgement):
        the customer never hears of a number first through an update."""
        complaints = self._due(session, "next_update_due", now)
        for complaint in complaints:
            if self.late.owed(session, complaint):
                later = self.late.send(session, complaint, now)
                if later is not None:
                    self.due.progress_held_until(complaint, later)
                    continue
                self.due.after_progress(complaint, now)
                continue
            self.due.after_progress(complaint, now)
            stands = standing(complaint, now, self.replies.format_due)
            level = self.due.service_levels[complaint.grade]
            if self.notifier.tell_customer(
                session,
                complaint,
                "progress",
                now,
                unless_said_since=now - level.repeat_unchanged,
                status=stands.status,
                owner=stands.owner,
                next=stands.next,
            ):
                queries.add_event(session, complaint.id or 0, now, "system", "progress_sent", {})
        return len(complaints)

    def _surveys(self, session: Session, now: datetime) -> int:
        """Ask how satisfied the customer is, once per resolution."""
        complaints = self._due(session, "survey_due", now, statuses=("resolved",))
        for complaint in complaints:
            self.due.after_survey_sent(complaint, now)
            if self.notifier.tell_customer(session, complaint, "survey", now):
                queries.add_event(session, complaint.id or 0, now, "system", "survey_sent", {})
        return len(complaints)

    def _closing(self, session: Session, now: datetime) -> int:
        """No answer to the survey in time: close the case, and thank the customer."""
        complaints = self._due(session, "close_due", now, statuses=("resolved",))
        for complaint in complaints:
            # First, before anything is written for it. claim_due locked the row (PostgreSQL:
            # FOR UPDATE), so a survey answer arriving now waits and then finds it closed
            # (intake decides again); one whose status changed anyway is no longer what was
            # swept for and is skipped, rather than failing the whole batch.
            try:
                queries.change_status(
                    session, complaint, "closed", "system", "no survey answer", now
                )
            except ChangedMeanwhile:
                continue
            self.due.on_closed(complaint)
            self.notifier.tell_customer(session, complaint, "closed_thanks", now)
        return len(complaints)
