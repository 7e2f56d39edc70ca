"""A complaint whose acknowledgement the hourly limit withheld (`[email] max_replies_per_hour`)
is first heard of through that acknowledgement, never through a progress update: a customer
who mailed seven complaints within a minute got five acknowledgements, and minutes later
"Update on your complaint C-…: it is awaiting handling" for numbers they had never been given.

The progress sweep sends the withheld acknowledgement in place of the update, once the limit
allows it (counted against it, as any acknowledgement is); until then it sends nothing about
that complaint. Through the real SMTP intake, the relay sink and an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from complaints.clock import ManualClock
from tests.channels.test_email import rows
from tests.conftest import START
from tests.intake.test_reopening import Life, events, to_customer
from tests.mailpeers import Sink
from tests.scheduler.test_sweeps import drain, settings, step

ENGLISH = [
    "The parcel arrived with the box torn open and a cup broken.",
    "Your courier left my order in the rain and the book is ruined.",
    "I was charged twice for the same order last week.",
    "The shop assistant was rude to me at the checkout.",
    "The refund you promised a month ago never reached my account.",
    "The washing machine you installed leaks water onto the floor.",
    "Nobody answers the phone at your customer service line.",
]
SPANISH = [
    "El paquete llegó con la caja rota y una taza hecha pedazos.",
    "El mensajero dejó mi pedido bajo la lluvia y el libro se estropeó.",
    "Me cobraron dos veces el mismo pedido la semana pasada.",
    "La dependienta de la tienda fue muy grosera conmigo en la caja.",
    "El reembolso que me prometieron hace un mes nunca llegó a mi cuenta.",
    "La lavadora que instalaron pierde agua por todo el suelo de la cocina.",
    "Nadie contesta el teléfono del servicio de atención al cliente.",
]
LANGUAGES = [
    pytest.param(ENGLISH, "Your complaint number is", "Update on your complaint", id="en"),
    pytest.param(SPANISH, "El número de su reclamación es", "Novedades de su reclamación", id="es"),
]
EVERY_TEN_MINUTES = {
    grade: {"progress_every": "10m"} for grade in ("urgent", "important", "general")
}


def about(mails: list[str], number: str) -> list[str]:
    return [mail for mail in mails if number in mail]


@pytest.mark.parametrize(("texts", "acknowledged", "update"), LANGUAGES)
async def test_a_withheld_acknowledgement_comes_before_any_progress_update(
    start_bot: Any, sink: Sink, texts: list[str], acknowledged: str, update: str
) -> None:
    clock = ManualClock(START)
    bot = await start_bot({**settings(sink), "grades": EVERY_TEN_MINUTES}, clock, background=False)
    case = Life(bot, sink, clock)
    answered = [
        to_customer(await case.write(text, subject=f"Order {n}")) for n, text in enumerate(texts)
    ]
    assert [len(mails) for mails in answered] == [1, 1, 1, 1, 1, 0, 0]  # the limit is 5
    assert len(events(bot, "reply_withheld")) == 2
    numbers = [row["number"] for row in rows(bot, "SELECT number FROM complaints ORDER BY id")]
    withheld = numbers[5:]

    # ten minutes on, the five acknowledged hear of progress; the other two of nothing yet:
    # an acknowledgement now would be a sixth answer within the hour
    await step(bot, clock, timedelta(minutes=10))
    told = to_customer([(m["To"], m.get_body(("plain",)).get_content()) for m in await drain(sink)])
    assert len(told) == 5 and all(update in mail for mail in told)
    assert not any(about(told, number) for number in withheld)

    # once the hour is over, each gets its acknowledgement, not an update
    await step(bot, clock, timedelta(minutes=51))
    told = to_customer([(m["To"], m.get_body(("plain",)).get_content()) for m in await drain(sink)])
    for number in withheld:
        (mail,) = about(told, number)
        assert f"{acknowledged} {number}" in mail and update not in mail
    statuses = rows(bot, "SELECT number, status FROM complaints ORDER BY id")
    assert [row["status"] for row in statuses[5:]] == ["acknowledged", "acknowledged"]

    # and from then on, progress updates as for the others
    await step(bot, clock, timedelta(minutes=10))
    told = to_customer([(m["To"], m.get_body(("plain",)).get_content()) for m in await drain(sink)])
    for number in withheld:
        (mail,) = about(told, number)
        assert update in mail and acknowledged not in mail


async def test_a_late_acknowledgement_never_promises_a_time_already_past(
    start_bot: Any, sink: Sink
) -> None:
    """The general grade's first response is due 30 minutes after arrival; the held
    acknowledgement leaves an hour later: it promises 30 minutes from then, not the deadline
    already past (which the desk is still measured on)."""
    clock = ManualClock(START)
    grades = {
        grade: {"first_response": "30m", "progress_every": "10m"}
        for grade in ("urgent", "important", "general")
    }
    bot = await start_bot({**settings(sink), "grades": grades}, clock, background=False)
    case = Life(bot, sink, clock)
    for n, text in enumerate(ENGLISH):
        await case.write(text, subject=f"Order {n}")
    [late] = rows(bot, "SELECT number, first_response_due FROM complaints ORDER BY id")[6:]
    await step(bot, clock, timedelta(minutes=61))
    told = to_customer([(m["To"], m.get_body(("plain",)).get_content()) for m in await drain(sink)])
    (mail,) = about(told, late["number"])
    assert "Your complaint number is" in mail
    deadline = datetime.fromisoformat(str(late["first_response_due"])).replace(tzinfo=UTC)
    assert deadline < clock.now() - timedelta(minutes=30)  # the desk's deadline passed
    assert deadline.strftime("%d %b %Y %H:%M") not in mail
    assert (clock.now() + timedelta(minutes=30)).strftime("%d %b %Y %H:%M") in mail
