"""The References of what the bot mails on a complaint carry the whole conversation (RFC 5322
§3.6.4: the parent's References, then the parent's Message-ID), bounded to the first and the
latest ids: end to end over SMTP on 127.0.0.1 (the customer's server is smtplib, the relay an
aiosmtpd sink), with an agent's reply through the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any

import pytest

from channels.base import REFERENCES_KEPT, answer_references, bounded_references
from complaints.clock import ManualClock
from tests.conftest import START
from tests.mailpeers import Sink, mail, send
from tests.web.conftest import Desk, mails, rows

TEXT = "The invoice for order 5521 charged my card twice, please refund the second payment"


@pytest.fixture
async def desk(start_bot: Any, sink: Sink) -> AsyncIterator[Desk]:
    """The bot on a manual clock, background work off (the test dispatches), relay the sink;
    the API clients the test opened are closed after it."""
    clock = ManualClock(START)
    bot = await start_bot({"email": {"relay": {"port": sink.port}}}, clock=clock, background=False)
    running = Desk(bot, clock)
    yield running
    for client in running.clients:
        await client.aclose()


def references(message: EmailMessage) -> list[str]:
    return str(message["References"] or "").split()


async def customer_mails(desk: Desk, message: EmailMessage) -> None:
    await send(desk.app.state.services.channels["email"].smtp_port, message)


async def test_every_answer_carries_the_whole_conversation(desk: Desk, sink: Sink) -> None:
    await customer_mails(desk, mail(TEXT, subject="Invoice", message_id="<t1@c.test>"))
    (ack,) = await mails(desk, sink)
    assert references(ack) == ["<t1@c.test>"]
    (number,) = [row["number"] for row in rows(desk, "SELECT number FROM complaints")]

    # Her client answers the acknowledgement: its References, then what it answers.
    reply = mail(
        "Order 5521, paid on the 3rd.",
        subject=f"Re: {ack['Subject']}",
        message_id="<t2@c.test>",
        in_reply_to=ack["Message-ID"],
        references=f"<t1@c.test> {ack['Message-ID']}",
    )
    await customer_mails(desk, reply)
    (confirmation,) = await mails(desk, sink)
    thread = ["<t1@c.test>", ack["Message-ID"], "<t2@c.test>"]
    assert confirmation["In-Reply-To"] == "<t2@c.test>"
    assert references(confirmation) == thread

    # An agent's reply and the assignment notice answer her latest mail the same way.
    ana = await desk.account("Ana")
    assert (await ana.post(f"/api/complaints/{number}/assign", json={})).status_code == 200
    answered = await ana.post(f"/api/complaints/{number}/reply", json={"text": "Refunding."})
    assert answered.status_code == 200, answered.text
    sent = await mails(desk, sink)
    assert len(sent) == 2
    for message in sent:
        assert message["In-Reply-To"] == "<t2@c.test>"
        assert references(message) == thread
    stored = rows(desk, "SELECT thread FROM messages WHERE direction = 'in' ORDER BY id")
    assert [row["thread"] for row in stored] == ["", f"t1@c.test {ack['Message-ID'][1:-1]}"]


async def test_a_client_that_sends_only_in_reply_to_is_answered_with_it_too(
    desk: Desk, sink: Sink
) -> None:
    """RFC 5322: a parent without References is referred to by its In-Reply-To."""
    await customer_mails(desk, mail(TEXT, subject="Invoice", message_id="<i1@c.test>"))
    (ack,) = await mails(desk, sink)
    reply = mail("Any news?", message_id="<i2@c.test>", in_reply_to=ack["Message-ID"])
    await customer_mails(desk, reply)
    (answer,) = await mails(desk, sink)
    assert references(answer) == [ack["Message-ID"], "<i2@c.test>"]


async def test_a_long_thread_keeps_its_first_and_latest_ids(desk: Desk, sink: Sink) -> None:
    earlier = [f"<old{i}@c.test>" for i in range(30)]
    sent = mail(TEXT, subject="Invoice", message_id="<l1@c.test>", references=" ".join(earlier))
    await customer_mails(desk, sent)
    (ack,) = await mails(desk, sink)
    kept = references(ack)
    assert len(kept) == REFERENCES_KEPT
    assert kept == [earlier[0], *earlier[-(REFERENCES_KEPT - 2) :], "<l1@c.test>"]
    (stored,) = rows(desk, "SELECT thread FROM messages WHERE direction = 'in'")
    assert len(stored["thread"].split()) == REFERENCES_KEPT


def test_the_references_rule() -> None:
    assert answer_references([], "m@x") == ["m@x"]
    assert answer_references(["a@x", "b@x"], "m@x") == ["a@x", "b@x", "m@x"]
    assert answer_references(["a@x", "", "a@x"], "") == ["a@x"]
    ids = [f"{i}@x" for i in range(25)]
    assert bounded_references(ids) == ["0@x", *ids[-(REFERENCES_KEPT - 1) :]]
    # bounding what was stored bounded, then adding the next id, is bounding the whole
    assert answer_references(bounded_references(ids), "m@x") == answer_references(ids, "m@x")
