"""Merging keeps the graver case's urgency: an urgent safety complaint merged into the same
customer's general one leaves the kept complaint urgent, in the safety department, with the
urgent case's deadlines (the customer was promised an answer by then), and the escalation
follows them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from complaints.clock import ManualClock
from tests.conftest import START
from tests.mailpeers import Sink, mail, send
from tests.scheduler.test_sweeps import settings, step


def _rows(bot: Any) -> dict[str, dict[str, Any]]:
    engine = sa.create_engine(bot.store_url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM complaints")).mappings().all()
        events = connection.execute(sa.text("SELECT kind, detail FROM events")).all()
    engine.dispose()
    found = {row["number"]: dict(row) for row in rows}
    found["events"] = {"kinds": [kind for kind, _ in events], "all": list(events)}
    return found


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


async def test_an_urgent_case_merged_into_a_general_one_keeps_its_grade_and_deadlines(
    start_bot: Any, sink: Sink
) -> None:
    overrides = settings(sink)
    overrides["departments"]["safety"] = {"supervisor": "email:safety-boss@example.com"}
    clock = ManualClock(START)
    bot = await start_bot(overrides, clock, background=False)
    services = bot.app.state.services
    port = services.channels["email"].smtp_port
    await send(port, mail("The shop assistant was rude to me.", message_id="<g1@c.test>"))
    clock.advance(timedelta(minutes=30))
    await send(
        port,
        mail("My new kettle started to smoke and smells of burning.", message_id="<u1@c.test>"),
    )
    rows = _rows(bot)
    general, urgent = sorted(number for number in rows if number != "events")
    assert (rows[general]["grade"], rows[urgent]["grade"]) == ("general", "urgent")
    assert rows[urgent]["department"] == "safety"
    promised = _at(rows[urgent]["first_response_due"])

    agent = await services.agents.agent_for_name("Li Wei")
    await services.duplicates.merge(urgent, general, agent)
    kept = _rows(bot)[general]
    assert (kept["grade"], kept["category"], kept["department"]) == ("urgent", "safety", "safety")
    assert _at(kept["first_response_due"]) == promised
    assert _at(kept["resolution_due"]) == _at(rows[urgent]["resolution_due"])
    assert _at(kept["escalate_due"]) == promised
    assert _at(kept["warn_due"]) == promised - timedelta(hours=1)
    took = [detail for kind, detail in _rows(bot)["events"]["all"] if kind == "merge_took_over"]
    assert len(took) == 1 and urgent in str(took[0]) and "urgent" in str(took[0])

    await services.dispatcher.dispatch_due()
    while not sink.messages.empty():
        await sink.next()
    done = await step(bot, clock, promised - clock.now())
    assert done["escalations"] == 1
    to = [
        m["To"] for m in sink.received if "Escalation level" in m.get_body(("plain",)).get_content()
    ]
    assert to == ["safety-boss@example.com"]


async def test_after_a_merge_each_conversation_keeps_its_subject(
    start_bot: Any, sink: Sink
) -> None:
    clock = ManualClock(START)
    bot = await start_bot(settings(sink), clock, background=False)
    services = bot.app.state.services
    port = services.channels["email"].smtp_port
    bo = {"sender": "bo@customer.test", "name": "Bo Li"}
    first = mail(
        "我的订单已经两周没有送到了。", subject="订单未送达", message_id="<b1@c.test>", **bo
    )
    await send(port, first, sender="bo@customer.test")
    clock.advance(timedelta(hours=2))
    second = mail(
        "My parcel still has not arrived.", subject="Parcel missing", message_id="<b2@c.test>", **bo
    )
    await send(port, second, sender="bo@customer.test")
    kept, away = sorted(number for number in _rows(bot) if number != "events")
    agent = await services.agents.agent_for_name("Li Wei")
    await services.duplicates.merge(away, kept, agent)
    await services.agents.reply(kept, agent, "We are tracing the parcel.")
    await services.dispatcher.dispatch_due()
    to_bo = [m for m in sink.received if m["To"] == "bo@customer.test"][2:]  # after the acks
    assert len(to_bo) == 2  # the merge notice and the reply, both answering the latest mail
    for message in to_bo:
        assert message["In-Reply-To"] == "<b2@c.test>"
        assert message["Subject"] == f"[{kept}] Re: Parcel missing"
