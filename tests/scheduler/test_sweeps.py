"""The sweeps over due times, driven by an injected clock: a complaint's whole life by e-mail,
progress updates at the grade's interval and not more, the survey after the delay, closing on
silence; and a bot that was down catches up once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from complaints.clock import ManualClock
from tests.conftest import START
from tests.mailpeers import Sink, mail, send


def settings(sink: Sink) -> dict[str, Any]:
    return {
        "email": {"relay": {"port": sink.port}},
        "grades": {"general": {"progress_every": "1d"}},
        "survey": {"delay": "7d", "close_after": "14d"},
        "agents": [{"name": "Li Wei", "departments": []}],
        "escalation": {
            "raise_grade": False,
            "warn_before": "1h",
            "levels": ["email:head@example.com"],
        },
        "departments": {"customer_care": {"supervisor": "email:boss@example.com"}},
    }


def complaint(bot: Any) -> dict[str, Any]:
    engine = sa.create_engine(bot.store_url)
    with engine.connect() as connection:
        row = connection.execute(sa.text("SELECT * FROM complaints")).mappings().one()
    engine.dispose()
    return dict(row)


async def drain(sink: Sink) -> list[Any]:
    found = []
    while not sink.messages.empty():
        found.append(await sink.next())
    return found


async def step(bot: Any, clock: ManualClock, by: timedelta) -> dict[str, int]:
    clock.advance(by)
    done = await bot.app.state.services.sweeps.run_all()
    await bot.app.state.services.dispatcher.dispatch_due()
    return done


async def test_a_complaints_life_by_email(start_bot: Any, sink: Sink) -> None:
    clock = ManualClock(START)
    bot = await start_bot(settings(sink), clock, background=False)
    port = bot.app.state.services.channels["email"].smtp_port
    await send(
        port, mail("The shop assistant was rude to me at the checkout.", message_id="<life@c.test>")
    )
    await bot.app.state.services.dispatcher.dispatch_due()
    assert "complaint number" in (await sink.next()).get_body(("plain",)).get_content()
    number = complaint(bot)["number"]

    done = await step(bot, clock, timedelta(hours=23))
    assert (done["warnings"], done["progress"], done["escalations"]) == (1, 0, 0)
    warning = await sink.next()  # the department has no group: its supervisor is warned
    assert warning["To"] == "boss@example.com"
    assert "first response deadline is" in warning.get_body(("plain",)).get_content()
    done = await step(bot, clock, timedelta(hours=1))
    assert (done["progress"], done["escalations"]) == (1, 1)
    mails = {mail["To"]: mail.get_body(("plain",)).get_content() for mail in await drain(sink)}
    assert "missed its first response deadline" in mails["boss@example.com"]
    update = mails["ana@customer.test"]
    assert f"Update on your complaint {number}" in update and "acknowledged" in update
    assert (await step(bot, clock, timedelta(hours=12)))["progress"] == 0  # not more often

    agent = await bot.app.state.services.agents.agent_for_name("Li Wei")
    clock.advance(timedelta(hours=6))  # an agent writes: the next update waits a full day
    await bot.app.state.services.agents.take(number, agent)  # (a reply would take it too)
    await bot.app.state.services.agents.reply(number, agent, "We are looking into it.")
    await bot.app.state.services.dispatcher.dispatch_due()
    assert "now being handled by Li Wei" in (await sink.next()).get_body(("plain",)).get_content()
    await sink.next()  # the reply
    assert (await step(bot, clock, timedelta(hours=12)))["progress"] == 0
    await bot.app.state.services.agents.resolve(number, agent, "The manager apologised in person.")
    await bot.app.state.services.dispatcher.dispatch_due()
    assert "resolved" in (await sink.next()).get_body(("plain",)).get_content()

    assert (await step(bot, clock, timedelta(days=6)))["surveys"] == 0
    assert (await step(bot, clock, timedelta(days=1)))["surveys"] == 1
    survey = (await sink.next()).get_body(("plain",)).get_content()
    assert "How satisfied" in survey and number in survey
    assert (await step(bot, clock, timedelta(days=1)))["surveys"] == 0  # one survey only

    assert (await step(bot, clock, timedelta(days=13)))["closing"] == 1
    assert "closed" in (await sink.next()).get_body(("plain",)).get_content()
    assert complaint(bot)["status"] == "closed"
    assert not any((await step(bot, clock, timedelta(days=30))).values())


def thread_of(message: Any) -> tuple[str, str, str]:
    """What a mail client threads a mail by: In-Reply-To, References and the decoded subject."""
    return message["In-Reply-To"], " ".join(str(message["References"]).split()), message["Subject"]


async def test_status_mails_thread_like_an_agents_reply(start_bot: Any, sink: Sink) -> None:
    clock = ManualClock(START)
    bot = await start_bot(settings(sink), clock, background=False)
    services = bot.app.state.services
    port = services.channels["email"].smtp_port
    await send(port, mail("My kettle leaks.", subject="Broken kettle", message_id="<k1@c.test>"))
    await services.dispatcher.dispatch_due()
    await sink.next()  # the acknowledgement
    number = complaint(bot)["number"]
    agent = await services.agents.agent_for_name("Li Wei")
    await services.agents.take(number, agent)
    await services.agents.reply(number, agent, "Could you send a photo?")
    await services.dispatcher.dispatch_due()
    assigned, reply = await sink.next(), await sink.next()
    assert "now being handled by Li Wei" in assigned.get_body(("plain",)).get_content()
    first = ("<k1@c.test>", "<k1@c.test>", f"[{number}] Re: Broken kettle")
    assert thread_of(reply) == thread_of(assigned) == first

    await send(
        port,
        mail("It still leaks.", subject=f"Re: [{number}] Broken kettle", message_id="<k2@c.test>"),
    )
    await services.dispatcher.dispatch_due()
    await drain(sink)
    await services.agents.resolve(number, agent, "Replaced the kettle.")
    await services.dispatcher.dispatch_due()
    resolved = await sink.next()
    assert "resolved" in resolved.get_body(("plain",)).get_content()
    assert (await step(bot, clock, timedelta(days=7)))["surveys"] == 1
    survey = await sink.next()
    assert "How satisfied" in survey.get_body(("plain",)).get_content()
    latest = ("<k2@c.test>", "<k2@c.test>", f"[{number}] Re: Broken kettle")
    assert thread_of(resolved) == thread_of(survey) == latest


async def test_a_bot_that_was_down_catches_up_once(start_bot: Any, sink: Sink) -> None:
    clock = ManualClock(START)
    first = await start_bot(settings(sink), clock, background=False)
    port = first.app.state.services.channels["email"].smtp_port
    for n in range(3):
        await send(
            port,
            mail(
                f"Complaint number {n} about rude staff.",
                sender=f"c{n}@customer.test",
                message_id=f"<down{n}@c.test>",
            ),
            sender=f"c{n}@customer.test",
        )
    await first.stop()
    clock.advance(timedelta(days=1, hours=1))  # a day of downtime
    second = await start_bot(settings(sink), clock, background=False)
    assert (await second.app.state.services.sweeps.run_all())["progress"] == 3
    assert (await second.app.state.services.sweeps.run_all())["progress"] == 0


@pytest.mark.parametrize(
    ("answer", "status", "reply"),
    [
        ("4 - the manager was very kind", "closed", "your answer is recorded"),
        ("１", "reopened", "reopened your complaint"),
    ],
)
async def test_an_emailed_survey_answer_scores_once(
    start_bot: Any, sink: Sink, answer: str, status: str, reply: str
) -> None:
    clock = ManualClock(START)
    bot = await start_bot(settings(sink), clock, background=False)
    port = bot.app.state.services.channels["email"].smtp_port
    await send(port, mail("The shop assistant was rude to me.", message_id="<s1@c.test>"))
    number = complaint(bot)["number"]
    agent = await bot.app.state.services.agents.agent_for_name("Li Wei")
    await bot.app.state.services.agents.take(number, agent)
    await bot.app.state.services.agents.resolve(number, agent, "Apologised.")
    assert (await step(bot, clock, timedelta(days=7)))["surveys"] == 1
    survey = [m for m in sink.received if "How satisfied" in m.get_body(("plain",)).get_content()]
    await send(port, mail(answer, message_id="<s2@c.test>", in_reply_to=survey[0]["Message-ID"]))
    await bot.app.state.services.dispatcher.dispatch_due()
    stored = complaint(bot)
    score, comment = int(answer[0].replace("１", "1")), answer[4:]  # the comment without it
    if status == "reopened":  # open again: the round's score is on the timeline, not current
        score, comment = None, ""
    assert (stored["status"], stored["survey_score"], stored["survey_comment"]) == (
        status,
        score,
        comment,
    )
    await bot.app.state.services.dispatcher.dispatch_due()
    assert any(reply in m.get_body(("plain",)).get_content() for m in sink.received)
    to_boss = [
        m.get_body(("plain",)).get_content()
        for m in sink.received
        if m["To"] == "boss@example.com" and "was reopened" in m.get_body(("plain",)).get_content()
    ]
    assert len(to_boss) == (1 if status == "reopened" else 0)
    assert (await step(bot, clock, timedelta(days=30)))["closing"] == 0


async def test_missed_deadlines_climb_one_level_at_a_time(start_bot: Any, sink: Sink) -> None:
    clock = ManualClock(START)
    overrides = settings(sink)
    overrides["escalation"]["raise_grade"] = True
    bot = await start_bot(overrides, clock, background=False)
    port = bot.app.state.services.channels["email"].smtp_port
    await send(port, mail("The shop assistant was rude to me.", message_id="<e1@c.test>"))
    done = await step(bot, clock, timedelta(hours=24))
    assert done["escalations"] == 1
    assert (complaint(bot)["grade"], complaint(bot)["escalation_level"]) == ("important", 1)
    done = await step(bot, clock, timedelta(days=6))
    assert done["escalations"] == 1  # the resolution deadline (7 days) passed as well
    stored = complaint(bot)
    assert (stored["grade"], stored["escalation_level"]) == ("urgent", 2)
    # overdue, it escalates again an urgent resolution interval (24 h) later, to the last level
    assert (await step(bot, clock, timedelta(days=1)))["escalations"] == 1
    staff = [
        m["To"] for m in sink.received if "Escalation level" in m.get_body(("plain",)).get_content()
    ]
    assert staff == ["boss@example.com", "head@example.com", "head@example.com"]


async def test_an_agent_answer_in_time_prevents_the_first_escalation(
    start_bot: Any, sink: Sink
) -> None:
    clock = ManualClock(START)
    bot = await start_bot(settings(sink), clock, background=False)
    port = bot.app.state.services.channels["email"].smtp_port
    await send(port, mail("The shop assistant was rude to me.", message_id="<e2@c.test>"))
    clock.advance(timedelta(hours=2))
    agent = await bot.app.state.services.agents.agent_for_name("Li Wei")
    await bot.app.state.services.agents.reply(
        complaint(bot)["number"], agent, "We are sorry; looking."
    )
    assert (await step(bot, clock, timedelta(days=1)))["escalations"] == 0


async def test_a_webhook_customer_answers_the_survey_by_posting_back(
    start_bot: Any, callback_receiver: Any
) -> None:
    from tests.channels.test_webhook import complaint as webhook_complaint
    from tests.channels.test_webhook import post
    from tests.conftest import SECRET

    receiver, served = callback_receiver
    clock = ManualClock(START)
    overrides = {
        "webhook": {
            "sources": {"shop": {"secret": SECRET, "callback_url": f"{served.url}/callback"}}
        },
        "agents": [{"name": "Li Wei", "departments": []}],
    }
    bot = await start_bot(overrides, clock, background=False)
    first = (await post(bot, webhook_complaint("w-1", "The cashier was rude to me."))).json()
    agent = await bot.app.state.services.agents.agent_for_name("Li Wei")
    await bot.app.state.services.agents.take(first["complaint"], agent)
    await bot.app.state.services.agents.resolve(first["complaint"], agent, "Apologised.")
    clock.advance(timedelta(days=7))
    assert (await bot.app.state.services.sweeps.run_all())["surveys"] == 1
    await bot.app.state.services.dispatcher.dispatch_due()
    kinds = []
    while not receiver.arrivals.empty():
        kinds.append((await receiver.arrivals.get())["kind"])
    assert kinds[-1] == "survey"
    answer = await post(bot, webhook_complaint("w-2", "5", complaint=first["complaint"]))
    assert answer.status_code == 202
    assert complaint(bot)["status"] == "closed" and complaint(bot)["survey_score"] == 5


@pytest.mark.parametrize(
    "request_text",
    [
        "/handler",
        "Change handler, please.",
        "更换处理人",
        "Hello again. Nobody has called me back, I want to speak to a manager.",
        "Hola, quiero hablar con otra persona, por favor.",
        "你好，我要换个处理人",
        "請找你們主管處理",
    ],
)
async def test_an_email_customer_may_ask_for_another_handler(
    start_bot: Any, sink: Sink, request_text: str
) -> None:
    overrides = settings(sink)
    overrides["agents"].append({"name": "Mei Lin", "departments": [], "senior": True})
    bot = await start_bot(overrides, ManualClock(START), background=False)
    port = bot.app.state.services.channels["email"].smtp_port
    await send(port, mail("The shop assistant was rude to me.", message_id="<h1@c.test>"))
    number = complaint(bot)["number"]
    await bot.app.state.services.agents.take(
        number, await bot.app.state.services.agents.agent_for_name("Li Wei")
    )
    await send(port, mail(request_text, message_id="<h2@c.test>", subject=f"Re: [{number}]"))
    await bot.app.state.services.dispatcher.dispatch_due()
    assert complaint(bot)["assignee"] == "Mei Lin"
    mails = [(m["To"], m.get_body(("plain",)).get_content()) for m in await drain(sink)]
    assert ("boss@example.com", True) in [
        (to, "Mei Lin takes over from Li Wei" in text) for to, text in mails
    ]
    assert ("ana@customer.test", True) in [
        (to, "now being handled by Mei Lin" in text) for to, text in mails
    ]
    # One answer to the request (the new handler's name), not also the generic follow-up one:
    # the customer's mails are the acknowledgement, Li Wei's taking it, and Mei Lin's.
    assert [to for to, _ in mails].count("ana@customer.test") == 3


@pytest.mark.parametrize(
    "follow_up",
    [
        "The manager at the shop was rude to me as well.",
        "I don't want to speak to a manager, I want my money back.",
        "I went back to the shop today. The assistant said the manager was out, so I waited "
        "for an hour, and when he came he told me to write to you again. I want to speak to a "
        "manager who can actually decide something about my refund.",
    ],
)
async def test_a_mention_of_a_manager_is_no_request_for_another_handler(
    start_bot: Any, sink: Sink, follow_up: str
) -> None:
    overrides = settings(sink)
    overrides["agents"].append({"name": "Mei Lin", "departments": [], "senior": True})
    bot = await start_bot(overrides, ManualClock(START), background=False)
    port = bot.app.state.services.channels["email"].smtp_port
    await send(port, mail("The shop assistant was rude to me.", message_id="<m1@c.test>"))
    number = complaint(bot)["number"]
    await bot.app.state.services.agents.take(
        number, await bot.app.state.services.agents.agent_for_name("Li Wei")
    )
    await send(port, mail(follow_up, message_id="<m2@c.test>", subject=f"Re: [{number}]"))
    await bot.app.state.services.dispatcher.dispatch_due()
    assert complaint(bot)["assignee"] == "Li Wei"
    mails = [m.get_body(("plain",)).get_content() for m in await drain(sink)]
    assert not any("Mei Lin" in text for text in mails)


async def test_the_scheduler_runs_the_sweeps_at_start_and_catches_up(
    start_bot: Any, sink: Sink
) -> None:
    clock = ManualClock(START)
    first = await start_bot(settings(sink), clock, background=False)
    port = first.app.state.services.channels["email"].smtp_port
    await send(port, mail("The shop assistant was rude to me.", message_id="<a1@c.test>"))
    await first.stop()
    clock.advance(timedelta(days=2))  # down for two days; the APScheduler job runs at start
    await start_bot(settings(sink), clock)  # background: scheduler and dispatcher running
    texts = []
    while not any("Update on your complaint" in text for text in texts):
        texts.append((await sink.next()).get_body(("plain",)).get_content())


async def _warned_and_escalated(bot: Any, clock: ManualClock, sink: Sink) -> dict[str, Any]:
    """The first response deadline of a new complaint warned of, then missed: the mails, by
    address."""
    rude = mail("The shop assistant was rude to me at the checkout.")  # customer_care's
    await send(bot.app.state.services.channels["email"].smtp_port, rude)
    await bot.app.state.services.dispatcher.dispatch_due()
    await sink.next()  # the acknowledgement
    await step(bot, clock, timedelta(hours=23))
    warning = await sink.next()
    await step(bot, clock, timedelta(hours=1))
    mails = {found["To"]: found for found in await drain(sink)}
    return {"warning": warning, **mails}


async def test_the_supervisor_reads_warnings_and_escalations_in_their_language(
    start_bot: Any, sink: Sink
) -> None:
    """A supervisor address tied to no account is written to in the department's
    `supervisor_language`, every part of the text too (the deadline, "nobody yet"); the
    escalation levels keep the desk's language."""
    clock = ManualClock(START)
    spanish = settings(sink)
    spanish["departments"]["customer_care"]["supervisor_language"] = "es"
    bot = await start_bot(spanish, clock, background=False)
    mails = await _warned_and_escalated(bot, clock, sink)
    warning = mails["warning"]
    assert warning["To"] == "boss@example.com"
    assert "Reclamación C-" in warning["Subject"]
    text = warning.get_body(("plain",)).get_content()
    assert "el plazo de primera respuesta vence el" in text and "nadie todavía" in text
    escalation = mails["boss@example.com"].get_body(("plain",)).get_content()
    assert "incumplió su plazo de primera respuesta" in escalation, escalation
    await step(bot, clock, timedelta(days=6))  # the resolution deadline missed: the level hears
    level = {found["To"]: found for found in await drain(sink)}["head@example.com"]
    assert "missed its resolution deadline" in level.get_body(("plain",)).get_content()


async def test_a_supervisor_address_of_an_account_reads_the_accounts_language(
    start_bot: Any, sink: Sink
) -> None:
    """The person chose their account's language: it wins over `supervisor_language`."""
    clock = ManualClock(START)
    spanish = settings(sink)
    spanish["departments"]["customer_care"]["supervisor_language"] = "es"
    bot = await start_bot(spanish, clock, background=False)
    accounts = bot.app.state.services.accounts
    await accounts.create(
        "Boss", "supervisor", ("customer_care",), email="Boss@Example.com", language="zh-Hant"
    )
    mails = await _warned_and_escalated(bot, clock, sink)
    assert "首次答覆期限為" in mails["warning"].get_body(("plain",)).get_content()
    assert "錯過了首次答覆期限" in mails["boss@example.com"].get_body(("plain",)).get_content()
