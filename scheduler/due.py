"""Every rule that sets or clears a complaint's due times, in one place.

The sweeps act on five indexed columns; whatever happens to a complaint (opened, answered,
regraded, resolved, rejected, surveyed, merged), the matching function here moves them, so the
question "when does X happen next?" has one answer:

    next_update_due   the next progress update to the customer (their grade's interval)
    escalate_due      the deadline being watched: the first response until a person answered,
                      then the resolution; a miss escalates, and a missed resolution escalates
                      again every `resolution` interval of the (raised) grade until finished
    warn_due          a warning to the department `warn_before` ahead of escalate_due
    survey_due        when the satisfaction survey goes out after a resolution
    close_due         when a resolved complaint whose survey got no answer is closed

While the desk waits for the customer (complaints.workflow.WAITING) the sweeps pass the
complaint by; when the customer writes, every deadline moves on by the time spent waiting
(`on_customer_answered`), as Zendesk's and Zammad's "pending" do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from complaints.workflow import FINISHED, WAITING
from router import GRADES, Decision, ServiceLevel
from store.models import Complaint, Event

COLUMNS = ("escalate_due", "warn_due", "next_update_due", "survey_due", "close_due")


@dataclass(frozen=True)
class DueTimes:
    """The durations due times are computed from (settings.toml's grades, [survey] and
    [escalation])."""

    service_levels: Mapping[str, ServiceLevel]
    warn_before: timedelta = timedelta(hours=1)
    survey_delay: timedelta = timedelta(days=7)
    close_after: timedelta = timedelta(days=14)

    def on_open(self, decision: Decision, now: datetime) -> dict[str, datetime]:
        """The due columns of a complaint the router just graded."""
        return {
            "first_response_due": decision.first_response_due,
            "resolution_due": decision.resolution_due,
            "next_update_due": self._next_update(decision.grade, now),
            "escalate_due": decision.first_response_due,
            "warn_due": decision.first_response_due - self.warn_before,
        }

    def on_answered(self, complaint: Complaint, now: datetime) -> None:
        """A person wrote to the customer: the next progress update can wait, and once the
        first response is given the resolution deadline is watched. Should the message not
        reach the customer, staff.lost_answers takes the first response back."""
        complaint.next_update_due = self._next_update(complaint.grade, now)
        if complaint.first_response_at is None:
            complaint.first_response_at = now
            # an escalation already watching a later time (a missed resolution) keeps it
            later = [d for d in (complaint.resolution_due, complaint.escalate_due) if d]
            self._watch(complaint, max(later) if later else None, now)

    def on_answer_lost(self, complaint: Complaint, next_answer_at: datetime | None) -> None:
        """The person's answer that gave the first response (a reply, a proposal, the
        resolution or rejection told: staff.lost_answers.ANSWERS) never reached the customer
        (its delivery failed for good): the first response is the next answer still standing
        (`next_answer_at`), or is not given, and on an open complaint its deadline is watched
        again (missed, it escalates at the next sweep) as though the lost answer had never
        been written. A finished one has nothing left to watch; it reads as not answered."""
        complaint.first_response_at = next_answer_at
        if (
            next_answer_at is None
            and complaint.first_response_due is not None
            and complaint.status not in FINISHED
        ):
            self._watch(complaint, complaint.first_response_due)

    def on_regraded(
        self, complaint: Complaint, *, finished: bool, status_changes: Iterable[Event]
    ) -> None:
        """A new grade brings new deadlines, counted from when the complaint's clock started
        (`clock_started`: its latest reopening, else its opening). Its `status_changed`
        events are required, not optional, so no regrading of a reopened case counts from
        the opening by omission."""
        complaint.first_response_due, complaint.resolution_due = self.service_levels[
            complaint.grade
        ].due(clock_started(complaint, status_changes))
        if not finished:
            watched = (
                complaint.resolution_due
                if complaint.first_response_at
                else complaint.first_response_due
            )
            self._watch(complaint, watched)

    def on_resolved(self, complaint: Complaint, now: datetime) -> None:
        """No more updates or deadlines; the survey goes out after `survey_delay`."""
        complaint.next_update_due = None
        self._watch(complaint, None)
        complaint.survey_due = now + self.survey_delay

    def on_reopened(self, complaint: Complaint, now: datetime) -> None:
        """A resolved, closed or rejected complaint is worked again: fresh deadlines counted
        from `now` by its grade's service level, not the time that was left when it was
        finished (usually none: a reopening a week later would escalate at once, though the
        customer's new message is new work; help desks restart their reply-time target the
        same way). A person must answer again, so the first response is watched again (then
        the resolution), with a warning ahead; progress updates restart; no survey is pending
        (the next resolution starts a new survey round); its escalations start over, so the
        first new miss goes to the department's supervisor, as a new complaint's would."""
        level = self.service_levels[complaint.grade]
        complaint.escalation_level = 0
        complaint.first_response_due, complaint.resolution_due = level.due(now)
        complaint.first_response_at = None
        complaint.next_update_due = self._next_update(complaint.grade, now)
        complaint.survey_due = complaint.close_due = None
        self._watch(complaint, complaint.first_response_due)

    def on_rejected(self, complaint: Complaint) -> None:
        complaint.next_update_due = None
        self._watch(complaint, None)

    def on_finished_told(self, complaint: Complaint, now: datetime) -> None:
        """The customer was told of the resolution or rejection: a person's answer (the
        summary, the explanation), so the first response when none came before. Without it a
        complaint resolved at once, with nothing else said, read as a missed first response
        in the reports once its deadline passed. Should the notice not reach the customer,
        staff.lost_answers takes the first response back."""
        if complaint.first_response_at is None:
            complaint.first_response_at = now

    def after_warning(self, complaint: Complaint) -> None:
        complaint.warn_due = None

    def after_escalation(self, complaint: Complaint, missed: str, now: datetime) -> None:
        """After a missed first response the resolution deadline is watched, with its warning
        (missed as well, it escalates again at the next sweep). After a missed resolution the
        complaint escalates again one `resolution` interval of its grade (already raised, and
        counted on the working calendar) later, and so on until it is finished: the interval
        grows with the case's own time scale, so an urgent case climbs fast and a general one
        does not flood management."""
        if missed == FIRST_RESPONSE and complaint.resolution_due is not None:
            self._watch(complaint, max(complaint.resolution_due, now), now)
        else:
            self._watch(complaint, self.service_levels[complaint.grade].due(now)[1], now)

    def on_customer_answered(self, complaint: Complaint, since: datetime, now: datetime) -> None:
        """The customer answered what the desk waited for (since `since`): the deadlines move
        on by the time spent waiting, counted as the grade counts its targets (a wait from
        Friday evening to Monday morning is two working hours on a working-time grade, not a
        weekend of clock time), and their warning with them; the next update is a full
        interval away."""
        calendar = self.service_levels[complaint.grade].calendar
        if calendar is None:
            waited = max(now - since, timedelta(0))
        else:
            waited = calendar.working_time_between(since, max(now, since))
        columns = ["resolution_due", "escalate_due"]
        if complaint.first_response_at is None:
            columns.append("first_response_due")
        for column in columns:
            value = getattr(complaint, column)
            if value is not None and waited:
                moved = value + waited if calendar is None else calendar.add(value, waited)
                setattr(complaint, column, moved)
        if complaint.warn_due is not None and complaint.escalate_due is not None:
            complaint.warn_due = complaint.escalate_due - self.warn_before
        complaint.next_update_due = self._next_update(complaint.grade, now)

    def after_progress(self, complaint: Complaint, now: datetime) -> None:
        complaint.next_update_due = self._next_update(complaint.grade, now)

    def progress_held_until(self, complaint: Complaint, when: datetime) -> None:
        """The complaint's withheld acknowledgement, owed before any update, may go only at
        `when` (the hourly limit: outbox.late_acknowledgement): the sweep looks again then."""
        complaint.next_update_due = when

    def after_survey_sent(self, complaint: Complaint, now: datetime) -> None:
        complaint.survey_due = None
        complaint.close_due = now + self.close_after

    def on_survey_answered(self, complaint: Complaint) -> None:
        complaint.close_due = None

    def on_closed(self, complaint: Complaint) -> None:
        complaint.close_due = None

    def on_merged(self, kept: Complaint, away: Complaint, now: datetime) -> None:
        """`away` is merged into `kept`: the kept case takes the graver grade of the two and,
        deadline by deadline, the earlier one still open, so nothing the customer was promised
        on either (an urgent safety case's answer by 12:30) moves later; the escalation
        watches the earlier of the two watched deadlines, with its warning, and climbs on from
        the higher level either reached."""
        if GRADES.index(away.grade) > GRADES.index(kept.grade):
            kept.grade = away.grade
        kept.escalation_level = max(kept.escalation_level, away.escalation_level)
        unanswered = [case for case in (kept, away) if case.first_response_at is None]
        if kept.first_response_at is None:
            kept.first_response_due = _earliest(case.first_response_due for case in unanswered)
        kept.resolution_due = _earliest(case.resolution_due for case in (kept, away))
        kept.next_update_due = _earliest(case.next_update_due for case in (kept, away))
        watch = _earliest(case.escalate_due for case in (kept, away))
        if watch != kept.escalate_due:
            self._watch(kept, watch, now)

    @staticmethod
    def on_merged_away(complaint: Complaint) -> None:
        """A merged complaint is carried on by another: nothing is due on it any more."""
        for column in COLUMNS:
            setattr(complaint, column, None)

    def _next_update(self, grade: str, now: datetime) -> datetime:
        """When the customer next hears of progress: the grade's `progress_every` from `now`,
        moved to the desk's next opening if it falls in closed hours when the grade counts
        working time (no notice at night, over a weekend or on a holiday)."""
        level = self.service_levels[grade]
        due = now + level.progress_every
        return level.calendar.add(due, timedelta(0)) if level.calendar else due

    def _watch(
        self, complaint: Complaint, due: datetime | None, now: datetime | None = None
    ) -> None:
        """Watch `due` for escalation (None: nothing to watch), with a warning ahead of it;
        given `now`, a warning whose time passed goes out at once, and none for a deadline
        already missed."""
        complaint.escalate_due = due
        warn = due - self.warn_before if due is not None else None
        if warn is not None and due is not None and now is not None:
            warn = max(warn, now) if due > now else None
        complaint.warn_due = warn


def _earliest(times: Iterable[datetime | None]) -> datetime | None:
    found = [time for time in times if time is not None]
    return min(found) if found else None


FIRST_RESPONSE = "first response"
RESOLUTION = "resolution"


def watched(complaint: Complaint) -> str:
    """Which deadline `escalate_due` stands for: the first response until a person answered
    (and while it was not missed already), else the resolution."""
    if (
        complaint.first_response_at is None
        and complaint.escalate_due is not None
        and (complaint.escalate_due == complaint.first_response_due)
    ):
        return FIRST_RESPONSE
    return RESOLUTION


def awaits_survey(complaint: Complaint) -> bool:
    """A survey round is open: its survey went out and is not answered yet (the case closes
    at close_due). Each resolution starts a round (`after_survey_sent` sets close_due); an
    answer, the closing or a reopening ends it, so a complaint resolved again after a reopening
    takes a new answer (the reopening blanked the earlier round's score:
    `store.queries.complaints.reopen_complaint`)."""
    return complaint.close_due is not None


def clock_started(complaint: Complaint, status_changes: Iterable[Event]) -> datetime:
    """When the complaint's current deadlines started counting: its latest reopening
    (`DueTimes.on_reopened` restarted them there), else its opening. `status_changes`: its
    `status_changed` events, oldest first."""
    reopenings = [
        change.at for change in status_changes if (change.detail or {}).get("to") == "reopened"
    ]
    return reopenings[-1] if reopenings else complaint.created_at


def wait_started(status_changes: Iterable[Event]) -> datetime | None:
    """When the current wait for the customer began: the last change into a WAITING status
    from one outside it (solution_proposed → awaiting_customer is one wait), oldest first."""
    started = None
    for change in status_changes:
        detail = change.detail or {}
        if detail.get("to") in WAITING and detail.get("from") not in WAITING:
            started = change.at
        elif detail.get("to") not in WAITING:
            started = None
    return started
