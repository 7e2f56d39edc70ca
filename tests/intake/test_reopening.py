"""A complaint's life after its resolution, by e-mail with an injected clock: a reopened
complaint is tracked again (deadlines, warnings, escalation, progress), a survey has one answer
per round, only a reply that is a score counts as one, a reply to a rejection disputes it, and
a mere "thanks" to a finished complaint reopens nothing. Each answer is one message."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from complaints.clock import ManualClock
from store import queries
from tests.channels.test_webhook import complaint as webhook_complaint
from tests.channels.test_webhook import post
from tests.conftest import START
from tests.mailpeers import Sink, mail, send
from tests.scheduler.test_sweeps import complaint, drain, settings, step


def events(bot: Any, kind: str) -> list[Any]:
    engine = sa.create_engine(bot.store_url)
    with engine.connect() as connection:
        found = connection.execute(
            sa.text("SELECT detail FROM events WHERE kind = :kind ORDER BY id"), {"kind": kind}
        ).all()
    engine.dispose()
    return [json.loads(row[0]) if isinstance(row[0], str) else row[0] for row in found]


class Life:
    """One e-mail customer's complaint, driven through the real bot."""

    def __init__(self, bot: Any, sink: Sink, clock: ManualClock) -> None:
        self.bot, self.sink, self.clock = bot, sink, clock
        self.services = bot.app.state.services
        self.port = self.services.channels["email"].smtp_port
        self.sent = 0

    async def write(self, text: str, **headers: Any) -> list[tuple[str, str]]:
        """The customer writes; the mails that went out because of it (to, body)."""
        self.sent += 1
        await send(self.port, mail(text, message_id=f"<m{self.sent}@c.test>", **headers))
        await self.services.dispatcher.dispatch_due()
        return [(m["To"], m.get_body(("plain",)).get_content()) for m in await drain(self.sink)]

    async def reply_to_survey(self, text: str) -> list[tuple[str, str]]:
        surveys = [
            m for m in self.sink.received if "How satisfied" in m.get_body(("plain",)).get_content()
        ]
        return await self.write(text, in_reply_to=surveys[-1]["Message-ID"])

    @property
    def number(self) -> str:
        return str(complaint(self.bot)["number"])

    async def agent(self, action: str, *args: str) -> None:
        agent = await self.services.agents.agent_for_name("Li Wei")
        await getattr(self.services.agents, action)(self.number, agent, *args)
        await self.services.dispatcher.dispatch_due()
        await drain(self.sink)

    async def resolve_and_survey(self) -> None:
        await self.agent("take")
        await self.agent("resolve", "Apologised.")
        assert (await step(self.bot, self.clock, timedelta(days=7)))["surveys"] == 1
        await drain(self.sink)


async def life(
    start_bot: Any, sink: Sink, text: str = "The shop assistant was rude to me."
) -> Life:
    clock = ManualClock(START)
    bot = await start_bot(settings(sink), clock, background=False)
    started = Life(bot, sink, clock)
    await started.write(text)
    return started


async def read(case: Life) -> Any:
    """The complaint as the store reads it (typed columns)."""
    number = case.number
    return await case.services.database.read(lambda s: queries.complaint_by_number(s, number))


def to_customer(mails: list[tuple[str, str]]) -> list[str]:
    return [body for to, body in mails if to == "ana@customer.test"]


async def test_a_low_score_reopens_with_fresh_deadlines_and_a_second_round_is_answered(
    start_bot: Any, sink: Sink
) -> None:
    case = await life(start_bot, sink)
    await case.resolve_and_survey()
    answered = to_customer(await case.reply_to_survey("1"))
    assert len(answered) == 1 and "reopened your complaint" in answered[0]  # one message
    reopened_at = case.clock.now()
    found = await read(case)
    assert found.status == "reopened"
    # tracked again, from the reopening: general = 1 day to answer, updates every day
    assert found.escalate_due == found.first_response_due == reopened_at + timedelta(days=1)
    assert found.warn_due == reopened_at + timedelta(hours=23)
    assert found.next_update_due == reopened_at + timedelta(days=1)
    assert (found.survey_due, found.close_due) == (None, None)
    assert (await step(case.bot, case.clock, timedelta(hours=23)))["warnings"] == 1
    done = await step(case.bot, case.clock, timedelta(hours=1))
    assert (done["escalations"], done["progress"]) == (1, 1)
    assert events(case.bot, "escalated")[-1]["missed"] == "first response"

    await case.agent("resolve", "Replaced the product.")
    assert (await step(case.bot, case.clock, timedelta(days=7)))["surveys"] == 1
    await drain(case.sink)
    answered = to_customer(await case.reply_to_survey("4 - good"))
    assert len(answered) == 1 and "your answer is recorded" in answered[0]
    stored = complaint(case.bot)
    assert (stored["status"], stored["survey_score"]) == ("closed", 4)
    assert [e["score"] for e in events(case.bot, "survey_answered")] == [1, 4]
    assert (await step(case.bot, case.clock, timedelta(days=30)))["closing"] == 0


async def test_an_agents_grade_correction_after_a_reopening_counts_from_the_reopening(
    start_bot: Any, sink: Sink
) -> None:
    case = await life(start_bot, sink)
    await case.resolve_and_survey()
    await case.reply_to_survey("1")
    reopened_at = case.clock.now()  # a week after the opening
    case.clock.advance(timedelta(minutes=30))
    await case.agent("grade", "urgent")
    found = await read(case)
    urgent = case.services.sweeps.due.service_levels["urgent"]
    assert (found.first_response_due, found.resolution_due) == urgent.due(reopened_at)
    # the first response is watched again, not already a week overdue
    assert found.escalate_due == found.first_response_due > case.clock.now()
    assert (await step(case.bot, case.clock, timedelta(0)))["escalations"] == 0


async def test_writing_to_a_closed_complaint_reopens_it_and_it_is_escalated_again(
    start_bot: Any, sink: Sink
) -> None:
    case = await life(start_bot, sink)
    await case.resolve_and_survey()
    await case.reply_to_survey("5")
    assert complaint(case.bot)["status"] == "closed"
    case.clock.advance(timedelta(days=3))
    answered = to_customer(
        await case.write("It happened again today.", subject=f"Re: [{case.number}]")
    )
    assert len(answered) == 1
    assert "We have reopened your complaint" in answered[0] and "answer you by" in answered[0]
    found = await read(case)
    assert found.status == "reopened"
    assert found.escalate_due == case.clock.now() + timedelta(days=1)
    assert found.next_update_due is not None and found.warn_due is not None
    done = await step(case.bot, case.clock, timedelta(days=1))
    assert (done["escalations"], done["progress"]) == (1, 1)


@pytest.mark.parametrize(
    ("reply", "score"),
    [
        ("5, thanks", 5),
        ("４", 4),
        ("5, gracias", 5),
        ("4 - bien", 4),
        ("5 非常满意", 5),
        ("４分", 4),
        ("5 非常滿意", 5),
    ],
)
async def test_a_reply_that_is_a_score_counts_in_every_language(
    start_bot: Any, sink: Sink, reply: str, score: int
) -> None:
    case = await life(start_bot, sink)
    await case.resolve_and_survey()
    await case.reply_to_survey(reply)
    stored = complaint(case.bot)
    assert (stored["status"], stored["survey_score"]) == ("closed", score)


@pytest.mark.parametrize(
    "reply",
    [
        "3 weeks and my router is broken again, this is NOT resolved!",
        "2 semanas y el router sigue roto, ¡esto NO está resuelto!",
        "3周了路由器又坏了，根本没有解决！",
        "3週了路由器又壞了，根本沒有解決！",
        "3 and my router is broken again, this is NOT resolved at all!",
    ],
)
async def test_a_survey_reply_that_is_a_new_complaint_reopens_the_case(
    start_bot: Any, sink: Sink, reply: str
) -> None:
    case = await life(start_bot, sink)
    await case.resolve_and_survey()
    answered = to_customer(await case.reply_to_survey(reply))
    stored = complaint(case.bot)
    assert (stored["status"], stored["survey_score"]) == ("reopened", None)
    assert stored["escalate_due"] is not None
    assert len(answered) == 1 and case.number in answered[0]


async def test_a_reply_to_a_rejection_disputes_it(start_bot: Any, sink: Sink) -> None:
    case = await life(start_bot, sink)
    await case.agent("reject", "This is a question about our opening hours.")
    assert complaint(case.bot)["status"] == "rejected"
    mails = await case.write(
        "I disagree: the assistant was rude, this is a complaint.",
        subject=f"Re: [{case.number}]",
    )
    stored = complaint(case.bot)
    assert stored["status"] == "reopened" and stored["escalate_due"] is not None
    boss = [body for to, body in mails if to == "boss@example.com"]
    assert len(boss) == 1 and "disputes" in boss[0] and case.number in boss[0]
    answered = to_customer(mails)
    assert len(answered) == 1
    assert "supervisor will review our decision" in answered[0]
    assert "will see it straight away" not in answered[0]
    assert events(case.bot, "disputed") == [{"to": "email:boss@example.com"}]
    assert "dispute" in stored["tags"]


@pytest.mark.parametrize("courtesy", ["Thanks!", "thank you", "ok", "Gracias", "谢谢", "謝謝！"])
async def test_a_thanks_to_a_closed_complaint_reopens_nothing(
    start_bot: Any, sink: Sink, courtesy: str
) -> None:
    case = await life(start_bot, sink)
    await case.resolve_and_survey()
    await case.reply_to_survey("5")
    answered = await case.write(courtesy, subject=f"Re: [{case.number}]")
    stored = complaint(case.bot)
    assert stored["status"] == "closed" and stored["escalate_due"] is None
    assert to_customer(answered) == []
    assert events(case.bot, "reply_withheld")[-1]["why"].startswith("a courtesy")
    assert len(events(case.bot, "message_received")) == 3  # the thanks is on the timeline


AFTER_RESOLUTION = [
    ("¡Gracias! 😊", "resolved"),
    ("Thanks :)", "resolved"),
    ("谢谢你们！", "resolved"),
    ("感謝您的幫忙", "resolved"),
    ("Gracias, pero sigue sin funcionar", "reopened"),
    ("谢谢，但是还是坏的", "reopened"),
]


@pytest.mark.parametrize(("text", "status"), AFTER_RESOLUTION)
async def test_a_thanks_by_mail_leaves_a_resolved_complaint_resolved_a_new_problem_reopens_it(
    start_bot: Any, sink: Sink, text: str, status: str
) -> None:
    case = await life(start_bot, sink)
    await case.agent("take")
    await case.agent("resolve", "Apologised.")
    answered = to_customer(await case.write(text, subject=f"Re: [{case.number}] Complaint"))
    assert complaint(case.bot)["status"] == status
    assert len(answered) == (status == "reopened")


@pytest.mark.parametrize(("text", "status"), [AFTER_RESOLUTION[0], AFTER_RESOLUTION[4]])
async def test_a_thanks_by_webhook_leaves_a_resolved_complaint_resolved(
    start_bot: Any, sink: Sink, text: str, status: str
) -> None:
    bot = await start_bot(settings(sink), ManualClock(START), background=False)
    first = (await post(bot, webhook_complaint("m-1", "The shop assistant was rude."))).json()
    agents = bot.app.state.services.agents
    agent = await agents.agent_for_name("Li Wei")
    await agents.take(first["complaint"], agent)
    await agents.resolve(first["complaint"], agent, "Apologised.")
    thanks = await post(bot, webhook_complaint("m-2", text, complaint=first["complaint"]))
    assert thanks.status_code == 202
    assert complaint(bot)["status"] == status
    assert ("reopened" in thanks.json()["acknowledgement"]) is (status == "reopened")
