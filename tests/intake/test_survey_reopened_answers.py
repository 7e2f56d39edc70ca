"""By e-mail as on Telegram: after a low score reopened the complaint and an agent asked the
customer something, the customer's "gracias, ya lo veo" is the answer to that question (the
complaint is investigated again, its clock running), not a comment of the survey round the
reopening ended."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.intake.test_reopening import events, life, read, to_customer
from tests.mailpeers import Sink
from tests.scheduler.test_sweeps import drain


async def test_an_answer_after_a_reopening_score_and_a_question_is_an_answer(
    start_bot: Any, sink: Sink
) -> None:
    case = await life(start_bot, sink, "Me han cobrado dos veces la factura de este mes.")
    await case.resolve_and_survey()
    [survey] = [
        m["Message-ID"]
        for m in case.sink.received
        if "grado de satisfacción" in m.get_body(("plain",)).get_content()
    ]
    assert len(to_customer(await case.write("2", in_reply_to=survey))) == 1  # the reopening
    assert (await read(case)).status == "reopened"
    case.clock.advance(timedelta(hours=1))
    agent = await case.services.agents.agent_for_name("Li Wei")
    question = "¿Ve ya el abono en su cuenta?"
    await case.services.agents.reply(case.number, agent, question, wait_for_customer=True)
    await case.services.dispatcher.dispatch_due()
    await drain(case.sink)
    assert (await read(case)).status == "awaiting_customer"

    case.clock.advance(timedelta(hours=2))
    answered = to_customer(await case.write("gracias, ya lo veo", subject=f"Re: [{case.number}]"))
    found = await read(case)
    assert (found.status, found.survey_score, found.survey_comment) == ("investigating", None, "")
    assert events(case.bot, "survey_commented") == []
    assert events(case.bot, "status_changed")[-1]["to"] == "investigating"
    assert len(answered) == 1 and "comentario" not in answered[0]
