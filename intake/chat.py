"""The chat side of a complaint: guided intake, /status, language, linking an e-mail address
(`chat_link.LinkCodes`), asking for another handler, and the satisfaction survey's buttons.

`ChatDesk` is what the Telegram chat flow reaches through its `CustomerChat` port
(`channels/telegram/ports.py`): the adapter reads updates, this decides and says.

Guided intake asks, one question at a time, for the registration fields the complaint's
department needs (`[departments.X] ask`) and does not have yet, after filling what the first
message says (`chat_details`); an answer fills the field, "skip" (button or typed) moves on.
A message that is no answer (`chat_answers.looks_like_answer`, or graver) is more of the
complaint: intake records it and raises the grade (`follow_up`, `regrade`); the question is
asked once more, then dropped, as it is when the complaint is finished or a person of the desk
has written to the customer since (`chat_survey.outlived`).
The state lives in the store (a restart or another instance continues); all goes via the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from complaints.clock import Clock
from complaints.workflow import FINISHED
from intake import chat_link
from intake.chat_answers import (
    current_answer,
    fill_answer,
    fill_found,
    is_skip,
    looks_like_answer,
    record_answer,
)
from intake.chat_details import found_details
from intake.chat_status import complaints_of_chat, status_text
from intake.chat_survey import outlived, refusal
from intake.chat_threads import complaint_of_chat_message, meant_for_another
from intake.chosen_language import choose_language
from intake.handler_requests import asks_for_handler, hand_to_senior
from intake.regrade import grades_higher
from intake.status_questions import command_language
from intake.survey import record_survey
from outbox.notify import Notifier
from outbox.templates import Replies
from outbox.texts import LANGUAGE_NAMES, say
from router import RuleSet
from scheduler.due import DueTimes
from store import queries
from store.database import Database
from store.models import ChatState, Complaint
from store.queries.chat import chat_state, chat_state_to_change
from store.queries.complaints import complaint_by_id
from store.queries.customers import customer as customer_by_id
from store.queries.customers import identity_at
from store.queries.messages import last_inbound

CHANNEL = chat_link.CHANNEL
CLOSED = FINISHED - {"merged"}
"""A chat whose complaint is over starts a new one (a merged one's number still leads on to the
complaint it was merged into)."""


class ChatDesk(chat_link.LinkCodes):
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
        self.reopen_at_or_below, self.notifier, self.due = reopen_at_or_below, notifier, due
        self.database = database
        self.clock = clock
        self.rules = rules
        self.replies = replies
        self.default_language = default_language
        self.company = company
        self.on_queued = on_queued
        self.link_budget = chat_link.CodeBudget()

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
        """The chat's language, and that of the customer's complaints (`chosen_language`)."""
        now = self.clock.now()
        await self.database.write(
            lambda s: choose_language(s, chat_id, language, now), retry_on_conflict=True
        )

    async def start_new(self, chat_id: int) -> None:
        def work(session: Session) -> None:
            state = chat_state_to_change(session, chat_id=chat_id)
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

    async def replied_complaint(self, chat_id: int, message_id: int) -> str:
        """The number of the complaint the chat's message `message_id` was about, or ""."""
        return await self.database.read(
            lambda session: complaint_of_chat_message(session, chat_id, message_id)
        )

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

        senior = await self.database.write(work, retry_on_conflict=True)  # changed meanwhile: anew
        self.on_queued()
        return "" if senior else "handler_unavailable"

    # ---- guided intake -------------------------------------------------------------------

    async def after_intake(self, chat_id: int, number: str, created: bool) -> None:
        """A message was recorded. A new complaint: fill what its text already says, then ask
        the first question. More of an open one while a question waits (intake has raised the
        grade if the message was graver): ask that question once more, or move on."""

        def work(session: Session) -> bool:
            complaint = queries.complaint_by_number(session, number)
            assert complaint is not None and complaint.id is not None
            state = chat_state_to_change(session, chat_id=chat_id)
            if not created:  # intake raised the grade if it was graver (intake.follow_up)
                ours = complaint.id == state.complaint_id  # not a message for another one
                return (
                    ours
                    and bool(state.pending_field)
                    and self._ask_again(session, state, complaint)
                )
            message = last_inbound(session, complaint_id=complaint.id)
            text = message.text if message is not None else ""
            now = self.clock.now()
            state.complaint_id, state.asked, state.start_new = complaint.id, [], False
            state.pending_field = ""
            fill_found(session, complaint, found_details(text, now.date()), now)
            return self._ask_next(session, state, complaint)

        if await self.database.write(work):
            self.on_queued()

    async def answer(self, chat_id: int, external_id: str, text: str, replied: str = "") -> bool:
        """Use `text` as the answer to the pending question; False when none is pending, or
        `text` is more of the complaint, or is about another complaint (it replies to the
        bot's message about complaint `replied`, or names another number). A repeated update
        (same `external_id`) changes nothing."""

        if asks_for_handler(text):
            return False  # a request for another handler is no answer: intake hears it

        def work(session: Session) -> bool:
            state = chat_state(session, chat_id=chat_id)
            if state is None or not state.pending_field or state.complaint_id is None:
                return False
            if queries.find_inbound(session, CHANNEL, external_id) is not None:
                return True
            complaint = complaint_by_id(session, complaint_id=state.complaint_id)
            assert complaint is not None and complaint.id is not None
            if outlived(session, state, complaint) or meant_for_another(complaint, replied, text):
                return False  # not for this question: intake hears the message
            field, now = state.pending_field, self.clock.now()
            if field == "survey_comment":
                record_answer(session, complaint, external_id, f"answer:{field}", text, now)
                # the round is still the complaint's current one (`outlived` dropped the
                # question of a round a reopening ended)
                complaint.survey_comment = complaint.survey_comment or text[:1000]
                queries.add_event(session, complaint.id, now, "customer", "survey_commented", {})
                state.pending_field = ""
                self._queue(session, complaint, state, "chat", "survey_comment_thanks")
            elif is_skip(text):
                record_answer(session, complaint, external_id, f"skipped:{field}", text, now)
                self._ask_next(session, state, complaint)
            elif self._is_answer(complaint, field, text):
                record_answer(session, complaint, external_id, f"answer:{field}", text, now)
                self._take_answer(session, state, complaint, text)
            else:
                return False  # more of the complaint: intake records it, after_intake re-asks
            return True

        consumed = await self.database.write(work)
        self.on_queued()
        return consumed

    def _take_answer(
        self, session: Session, state: ChatState, complaint: Complaint, text: str
    ) -> None:
        """Fill the pending field and ask the next question; a purchase date in a form the
        field does not take is asked for again, saying which form."""
        field, now = state.pending_field, self.clock.now()
        filled = fill_answer(session, complaint, field, text, now.date())
        if not filled:
            buttons = self._skip(state, complaint)
            self._queue(session, complaint, state, "question", "date_format", buttons)
            return
        detail = {"fields": filled, "via": "chat"}
        queries.add_event(session, complaint.id or 0, now, "customer", "details_added", detail)
        self._ask_next(session, state, complaint)

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

    def _is_answer(self, complaint: Complaint, field: str, text: str) -> bool:
        """`text` reads as an answer to the question about `field` and says nothing graver
        than the complaint already does."""
        return looks_like_answer(field, text) and not grades_higher(
            text, complaint, self.clock.now(), self.rules(), self.due
        )

    def _ask_again(self, session: Session, state: ChatState, complaint: Complaint) -> bool:
        """The pending question once more after a message that did not answer it; the
        second time, the next question instead (the customer can always skip)."""
        field, asked = state.pending_field, list(state.asked or [])
        if field == "survey_comment":
            return False
        if asked.count(field) >= 2:
            return self._ask_next(session, state, complaint)
        state.asked = [*asked, field]
        self._queue(
            session, complaint, state, "question", f"ask.{field}", self._skip(state, complaint)
        )
        return True

    def _skip(self, state: ChatState, complaint: Complaint) -> list[list[dict[str, str]]]:
        """The Skip button of the pending question."""
        text = say(state.language or complaint.language, "skip")
        return [[{"text": text, "data": f"skip:{state.pending_field}"}]]

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
        self._queue(
            session, complaint, state, "question", f"ask.{field}", self._skip(state, complaint)
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
        notice: str = "",
        **values: Any,
    ) -> None:
        language = state.language or complaint.language
        text = say(language, key, number=complaint.number or "", **values)
        queries.queue_message(
            session,
            complaint,
            CHANNEL,
            str(state.chat_id),
            kind,
            text,
            self.clock.now(),
            {"buttons": buttons} if buttons else {},
            text_key=notice,
        )

    # ---- /status -------------------------------------------------------------------------

    async def status(self, chat_id: int, app_language: str) -> str:
        """/status in one language (`status_questions.command_language`); `app_language` is
        the user's Telegram app's, "" when it names none the bot speaks."""
        complaints = await self.database.read(lambda s: complaints_of_chat(s, chat_id))
        chosen = await self.chosen_language(chat_id)
        language = command_language(chosen, app_language, complaints, self.default_language)
        return status_text(complaints, language, self.clock.now(), self.replies.format_due)

    # ---- satisfaction survey ---------------------------------------------------------------

    async def survey_answer(
        self, chat_id: int, number: str, score: int, message_id: int | None = None
    ) -> str:
        """Record a 1-5 score once per round, tapped under the survey message `message_id` (the
        latest survey only). The reply key: "survey_thanks", "survey_reopened" (the reopening
        notice answers), "survey_done" (answered already) or "survey_stale" (an older round)."""
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
            reopened = self._record_score(session, chat_id, complaint, score, now)
            return "survey_reopened" if reopened else "survey_thanks"

        answer = await self.database.write(work, retry_on_conflict=True)  # changed meanwhile: anew
        self.on_queued()
        return answer

    def _record_score(
        self, session: Session, chat_id: int, complaint: Complaint, score: int, now: datetime
    ) -> bool:
        reopened = record_survey(
            session,
            complaint,
            score,
            now,
            notifier=self.notifier,
            due=self.due,
            reopen_at_or_below=self.reopen_at_or_below,
        )
        state = chat_state_to_change(session, chat_id=chat_id)
        state.complaint_id, state.pending_field = complaint.id, "survey_comment"
        if reopened:  # a notice, recorded by its text key as tell_customer's are
            self._queue(session, complaint, state, "progress", reopened, notice=reopened)
            # the reopening ended the round: the next words are about the reopened complaint
            state.pending_field = ""
        return bool(reopened)
