"""A mail under a Message-ID the bot has already seen on a different mail (a form mailer or
gateway that reuses ids, or a customer's new complaint under an old id) is a message of its
own, yet every answer to it refers to the Message-ID it carried, so the customer's client
threads them; a true redelivery is still recognised and not answered twice. End to end: smtplib
as the customer's server into the bot's SMTP intake, the bot's relay into an aiosmtpd sink, an
agent through the API."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from complaints.clock import ManualClock
from tests.channels.test_email import rows
from tests.conftest import START
from tests.mailpeers import Sink, mail, send
from tests.web.conftest import Desk

BILLING = "The invoice for order 5521 charged my card twice, please refund the second payment"


def references(message: EmailMessage) -> list[str]:
    return str(message["References"] or "").split()


async def test_answers_to_a_mail_under_another_senders_id_refer_to_that_id(
    mailbot: Any, sink: Sink
) -> None:
    first = mail("Wrong size delivered.", message_id="<form@shop.test>")
    other = mail(
        BILLING,
        message_id="<form@shop.test>",
        sender="luis@customer.test",
        name="Luis",
        references="<start@shop.test>",
    )
    await send(mailbot.smtp_port, first)
    assert (await sink.next())["In-Reply-To"] == "<form@shop.test>"
    await send(mailbot.smtp_port, other, sender="luis@customer.test")
    ack = await sink.next()
    assert ack["To"] == "luis@customer.test"
    assert ack["In-Reply-To"] == "<form@shop.test>"
    assert references(ack) == ["<start@shop.test>", "<form@shop.test>"]

    # The same mail delivered again (the customer's server retrying) is no new mail.
    await send(mailbot.smtp_port, other, sender="luis@customer.test")
    assert len(rows(mailbot, "SELECT id FROM messages WHERE direction = 'in'")) == 2
    assert len(rows(mailbot, "SELECT id FROM outbox")) == 2

    # Later answers (an agent's, and the assignment notice) stay in his conversation.
    number = rows(mailbot, "SELECT number FROM complaints ORDER BY id")[1]["number"]
    desk = Desk(mailbot, ManualClock(START))
    try:
        agent = await desk.account("Eva")
        assert (await agent.post(f"/api/complaints/{number}/assign", json={})).status_code == 200
        answered = await agent.post(f"/api/complaints/{number}/reply", json={"text": "Refunded."})
        assert answered.status_code == 200, answered.text
    finally:
        for client in desk.clients:
            await client.aclose()
    later = [await sink.next(), await sink.next()]
    for message in later:
        assert message["To"] == "luis@customer.test"
        assert message["In-Reply-To"] == "<form@shop.test>"
        assert references(message) == ["<start@shop.test>", "<form@shop.test>"]
    assert sink.messages.empty()


async def test_a_customers_new_complaint_under_an_old_id_is_answered_on_that_id(
    mailbot: Any, sink: Sink
) -> None:
    """Her client reused the id of her first mail for a new complaint: a complaint of its
    own, acknowledged as an answer to the mail she sent; its redelivery is not answered."""
    await send(mailbot.smtp_port, mail("My kettle leaks.", message_id="<same@c.test>"))
    await sink.next()
    again = mail(BILLING, subject="Invoice", message_id="<same@c.test>")
    await send(mailbot.smtp_port, again)
    ack = await sink.next()
    numbers = [row["number"] for row in rows(mailbot, "SELECT number FROM complaints ORDER BY id")]
    assert len(numbers) == 2
    assert ack["Subject"].startswith(f"[{numbers[1]}]")
    assert ack["In-Reply-To"] == "<same@c.test>"
    assert references(ack) == ["<same@c.test>"]
    await send(mailbot.smtp_port, again)
    assert len(rows(mailbot, "SELECT id FROM outbox")) == 2

    # Her reply to that acknowledgement joins the second complaint and is answered on it.
    reply = mail(
        "It was the payment of the 3rd.",
        subject=f"Re: {ack['Subject']}",
        message_id="<r1@c.test>",
        in_reply_to=ack["Message-ID"],
        references=f"<same@c.test> {ack['Message-ID']}",
    )
    await send(mailbot.smtp_port, reply)
    confirmation = await sink.next()
    assert confirmation["Subject"].startswith(f"[{numbers[1]}]")
    assert confirmation["In-Reply-To"] == "<r1@c.test>"
    assert references(confirmation) == ["<same@c.test>", ack["Message-ID"], "<r1@c.test>"]
