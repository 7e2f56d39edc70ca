"""The chat side of a complaint: guided intake, /status, language, linking an e-mail address,
asking for another handler, and the satisfaction survey's buttons.

`ChatDesk` is what the Telegram chat flow reaches through its `CustomerChat` port
(`channels/telegram/ports.py`): the adapter reads updates, this decides and says.

Guided intake asks, one question at a time, for the registration fields the complaint's
department needs (`[departments.X] ask`) and does not have yet; an answer fills the field, a
"skip" moves on, and nothing is asked twice. The state lives in the store (`telegram_chats`),
so a restart or another instance continues the same conversation, and every message the bot
writes about a complaint goes through the outbox like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from complaints.clock import Clock
from complaints.workflow import FINISHED
from intake import chat_link
from intake.chat_answers import current_answer, fill_answer
from intake.chat_survey import refusal
from intake.handler_requests import hand_to_senior
from intake.survey import record_survey
from outbox.notify import Notifier
from outbox.templates import Replies
from outbox.texts import LANGUAGE_NAMES, say, status_name
from router import RuleSet
from scheduler.due import DueTimes
from store import queries
from store.database import Database
from store.models import ChatState, Complaint
from store.queries.chat import chat_state, chat_state_to_change
from store.queries.complaints import complaint_by_id, complaints_of_customer
from store.queries.customers import customer as customer_by_id
from store.queries.customers import identity_at

CHANNEL = chat_link.CHANNEL
CLOSED = FINISHED - {"merged"}
"""A chat whose complaint is over starts a new one (a merged one's number still leads on to the
complaint it was merged into)."""


class ChatDesk:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        rules: Callable[[], RuleSet],
        replies: Replies,
        default_language: str,
        company: str,
        on_queued: Callable[[], None] = lambda: None,
        reopen_at_or_below: int = 2,
        *,
        notifier: Notifier,
        due: DueTimes,
    ) -> None:
        self.reopen_at_or_below = reopen_at_or_below
        self.notifier = notifier
        self.due = due
        self.database = database
        self.clock = clock
        self.rules = rules
        self.replies = replies
        self.default_language = default_language
        self.company = company
        self.on_queued = on_queued

    # ---- texts -----------------------------------------------------------------------------

    def say(self, language: str, key: str, /, **values: object) -> str:
        """The chat's text `key` in `language`, with the company's name at hand."""
        return say(language, key, company=self.company, **values)

    def language_name(self, language: str) -> str:
        return LANGUAGE_NAMES[language]

    # ---- state ---------------------------------------------------------------------------

    async def state(self, chat_id: int) -> ChatState:
        found = await self.database.read(lambda s: s.get(ChatState, chat_id))
        return found or ChatState(chat_id=chat_id)

    async def chosen_language(self, chat_id: int) -> str:
        """The language the chat chose with /language, or ""."""
        return (await self.state(chat_id)).language or ""

    async def set_language(self, chat_id: int, language: str) -> None:
        await self.database.write(lambda s: setattr(_state(s, chat_id), "language", language))

    async def start_new(self, chat_id: int) -> None:
        def work(session: Session) -> None:
            state = _state(session, chat_id)
            state.start_new, state.pending_field = True, ""

        await self.database.write(work)

    async def open_complaint(self, chat_id: int) -> str:
        """The number of the chat's open complaint a new message joins, or "" (none, or the
        customer asked for a new one with /new)."""

        def work(session: Session) -> str:
            state = chat_state(session, chat_id=chat_id)
            if state is None or state.start_new or state.complaint_id is None:
                return ""
            complaint = complaint_by_id(session, complaint_id=state.complaint_id)
            if complaint is None or complaint.status in CLOSED:
                return ""
            return complaint.number or ""

        return await self.database.read(work)

    async def ask_other_handler(self, chat_id: int) -> str:
        """/handler: a senior agent takes the chat's open complaint (the customer is told
        through the outbox). Returns the key of the text to answer with, "" when done."""
        number = await self.open_complaint(chat_id)
        if not number:
            return "no_complaints"
        now = self.clock.now()

        def work(session: Session) -> str | None:
            complaint = queries.complaint_by_number(session, number)
            if complaint is None:
                return None
            senior = hand_to_senior(session, self.notifier, complaint, now)
            if senior is not None:
                self.notifier.tell_customer(session, complaint, "assigned_notice", now, name=senior)
            return senior

        senior = await self.database.write(work)
        self.on_queued()
        return "" if senior else "handler_unavailable"

    # ---- guided intake -------------------------------------------------------------------

    async def after_intake(self, chat_id: int, number: str, created: bool) -> None:
        """A message was recorded: for a new complaint, remember it and ask the first question."""
        if not created:
            return

        def work(session: Session) -> bool:
            complaint = queries.complaint_by_number(session, number)
            assert complaint is not None
            state = _state(session, chat_id)
            state.complaint_id, state.asked, state.start_new = complaint.id, [], False
            state.pending_field = ""
            return self._ask_next(session, state, complaint)

        if await self.database.write(work):
            self.on_queued()

    async def answer(self, chat_id: int, external_id: str, text: str) -> bool:
        """Use `text` as the answer to the pending question; False when none is pending.
        A repeated update (same `external_id`) changes nothing."""

        def work(session: Session) -> bool:
            state = chat_state(session, chat_id=chat_id)
            if state is None or not state.pending_field or state.complaint_id is None:
                return False
            if queries.find_inbound(session, CHANNEL, external_id) is not None:
                return True
            complaint = complaint_by_id(session, complaint_id=state.complaint_id)
            assert complaint is not None and complaint.id is not None
            field, now = state.pending_field, self.clock.now()
            queries.add_messages(
                session,
                [
                    {
                        "complaint_id": complaint.id,
                        "direction": "in",
                        "channel": CHANNEL,
                        "external_id": external_id,
                        "identity_id": complaint.identity_id,
                        "author": "customer",
                        "kind": f"answer:{field}",
                        "text": text,
                        "language": complaint.language,
                        "created_at": now,
                    }
                ],
            )
            if field == "survey_comment":
                complaint.survey_comment = complaint.survey_comment or text[:1000]
                queries.add_event(session, complaint.id, now, "customer", "survey_commented", {})
                state.pending_field = ""
                self._queue(session, complaint, state, "chat", "survey_comment_thanks")
                return True
            fill_answer(session, complaint, field, text)
            queries.add_event(
                session,
                complaint.id,
                now,
                "customer",
                "details_added",
                {"fields": [field], "via": "chat"},
            )
            self._ask_next(session, state, complaint)
            return True

        consumed = await self.database.write(work)
        self.on_queued()
        return consumed

    async def skip(self, chat_id: int, field: str) -> None:
        def work(session: Session) -> None:
            state = chat_state(session, chat_id=chat_id)
            if state is None or state.pending_field != field or state.complaint_id is None:
                return  # a double tap, or an old button: nothing to do
            complaint = complaint_by_id(session, complaint_id=state.complaint_id)
            assert complaint is not None
            self._ask_next(session, state, complaint)

        await self.database.write(work)
        self.on_queued()

    def _ask_next(self, session: Session, state: ChatState, complaint: Complaint) -> bool:
        """Queue the next question (or the closing thanks); True when something was queued."""
        customer = customer_by_id(session, customer_id=complaint.customer_id)
        asked = list(state.asked or [])
        department = self.rules().departments.get(complaint.department)
        wanted = department.ask if department else ()
        missing = [
            field
            for field in wanted
            if field not in asked and not current_answer(complaint, customer, field)
        ]
        if not missing:
            had_questions = bool(state.pending_field)
            state.pending_field = ""
            if had_questions:
                self._queue(session, complaint, state, "chat", "thanks_details")
            return had_questions
        field = missing[0]
        state.pending_field, state.asked = field, [*asked, field]
        language = state.language or complaint.language
        self._queue(
            session,
            complaint,
            state,
            "question",
            f"ask.{field}",
            buttons=[[{"text": say(language, "skip"), "data": f"skip:{field}"}]],
        )
        return True

    def _queue(
        self,
        session: Session,
        complaint: Complaint,
        state: ChatState,
        kind: str,
        key: str,
        buttons: list[list[dict[str, str]]] | None = None,
        **values: Any,
    ) -> None:
        language = state.language or complaint.language
        text = say(language, key, **values)
        queries.queue_message(
            session,
            complaint,
            CHANNEL,
            str(state.chat_id),
            kind,
            text,
            self.clock.now(),
            {"buttons": buttons} if buttons else {},
        )

    # ---- /status -------------------------------------------------------------------------

    async def status(self, chat_id: int, language: str) -> str:
        def work(session: Session) -> list[Complaint]:
            identity = identity_at(session, channel=CHANNEL, address=str(chat_id))
            if identity is None:
                return []
            return complaints_of_customer(session, customer_id=identity.customer_id)

        complaints = await self.database.read(work)
        if not complaints:
            return say(language, "no_complaints")
        return "\n".join(
            say(
                language,
                "status_line",
                number=c.number,
                status=status_name(language, c.status),
                due=self.replies.format_due(c.first_response_due or c.created_at, language),
            )
            for c in complaints[-10:]
        )

    # ---- linking an e-mail address --------------------------------------------------------

    async def start_link(self, chat_id: int, email: str) -> str:
        """Remember a fresh code for `email`; return the code, to be mailed to that address."""
        now = self.clock.now()
        return await self.database.write(
            lambda session: chat_link.new_code(_state(session, chat_id), email, now)
        )

    async def link_pending(self, chat_id: int) -> bool:
        state = await self.state(chat_id)
        return bool(state.link_code_hash)

    async def verify_link(self, chat_id: int, code: str) -> str:
        """The address linked by `code` (its customer and the chat's become one), or ""."""
        now = self.clock.now()
        return await self.database.write(
            lambda session: chat_link.verify(
                session, chat_state(session, chat_id=chat_id), code, now
            )
        )

    # ---- satisfaction survey ---------------------------------------------------------------

    async def survey_answer(
        self, chat_id: int, number: str, score: int, message_id: int | None = None
    ) -> str:
        """Record a 1-5 score once per survey round. `message_id` is the Telegram message whose
        button was tapped: only the complaint's latest survey counts (the round it opened), an
        older one's buttons are stale. Returns the reply key: "survey_thanks" (recorded),
        "survey_done" (this round was answered already) or "survey_stale"."""
        now = self.clock.now()

        def work(session: Session) -> str:
            complaint = queries.complaint_by_number(session, number)
            identity = identity_at(session, channel=CHANNEL, address=str(chat_id))
            if (
                complaint is None
                or identity is None
                or not 1 <= score <= 5
                or (complaint.customer_id != identity.customer_id)
            ):
                return "survey_stale"
            refused = refusal(session, chat_id, message_id, complaint)
            if refused:
                return refused
            self._record_score(session, chat_id, complaint, score, now)
            return "survey_thanks"

        answer = await self.database.write(work)
        self.on_queued()
        return answer

    def _record_score(
        self, session: Session, chat_id: int, complaint: Complaint, score: int, now: datetime
    ) -> None:
        reopened = record_survey(
            session,
            complaint,
            score,
            now,
            notifier=self.notifier,
            due=self.due,
            reopen_at_or_below=self.reopen_at_or_below,
        )
        state = _state(session, chat_id)
        if reopened:
            self._queue(session, complaint, state, "progress", "reopened", number=complaint.number)
        state.complaint_id, state.pending_field = complaint.id, "survey_comment"


def _state(session: Session, chat_id: int) -> ChatState:
    return chat_state_to_change(session, chat_id=chat_id)
