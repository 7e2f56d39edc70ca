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

from desk.chat_texts import say, status_name
from desk.clock import Clock
from desk.replies import Replies
from desk.settings import SurveySettings
from desk.workflow import change_status
from router import ServiceLevel
from store import queries
from store.database import Database
from store.models import Complaint, Identity

log = logging.getLogger(__name__)

FINISHED = ("resolved", "closed", "rejected")


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
    ) -> None:
        self.database = database
        self.clock = clock
        self.service_levels = service_levels
        self.survey = survey
        self.replies = replies
        self.can_send = can_send
        self.on_queued = on_queued
        self.batch = batch

    async def run_all(self) -> dict[str, int]:
        """Every sweep once, each until nothing is due; how many rows each handled."""
        done = {"progress": 0, "surveys": 0, "closing": 0}
        for name, sweep in (
            ("progress", self._progress),
            ("surveys", self._surveys),
            ("closing", self._closing),
        ):
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
            text = say(
                language,
                "progress",
                number=complaint.number,
                status=status_name(language, complaint.status),
                owner=owner,
                due=self.replies.format_due(
                    complaint.first_response_due or complaint.created_at, language
                ),
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
            change_status(session, complaint, "closed", "system", "no survey answer", now)
            self._send(
                session,
                complaint,
                "progress",
                say(complaint.language, "closed_thanks", number=complaint.number),
                now,
            )
        return len(complaints)

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
